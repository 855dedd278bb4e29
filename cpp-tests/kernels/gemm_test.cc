// GEMM against a scalar reference with double accumulation, on every Highway target compiled in (natively
// SSSE3/SSE4/AVX2/AVX-512/scalar; in wasm the one static target). Shapes sweep the edges of the tiles
// (MR in 4..8 rows, NR = 2 vectors = 2..32 columns), the M-block (120 rows), the K-block (256), the
// packing groups (8 panels) and Gemm's N-block (1024), with transposes, bias, accumulation, padded leading dimensions, a C pre-filled
// with NaN, and guards around C and the packed buffer.
#include "kernels/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hwy/aligned_allocator.h"
#include "hwy/tests/hwy_gtest.h"

namespace kerasm::kernels {
namespace {

constexpr float kGuard = 12345.f;

struct Case {
  int64_t M, N, K;
  bool trans_a = false, trans_b = false, bias = false, accumulate = false;
  int64_t pad = 0;  // extra elements in every leading dimension

  std::string Describe() const {
    return "M=" + std::to_string(M) + " N=" + std::to_string(N) + " K=" + std::to_string(K) +
           " trans_a=" + std::to_string(trans_a) + " trans_b=" + std::to_string(trans_b) +
           " bias=" + std::to_string(bias) + " accumulate=" + std::to_string(accumulate) +
           " pad=" + std::to_string(pad);
  }
};

enum class Api { kPacked, kGemm };

// Runs one case through GemmPackB + GemmPacked or through Gemm, and checks every element of C against
// the double-precision reference with the classic bound for a float sum of K + 2 terms in any order,
// |error| <= 2 (K + 2) u sum |term|, u = 2^-24. Elements of C outside M x N and the packed buffer's
// tail must be left alone.
void RunCase(const Case& c, Api api, std::mt19937& rng) {
  SCOPED_TRACE(c.Describe() + (api == Api::kPacked ? " (GemmPacked)" : " (Gemm)"));
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  const int64_t M = c.M, N = c.N, K = c.K;
  const int64_t a_rows = c.trans_a ? K : M, a_cols = c.trans_a ? M : K;
  const int64_t b_rows = c.trans_b ? N : K, b_cols = c.trans_b ? K : N;
  const int64_t lda = a_cols + c.pad, ldb = b_cols + c.pad, ldc = N + c.pad;

  // Exactly as large as the strided matrices need (no padding after the last row), so that a sanitizer
  // build catches any read past them.
  const auto extent = [](int64_t rows, int64_t cols, int64_t ld) {
    return static_cast<size_t>(rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols);
  };
  std::vector<float> A(extent(a_rows, a_cols, lda)), B(extent(b_rows, b_cols, ldb));
  for (float& x : A) x = dist(rng);
  for (float& x : B) x = dist(rng);
  std::vector<float> bias(static_cast<size_t>(N));
  for (float& x : bias) x = dist(rng);
  std::vector<float> C(static_cast<size_t>(M * ldc), kGuard);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) C[m * ldc + n] = c.accumulate ? dist(rng) : std::nanf("");
  }
  const std::vector<float> C0 = C;

  const auto a_at = [&](int64_t m, int64_t k) { return c.trans_a ? A[k * lda + m] : A[m * lda + k]; };
  const auto b_at = [&](int64_t k, int64_t n) { return c.trans_b ? B[n * ldb + k] : B[k * ldb + n]; };

  const int64_t packed_size = GemmPackedBSize(K, N);
  ASSERT_GE(packed_size, K * N);
  constexpr int64_t kTail = 64;
  auto packed = hwy::AllocateAligned<float>(static_cast<size_t>(packed_size + kTail));
  for (int64_t i = 0; i < packed_size + kTail; ++i) packed[i] = kGuard;
  const float* bias_ptr = c.bias ? bias.data() : nullptr;
  if (api == Api::kPacked) {
    GemmPackB(B.data(), ldb, c.trans_b, K, N, packed.get());
    GemmPacked(M, N, K, A.data(), lda, c.trans_a, packed.get(), bias_ptr, C.data(), ldc, c.accumulate);
  } else {
    Gemm(M, N, K, A.data(), lda, c.trans_a, B.data(), ldb, c.trans_b, bias_ptr, C.data(), ldc, c.accumulate,
         packed.get());
  }
  for (int64_t i = packed_size; i < packed_size + kTail; ++i) {
    ASSERT_EQ(packed[i], kGuard) << "packing wrote past GemmPackedBSize at " << i;
  }

  int failures = 0;
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < ldc; ++n) {
      const float got = C[m * ldc + n];
      if (n >= N) {
        ASSERT_EQ(got, kGuard) << "wrote outside C at m=" << m << " n=" << n;
        continue;
      }
      double ref = 0, magnitude = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double term = static_cast<double>(a_at(m, k)) * b_at(k, n);
        ref += term;
        magnitude += std::fabs(term);
      }
      if (c.bias) {
        ref += bias[n];
        magnitude += std::fabs(bias[n]);
      }
      if (c.accumulate) {
        ref += C0[m * ldc + n];
        magnitude += std::fabs(C0[m * ldc + n]);
      }
      const double tol = 2.0 * (K + 2) * std::ldexp(1.0, -24) * magnitude;
      if (!(std::fabs(got - ref) <= tol) && ++failures <= 5) {
        ADD_FAILURE() << "C[" << m << "][" << n << "] = " << got << ", expected " << ref << " (tol " << tol << ")";
      }
    }
  }
  ASSERT_EQ(failures, 0);
}

