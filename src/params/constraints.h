// Keras weight constraints (maxNorm, nonNeg, unitNorm, minMaxNorm): a projection applied to a variable
// after each optimizer update (no gradient).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "params/config_reader.h"

namespace kerasm::params {

class Constraint {
 public:
  virtual ~Constraint() = default;
  virtual Tensor operator()(const Tensor& weights) const = 0;  // the projected weights (a new tensor)
  virtual std::string ClassName() const = 0;                   // "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"
  virtual json GetConfig() const = 0;                          // {"max_value": 2, "axis": 0}, ...
};

// Names "maxNorm"/"max_norm", "nonNeg"/"non_neg", "unitNorm"/"unit_norm", "minMaxNorm"/"min_max_norm"
// (Keras defaults: max_value 2, axis 0, min_value 0, max_value 1, rate 1) or a serialized spec.
std::unique_ptr<Constraint> CreateConstraint(const json& spec);
// The constraint argument `keys` of a config: nullptr when absent or null.
std::shared_ptr<Constraint> ReadConstraint(ConfigReader& config, const Keys& keys);
json SerializeConstraint(const Constraint& c);
json ToConfig(const std::shared_ptr<Constraint>& c);  // null for none

}  // namespace kerasm::params
