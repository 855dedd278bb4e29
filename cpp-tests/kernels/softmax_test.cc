// Softmax / log-softmax and their gradients against the double-precision scalar twins, over
// [outer, n, inner] shapes that hit every vector tail along n (inner == 1) and along inner, on every
// Highway target.
//
// Tolerances follow the float error analysis of the kernels, relative to the magnitudes involved:
// exp adds 1 ulp plus |x - max| 2^-24 (the rounding of x - max), a sum of n terms up to n 2^-24 of
// the sum of magnitudes; each is stated where it is used.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_test_util.h"
#include "kernels/reference.h"
#include "kernels/softmax.h"

namespace kerasm {
namespace {
using testutil::GuardedBuffer;

class SoftmaxTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(SoftmaxTest);

constexpr double kEps = 1.0 / (1 << 23);  // 2^-23: one ulp at 1, twice the unit roundoff

struct Dims {
  int64_t outer, n, inner;
};

std::vector<Dims> ShapeSweep() {
  std::vector<Dims> dims;
  for (int64_t n : testutil::TestSizes()) {
    if (n > 0) dims.push_back({3, n, 1});
  }
  for (int64_t inner : {2, 3, 5, 7, 8, 9, 15, 16, 17, 33}) {
    for (int64_t n : {1, 2, 7, 17, 100}) dims.push_back({2, n, inner});
  }
  return dims;
}

// Calls f(base) for the first element of every fiber.
template <class F>
void ForEachFiber(const Dims& s, F f) {
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) f(o * s.n * s.inner + i);
  }
}

enum class Kind { kSoftmax, kLogSoftmax };

// Runs the forward kernel on x and checks it. Returns the kernel's output.
std::vector<float> CheckForward(Kind kind, const Dims& s, const std::vector<float>& x, size_t misalign) {
  const size_t total = x.size();
  GuardedBuffer<float> in(total, misalign, 0.0f, testutil::kSentinel);
  GuardedBuffer<float> out(total, misalign, testutil::NaNf(), testutil::kSentinel);
  std::copy(x.begin(), x.end(), in.data());
  std::vector<double> ref(total);
  if (kind == Kind::kSoftmax) {
    kernels::Softmax(in.data(), out.data(), s.outer, s.n, s.inner);
    reference::Softmax(in.data(), ref.data(), s.outer, s.n, s.inner);
  } else {
    kernels::LogSoftmax(in.data(), out.data(), s.outer, s.n, s.inner);
    reference::LogSoftmax(in.data(), ref.data(), s.outer, s.n, s.inner);
  }
  EXPECT_TRUE(in.GuardsIntact() && out.GuardsIntact()) << "wrote out of bounds";
  testutil::FailureBudget budget;
  ForEachFiber(s, [&](int64_t base) {
    double m = -INFINITY, spread = 0;
    for (int64_t k = 0; k < s.n; ++k) m = std::fmax(m, x[base + k * s.inner]);
    for (int64_t k = 0; k < s.n; ++k) spread = std::fmax(spread, m - x[base + k * s.inner]);
    if (!std::isfinite(spread)) spread = 0;  // -inf entries contribute an exact 0
    // Relative error of the sum: n roundings plus the worst exp argument error.
    const double sum_err = kEps * (4 + spread + s.n);
    for (int64_t k = 0; k < s.n; ++k) {
      const int64_t e = base + k * s.inner;
      const double xm = std::isfinite(x[e]) ? m - x[e] : 0;
      const double tol = kind == Kind::kSoftmax ? std::fabs(ref[e]) * (kEps * (2 + xm) + sum_err)
                                                : kEps * (xm + std::fabs(ref[e]) + 2) + sum_err;
      if (!testutil::Near(out[e], ref[e], 1, tol) && budget.Spend()) {
        ADD_FAILURE() << "element " << e << " (k=" << k << "): " << out[e] << ", expected " << ref[e];
      }
    }
  });
  return std::vector<float>(out.data(), out.data() + total);
}

