// Differentiable ops: the vocabulary layers, losses, Lambda, custom JS layers and training loops are built
// from. Each op checks its arguments (ShapeError / DTypeError / ValueError naming the op and the shapes),
// computes with kernels/, and records its gradient on the tape when one is live (ops/tape.h).
// Binary ops broadcast as numpy does. Axes are Python-style (-1 is the last).
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "kernels/elementwise.h"

namespace kerasm::ops {

// ---- element-wise ----------------------------------------------------------------------------------
Tensor Add(const Tensor& a, const Tensor& b);
Tensor Sub(const Tensor& a, const Tensor& b);
Tensor Mul(const Tensor& a, const Tensor& b);
Tensor Div(const Tensor& a, const Tensor& b);
Tensor Pow(const Tensor& a, const Tensor& b);
Tensor Maximum(const Tensor& a, const Tensor& b);
Tensor Minimum(const Tensor& a, const Tensor& b);
Tensor SquaredDifference(const Tensor& a, const Tensor& b);
Tensor Binary(kernels::BinaryOp op, const Tensor& a, const Tensor& b);

Tensor Neg(const Tensor& x);
Tensor Abs(const Tensor& x);
Tensor Square(const Tensor& x);
Tensor Sqrt(const Tensor& x);
Tensor Exp(const Tensor& x);
Tensor Log(const Tensor& x);
Tensor Relu(const Tensor& x);
Tensor Sigmoid(const Tensor& x);
Tensor Tanh(const Tensor& x);
// Any unary kernel op (activations included); alpha as in kernels::Unary.
Tensor Unary(kernels::UnaryOp op, const Tensor& x, float alpha = 0.f);

// x * scale + shift, with scalars (cheaper than broadcasting a tensor).
Tensor ScaleShift(const Tensor& x, float scale, float shift = 0.f);
// Elements clipped to [lo, hi]; the gradient passes where lo <= x <= hi.
Tensor ClipByValue(const Tensor& x, float lo, float hi);
// cond ? a : b element-wise, cond a float tensor of 0/1 (broadcast over all three). No gradient to cond.
Tensor Where(const Tensor& cond, const Tensor& a, const Tensor& b);
// Value of x, no gradient.
Tensor StopGradient(const Tensor& x);

// ---- activations by Keras / tfjs name -------------------------------------------------------------
// "linear", "relu", "relu6", "sigmoid", "hard_sigmoid"/"hardSigmoid", "tanh", "softmax", "log_softmax"/
// "logSoftmax", "elu", "selu", "softplus", "softsign", "exponential", "swish", "silu", "gelu", "mish",
// "leaky_relu"/"leakyRelu" ... (snake_case and camelCase both). ValueError naming the name otherwise.
bool IsActivationName(const std::string& name);
std::string CanonicalActivationName(const std::string& name);  // the camelCase form
Tensor Activation(const std::string& name, const Tensor& x);

Tensor Softmax(const Tensor& x, int axis = -1);
Tensor LogSoftmax(const Tensor& x, int axis = -1);

// ---- linear algebra -----------------------------------------------------------------------------------
// a: [..., M, K] (or [..., K, M] when transpose_a), b: [..., K, N] (or [..., N, K]); batch dims broadcast.
// Rank-1 operands are not accepted (tfjs requires rank >= 2).
Tensor MatMul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
// Fused x[..., in] . kernel[in, units] (+ bias[units]): Dense's op. bias may be undefined.
Tensor Dense(const Tensor& x, const Tensor& kernel, const Tensor& bias);

// ---- shape and data movement -----------------------------------------------------------------------
Tensor Reshape(const Tensor& x, const Shape& shape);  // one -1 allowed
Tensor Transpose(const Tensor& x, const std::vector<int>& perm = {});  // empty = reverse the axes
Tensor Concat(const std::vector<Tensor>& xs, int axis = 0);
Tensor Stack(const std::vector<Tensor>& xs, int axis = 0);
// size -1 means "to the end"; 0 <= begin <= dim and begin + size <= dim (IndexError otherwise).
Tensor Slice(const Tensor& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& size);
// Rows of x along `axis` picked by int32 indices (any shape); IndexError for an out-of-range index.
Tensor Gather(const Tensor& x, const Tensor& indices, int axis = 0);
Tensor BroadcastTo(const Tensor& x, const Shape& shape);
Tensor Cast(const Tensor& x, DType dtype);  // int32 -> float32 is differentiable as identity
Tensor ExpandDims(const Tensor& x, int axis);
Tensor Squeeze(const Tensor& x, const std::vector<int>& axes = {});
// Pads with a constant; paddings[i] = {before, after} for each axis.
Tensor Pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings, float value = 0.f);
// Repeats x `reps[i]` times along each axis (np.tile).
Tensor Tile(const Tensor& x, const std::vector<int64_t>& reps);
Tensor OneHot(const Tensor& indices, int64_t depth, float on = 1.f, float off = 0.f);  // no gradient

// ---- reductions ------------------------------------------------------------------------------------
// axes empty = all axes.
Tensor Sum(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor Mean(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor Max(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor Min(const Tensor& x, const std::vector<int>& axes = {}, bool keepdims = false);
Tensor ArgMax(const Tensor& x, int axis = -1);  // int32, no gradient
Tensor ArgMin(const Tensor& x, int axis = -1);
// x / sqrt(max(sum(x^2, axes), epsilon)), as Keras' l2_normalize.
Tensor L2Normalize(const Tensor& x, const std::vector<int>& axes = {-1}, float epsilon = 1e-12f);

// ---- helpers for ops' own gradients ---------------------------------------------------------------
// Sums a broadcast gradient back to `shape` (no recording).
Tensor SumToShape(const Tensor& grad, const Shape& shape);
Tensor ZerosLike(const Tensor& x);
Tensor OnesLike(const Tensor& x);

}  // namespace kerasm::ops
