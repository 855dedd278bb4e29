// maxPool / avgPool: argument checks, the [N, D, H, W, C] view for the kernels, and the tape records.
#include "ops/pool_ops.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "kernels/pool.h"
#include "ops/op_util.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;

int64_t PoolOutputSize(int64_t in, int64_t window, int64_t stride, bool same) {
  if (same) return (in + stride - 1) / stride;
  // Floor division that stays negative when the window is larger than the input.
  const int64_t span = in - window;
  return span < 0 ? -1 : span / stride + 1;
}

namespace {

enum class PoolKind { kMax, kAvg };

kernels::PoolGeometry MakeGeometry(const char* op, const Tensor& x, const std::vector<int64_t>& pool_size,
                                   const std::vector<int64_t>& strides, const std::string& padding) {
  CheckFloat(x, op, "x");
  const int rank = x.rank();
  if (rank < 3 || rank > 5) {
    Fail<ShapeError>(op, ": x must have rank 3, 4 or 5 ([batch, spatial..., channels]), got shape ", x.shape());
  }
  const size_t spatial = static_cast<size_t>(rank - 2);
  if (pool_size.size() != spatial || strides.size() != spatial) {
    Fail<ValueError>(op, ": pool_size and strides need ", spatial, " entries for an input of shape ", x.shape(),
                     ", got ", pool_size.size(), " and ", strides.size());
  }
  if (padding != "valid" && padding != "same") {
    Fail<ValueError>(op, ": padding must be 'valid' or 'same', got '", padding, "'");
  }
  const bool same = padding == "same";
  kernels::PoolGeometry g;
  g.batch = x.dim(0);
  g.channels = x.dim(-1);
  const size_t offset = 3 - spatial;  // 1D and 2D fill the trailing axes of D, H, W
  for (size_t i = 0; i < spatial; ++i) {
    const size_t a = offset + i;
    const int64_t in = x.dim(static_cast<int>(i) + 1);
    if (pool_size[i] <= 0 || strides[i] <= 0) {
      Fail<ValueError>(op, ": pool_size and strides must be positive, got pool_size ", Shape(pool_size),
                       " and strides ", Shape(strides));
    }
    const int64_t out = PoolOutputSize(in, pool_size[i], strides[i], same);
    if (out < 0) {
      Fail<ShapeError>(op, ": pool_size ", Shape(pool_size), " is larger than the input's spatial size (shape ",
                       x.shape(), ") with padding 'valid'");
    }
    g.in[a] = in;
    g.out[a] = out;
    g.window[a] = pool_size[i];
    g.stride[a] = strides[i];
    g.pad[a] = same ? std::max<int64_t>((out - 1) * strides[i] + pool_size[i] - in, 0) / 2 : 0;
  }
  return g;
}

Shape OutputShape(const Tensor& x, const kernels::PoolGeometry& g) {
  Shape out = x.shape();
  const int spatial = x.rank() - 2;
  for (int i = 0; i < spatial; ++i) out[i + 1] = g.out[3 - spatial + i];
  return out;
}

Tensor Pool(PoolKind kind, const Tensor& x, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
            const std::string& padding) {
  const char* op = kind == PoolKind::kMax ? "maxPool" : "avgPool";
  const kernels::PoolGeometry g = MakeGeometry(op, x, pool_size, strides, padding);
  Tensor out(OutputShape(x, g));
  if (out.size() > 0) {
    if (kind == PoolKind::kMax) {
      kernels::MaxPool(g, x.f32(), out.f32());
    } else {
      kernels::AvgPool(g, x.f32(), out.f32());
    }
  }
  RecordUnaryOut(op, {x}, out, [kind, x, g](const Tensor& dy) {
    Tensor dx(x.shape());
    if (dx.size() > 0) {
      if (kind == PoolKind::kMax) {
        std::vector<float> best(static_cast<size_t>(g.channels));
        std::vector<int64_t> where(static_cast<size_t>(g.channels));
        kernels::MaxPoolGrad(g, x.f32(), dy.f32(), dx.f32(), best.data(), where.data());
      } else {
        kernels::AvgPoolGrad(g, dy.f32(), dx.f32());
      }
    }
    return std::vector<Tensor>{dx};
  });
  return out;
}

}  // namespace

Tensor MaxPool(const Tensor& x, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
               const std::string& padding) {
  return Pool(PoolKind::kMax, x, pool_size, strides, padding);
}

Tensor AvgPool(const Tensor& x, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
               const std::string& padding) {
  return Pool(PoolKind::kAvg, x, pool_size, strides, padding);
}

}  // namespace kerasm::ops
