// Keras weight constraints (maxNorm, nonNeg, unitNorm, minMaxNorm): a projection applied to a variable
// after each optimizer update (no gradient).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tensor.h"

namespace kerasm::models {

using json = nlohmann::json;

class Constraint {
 public:
  virtual ~Constraint() = default;
  virtual Tensor operator()(const Tensor& weights) const = 0;  // the projected weights (a new tensor)
  virtual std::string className() const = 0;                   // "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"
  virtual json getConfig() const = 0;                          // {"max_value": 2, "axis": 0}, ...
};

// Names "maxNorm"/"max_norm", "nonNeg"/"non_neg", "unitNorm"/"unit_norm", "minMaxNorm"/"min_max_norm"
// (Keras defaults: max_value 2, axis 0, min_value 0, max_value 1, rate 1) or a serialized spec.
std::unique_ptr<Constraint> CreateConstraint(const json& spec);
json SerializeConstraint(const Constraint& c);

}  // namespace kerasm::models
