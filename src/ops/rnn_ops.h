// The fused recurrent sequence op: a whole SimpleRNN / GRU / LSTM sequence in one op, forward and
// backward (back-propagation through time), for the recurrent layers to call when their configuration
// allows (RnnSequenceSupported). Semantics are Keras 2's / tfjs' (gate order, masks, go_backwards).
//
// Work per call: the input projection of every step as one GEMM (x . W + b over [batch * T, input]),
// then per step one GEMM h . U against U packed once per value (kept with its buffer) and one gate kernel
// (kernels/rnn.h). Backward: one gate-gradient kernel and one GEMM dgates . U^T per step; dW, dU, dx and
// db as single GEMMs / sums over all steps at the end.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasm::ops {
enum class RnnCell { kSimpleRnn, kGru, kLstm };
struct RnnSequenceOptions {
  RnnCell cell = RnnCell::kLstm;
  std::string activation = "tanh";               // SimpleRNN's activation; GRU/LSTM candidate + LSTM output act
  std::string recurrent_activation = "sigmoid";  // GRU/LSTM gates
  bool reset_after = true;                       // GRU only
  bool go_backwards = false;
  bool return_sequences = false;
};
// Whether the fused kernels implement this configuration (activations: at least tanh, sigmoid,
// hard_sigmoid, hard_sigmoid_keras2, relu, linear).
bool RnnSequenceSupported(const RnnSequenceOptions& options);
// x [batch, T, input]; states {h0 [batch, units]} (LSTM {h0, c0}); kernel [input, g*units];
// recurrent_kernel [units, g*units] (g = 1 SimpleRNN, 3 GRU, 4 LSTM); bias [g*units], or for GRU with
// reset_after [2, 3*units] (row 0 input bias, row 1 recurrent bias), or an undefined Tensor (no bias);
// mask [batch, T] float 0/1 or undefined.
// Returns {output, final states...}: output [batch, T, units] if return_sequences else [batch, units];
// then h_T (LSTM: h_T, c_T). Differentiable (tape) w.r.t. x, every state, kernel, recurrent_kernel, bias.
std::vector<Tensor> RnnSequence(const Tensor& x, const std::vector<Tensor>& states, const Tensor& kernel,
                                const Tensor& recurrent_kernel, const Tensor& bias, const Tensor& mask,
                                const RnnSequenceOptions& options);
}  // namespace kerasm::ops
