// Data movement on 32-bit elements. Transpose first simplifies the permutation (drops size-1 axes,
// merges input axes that stay adjacent and in order), then:
//   rank <= 1                    a copy;
//   [1, 0] and [0, 2, 1]         blocked 2-D transposes (a batch of them for the second), 4x4 tiles
//                                shuffled in 128-bit vectors inside 32x32 blocks that stay in L1;
//   innermost axis kept in place memcpy of contiguous runs, output walked with incremental offsets;
//   anything else                the output walked with incremental offsets, innermost axis a tight
//                                strided loop.
// Re-included once per Highway target by foreach_target.h.
#include "kernels/layout.h"

#include <algorithm>
#include <cstring>

#include "core/max_rank.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/layout.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// y (cols x rows, leading dimension ldy) = x (rows x cols, leading dimension ldx) transposed, for a
// 4 x 4 tile.
HWY_INLINE void Tile4x4(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy) {
#if HWY_TARGET == HWY_SCALAR
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) y[c * ldy + r] = x[r * ldx + c];
  }
#else
  const hn::Full128<uint32_t> d;
  const auto r0 = hn::LoadU(d, x), r1 = hn::LoadU(d, x + ldx);
  const auto r2 = hn::LoadU(d, x + 2 * ldx), r3 = hn::LoadU(d, x + 3 * ldx);
  const auto t0 = hn::InterleaveLower(d, r0, r1);  // a0 b0 a1 b1
  const auto t1 = hn::InterleaveLower(d, r2, r3);  // c0 d0 c1 d1
  const auto t2 = hn::InterleaveUpper(d, r0, r1);  // a2 b2 a3 b3
  const auto t3 = hn::InterleaveUpper(d, r2, r3);  // c2 d2 c3 d3
  hn::StoreU(hn::ConcatLowerLower(d, t1, t0), d, y);
  hn::StoreU(hn::ConcatUpperUpper(d, t1, t0), d, y + ldy);
  hn::StoreU(hn::ConcatLowerLower(d, t3, t2), d, y + 2 * ldy);
  hn::StoreU(hn::ConcatUpperUpper(d, t3, t2), d, y + 3 * ldy);
#endif
}

void Transpose2D(const uint32_t* x, uint32_t* y, int64_t rows, int64_t cols) {
  constexpr int64_t kBlock = 32;  // 2 x 32 x 32 x 4 bytes = 8 KiB of source and destination
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(r0 + kBlock, rows);
    for (int64_t c0 = 0; c0 < cols; c0 += kBlock) {
      const int64_t c1 = std::min(c0 + kBlock, cols);
      int64_t r = r0;
      for (; r + 4 <= r1; r += 4) {
        int64_t c = c0;
        for (; c + 4 <= c1; c += 4) Tile4x4(x + r * cols + c, cols, y + c * rows + r, rows);
        for (; c < c1; ++c) {
          for (int64_t rr = r; rr < r + 4; ++rr) y[c * rows + rr] = x[rr * cols + c];
        }
      }
      for (; r < r1; ++r) {
        for (int64_t c = c0; c < c1; ++c) y[c * rows + r] = x[r * cols + c];
      }
    }
  }
}

struct Permutation {
  int rank = 0;
  int64_t shape[kMaxRank];  // input shape
  int perm[kMaxRank];       // output axis i is input axis perm[i]
};

