// GEMM: B packing and the cache-blocked loop nest around the micro-kernel of gemm-inl.h.
// Highway pattern: this file is re-included once per SIMD target by foreach_target.h (natively
// SSSE3/SSE4/AVX2/AVX-512/scalar chosen at run time; in wasm only HWY_WASM, statically). Packing and
// multiplying dispatch to the same target, so the packed layout may differ between targets.
#include "kernels/gemm.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

// Blocking shared by every target (they also share the scratch buffer for packed A).
#ifndef KERASM_KERNELS_GEMM_BLOCKING_
#define KERASM_KERNELS_GEMM_BLOCKING_
namespace kerasm::kernels {
// K-block: a 256 x NR sliver of B (8 KiB at NR = 8, 32 KiB at NR = 32) stays in L1 (48 KiB here) while the
// micro-kernel sweeps every row of the M-block over it.
constexpr size_t kGemmKC = 256;
// M-block: the packed kMC x kKC block of A (120 KiB) is reused from L2 for every column panel. A multiple
// of every target's MR (4, 6, 8).
constexpr size_t kGemmMC = 120;
// N-block of Gemm, which packs B per call: a kKC x kNC block of packed B (1 MiB) stays in L2 while every
// row of A meets it.
constexpr size_t kGemmNC = 1024;
// Scratch for one packed block of A, per thread.
float* GemmPackedABlock();
}  // namespace kerasm::kernels
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/gemm-inl.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

size_t NumPanels(size_t N) { return (N + kGemmNR - 1) / kGemmNR; }

int64_t PackedBSizeImpl(int64_t K, int64_t N) {
  return static_cast<int64_t>(NumPanels(static_cast<size_t>(N)) * kGemmNR) * K;
}

// Packs the column panel of op(B) starting at column n0 (cols <= NR wide, zero-padded to NR).
void PackBPanel(const float* HWY_RESTRICT B, size_t ldb, bool trans_b, size_t K, size_t n0, size_t cols,
                float* HWY_RESTRICT panel) {
  constexpr size_t NR = kGemmNR;
  if (cols < NR) std::memset(panel, 0, K * NR * sizeof(float));
  if (trans_b) {
    // op(B)(k, n) = B[n * ldb + k]: the panel is a transpose of `cols` stored rows of B.
    GemmTransposeInto(B + n0 * ldb, ldb, cols, K, panel, NR);
  } else {
    for (size_t k = 0; k < K; ++k) std::memcpy(panel + k * NR, B + k * ldb + n0, cols * sizeof(float));
  }
}

// Panels packed together: a row of the group is 8 * NR floats (whole cache lines, read once), written to
// 8 panel streams. The streams are K * NR floats apart, a multiple of 4 KiB when K is a multiple of 128, so
// they share an L1 set; more than 8 of them (12 ways) evict each other on every row (measured in wasm:
// packing all 128 panels of a 1024 x 1024 B row by row ran at ~1 GB/s).
constexpr size_t kGemmPackGroup = 8;

void PackBImpl(const float* HWY_RESTRICT B, size_t ldb, bool trans_b, size_t K, size_t N,
               float* HWY_RESTRICT packed) {
  const GemmTag d;
  constexpr size_t NR = kGemmNR;
  const size_t full = N / NR;
  if (trans_b) {
    for (size_t p = 0; p < full; ++p) PackBPanel(B, ldb, true, K, p * NR, NR, packed + p * K * NR);
  } else {
    for (size_t p0 = 0; p0 < full; p0 += kGemmPackGroup) {
      const size_t p1 = std::min(full, p0 + kGemmPackGroup);
      for (size_t k = 0; k < K; ++k) {
        const float* HWY_RESTRICT src = B + k * ldb;
        for (size_t p = p0; p < p1; ++p) {
          float* HWY_RESTRICT dst = packed + p * K * NR + k * NR;
          for (size_t j = 0; j < NR; j += kGemmLanes) hn::StoreU(hn::LoadU(d, src + p * NR + j), d, dst + j);
        }
      }
    }
  }
  if (N % NR) PackBPanel(B, ldb, trans_b, K, full * NR, N % NR, packed + full * K * NR);
}

// C (=|+=) op(A) * B for a B packed as GemmPackB does (K x N here, which may be one K-block of a larger
// product: the caller offsets A and sets accumulate).
void GemmBlocked(size_t M, size_t N, size_t K, const float* A, size_t lda, bool trans_a, const float* packed_b,
                 const float* bias, float* C, size_t ldc, bool accumulate) {
  float* packed_a = GemmPackedABlock();
  const size_t panels = NumPanels(N);
  // With a single sliver of rows nothing reuses a B sliver from L1, so K is not split (up to what the A
  // scratch holds): B then streams through in long sequential runs.
  const size_t kc_max = M <= kGemmMR ? kGemmMC * kGemmKC / kGemmMR : kGemmKC;
  for (size_t pc = 0; pc < K; pc += kc_max) {
    const size_t kc = std::min(kc_max, K - pc);
    // The first K-block writes C (plus bias); later blocks add to what the earlier ones stored.
    const bool load_c = accumulate || pc > 0;
    for (size_t ic = 0; ic < M; ic += kGemmMC) {
      const size_t mc = std::min(kGemmMC, M - ic);
      // Row-major A is transposed into k-major slivers; a transposed A is k-major already.
      if (!trans_a) GemmPackA(A + ic * lda + pc, lda, mc, kc, packed_a);
      for (size_t p = 0; p < panels; ++p) {
        const size_t n0 = p * kGemmNR;
        const size_t cols = std::min(kGemmNR, N - n0);
        const float* b = packed_b + p * K * kGemmNR + pc * kGemmNR;
        const float* panel_bias = (bias && pc == 0) ? bias + n0 : nullptr;
        for (size_t i = 0; i < mc; i += kGemmMR) {
          const size_t rows = std::min(kGemmMR, mc - i);
          const float* a = trans_a ? A + pc * lda + ic + i : packed_a + i * kc;
          kGemmKernels[rows - 1](kc, a, trans_a ? lda : kGemmMR, b, C + (ic + i) * ldc + n0, ldc, cols, panel_bias,
                                 load_c);
        }
      }
    }
  }
}