void CheckGrad(Kind kind, const Dims& s, const std::vector<float>& y, std::mt19937& rng, size_t misalign) {
  const size_t total = y.size();
  GuardedBuffer<float> yb(total, misalign, 0.0f, testutil::kSentinel), dyb(total, misalign, 0.0f, testutil::kSentinel);
  GuardedBuffer<float> dx(total, misalign, testutil::NaNf(), testutil::kSentinel);
  std::copy(y.begin(), y.end(), yb.data());
  const std::vector<float> dy = testutil::RandomUniform(total, -1, 1, rng);
  std::copy(dy.begin(), dy.end(), dyb.data());
  std::vector<double> ref(total);
  if (kind == Kind::kSoftmax) {
    kernels::SoftmaxGrad(yb.data(), dyb.data(), dx.data(), s.outer, s.n, s.inner);
    reference::SoftmaxGrad(yb.data(), dyb.data(), ref.data(), s.outer, s.n, s.inner);
  } else {
    kernels::LogSoftmaxGrad(yb.data(), dyb.data(), dx.data(), s.outer, s.n, s.inner);
    reference::LogSoftmaxGrad(yb.data(), dyb.data(), ref.data(), s.outer, s.n, s.inner);
  }
  EXPECT_TRUE(dx.GuardsIntact() && yb.GuardsIntact() && dyb.GuardsIntact());
  testutil::FailureBudget budget;
  ForEachFiber(s, [&](int64_t base) {
    // |error of the fiber sum| <= (n + 4) 2^-24 sum of |terms|.
    double mag = 0;
    for (int64_t k = 0; k < s.n; ++k) {
      const int64_t e = base + k * s.inner;
      mag += kind == Kind::kSoftmax ? std::fabs(double{dy[e]} * y[e]) : std::fabs(double{dy[e]});
    }
    for (int64_t k = 0; k < s.n; ++k) {
      const int64_t e = base + k * s.inner;
      const double tol = kind == Kind::kSoftmax
                             ? kEps * std::fabs(double{y[e]}) * (2 * std::fabs(double{dy[e]}) + (s.n + 4) * mag)
                             : kEps * (std::fabs(double{dy[e]}) + std::exp(double{y[e]}) * (s.n + 4) * mag);
      if (!testutil::Near(dx[e], ref[e], 1, tol) && budget.Spend()) {
        ADD_FAILURE() << "grad element " << e << ": " << dx[e] << ", expected " << ref[e];
      }
    }
  });
}

TEST_P(SoftmaxTest, ShapesAndAlignmentsMatchReference) {
  std::mt19937 rng(21);
  for (const Dims& s : ShapeSweep()) {
    for (size_t misalign : {0, 1}) {
      for (Kind kind : {Kind::kSoftmax, Kind::kLogSoftmax}) {
        SCOPED_TRACE(std::string(kind == Kind::kSoftmax ? "softmax" : "logSoftmax") + " [" +
                     std::to_string(s.outer) + ", " + std::to_string(s.n) + ", " + std::to_string(s.inner) +
                     "] misalign=" + std::to_string(misalign));
        const auto x = testutil::RandomUniform(static_cast<size_t>(s.outer * s.n * s.inner), -10, 10, rng);
        const std::vector<float> y = CheckForward(kind, s, x, misalign);
        CheckGrad(kind, s, y, rng, misalign);
      }
    }
  }
}

