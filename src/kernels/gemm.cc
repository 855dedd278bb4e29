#include "kernels/gemm.h"

#include <cstring>

namespace kerasm::kernels {

// Scalar version, to be replaced by the packed, register-blocked SIMD kernel. Packed layout here: K x N row-major.
int64_t GemmPackedBSize(int64_t K, int64_t N) { return K * N; }

void GemmPackB(const float* B, int64_t ldb, bool trans_b, int64_t K, int64_t N, float* packed) {
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) packed[k * N + n] = trans_b ? B[n * ldb + k] : B[k * ldb + n];
}

void GemmPacked(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a,
                const float* packed_b, const float* bias, float* C, int64_t ldc, bool accumulate) {
  for (int64_t m = 0; m < M; ++m) {
    float* c = C + m * ldc;
    for (int64_t n = 0; n < N; ++n) {
      float acc = bias ? bias[n] : 0.f;
      for (int64_t k = 0; k < K; ++k) acc += (trans_a ? A[k * lda + m] : A[m * lda + k]) * packed_b[k * N + n];
      c[n] = accumulate ? c[n] + acc : acc;
    }
  }
}

void Gemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool trans_a, const float* B,
          int64_t ldb, bool trans_b, const float* bias, float* C, int64_t ldc, bool accumulate,
          float* workspace) {
  GemmPackB(B, ldb, trans_b, K, N, workspace);
  GemmPacked(M, N, K, A, lda, trans_a, workspace, bias, C, ldc, accumulate);
}

}  // namespace kerasm::kernels
