// Keras / tfjs optimizers. ApplyGradients updates each variable by replacing its value (never writing in
// place) under a NoGradScope. Slot variables (moments, accumulators) are created lazily per variable and
// keyed by the Variable's serial; they are released when their variable or the optimizer is.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "ops/variable.h"

namespace kerasm::models {

using json = nlohmann::json;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // grads[i] is d loss / d vars[i]->value(); an undefined gradient skips that variable.
  virtual void ApplyGradients(const std::vector<ops::Variable*>& vars, const std::vector<Tensor>& grads) = 0;
  // tfjs class name ("Adam", "SGD", "Momentum", "RMSProp", "Adagrad", "Adadelta", "Adamax", "Nadam").
  virtual std::string ClassName() const = 0;
  // camelCase config as tfjs serialises it ({learningRate, beta1, ...}).
  virtual json GetConfig() const = 0;
  int64_t iterations() const { return iterations_; }

  // One slot variable: "<variable name>/<slot>" ("dense/kernel/m") and its current value.
  struct SlotWeight {
    std::string name;
    Tensor value;
  };
  // The slots in tfjs' getWeights() order (after its 'iter'): slot kind by slot kind ("m" of every
  // variable, then "v"), variables in the order they were first updated. Values are copies.
  virtual std::vector<SlotWeight> GetWeights() const = 0;
  // Replaces the step count and every slot, as tfjs' setWeights. `slots` are ordered as GetWeights
  // orders them. With `vars`, slot k of vars[i] is slots[k * vars.size() + i] and shapes are checked
  // now; without, the slots wait and go, in order, to the variables of the next ApplyGradients (which
  // checks them), as tfjs binds restored slots by position. Errors leave the optimizer unchanged.
  virtual void SetWeights(int64_t iterations, const std::vector<Tensor>& slots,
                          const std::vector<ops::Variable*>& vars) = 0;
  // The slot kinds in order ({"m", "v"} for Adam; none for plain SGD).
  virtual const std::vector<std::string>& SlotNames() const = 0;

 protected:
  int64_t iterations_ = 0;
};

// From a string name ("adam", "sgd", "rmsprop", ...; tfjs and Keras spellings) with default arguments, or
// from a class name and a camelCase or snake_case config ({learningRate | learning_rate, beta1 | beta_1,
// epsilon, momentum, useNesterov | nesterov, centered, rho, decay, amsgrad, clipnorm?}).
// Defaults follow tfjs for the factory functions (API.md) and Keras for string names, as each does.
std::unique_ptr<Optimizer> CreateOptimizer(const std::string& name, const json& config = json::object());

}  // namespace kerasm::models
