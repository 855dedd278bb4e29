// Shape and data-movement ops: reshape, transpose, concat, stack, slice, gather, broadcast, cast, pad, tile.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/error.h"
#include "kernels/elementwise.h"
#include "kernels/layout.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;

namespace detail {

std::vector<int> NormalizeAxes(const std::vector<int>& axes, int rank, const char* op) {
  std::vector<int> out;
  if (axes.empty()) {
    out.resize(rank);
    std::iota(out.begin(), out.end(), 0);
    return out;
  }
  for (int a : axes) out.push_back(NormalizeAxis(a, rank, op));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void CopyBox(const Tensor& src, const std::vector<int64_t>& src_begin, Tensor& dst,
             const std::vector<int64_t>& dst_begin, const std::vector<int64_t>& box) {
  const int rank = static_cast<int>(box.size());
  if (ShapeSize(box) == 0) return;
  const auto ss = ShapeStrides(src.shape());
  const auto ds = ShapeStrides(dst.shape());
  const auto* ps = static_cast<const uint32_t*>(src.raw());
  auto* pd = static_cast<uint32_t*>(dst.raw());
  if (rank == 0) {
    pd[0] = ps[0];
    return;
  }
  // Rows along the last axis are contiguous in both: copy them whole, iterating the leading axes.
  const int64_t row = box[rank - 1];
  std::vector<int64_t> idx(rank - 1, 0);
  const int64_t rows = ShapeSize(Shape(box.begin(), box.end() - 1));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t so = src_begin[rank - 1], doff = dst_begin[rank - 1];
    for (int i = 0; i < rank - 1; ++i) {
      so += (src_begin[i] + idx[i]) * ss[i];
      doff += (dst_begin[i] + idx[i]) * ds[i];
    }
    std::memcpy(pd + doff, ps + so, static_cast<size_t>(row) * 4);
    for (int i = rank - 2; i >= 0; --i) {
      if (++idx[i] < box[i]) break;
      idx[i] = 0;
    }
  }
}

}  // namespace detail

Tensor Reshape(const Tensor& x, const Shape& shape) {
  CheckDefined(x, "reshape", "x");
  Shape target = shape;
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      if (unknown >= 0) Fail<ValueError>("reshape: only one dimension may be -1, got ", shape);
      unknown = static_cast<int>(i);
    } else if (target[i] < 0) {
      Fail<ValueError>("reshape: invalid dimension ", target[i], " in ", shape);
    } else {
      known *= target[i];
    }
  }
  if (unknown >= 0) {
    if (known == 0 || x.size() % known != 0) {
      Fail<ShapeError>("reshape: cannot reshape a tensor of shape ", x.shape(), " (", x.size(), " values) into ",
                       shape);
    }
    target[unknown] = x.size() / known;
  }
  if (ShapeSize(target) != x.size()) {
    Fail<ShapeError>("reshape: cannot reshape a tensor of shape ", x.shape(), " (", x.size(), " values) into ",
                     shape);
  }
  Tensor out = x.Reshaped(target);
  if (x.dtype() == DType::kFloat32) {
    RecordUnaryOut("reshape", {x}, out, [xs = x.shape()](const Tensor& g) {
      return std::vector<Tensor>{g.Reshaped(xs)};
    });
  }
  return out;
}

Tensor ExpandDims(const Tensor& x, int axis) {
  CheckDefined(x, "expandDims", "x");
  const int ax = NormalizeAxis(axis, x.rank() + 1, "expandDims");
  Shape s = x.shape();
  s.insert(s.begin() + ax, 1);
  return Reshape(x, s);
}

Tensor Squeeze(const Tensor& x, const std::vector<int>& axes) {
  CheckDefined(x, "squeeze", "x");
  Shape s;
  if (axes.empty()) {
    for (int64_t d : x.shape())
      if (d != 1) s.push_back(d);
  } else {
    std::vector<int> ax = detail::NormalizeAxes(axes, x.rank(), "squeeze");
    for (int i = 0; i < x.rank(); ++i) {
      const bool drop = std::find(ax.begin(), ax.end(), i) != ax.end();
      if (drop && x.shape()[i] != 1) {
        Fail<ShapeError>("squeeze: axis ", i, " of shape ", x.shape(), " has size ", x.shape()[i], ", not 1");
      }
      if (!drop) s.push_back(x.shape()[i]);
    }
  }
  return Reshape(x, s);
}

