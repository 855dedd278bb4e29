// Per-target pieces of the GEMM: tile sizes, packing and the register-blocked micro-kernel.
// Included by gemm.cc once per Highway target (foreach_target), hence the toggle guard instead of #pragma once.
//
// Packed B (per target, since NR follows the vector width): ceil(N / NR) column panels, each K x NR floats,
// row k of a panel at panel + k * NR; columns past N in the last panel are zero. A K-block of a panel (rows
// pc .. pc + kc) is one contiguous run the micro-kernel streams from L1.
// Packed A (per M x K block, in a scratch buffer): slivers of MR rows, each kc x MR floats, element (r, k) at
// sliver + k * MR + r, so the micro-kernel reads the MR values of one k at constant offsets from one
// pointer. A transposed A (trans_a) has that layout already, with stride lda, and is read in place.
#if defined(KERASM_KERNELS_GEMM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef KERASM_KERNELS_GEMM_INL_H_
#undef KERASM_KERNELS_GEMM_INL_H_
#else
#define KERASM_KERNELS_GEMM_INL_H_
#endif

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using GemmTag = hn::ScalableTag<float>;
using GemmVec = hn::Vec<GemmTag>;

// Tile sizes. A tile is kMR rows x kNR columns (two vectors) of C held in 2 * kMR accumulators; each k step
// loads two B vectors and splats one A value per row.
//  - 128-bit targets (wasm, SSE4): 4 x 8. Without FMA, MulAdd is mul + add and needs a temporary, so
//    8 accumulators + 2 B + 1 A + 1 product = 12 registers; V8 on x86-64 has 15 usable xmm registers and a
//    6 x 8 tile (16 live) spills.
//  - AVX2 (16 ymm, FMA): 6 x 16, 12 accumulators + 2 B + 1 A.
//  - AVX-512 (32 zmm): 8 x 32, 16 accumulators.
constexpr size_t kGemmLanes = hn::MaxLanes(GemmTag());
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
constexpr size_t kGemmMR = 8;
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
constexpr size_t kGemmMR = 6;
#else
constexpr size_t kGemmMR = 4;
#endif
constexpr size_t kGemmNR = 2 * kGemmLanes;
static_assert(kGemmMC % kGemmMR == 0, "M-blocks hold whole slivers");

// With one or two rows the accumulators alone do not hide the add latency (4 cycles, 2 per cycle on
// x86), so those tiles split k into interleaved phases with their own accumulators, summed at the end.
constexpr size_t GemmPhases(size_t rows) { return rows == 1 ? 4 : rows == 2 ? 2 : 1; }

// One k step: two B vectors times one splatted A value per row, into phase `p`'s accumulators.
template <size_t kRows, size_t kPhases>
HWY_INLINE void GemmStep(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, const size_t p,
                         GemmVec (&acc0)[kPhases][kRows], GemmVec (&acc1)[kPhases][kRows]) {
  const GemmTag d;
  const GemmVec b0 = hn::LoadU(d, b);
  const GemmVec b1 = hn::LoadU(d, b + kGemmLanes);
  for (size_t r = 0; r < kRows; ++r) {
    const GemmVec av = hn::Set(d, a[r]);
    acc0[p][r] = hn::MulAdd(av, b0, acc0[p][r]);
    acc1[p][r] = hn::MulAdd(av, b1, acc1[p][r]);
  }
}