// Empty sum (K == 0): C = bias or 0, or C += bias.
void GemmEmptyK(size_t M, size_t N, const float* bias, float* C, size_t ldc, bool accumulate) {
  if (accumulate && !bias) return;
  for (size_t m = 0; m < M; ++m) {
    float* row = C + m * ldc;
    for (size_t n = 0; n < N; ++n) {
      const float b = bias ? bias[n] : 0.f;
      row[n] = accumulate ? row[n] + b : b;
    }
  }
}

void GemmPackedImpl(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a,
                    const float* packed_b, const float* bias, float* C, int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  const auto m = static_cast<size_t>(M), n = static_cast<size_t>(N), k = static_cast<size_t>(K);
  if (K <= 0) return GemmEmptyK(m, n, bias, C, static_cast<size_t>(ldc), accumulate);
  GemmBlocked(m, n, k, A, static_cast<size_t>(lda), trans_a, packed_b, bias, C, static_cast<size_t>(ldc),
              accumulate);
}

void GemmImpl(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B,
              int64_t ldb, bool trans_b, const float* bias, float* C, int64_t ldc, bool accumulate,
              float* workspace) {
  if (M <= 0 || N <= 0) return;
  const auto m = static_cast<size_t>(M), n = static_cast<size_t>(N), k = static_cast<size_t>(K);
  const auto ldb_ = static_cast<size_t>(ldb), ldc_ = static_cast<size_t>(ldc);
  if (K <= 0) return GemmEmptyK(m, n, bias, C, ldc_, accumulate);
  if (m == 1 && !trans_b) {
    return GemmRowStreamB(n, k, A, trans_a ? static_cast<size_t>(lda) : 1, B, ldb_, bias, C, accumulate);
  }
  // Pack B one block of kGemmKC x kGemmNC at a time and multiply it at once: the block (1 MiB) is still
  // in L2 when the micro-kernels read it, where packing all of B first would write it out to L3 and read
  // it back. A is packed once per block, as in GemmPacked.
  const auto lda_ = static_cast<size_t>(lda);
  for (size_t jc = 0; jc < n; jc += kGemmNC) {
    const size_t nc = std::min(kGemmNC, n - jc);
    for (size_t pc = 0; pc < k; pc += kGemmKC) {
      const size_t kc = std::min(kGemmKC, k - pc);
      PackBImpl(trans_b ? B + jc * ldb_ + pc : B + pc * ldb_ + jc, ldb_, trans_b, kc, nc, workspace);
      GemmBlocked(m, nc, kc, trans_a ? A + pc * lda_ : A + pc, lda_, trans_a, workspace,
                  pc == 0 && bias ? bias + jc : nullptr, C + jc, ldc_, accumulate || pc > 0);
    }
  }
}

int64_t PackedBLayoutImpl() { return static_cast<int64_t>(kGemmNR); }

int64_t WorkspaceSizeImpl(int64_t K, int64_t N) {
  return PackedBSizeImpl(std::min<int64_t>(K, kGemmKC), std::min<int64_t>(N, kGemmNC));
}

void PackBDispatchImpl(const float* B, int64_t ldb, bool trans_b, int64_t K, int64_t N, float* packed) {
  if (K <= 0 || N <= 0) return;
  PackBImpl(B, static_cast<size_t>(ldb), trans_b, static_cast<size_t>(K), static_cast<size_t>(N), packed);
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

float* GemmPackedABlock() {
  alignas(64) static thread_local float block[kGemmMC * kGemmKC];
  return block;
}

HWY_EXPORT(PackedBSizeImpl);
HWY_EXPORT(PackedBLayoutImpl);
HWY_EXPORT(WorkspaceSizeImpl);
HWY_EXPORT(PackBDispatchImpl);
HWY_EXPORT(GemmPackedImpl);
HWY_EXPORT(GemmImpl);

int64_t GemmPackedBSize(int64_t K, int64_t N) {
  if (K <= 0 || N <= 0) return 0;
  return HWY_DYNAMIC_DISPATCH(PackedBSizeImpl)(K, N);
}

int64_t GemmPackedBLayout() { return HWY_DYNAMIC_DISPATCH(PackedBLayoutImpl)(); }

int64_t GemmWorkspaceSize(int64_t K, int64_t N) {
  if (K <= 0 || N <= 0) return 0;
  return HWY_DYNAMIC_DISPATCH(WorkspaceSizeImpl)(K, N);
}

void GemmPackB(const float* B, int64_t ldb, bool trans_b, int64_t K, int64_t N, float* packed) {
  HWY_DYNAMIC_DISPATCH(PackBDispatchImpl)(B, ldb, trans_b, K, N, packed);
}

void GemmPacked(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a,
                const float* packed_b, const float* bias, float* C, int64_t ldc, bool accumulate) {
  HWY_DYNAMIC_DISPATCH(GemmPackedImpl)(M, N, K, A, lda, trans_a, packed_b, bias, C, ldc, accumulate);
}

void Gemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B,
          int64_t ldb, bool trans_b, const float* bias, float* C, int64_t ldc, bool accumulate,
          float* workspace) {
  HWY_DYNAMIC_DISPATCH(GemmImpl)(M, N, K, A, lda, trans_a, B, ldb, trans_b, bias, C, ldc, accumulate, workspace);
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
