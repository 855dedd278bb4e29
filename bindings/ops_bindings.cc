// The differentiable ops of ops/ops.h, one binding each. Integer lists (shapes, axes, permutations,
// paddings) arrive through the args area (guard.h): `count` values from offset 0 unless stated.
#include <emscripten/bind.h>

#include <string>
#include <vector>

#include "guard.h"
#include "kernels/elementwise.h"
#include "ops/ops.h"

namespace kerasm::bindings {
namespace {

using TensorList = std::vector<Tensor>;

template <Tensor (*Op)(const Tensor&, const Tensor&)>
Tensor Binary(const Tensor& a, const Tensor& b) {
  return Guard([&] { return Op(a, b); });
}

template <Tensor (*Op)(const Tensor&)>
Tensor Unary1(const Tensor& x) {
  return Guard([&] { return Op(x); });
}

// ---- element-wise ------------------------------------------------------------------------------------

// The kernels' unary op names in enum order ("neg,abs,..."); web/ maps its op names to codes once.
std::string UnaryOpNames() {
  std::string names;
#define KERASM_NAME(name, str) names += std::string(names.empty() ? "" : ",") + str;
  KERASM_UNARY_OPS(KERASM_NAME)
#undef KERASM_NAME
  return names;
}

Tensor Unary(int op, const Tensor& x, float alpha) {
  return Guard([&] { return ops::Unary(static_cast<kernels::UnaryOp>(op), x, alpha); });
}

Tensor ScaleShift(const Tensor& x, float scale, float shift) {
  return Guard([&] { return ops::ScaleShift(x, scale, shift); });
}

Tensor ClipByValue(const Tensor& x, float lo, float hi) {
  return Guard([&] { return ops::ClipByValue(x, lo, hi); });
}

Tensor Where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  return Guard([&] { return ops::Where(cond, a, b); });
}

Tensor Activation(const std::string& name, const Tensor& x) {
  return Guard([&] { return ops::Activation(name, x); });
}

Tensor Softmax(const Tensor& x, int axis) {
  return Guard([&] { return ops::Softmax(x, axis); });
}

Tensor LogSoftmax(const Tensor& x, int axis) {
  return Guard([&] { return ops::LogSoftmax(x, axis); });
}

// ---- linear algebra ----------------------------------------------------------------------------------

Tensor MatMul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  return Guard([&] { return ops::MatMul(a, b, transpose_a, transpose_b); });
}

// bias may be null.
Tensor Dense(const Tensor& x, const Tensor& kernel, const Tensor* bias) {
  return Guard([&] { return ops::Dense(x, kernel, bias ? *bias : Tensor()); });
}

// ---- shape and data movement -------------------------------------------------------------------------

Tensor Reshape(const Tensor& x, int rank) {
  return Guard([&] { return ops::Reshape(x, ArgShape(0, rank)); });
}

// count 0 reverses the axes.
Tensor Transpose(const Tensor& x, int count) {
  return Guard([&] { return ops::Transpose(x, ArgInts(0, count)); });
}

Tensor Concat(const TensorList& xs, int axis) {
  return Guard([&] { return ops::Concat(xs, axis); });
}

Tensor Stack(const TensorList& xs, int axis) {
  return Guard([&] { return ops::Stack(xs, axis); });
}

// begin in args [0, count), size in args [count, 2 count).
Tensor Slice(const Tensor& x, int count) {
  return Guard([&] { return ops::Slice(x, ArgInt64s(0, count), ArgInt64s(count, count)); });
}

Tensor Gather(const Tensor& x, const Tensor& indices, int axis) {
  return Guard([&] { return ops::Gather(x, indices, axis); });
}

Tensor BroadcastTo(const Tensor& x, int rank) {
  return Guard([&] { return ops::BroadcastTo(x, ArgShape(0, rank)); });
}

Tensor Cast(const Tensor& x, int dtype) {
  return Guard([&] { return ops::Cast(x, DTypeFromCode(dtype)); });
}