Tensor Transpose(const Tensor& x, const std::vector<int>& perm_in) {
  CheckDefined(x, "transpose", "x");
  CheckMaxRank(x.shape(), "transpose");
  const int rank = x.rank();
  std::vector<int> perm = perm_in;
  if (perm.empty()) {
    perm.resize(rank);
    for (int i = 0; i < rank; ++i) perm[i] = rank - 1 - i;
  }
  if (static_cast<int>(perm.size()) != rank) {
    Fail<ShapeError>("transpose: perm has ", perm.size(), " entries but the tensor has rank ", rank, " (shape ",
                     x.shape(), ")");
  }
  std::vector<char> seen(rank, 0);
  for (int& p : perm) {
    p = NormalizeAxis(p, rank, "transpose");
    if (seen[p]++) Fail<ValueError>("transpose: perm repeats axis ", p);
  }
  Shape out_shape(rank);
  for (int i = 0; i < rank; ++i) out_shape[i] = x.shape()[perm[i]];
  Tensor out(out_shape, x.dtype());
  if (out.size()) {
    if (rank == 0) {
      std::memcpy(out.raw(), x.raw(), 4);
    } else {
      kernels::Transpose(static_cast<const uint32_t*>(x.raw()), static_cast<uint32_t*>(out.raw()),
                         x.shape().data(), perm.data(), rank);
    }
  }
  if (x.dtype() == DType::kFloat32) {
    RecordUnaryOut("transpose", {x}, out, [perm](const Tensor& g) {
      std::vector<int> inv(perm.size());
      for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int>(i);
      return std::vector<Tensor>{Transpose(g, inv)};
    });
  }
  return out;
}

Tensor Concat(const std::vector<Tensor>& xs, int axis) {
  if (xs.empty()) Fail<ValueError>("concat: expected at least one tensor");
  for (const Tensor& t : xs) CheckDefined(t, "concat", "an input");
  const int rank = xs[0].rank();
  if (rank == 0) Fail<ShapeError>("concat: cannot concatenate scalars (rank 0); use stack");
  const int ax = NormalizeAxis(axis, rank, "concat");
  Shape out_shape = xs[0].shape();
  out_shape[ax] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    if (t.dtype() != xs[0].dtype()) Fail<DTypeError>("concat: inputs mix float32 and int32");
    bool ok = t.rank() == rank;
    for (int d = 0; ok && d < rank; ++d) ok = d == ax || t.shape()[d] == xs[0].shape()[d];
    if (!ok) {
      Fail<ShapeError>("concat: input ", i, " has shape ", t.shape(), ", incompatible with ", xs[0].shape(),
                       " along axis ", ax);
    }
    out_shape[ax] += t.shape()[ax];
  }
  Tensor out(out_shape, xs[0].dtype());
  const auto split = detail::SplitAt(out_shape, ax);
  const int64_t ldy = split.n * split.inner;
  int64_t offset = 0;
  for (const Tensor& t : xs) {
    const int64_t width = t.shape()[ax] * split.inner;
    if (width && split.outer) {
      kernels::CopyRows(static_cast<const uint32_t*>(t.raw()), width, static_cast<uint32_t*>(out.raw()) + offset,
                        ldy, split.outer, width);
    }
    offset += width;
  }
  if (xs[0].dtype() == DType::kFloat32 && IsRecording()) {
    std::vector<int64_t> sizes;
    for (const Tensor& t : xs) sizes.push_back(t.shape()[ax]);
    Record("concat", xs, {out}, [sizes, ax](const std::vector<Tensor>& g, const NeedsGrad&) {
      std::vector<Tensor> grads;
      std::vector<int64_t> begin(g[0].rank(), 0);
      std::vector<int64_t> size(g[0].shape().begin(), g[0].shape().end());
      for (int64_t s : sizes) {
        size[ax] = s;
        grads.push_back(Slice(g[0], begin, size));
        begin[ax] += s;
      }
      return grads;
    });
  }
  return out;
}

Tensor Stack(const std::vector<Tensor>& xs, int axis) {
  if (xs.empty()) Fail<ValueError>("stack: expected at least one tensor");
  const int ax = NormalizeAxis(axis, xs[0].rank() + 1, "stack");
  std::vector<Tensor> expanded;
  for (size_t i = 0; i < xs.size(); ++i) {
    CheckDefined(xs[i], "stack", "an input");
    if (xs[i].shape() != xs[0].shape()) {
      Fail<ShapeError>("stack: all inputs must have the same shape; input ", i, " has ", xs[i].shape(), " vs ",
                       xs[0].shape());
    }
    expanded.push_back(ExpandDims(xs[i], ax));
  }
  return Concat(expanded, ax);
}

