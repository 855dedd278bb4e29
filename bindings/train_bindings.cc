// Optimizers as shared handles: km.train.* objects and compile() use the same C++ optimizer (and so the
// same slots). Gradients are applied by variable name, as tfjs' optimizer.applyGradients does, to the live
// variables (those of layers and km.variable alike).
#include <emscripten/bind.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "guard.h"
#include "json_util.h"
#include "models/optimizers.h"
#include "ops/variable.h"

namespace kerasm::bindings {
namespace {

using models::Optimizer;
using OptimizerPtr = std::shared_ptr<Optimizer>;
using StringList = std::vector<std::string>;
using TensorList = std::vector<Tensor>;

// name: a class or string name ("adam", "RMSProp"); config: camelCase or snake_case JSON (optimizers.h).
OptimizerPtr CreateOptimizer(const std::string& name, const std::string& config) {
  return Guard([&] { return OptimizerPtr(models::CreateOptimizer(name, ParseJson(config, name))); });
}

std::string OptimizerClassName(const OptimizerPtr& opt) { return opt ? opt->ClassName() : std::string(); }

std::string OptimizerConfig(const OptimizerPtr& opt) {
  return Guard([&] {
    if (!opt) Fail<ValueError>("the optimizer handle is empty");
    return opt->GetConfig().dump();
  });
}

double OptimizerIterations(const OptimizerPtr& opt) { return opt ? static_cast<double>(opt->iterations()) : 0; }

void ApplyGradientsByName(const OptimizerPtr& opt, const StringList& names, const TensorList& grads) {
  Guard([&] {
    if (!opt) Fail<ValueError>("the optimizer handle is empty");
    if (names.size() != grads.size()) {
      Fail<ValueError>(opt->ClassName(), ": applyGradients got ", names.size(), " names for ", grads.size(), " gradients");
    }
    std::unordered_map<std::string, ops::Variable*> live;
    for (ops::Variable* v : ops::Variable::Live()) live.emplace(v->name(), v);
    std::vector<ops::Variable*> vars;
    for (const std::string& name : names) {
      auto it = live.find(name);
      if (it == live.end()) {
        Fail<ValueError>(opt->ClassName(), ": applyGradients: there is no live variable named '", name, "'");
      }
      vars.push_back(it->second);
    }
    opt->ApplyGradients(vars, grads);
  });
}

// The slot values in tfjs' getWeights() order (without 'iter'), as copies the caller owns; their names
// ("dense/kernel/m") go to `names`, same order (one call: GetWeights copies every slot).
TensorList OptimizerSlotWeights(const OptimizerPtr& opt, StringList& names) {
  return Guard([&] {
    if (!opt) Fail<ValueError>("the optimizer handle is empty");
    TensorList out;
    names.clear();
    for (auto& w : opt->GetWeights()) {
      out.push_back(w.value);
      names.push_back(w.name);
    }
    return out;
  });
}

// The slot kinds ("m", "v"), so JS can split slot names into variable and slot.
StringList OptimizerSlotKinds(const OptimizerPtr& opt) {
  return Guard([&] {
    if (!opt) Fail<ValueError>("the optimizer handle is empty");
    return opt->SlotNames();
  });
}

// setWeights: `variables` names the live variables the slots belong to (slot k of variable i at
// k * n + i); none: the slots go to the next applyGradients' variables by position (optimizers.h).
void OptimizerSetWeights(const OptimizerPtr& opt, double iterations, const TensorList& slots,
                         const StringList& variables) {
  Guard([&] {
    if (!opt) Fail<ValueError>("the optimizer handle is empty");
    if (!(iterations >= 0) || iterations != static_cast<double>(static_cast<int64_t>(iterations))) {
      Fail<ValueError>(opt->ClassName(), ".setWeights: 'iter' must be a whole number >= 0, got ", iterations);
    }
    std::unordered_map<std::string, ops::Variable*> live;
    for (ops::Variable* v : ops::Variable::Live()) live.emplace(v->name(), v);
    std::vector<ops::Variable*> vars;
    for (const std::string& name : variables) {
      auto it = live.find(name);
      if (it == live.end()) {
        Fail<ValueError>(opt->ClassName(), ".setWeights: there is no live variable named '", name, "'");
      }
      vars.push_back(it->second);
    }
    opt->SetWeights(static_cast<int64_t>(iterations), slots, vars);
  });
}

}  // namespace
}  // namespace kerasm::bindings

EMSCRIPTEN_BINDINGS(kerasm_train) {
  using namespace emscripten;
  using namespace kerasm::bindings;

  class_<kerasm::models::Optimizer>("Optimizer").smart_ptr<OptimizerPtr>("OptimizerPtr");
  function("createOptimizer", &CreateOptimizer);
  function("optimizerClassName", &OptimizerClassName);
  function("optimizerConfig", &OptimizerConfig);
  function("optimizerIterations", &OptimizerIterations);
  function("applyGradientsByName", &ApplyGradientsByName);
  function("optimizerSlotWeights", &OptimizerSlotWeights);
  function("optimizerSlotKinds", &OptimizerSlotKinds);
  function("optimizerSetWeights", &OptimizerSetWeights);
}