Tensor ExpandDims(const Tensor& x, int axis) {
  return Guard([&] { return ops::ExpandDims(x, axis); });
}

// count 0 squeezes every size-1 axis.
Tensor Squeeze(const Tensor& x, int count) {
  return Guard([&] { return ops::Squeeze(x, ArgInts(0, count)); });
}

// paddings as args [before0, after0, before1, after1, ...], `rank` pairs.
Tensor Pad(const Tensor& x, int rank, float value) {
  return Guard([&] {
    std::vector<int64_t> flat = ArgInt64s(0, 2 * rank);
    std::vector<std::pair<int64_t, int64_t>> paddings(rank);
    for (int i = 0; i < rank; ++i) paddings[i] = {flat[2 * i], flat[2 * i + 1]};
    return ops::Pad(x, paddings, value);
  });
}

Tensor Tile(const Tensor& x, int rank) {
  return Guard([&] { return ops::Tile(x, ArgInt64s(0, rank)); });
}

Tensor OneHot(const Tensor& indices, int depth, float on, float off) {
  return Guard([&] { return ops::OneHot(indices, depth, on, off); });
}

// ---- reductions (count 0 = all axes) -----------------------------------------------------------------

template <Tensor (*Op)(const Tensor&, const std::vector<int>&, bool)>
Tensor Reduce(const Tensor& x, int count, bool keepdims) {
  return Guard([&] { return Op(x, ArgInts(0, count), keepdims); });
}

Tensor ArgMax(const Tensor& x, int axis) {
  return Guard([&] { return ops::ArgMax(x, axis); });
}

Tensor ArgMin(const Tensor& x, int axis) {
  return Guard([&] { return ops::ArgMin(x, axis); });
}

Tensor L2Normalize(const Tensor& x, int count, float epsilon) {
  return Guard([&] { return ops::L2Normalize(x, ArgInts(0, count), epsilon); });
}

}  // namespace
}  // namespace kerasm::bindings

EMSCRIPTEN_BINDINGS(kerasm_ops) {
  using namespace emscripten;
  using namespace kerasm;
  using namespace kerasm::bindings;

  function("add", &Binary<ops::Add>);
  function("sub", &Binary<ops::Sub>);
  function("mul", &Binary<ops::Mul>);
  function("div", &Binary<ops::Div>);
  function("pow", &Binary<ops::Pow>);
  function("maximum", &Binary<ops::Maximum>);
  function("minimum", &Binary<ops::Minimum>);
  function("squaredDifference", &Binary<ops::SquaredDifference>);

  function("unaryOpNames", &UnaryOpNames);
  function("unary", &Unary);
  function("scaleShift", &ScaleShift);
  function("clipByValue", &ClipByValue);
  function("where", &Where);
  function("stopGradient", &Unary1<ops::StopGradient>);
  function("activation", &Activation);
  function("softmax", &Softmax);
  function("logSoftmax", &LogSoftmax);

  function("matMul", &MatMul);
  function("dense", &Dense, allow_raw_pointers());

  function("reshape", &Reshape);
  function("transpose", &Transpose);
  function("concat", &Concat);
  function("stack", &Stack);
  function("slice", &Slice);
  function("gather", &Gather);
  function("broadcastTo", &BroadcastTo);
  function("cast", &Cast);
  function("expandDims", &ExpandDims);
  function("squeeze", &Squeeze);
  function("pad", &Pad);
  function("tile", &Tile);
  function("oneHot", &OneHot);

  function("sum", &Reduce<ops::Sum>);
  function("mean", &Reduce<ops::Mean>);
  function("max", &Reduce<ops::Max>);
  function("min", &Reduce<ops::Min>);
  function("argMax", &ArgMax);
  function("argMin", &ArgMin);
  function("l2Normalize", &L2Normalize);

  function("zerosLike", &Unary1<ops::ZerosLike>);
  function("onesLike", &Unary1<ops::OnesLike>);
}