Tensor Slice(const Tensor& x, const std::vector<int64_t>& begin_in, const std::vector<int64_t>& size_in) {
  CheckDefined(x, "slice", "x");
  const int rank = x.rank();
  if (static_cast<int>(begin_in.size()) > rank || static_cast<int>(size_in.size()) > rank) {
    Fail<ShapeError>("slice: begin/size have more entries than the rank ", rank, " of shape ", x.shape());
  }
  std::vector<int64_t> begin(rank, 0), size(rank);
  for (int i = 0; i < rank; ++i) {
    begin[i] = i < static_cast<int>(begin_in.size()) ? begin_in[i] : 0;
    const int64_t s = i < static_cast<int>(size_in.size()) ? size_in[i] : -1;
    if (begin[i] < 0 || begin[i] > x.shape()[i]) {
      Fail<IndexError>("slice: begin ", begin[i], " is out of range for axis ", i, " of shape ", x.shape());
    }
    size[i] = s < 0 ? x.shape()[i] - begin[i] : s;
    if (begin[i] + size[i] > x.shape()[i]) {
      Fail<IndexError>("slice: begin ", begin[i], " + size ", size[i], " exceeds axis ", i, " of shape ", x.shape());
    }
  }
  Tensor out(Shape(size.begin(), size.end()), x.dtype());
  detail::CopyBox(x, begin, out, std::vector<int64_t>(rank, 0), size);
  if (x.dtype() == DType::kFloat32) {
    RecordUnaryOut("slice", {x}, out, [xs = x.shape(), begin, size](const Tensor& g) {
      Tensor dx = Tensor::Zeros(xs);
      detail::CopyBox(g, std::vector<int64_t>(g.rank(), 0), dx, begin, size);
      return std::vector<Tensor>{dx};
    });
  }
  return out;
}

Tensor Gather(const Tensor& x, const Tensor& indices, int axis) {
  CheckDefined(x, "gather", "x");
  CheckDefined(indices, "gather", "indices");
  CheckDType(indices, DType::kInt32, "gather", "indices");
  if (x.rank() == 0) Fail<ShapeError>("gather: x must have rank >= 1, got a scalar");
  const int ax = NormalizeAxis(axis, x.rank(), "gather");
  const auto split = detail::SplitAt(x.shape(), ax);
  const int32_t* idx = indices.i32();
  for (int64_t i = 0; i < indices.size(); ++i) {
    if (idx[i] < 0 || idx[i] >= split.n) {
      Fail<IndexError>("gather: index ", idx[i], " is out of range [0, ", split.n, ") for axis ", ax, " of shape ",
                       x.shape());
    }
  }
  Shape out_shape(x.shape().begin(), x.shape().begin() + ax);
  out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
  out_shape.insert(out_shape.end(), x.shape().begin() + ax + 1, x.shape().end());
  Tensor out(out_shape, x.dtype());
  const int64_t k = indices.size();
  const auto* px = static_cast<const uint32_t*>(x.raw());
  auto* po = static_cast<uint32_t*>(out.raw());
  for (int64_t o = 0; o < split.outer; ++o) {
    for (int64_t i = 0; i < k; ++i) {
      std::memcpy(po + (o * k + i) * split.inner, px + (o * split.n + idx[i]) * split.inner,
                  static_cast<size_t>(split.inner) * 4);
    }
  }
  if (x.dtype() == DType::kFloat32) {
    RecordUnaryOut("gather", {x, indices}, out, [xs = x.shape(), indices, split, k](const Tensor& g) {
      // Scatter-add: repeated indices accumulate.
      Tensor dx = Tensor::Zeros(xs);
      const int32_t* idx = indices.i32();
      for (int64_t o = 0; o < split.outer; ++o) {
        for (int64_t i = 0; i < k; ++i) {
          kernels::AccumulateInto(g.f32() + (o * k + i) * split.inner,
                                  dx.f32() + (o * split.n + idx[i]) * split.inner, split.inner);
        }
      }
      return std::vector<Tensor>{dx, Tensor()};
    });
  }
  return out;
}

