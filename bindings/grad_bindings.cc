// Gradient tapes and variables. A tape records while its JS handle lives (web/ deletes it in a finally);
// variables are shared_ptr handles so layers and JS can hold the same one.
#include <emscripten/bind.h>

#include <memory>
#include <string>
#include <vector>

#include "guard.h"
#include "ops/tape.h"
#include "ops/variable.h"

namespace kerasm::bindings {
namespace {

using TensorList = std::vector<Tensor>;
using StringList = std::vector<std::string>;
using ops::GradientTape;
using ops::Variable;
using ops::VariablePtr;

// dy may be null (ones). With allow_unconnected, unconnected sources get an empty tensor (meta pointer 0).
TensorList Gradient(GradientTape& tape, const Tensor& y, const TensorList& xs, const Tensor* dy,
                    bool allow_unconnected) {
  return Guard([&] { return tape.Gradient(y, xs, dy ? *dy : Tensor(), allow_unconnected); });
}

VariablePtr NewVariable(const Tensor& initial, bool trainable, const std::string& name) {
  return Guard([&] { return std::make_shared<Variable>(initial, trainable, name); });
}

// The current value (same id as the variable's, so the tape sees gradients flow to it).
Tensor VariableValue(const Variable& v) {
  return Guard([&] { return v.value(); });
}

void VariableAssign(Variable& v, const Tensor& value) {
  Guard([&] { v.Assign(value); });
}

std::string VariableName(const Variable& v) { return v.name(); }
bool VariableTrainable(const Variable& v) { return v.trainable(); }
void VariableSetTrainable(Variable& v, bool trainable) { v.set_trainable(trainable); }

// The trainable live variables (created from JS or by layers), in creation order: their values and names.
TensorList TrainableValues() {
  return Guard([&] {
    TensorList values;
    for (const Variable* v : Variable::Live()) {
      if (v->trainable()) values.push_back(v->value());
    }
    return values;
  });
}

StringList TrainableNames() {
  return Guard([&] {
    StringList names;
    for (const Variable* v : Variable::Live()) {
      if (v->trainable()) names.push_back(v->name());
    }
    return names;
  });
}

}  // namespace
}  // namespace kerasm::bindings

EMSCRIPTEN_BINDINGS(kerasm_grad) {
  using namespace emscripten;
  using namespace kerasm::bindings;
  register_vector<std::string>("StringList");

  class_<GradientTape>("GradientTape").constructor<>();
  function("gradient", &Gradient, allow_raw_pointers());

  class_<Variable>("Variable").smart_ptr<VariablePtr>("VariablePtr");
  function("newVariable", &NewVariable);
  function("variableValue", &VariableValue);
  function("variableAssign", &VariableAssign);
  function("variableName", &VariableName);
  function("variableTrainable", &VariableTrainable);
  function("variableSetTrainable", &VariableSetTrainable);
  function("trainableValues", &TrainableValues);
  function("trainableNames", &TrainableNames);
}
