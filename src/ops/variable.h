// A Variable holds a Tensor that optimizers replace (never write into), so tensors handed out earlier keep
// their values and the tape's records stay valid. Gradients are taken with respect to value(), whose id
// changes on each assignment. Packed copies of the value (Dense's GEMM panels) are cached with its buffer
// (Storage::Derived), so an assignment or an optimizer step, which installs a new buffer, drops them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasm::ops {

class Variable {
 public:
  // The name is made unique among live variables ("kernel", "kernel_1", ...), as tfjs requires.
  Variable(Tensor initial, bool trainable, const std::string& name);
  ~Variable();
  Variable(const Variable&) = delete;
  Variable& operator=(const Variable&) = delete;

  const Tensor& value() const { return value_; }
  const std::string& name() const { return name_; }
  const Shape& shape() const { return value_.shape(); }
  bool trainable() const { return trainable_; }
  void set_trainable(bool t) { trainable_ = t; }

  // Replaces the value; shape and dtype must match (ShapeError / DTypeError naming the variable).
  void Assign(const Tensor& value);

  // Live variables in creation order (variableGrads with no list takes the trainable ones).
  static std::vector<Variable*> Live();

  // Unique for the process's lifetime (never reused, unlike the address): what per-variable state kept
  // elsewhere, such as optimizer slots, is keyed by.
  uint64_t serial() const { return serial_; }
  // Expires when the variable is destroyed, so state kept elsewhere can be dropped with it.
  std::weak_ptr<const bool> Lifetime() const { return alive_; }

 private:
  Tensor value_;
  bool trainable_;
  std::string name_;
  uint64_t serial_;
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

using VariablePtr = std::shared_ptr<Variable>;

}  // namespace kerasm::ops
