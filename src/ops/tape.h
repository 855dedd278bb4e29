// Reverse-mode automatic differentiation by a tape.
//
// While a GradientTape is alive, every op appends a record: its input and output tensors and a backward
// function. Outside of any tape nothing is recorded and ops cost nothing extra. Gradient() walks the records
// backwards from y, keeping only those on a path from the requested sources, and sums gradients per tensor id.
// Tapes nest (all live tapes record); backward functions run with recording paused, so gradients are
// first-order only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasm::ops {

// needs[i] tells a backward function whether input i needs a gradient: it does when the input depends on
// a source of the Gradient call. Inputs that do not (a batch of data, a constant) may get an undefined
// Tensor, so an op skips their work: Dense's dx = g . kernel^T is as costly as its dkernel.
using NeedsGrad = std::vector<bool>;

// Receives one gradient per op output (zeros are filled in for outputs that got none) and which inputs
// need one, and returns one gradient per op input, each of the input's shape; an undefined Tensor means
// "no gradient flows here" (integer inputs, indices, masks, inputs that need none).
using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& output_grads, const NeedsGrad& needs)>;

struct TapeRecord {
  const char* op;
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
  BackwardFn backward;
};

class GradientTape {
 public:
  GradientTape();
  ~GradientTape();
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;

  // d(sum(y * dy)) / d(x) for each x in xs. dy defaults to ones of y's shape (y need not be a scalar, as in
  // tfjs). A source that y does not depend on throws ValueError naming it, unless allow_unconnected, in
  // which case its gradient is an undefined Tensor. Recording stops for this tape once Gradient is called.
  std::vector<Tensor> Gradient(const Tensor& y, const std::vector<Tensor>& xs, const Tensor& dy = Tensor(),
                               bool allow_unconnected = false);

  size_t size() const { return records_.size(); }
  // Input gradients the backward functions of the last Gradient call returned (defined tensors): what the
  // needs-grad skipping saves shows here.
  size_t input_grads_computed() const { return input_grads_computed_; }
  bool recording() const { return active_; }
  void Append(TapeRecord record) { records_.push_back(std::move(record)); }

 private:
  std::vector<TapeRecord> records_;
  bool active_ = true;
  size_t input_grads_computed_ = 0;
};

// True while at least one tape records and recording is not paused.
bool IsRecording();

// Appends a record to every live tape. Ops call it only when IsRecording().
void Record(const char* op, std::vector<Tensor> inputs, std::vector<Tensor> outputs, BackwardFn backward);

// Pauses recording in a scope (backward passes, optimizer updates, metric computations).
class NoGradScope {
 public:
  NoGradScope();
  ~NoGradScope();
  NoGradScope(const NoGradScope&) = delete;
  NoGradScope& operator=(const NoGradScope&) = delete;
};

}  // namespace kerasm::ops
