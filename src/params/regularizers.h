// Keras weight regularizers (l1, l2, l1l2): a differentiable penalty added to the training loss.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "params/config_reader.h"

namespace kerasm::params {

class Regularizer {
 public:
  virtual ~Regularizer() = default;
  // A scalar tensor built from ops (so it is differentiated with the loss): l1 * sum|w| + l2 * sum w^2.
  virtual Tensor operator()(const Tensor& weights) const = 0;
  virtual std::string ClassName() const = 0;  // "L1L2" (Keras 2 / tfjs), "L1", "L2"
  virtual json GetConfig() const = 0;         // {"l1": ..., "l2": ...}
};

// "l1" | "l2" | "l1l2" | "l1_l2" (Keras defaults 0.01) or {"class_name", "config": {"l1", "l2"}}.
std::unique_ptr<Regularizer> CreateRegularizer(const json& spec);
// The regularizer argument `keys` of a config: nullptr when absent or null.
std::shared_ptr<Regularizer> ReadRegularizer(ConfigReader& config, const Keys& keys);
json SerializeRegularizer(const Regularizer& reg);
json ToConfig(const std::shared_ptr<Regularizer>& reg);  // null for none

}  // namespace kerasm::params