class GemmTest : public hwy::TestWithParamTarget {
 protected:
  void Run(const Case& c) {
    RunCase(c, Api::kPacked, rng_);
    RunCase(c, Api::kGemm, rng_);
  }
  std::mt19937 rng_{20240607};
};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(GemmTest);

// Around every target's MR (4, 6, 8) and NR (2, 8, 16, 32 columns): 1, 3, 7, NR - 1, NR, NR + 1, 3 NR + 2.
const std::vector<int64_t> kRowCounts = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 17, 26};
const std::vector<int64_t> kColCounts = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 50, 63, 65, 98};

TEST_P(GemmTest, ShapesAroundTiles) {
  for (int64_t M : kRowCounts) {
    for (int64_t N : kColCounts) {
      for (int64_t K : {1, 7, 33}) Run({M, N, K});
    }
  }
}

TEST_P(GemmTest, TransposesBiasAccumulateAndPadding) {
  for (int flags = 0; flags < 32; ++flags) {
    for (const Case& shape : std::vector<Case>{{1, 37, 9}, {3, 7, 5}, {9, 33, 17}, {13, 17, 40}, {6, 98, 9}}) {
      Case c = shape;
      c.trans_a = flags & 1;
      c.trans_b = flags & 2;
      c.bias = flags & 4;
      c.accumulate = flags & 8;
      c.pad = (flags & 16) ? 5 : 0;
      Run(c);
    }
  }
}

// K across the K-block (256; more rows than one sliver, else K is not split) with every flag that changes
// the C update of later blocks, and K for single slivers (1 and 5 rows).
TEST_P(GemmTest, LongKSplitsIntoBlocks) {
  for (int64_t K : {255, 256, 257, 513, 770}) {
    for (int flags = 0; flags < 4; ++flags) {
      Case c{11, 19, K};
      c.bias = flags & 1;
      c.accumulate = flags & 2;
      c.trans_a = c.trans_b = K % 2;
      Run(c);
    }
    Run({1, 70, K});
    Run({5, 40, K});
  }
}

// M across the M-block (120 rows), N across the packing groups (8 panels: 64, 128 or 256 columns) and
// across Gemm's N-block (1024).
TEST_P(GemmTest, LargeMAndN) {
  Run({119, 9, 5});
  Run({120, 9, 5});
  Run({121, 9, 5});
  Case c{241, 17, 3};
  c.trans_a = true;
  c.bias = true;
  Run(c);
  Run({2, 257, 6});
  Case wide{5, 515, 11};
  wide.trans_b = true;
  wide.pad = 3;
  Run(wide);
  // Past Gemm's N-block (1024 columns packed per call).
  Case wider{3, 1031, 5};
  wider.bias = true;
  Run(wider);
  wider.trans_b = true;
  wider.K = 260;
  Run(wider);
  for (bool accumulate : {false, true}) {
    Case big{130, 300, 300};
    big.bias = true;
    big.accumulate = accumulate;
    Run(big);
  }
}

TEST_P(GemmTest, EmptyKGivesBiasOrZero) {
  for (int flags = 0; flags < 4; ++flags) {
    Case c{5, 11, 0};
    c.bias = flags & 1;
    c.accumulate = flags & 2;
    Run(c);
  }
}

TEST_P(GemmTest, EmptyMOrNTouchesNothing) {
  float C[4] = {kGuard, kGuard, kGuard, kGuard};
  const float A[4] = {1, 2, 3, 4};
  const float bias[4] = {1, 1, 1, 1};
  auto work = hwy::AllocateAligned<float>(static_cast<size_t>(GemmPackedBSize(2, 2)));
  Gemm(0, 2, 2, A, 2, false, A, 2, false, bias, C, 2, false, work.get());
  Gemm(2, 0, 2, A, 2, false, A, 2, false, bias, C, 2, false, work.get());
  for (float x : C) EXPECT_EQ(x, kGuard);
  EXPECT_EQ(GemmPackedBSize(0, 5), 0);
  EXPECT_EQ(GemmPackedBSize(5, 0), 0);
}

// One packed B serves many products, as a Dense layer's weights do.
TEST_P(GemmTest, PackedBIsReusable) {
  const int64_t K = 37, N = 45, ldb = N;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> B(static_cast<size_t>(K * N));
  for (float& x : B) x = dist(rng);
  auto packed = hwy::AllocateAligned<float>(static_cast<size_t>(GemmPackedBSize(K, N)));
  GemmPackB(B.data(), ldb, false, K, N, packed.get());
  for (int64_t M : {1, 4, 10}) {
    std::vector<float> A(static_cast<size_t>(M * K)), C(static_cast<size_t>(M * N));
    for (float& x : A) x = dist(rng);
    GemmPacked(M, N, K, A.data(), K, false, packed.get(), nullptr, C.data(), N, false);
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        double ref = 0, magnitude = 0;
        for (int64_t k = 0; k < K; ++k) {
          ref += static_cast<double>(A[m * K + k]) * B[k * N + n];
          magnitude += std::fabs(static_cast<double>(A[m * K + k]) * B[k * N + n]);
        }
        EXPECT_NEAR(C[m * N + n], ref, 2.0 * (K + 2) * std::ldexp(1.0, -24) * magnitude);
      }
    }
  }
}

}  // namespace
}  // namespace kerasm::kernels