// Rows of large magnitude (x - max far from 0), equal entries, -inf entries, and the all-NaN cases.
TEST_P(SoftmaxTest, ExtremeRows) {
  const float inf = INFINITY, nan = testutil::NaNf();
  // x - max from 0 down to -111 (long enough for the vector path): e^(x - max) runs through the
  // subnormals (below -87.3) to 0 (below -103.9), then -inf.
  std::vector<float> ramp;
  for (int i = 0; i < 38; ++i) ramp.push_back(-3.0f * static_cast<float>(i));
  ramp.push_back(-inf);
  const std::vector<std::vector<float>> rows = {
      ramp,
      {1e30f, -1e30f, 3e38f, -3e38f, 0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f},
      {1e4f, 1e4f + 1, 1e4f - 3, -1e4f, 9999.5f, 1e4f, 1e4f, 1e4f, 1e4f},
      {7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f, 7.0f},
      {-inf, 0.0f, -inf, 1.0f, -inf, -inf, -inf, -inf, -inf, 2.0f},
      {1e-40f, -1e-40f, 0.0f, -0.0f, 1e-45f},
      {0.0f, nan, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f},  // NaN: every output NaN
      {0.0f, inf, 1.0f},                                      // +inf - +inf: NaN
      {-inf, -inf, -inf, -inf, -inf},                         // -inf - -inf: NaN
  };
  for (const auto& row : rows) {
    const Dims s{1, static_cast<int64_t>(row.size()), 1};
    for (Kind kind : {Kind::kSoftmax, Kind::kLogSoftmax}) {
      SCOPED_TRACE(::testing::PrintToString(row));
      CheckForward(kind, s, row, 1);
      // The same values down a column (inner > 1) take the vertical path.
      std::vector<float> col;
      for (float v : row) {
        for (int j = 0; j < 9; ++j) col.push_back(v);
      }
      CheckForward(kind, Dims{1, s.n, 9}, col, 0);
    }
  }
}

TEST_P(SoftmaxTest, EmptyAxisWritesNothing) {
  std::vector<float> y(4, 5.0f);
  kernels::Softmax(nullptr, y.data(), 3, 0, 2);
  kernels::LogSoftmaxGrad(nullptr, nullptr, y.data(), 3, 0, 1);
  for (float v : y) EXPECT_EQ(v, 5.0f);
}

TEST_P(SoftmaxTest, GradientMatchesFiniteDifferences) {
  // d/dx_j of sum_k w_k softmax(x)_k is what SoftmaxGrad returns for dy = w; checked against
  // central differences of the forward kernel (h = 2^-8, error O(h^2) ~ 1e-5 of the scale).
  std::mt19937 rng(22);
  const Dims s{2, 6, 3};
  const size_t total = 36;
  const auto x = testutil::RandomUniform(total, -2, 2, rng);
  const auto w = testutil::RandomUniform(total, -1, 1, rng);
  for (Kind kind : {Kind::kSoftmax, Kind::kLogSoftmax}) {
    auto forward = [&](const std::vector<float>& in) {
      std::vector<float> out(total);
      if (kind == Kind::kSoftmax) kernels::Softmax(in.data(), out.data(), s.outer, s.n, s.inner);
      else kernels::LogSoftmax(in.data(), out.data(), s.outer, s.n, s.inner);
      double acc = 0;
      for (size_t i = 0; i < total; ++i) acc += double{w[i]} * out[i];
      return acc;
    };
    std::vector<float> y(total), dx(total);
    if (kind == Kind::kSoftmax) {
      kernels::Softmax(x.data(), y.data(), s.outer, s.n, s.inner);
      kernels::SoftmaxGrad(y.data(), w.data(), dx.data(), s.outer, s.n, s.inner);
    } else {
      kernels::LogSoftmax(x.data(), y.data(), s.outer, s.n, s.inner);
      kernels::LogSoftmaxGrad(y.data(), w.data(), dx.data(), s.outer, s.n, s.inner);
    }
    const float h = 1.0f / 256;
    for (size_t j = 0; j < total; ++j) {
      std::vector<float> xp = x, xm = x;
      xp[j] += h;
      xm[j] -= h;
      const double fd = (forward(xp) - forward(xm)) / (double{xp[j]} - xm[j]);
      EXPECT_NEAR(dx[j], fd, 2e-4) << (kind == Kind::kSoftmax ? "softmax" : "logSoftmax") << " j=" << j;
    }
  }
}

}  // namespace
}  // namespace kerasm
