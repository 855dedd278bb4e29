// Reductions (sum, mean, max, min, argMax, argMin), l2Normalize and SumToShape.
#include <algorithm>

#include "core/error.h"
#include "kernels/reduce.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;
using kernels::ReduceOp;

namespace {

Shape ReducedShape(const Shape& shape, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) {
      out.push_back(shape[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

// Reduces `axes` (sorted, unique) of x without recording. Adjacent reduced axes collapse into one middle
// axis; otherwise the reduced axes are moved last by a transpose first.
Tensor ReduceRaw(ReduceOp op, const Tensor& x, const std::vector<int>& axes) {
  const int rank = x.rank();
  const Shape out_shape = ReducedShape(x.shape(), axes, false);
  Tensor out(out_shape);
  if (axes.empty()) {
    if (x.size()) std::copy(x.f32(), x.f32() + x.size(), out.f32());
    return out;
  }
  bool contiguous = axes.back() - axes.front() + 1 == static_cast<int>(axes.size());
  if (contiguous) {
    int64_t outer = 1, n = 1, inner = 1;
    for (int i = 0; i < axes.front(); ++i) outer *= x.shape()[i];
    for (int a : axes) n *= x.shape()[a];
    for (int i = axes.back() + 1; i < rank; ++i) inner *= x.shape()[i];
    if (out.size()) kernels::Reduce(op, x.f32(), out.f32(), outer, n, inner);
    return out;
  }
  std::vector<int> perm;
  for (int i = 0; i < rank; ++i)
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
  for (int a : axes) perm.push_back(a);
  NoGradScope no_grad;
  Tensor moved = Transpose(x, perm);
  int64_t n = 1;
  for (int a : axes) n *= x.shape()[a];
  if (out.size()) kernels::Reduce(op, moved.f32(), out.f32(), out.size(), n, 1);
  return out;
}

int64_t ReducedCount(const Shape& shape, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int a : axes) n *= shape[a];
  return n;
}

Tensor ReduceOpImpl(ReduceOp op, const char* name, const Tensor& x, const std::vector<int>& axes_in, bool keepdims) {
  CheckFloat(x, name, "x");
  const std::vector<int> axes = detail::NormalizeAxes(axes_in, x.rank(), name);
  // Axes that are not adjacent are moved last by the transpose kernel, which handles up to kMaxRank.
  if (!axes.empty() && axes.back() - axes.front() + 1 != static_cast<int>(axes.size())) CheckMaxRank(x.shape(), name);
  if ((op == ReduceOp::kMax || op == ReduceOp::kMin) && ReducedCount(x.shape(), axes) == 0 && x.size() == 0 &&
      !axes.empty()) {
    Fail<ShapeError>(name, ": cannot reduce an empty axis of shape ", x.shape());
  }
  Tensor flat = ReduceRaw(op, x, axes);
  const Shape kept = ReducedShape(x.shape(), axes, true);
  Tensor out = keepdims ? flat.Reshaped(kept) : flat;
  RecordUnaryOut(name, {x}, out, [op, x, out, kept, axes](const Tensor& g) {
    Tensor gk = g.Reshaped(kept);
    Tensor dx;
    switch (op) {
      case ReduceOp::kSum:
        dx = BroadcastTo(gk, x.shape());
        break;
      case ReduceOp::kMean:
        dx = BroadcastTo(ScaleShift(gk, 1.f / static_cast<float>(std::max<int64_t>(1, ReducedCount(x.shape(), axes)))),
                         x.shape());
        break;
      default: {
        // Every position equal to the extreme receives the gradient, as tfjs does.
        Tensor ok = out.Reshaped(kept);
        Tensor mask(x.shape());
        Tensor extreme = BroadcastTo(ok, x.shape());
        for (int64_t i = 0; i < x.size(); ++i) mask.f32()[i] = x.f32()[i] == extreme.f32()[i] ? 1.f : 0.f;
        dx = Mul(mask, BroadcastTo(gk, x.shape()));
        break;
      }
    }
    return std::vector<Tensor>{dx};
  });
  return out;
}

Tensor ArgImpl(bool max, const Tensor& x, int axis) {
  const char* name = max ? "argMax" : "argMin";
  CheckFloat(x, name, "x");
  if (x.rank() == 0) Fail<ShapeError>(name, ": expected rank >= 1, got a scalar");
  const int ax = NormalizeAxis(axis, x.rank(), name);
  if (x.shape()[ax] == 0) Fail<ShapeError>(name, ": axis ", ax, " of shape ", x.shape(), " is empty");
  const auto s = detail::SplitAt(x.shape(), ax);
  Shape out_shape = x.shape();
  out_shape.erase(out_shape.begin() + ax);
  Tensor out(out_shape, DType::kInt32);
  if (out.size()) {
    if (max) {
      kernels::ArgMax(x.f32(), out.i32(), s.outer, s.n, s.inner);
    } else {
      kernels::ArgMin(x.f32(), out.i32(), s.outer, s.n, s.inner);
    }
  }
  return out;
}

}  // namespace

Tensor Sum(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return ReduceOpImpl(ReduceOp::kSum, "sum", x, axes, keepdims);
}
Tensor Mean(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return ReduceOpImpl(ReduceOp::kMean, "mean", x, axes, keepdims);
}
Tensor Max(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return ReduceOpImpl(ReduceOp::kMax, "max", x, axes, keepdims);
}
Tensor Min(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return ReduceOpImpl(ReduceOp::kMin, "min", x, axes, keepdims);
}
Tensor ArgMax(const Tensor& x, int axis) { return ArgImpl(true, x, axis); }
Tensor ArgMin(const Tensor& x, int axis) { return ArgImpl(false, x, axis); }

Tensor L2Normalize(const Tensor& x, const std::vector<int>& axes, float epsilon) {
  CheckFloat(x, "l2Normalize", "x");
  Tensor sq = Sum(Square(x), axes, true);
  Tensor norm = Sqrt(Maximum(sq, Tensor::Scalar(epsilon)));
  return Div(x, norm);
}

Tensor SumToShape(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const std::vector<int> axes = BroadcastReducedAxes(shape, grad.shape());
  Tensor reduced = ReduceRaw(ReduceOp::kSum, grad, axes);
  return reduced.Reshaped(shape);
}

}  // namespace kerasm::ops