Tensor BroadcastTo(const Tensor& x, const Shape& shape) {
  CheckFloat(x, "broadcastTo", "x");
  Shape out_shape = BroadcastShapes(x.shape(), shape, "broadcastTo");
  if (out_shape != shape) {
    Fail<ShapeError>("broadcastTo: cannot broadcast shape ", x.shape(), " to ", shape);
  }
  if (x.shape() == shape) return x;
  CheckMaxRank(shape, "broadcastTo");
  Tensor out(shape);
  if (out.size()) {
    const float zero = 0.f;
    const auto xs = BroadcastStrides(x.shape(), shape);
    const std::vector<int64_t> zs(shape.size(), 0);
    kernels::Binary(kernels::BinaryOp::kAdd, x.f32(), xs.data(), &zero, zs.data(), out.f32(), shape.data(),
                    static_cast<int>(shape.size()));
  }
  RecordUnaryOut("broadcastTo", {x}, out, [xs = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{SumToShape(g, xs)};
  });
  return out;
}

Tensor Cast(const Tensor& x, DType dtype) {
  CheckDefined(x, "cast", "x");
  if (x.dtype() == dtype) return x;
  Tensor out(x.shape(), dtype);
  if (dtype == DType::kFloat32) {
    const int32_t* p = x.i32();
    for (int64_t i = 0; i < x.size(); ++i) out.f32()[i] = static_cast<float>(p[i]);
  } else {
    const float* p = x.f32();  // truncation toward zero, as tfjs' cast
    for (int64_t i = 0; i < x.size(); ++i) out.i32()[i] = static_cast<int32_t>(p[i]);
  }
  return out;
}

Tensor Pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings, float value) {
  CheckFloat(x, "pad", "x");
  if (static_cast<int>(paddings.size()) != x.rank()) {
    Fail<ShapeError>("pad: expected ", x.rank(), " (before, after) pairs for shape ", x.shape(), ", got ",
                     paddings.size());
  }
  Shape out_shape = x.shape();
  std::vector<int64_t> begin(x.rank());
  for (int i = 0; i < x.rank(); ++i) {
    if (paddings[i].first < 0 || paddings[i].second < 0) {
      Fail<ValueError>("pad: paddings must be >= 0, got (", paddings[i].first, ", ", paddings[i].second,
                       ") for axis ", i);
    }
    out_shape[i] += paddings[i].first + paddings[i].second;
    begin[i] = paddings[i].first;
  }
  Tensor out = Tensor::Full(out_shape, value);
  detail::CopyBox(x, std::vector<int64_t>(x.rank(), 0), out, begin, x.shape());
  RecordUnaryOut("pad", {x}, out, [begin, xs = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{Slice(g, begin, std::vector<int64_t>(xs.begin(), xs.end()))};
  });
  return out;
}

Tensor Tile(const Tensor& x, const std::vector<int64_t>& reps) {
  CheckFloat(x, "tile", "x");
  if (static_cast<int>(reps.size()) != x.rank()) {
    Fail<ShapeError>("tile: reps has ", reps.size(), " entries for a tensor of rank ", x.rank());
  }
  Tensor out = x;
  // One concat per tiled axis keeps this simple and differentiable through Concat's gradient.
  for (int i = 0; i < x.rank(); ++i) {
    if (reps[i] < 0) Fail<ValueError>("tile: reps must be >= 0, got ", reps[i]);
    if (reps[i] == 1) continue;
    if (reps[i] == 0) {
      Shape s = out.shape();
      s[i] = 0;
      return Tensor(s);
    }
    out = Concat(std::vector<Tensor>(static_cast<size_t>(reps[i]), out), i);
  }
  return out;
}

Tensor OneHot(const Tensor& indices, int64_t depth, float on, float off) {
  CheckDefined(indices, "oneHot", "indices");
  CheckDType(indices, DType::kInt32, "oneHot", "indices");
  if (depth < 1) Fail<ValueError>("oneHot: depth must be >= 1, got ", depth);
  Shape s = indices.shape();
  s.push_back(depth);
  Tensor out = Tensor::Full(s, off);
  const int32_t* idx = indices.i32();
  for (int64_t i = 0; i < indices.size(); ++i) {
    if (idx[i] >= 0 && idx[i] < depth) out.f32()[i * depth + idx[i]] = on;  // out of range: all off, as tfjs
  }
  return out;
}

}  // namespace kerasm::ops