// C[rows x cols] (=|+=) A[rows x kc] * B[kc x NR] (+ bias), cols <= NR. A is k-major: A(r, k) = a[k * lda + r]
// (a packed sliver with lda = MR, or a transposed A read in place); `b` is a packed B panel (row k at
// b + k * kGemmNR). load_c adds the existing C
// (accumulation, or a K-block after the first); bias (null after the first K-block) is per column.
//
// The k loop is deliberately not unrolled for three or more rows: LLVM and V8 both reschedule an unrolled
// body so that all loads come first, and V8 then spills the accumulators (measured: half the speed).
template <size_t kRows>
HWY_NOINLINE void GemmMicroKernel(const size_t kc, const float* HWY_RESTRICT a, const size_t lda,
                                  const float* HWY_RESTRICT b, float* HWY_RESTRICT c, const size_t ldc, const size_t cols,
                                  const float* HWY_RESTRICT bias, const bool load_c) {
  const GemmTag d;
  constexpr size_t N = kGemmLanes;
  constexpr size_t kPhases = GemmPhases(kRows);
  GemmVec acc0[kPhases][kRows];
  GemmVec acc1[kPhases][kRows];
  for (size_t p = 0; p < kPhases; ++p) {
    for (size_t r = 0; r < kRows; ++r) {
      acc0[p][r] = hn::Zero(d);
      acc1[p][r] = hn::Zero(d);
    }
  }

  size_t k = 0;
  if constexpr (kPhases > 1) {
    for (; k + kPhases <= kc; k += kPhases) {
      for (size_t p = 0; p < kPhases; ++p) {
        GemmStep<kRows>(a, b, p, acc0, acc1);
        a += lda;
        b += kGemmNR;
      }
    }
  }
  for (; k < kc; ++k) {
    GemmStep<kRows>(a, b, 0, acc0, acc1);
    a += lda;
    b += kGemmNR;
  }
  for (size_t p = 1; p < kPhases; ++p) {
    for (size_t r = 0; r < kRows; ++r) {
      acc0[0][r] = hn::Add(acc0[0][r], acc0[p][r]);
      acc1[0][r] = hn::Add(acc1[0][r], acc1[p][r]);
    }
  }

  if (cols == kGemmNR) {
    for (size_t r = 0; r < kRows; ++r) {
      GemmVec c0 = acc0[0][r];
      GemmVec c1 = acc1[0][r];
      float* HWY_RESTRICT row = c + r * ldc;
      if (bias) {
        c0 = hn::Add(c0, hn::LoadU(d, bias));
        c1 = hn::Add(c1, hn::LoadU(d, bias + N));
      }
      if (load_c) {
        c0 = hn::Add(c0, hn::LoadU(d, row));
        c1 = hn::Add(c1, hn::LoadU(d, row + N));
      }
      hn::StoreU(c0, d, row);
      hn::StoreU(c1, d, row + N);
    }
    return;
  }
  // Column tail (last panel only): spill the tile and finish the valid columns in scalar code, so nothing
  // past column N of C or bias is touched.
  HWY_ALIGN float tile[kRows * kGemmNR];
  for (size_t r = 0; r < kRows; ++r) {
    hn::Store(acc0[0][r], d, tile + r * kGemmNR);
    hn::Store(acc1[0][r], d, tile + r * kGemmNR + N);
  }
  for (size_t r = 0; r < kRows; ++r) {
    float* HWY_RESTRICT row = c + r * ldc;
    for (size_t j = 0; j < cols; ++j) {
      float v = tile[r * kGemmNR + j];
      if (bias) v += bias[j];
      if (load_c) v += row[j];
      row[j] = v;
    }
  }
}

using GemmKernelFn = void (*)(size_t kc, const float* a, size_t lda, const float* b, float* c, size_t ldc,
                              size_t cols, const float* bias, bool load_c);

// Micro-kernels for 1 .. kGemmMR rows, indexed by rows - 1. Calling through this table also keeps each
// kernel a separate wasm function: Binaryen ignores noinline and would otherwise inline every kernel into
// the loop nest, and V8's register allocator then spills the accumulators of that one huge function
// (measured: 8 GFLOPS instead of 20+).
template <size_t... kRowsMinus1>
constexpr auto MakeGemmKernelTable(std::index_sequence<kRowsMinus1...>) {
  return std::array<GemmKernelFn, sizeof...(kRowsMinus1)>{&GemmMicroKernel<kRowsMinus1 + 1>...};
}
constexpr std::array<GemmKernelFn, kGemmMR> kGemmKernels = MakeGemmKernelTable(std::make_index_sequence<kGemmMR>());