// Drops size-1 axes and merges input axes a, a + 1 that appear next to each other, in order, in the
// output: both leave the element order of that pair unchanged.
Permutation Simplify(const int64_t* shape, const int* perm, int rank) {
  int new_index[kMaxRank];
  int kept = 0;
  for (int a = 0; a < rank; ++a) new_index[a] = shape[a] == 1 ? -1 : kept++;
  Permutation s;
  int64_t dims[kMaxRank];
  int order[kMaxRank];  // output order of the kept input axes
  int m = 0;
  for (int a = 0; a < rank; ++a) {
    if (new_index[a] >= 0) dims[new_index[a]] = shape[a];
  }
  for (int i = 0; i < rank; ++i) {
    if (new_index[perm[i]] >= 0) order[m++] = new_index[perm[i]];
  }
  // group[a] = merged axis of kept input axis a; axis a joins a - 1 when a - 1 directly precedes it in
  // the output.
  int group[kMaxRank];
  int follows[kMaxRank];  // input axis that precedes a in the output order, or -1
  for (int a = 0; a < m; ++a) follows[a] = -1;
  for (int i = 1; i < m; ++i) follows[order[i]] = order[i - 1];
  int groups = 0;
  for (int a = 0; a < m; ++a) {
    if (a > 0 && follows[a] == a - 1) {
      group[a] = group[a - 1];
      s.shape[group[a]] *= dims[a];
    } else {
      group[a] = groups;
      s.shape[groups++] = dims[a];
    }
  }
  s.rank = groups;
  int out = 0;
  for (int i = 0; i < m; ++i) {
    if (i == 0 || group[order[i]] != group[order[i - 1]]) s.perm[out++] = group[order[i]];
  }
  return s;
}

// The output walked in order with incremental input offsets; the innermost output axis is either
// contiguous in the input too (memcpy of runs) or a strided loop.
void TransposeGeneral(const uint32_t* x, uint32_t* y, const Permutation& p) {
  int64_t in_strides[kMaxRank];
  int64_t s = 1;
  for (int a = p.rank - 1; a >= 0; --a) {
    in_strides[a] = s;
    s *= p.shape[a];
  }
  const int last = p.rank - 1;
  int64_t out_shape[kMaxRank], stride[kMaxRank];
  for (int i = 0; i < p.rank; ++i) {
    out_shape[i] = p.shape[p.perm[i]];
    stride[i] = in_strides[p.perm[i]];
  }
  const int64_t run = out_shape[last];
  const int64_t run_stride = stride[last];
  int64_t idx[kMaxRank] = {0};
  int64_t src = 0;
  for (uint32_t* out = y;; out += run) {
    if (run_stride == 1) {
      std::memcpy(out, x + src, static_cast<size_t>(run) * sizeof(uint32_t));
    } else {
      const uint32_t* in = x + src;
      for (int64_t k = 0; k < run; ++k) out[k] = in[k * run_stride];
    }
    int axis = last - 1;
    for (; axis >= 0; --axis) {
      src += stride[axis];
      if (++idx[axis] < out_shape[axis]) break;
      src -= stride[axis] * out_shape[axis];
      idx[axis] = 0;
    }
    if (axis < 0) return;
  }
}

void TransposeImpl(const uint32_t* x, uint32_t* y, const int64_t* shape, const int* perm, int rank) {
  int64_t total = 1;
  for (int a = 0; a < rank; ++a) total *= shape[a];
  if (total == 0) return;
  const Permutation p = Simplify(shape, perm, rank);
  if (p.rank <= 1) {
    std::memcpy(y, x, static_cast<size_t>(total) * sizeof(uint32_t));
  } else if (p.rank == 2) {  // after merging, a rank-2 permutation can only be [1, 0]
    Transpose2D(x, y, p.shape[0], p.shape[1]);
  } else if (p.rank == 3 && p.perm[0] == 0 && p.perm[1] == 2 && p.perm[2] == 1) {
    const int64_t plane = p.shape[1] * p.shape[2];
    for (int64_t b = 0; b < p.shape[0]; ++b) Transpose2D(x + b * plane, y + b * plane, p.shape[1], p.shape[2]);
  } else {
    TransposeGeneral(x, y, p);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(TransposeImpl);

void Transpose(const uint32_t* x, uint32_t* y, const int64_t* shape, const int* perm, int rank) {
  HWY_DYNAMIC_DISPATCH(TransposeImpl)(x, y, shape, perm, rank);
}

void CopyRows(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t outer, int64_t n) {
  if (ldx == n && ldy == n) {  // one contiguous block
    std::memcpy(y, x, static_cast<size_t>(outer * n) * sizeof(uint32_t));
    return;
  }
  for (int64_t o = 0; o < outer; ++o) std::memcpy(y + o * ldy, x + o * ldx, static_cast<size_t>(n) * sizeof(uint32_t));
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
