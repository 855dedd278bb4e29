// Single-precision matrix multiply, the kernel under Dense, conv (im2col) and the recurrent layers.
//
//   C[M x N] (= or +=) op(A)[M x K] * op(B)[K x N] (+ bias[N] broadcast over rows)
//
// Row-major with leading dimensions in elements; op(X) is X or X^T as told by trans_*.
// B is packed into panels the micro-kernel streams; a layer's weights are packed once per value (ops cache
// the packed copy with the weight's buffer, core/tensor.h), not on every call;
// A is read in place. M, N, K may be any size >= 0 (tails are handled); K == 0 gives C = bias or 0.
#pragma once

#include <cstdint>

namespace kerasm::kernels {

// Number of floats GemmPackB writes for a K x N right-hand side.
int64_t GemmPackedBSize(int64_t K, int64_t N);
// Names the packed layout of the current SIMD target (its panel width): a packed B made under one target
// is valid for GemmPacked under the same layout only (tests switch targets; caches key on this).
int64_t GemmPackedBLayout();
// Number of floats of workspace Gemm needs for a K x N right-hand side: one packed block of at most
// 256 x 1024 (1 MiB), whatever the size of B.
int64_t GemmWorkspaceSize(int64_t K, int64_t N);
// Packs op(B) (K x N; stored N x K when trans_b) into `packed` (GemmPackedBSize floats, 64-byte aligned).
void GemmPackB(const float* B, int64_t ldb, bool trans_b, int64_t K, int64_t N, float* packed);
// C = op(A) * packedB (+ bias) when !accumulate; C += op(A) * packedB (+ bias) when accumulate.
// bias may be null.
void GemmPacked(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a,
                const float* packed_b, const float* bias, float* C, int64_t ldc, bool accumulate);
// Packs B block by block into `workspace` (GemmWorkspaceSize floats, 64-byte aligned) and multiplies.
// A single row (M == 1, !trans_b) or K == 0 reads B in place: workspace may then be null.
void Gemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B,
          int64_t ldb, bool trans_b, const float* bias, float* C, int64_t ldc, bool accumulate,
          float* workspace);

}  // namespace kerasm::kernels