// c[n] (=|+=) sum_k a[k * a_stride] * B[k * ldb + n] (+ bias[n]) for one row of C, reading B in place row by
// row, four rows at a time (four sequential streams the hardware prefetcher follows). With a single row every
// element of B is used once, so packing it (Gemm's per-call path) would only copy B to read it again.
static HWY_NOINLINE void GemmRowStreamB(const size_t N, const size_t K, const float* HWY_RESTRICT a,
                                        const size_t a_stride, const float* HWY_RESTRICT B, const size_t ldb,
                                        const float* HWY_RESTRICT bias, float* HWY_RESTRICT c,
                                        const bool accumulate) {
  const GemmTag d;
  constexpr size_t L = kGemmLanes;
  size_t n = 0;
  for (; n + L <= N; n += L) {
    GemmVec v = bias ? hn::LoadU(d, bias + n) : hn::Zero(d);
    if (accumulate) v = hn::Add(hn::LoadU(d, c + n), v);
    hn::StoreU(v, d, c + n);
  }
  for (; n < N; ++n) c[n] = (accumulate ? c[n] : 0.f) + (bias ? bias[n] : 0.f);

  size_t k = 0;
  for (; k + 4 <= K; k += 4) {
    const float s0 = a[k * a_stride], s1 = a[(k + 1) * a_stride];
    const float s2 = a[(k + 2) * a_stride], s3 = a[(k + 3) * a_stride];
    const GemmVec a0 = hn::Set(d, s0), a1 = hn::Set(d, s1), a2 = hn::Set(d, s2), a3 = hn::Set(d, s3);
    const float* HWY_RESTRICT b0 = B + k * ldb;
    const float* HWY_RESTRICT b1 = b0 + ldb;
    const float* HWY_RESTRICT b2 = b1 + ldb;
    const float* HWY_RESTRICT b3 = b2 + ldb;
    for (n = 0; n + L <= N; n += L) {
      GemmVec v = hn::MulAdd(a0, hn::LoadU(d, b0 + n), hn::LoadU(d, c + n));
      v = hn::MulAdd(a1, hn::LoadU(d, b1 + n), v);
      v = hn::MulAdd(a2, hn::LoadU(d, b2 + n), v);
      v = hn::MulAdd(a3, hn::LoadU(d, b3 + n), v);
      hn::StoreU(v, d, c + n);
    }
    for (; n < N; ++n) c[n] = c[n] + s0 * b0[n] + s1 * b1[n] + s2 * b2[n] + s3 * b3[n];
  }
  for (; k < K; ++k) {
    const float s = a[k * a_stride];
    const GemmVec av = hn::Set(d, s);
    const float* HWY_RESTRICT b = B + k * ldb;
    for (n = 0; n + L <= N; n += L) hn::StoreU(hn::MulAdd(av, hn::LoadU(d, b + n), hn::LoadU(d, c + n)), d, c + n);
    for (; n < N; ++n) c[n] += s * b[n];
  }
}

// dst[k * dst_stride + r] = src[r * src_stride + k] for r < rows, k < kc: the transpose both packings need
// (row-major A into k-major slivers, a transposed B into panels), done 4 x 4 with 128-bit vectors.
// Not inlined: GCC's loop analysis of the scalar tail after constant propagation raises a false
// -Waggressive-loop-optimizations warning.
static HWY_NOINLINE void GemmTransposeInto(const float* HWY_RESTRICT src, const size_t src_stride,
                                           const size_t rows, const size_t kc, float* HWY_RESTRICT dst,
                                           const size_t dst_stride) {
  size_t r = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::Full128<float> d4;
  for (; r + 4 <= rows; r += 4) {
    const float* HWY_RESTRICT s = src + r * src_stride;
    size_t k = 0;
    for (; k + 4 <= kc; k += 4) {
      const auto v0 = hn::LoadU(d4, s + k);
      const auto v1 = hn::LoadU(d4, s + src_stride + k);
      const auto v2 = hn::LoadU(d4, s + 2 * src_stride + k);
      const auto v3 = hn::LoadU(d4, s + 3 * src_stride + k);
      const auto t0 = hn::InterleaveLower(d4, v0, v1);  // r0k0 r1k0 r0k1 r1k1
      const auto t1 = hn::InterleaveLower(d4, v2, v3);  // r2k0 r3k0 r2k1 r3k1
      const auto t2 = hn::InterleaveUpper(d4, v0, v1);  // r0k2 r1k2 r0k3 r1k3
      const auto t3 = hn::InterleaveUpper(d4, v2, v3);  // r2k2 r3k2 r2k3 r3k3
      float* HWY_RESTRICT o = dst + k * dst_stride + r;
      hn::StoreU(hn::ConcatLowerLower(d4, t1, t0), d4, o);
      hn::StoreU(hn::ConcatUpperUpper(d4, t1, t0), d4, o + dst_stride);
      hn::StoreU(hn::ConcatLowerLower(d4, t3, t2), d4, o + 2 * dst_stride);
      hn::StoreU(hn::ConcatUpperUpper(d4, t3, t2), d4, o + 3 * dst_stride);
    }
    for (; k < kc; ++k) {
      for (size_t j = 0; j < 4; ++j) dst[k * dst_stride + r + j] = s[j * src_stride + k];
    }
  }
#endif
  for (; r < rows; ++r) {
    for (size_t k = 0; k < kc; ++k) dst[k * dst_stride + r] = src[r * src_stride + k];
  }
}

// Packs rows [0, mc) x k [0, kc) of a row-major A (element (m, k) at a[m * lda + k]) into MR-row slivers,
// k-major (layout above). Rows of a partial last sliver past mc are left unset: the kernel for fewer rows
// never reads them.
inline void GemmPackA(const float* HWY_RESTRICT a, const size_t lda, const size_t mc, const size_t kc,
                      float* HWY_RESTRICT packed) {
  for (size_t i = 0; i < mc; i += kGemmMR) {
    GemmTransposeInto(a + i * lda, lda, std::min(kGemmMR, mc - i), kc, packed + i * kc, kGemmMR);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#endif  // KERASM_KERNELS_GEMM_INL_H_
