// UnaryGrad against the double-precision scalar twin and against central finite differences of the
// Unary kernel itself, on every Highway target.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/elementwise.h"
#include "kernels/kernel_test_util.h"
#include "kernels/reference.h"
#include "kernels/unary_specs.h"

namespace kerasm {
namespace {
using kernels::UnaryOp;
using testutil::GuardedBuffer;
using testutil::UnarySpec;

class UnaryGradTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(UnaryGradTest);

// y = f(x) from the forward kernel (what a tape would hold), dy random; checks dx element-wise against
// the oracle evaluated on the same x, y, dy.
void CheckGrad(const UnarySpec& s, const std::vector<float>& x, size_t misalign, std::mt19937& rng) {
  const size_t n = x.size();
  const auto n64 = static_cast<int64_t>(n);
  GuardedBuffer<float> xb(n, misalign, 0.0f, testutil::kSentinel), yb(n, misalign, 0.0f, testutil::kSentinel),
      dyb(n, misalign, 0.0f, testutil::kSentinel), dxb(n, misalign, testutil::NaNf(), testutil::kSentinel);
  std::copy(x.begin(), x.end(), xb.data());
  const std::vector<float> dy = testutil::RandomUniform(n, -2, 2, rng);
  std::copy(dy.begin(), dy.end(), dyb.data());
  kernels::Unary(s.op, xb.data(), yb.data(), n64, s.alpha);
  kernels::UnaryGrad(s.op, xb.data(), yb.data(), dyb.data(), dxb.data(), n64, s.alpha);
  EXPECT_TRUE(xb.GuardsIntact() && yb.GuardsIntact() && dyb.GuardsIntact() && dxb.GuardsIntact());
  std::vector<double> ref(n);
  reference::UnaryGrad(s.op, xb.data(), yb.data(), dyb.data(), ref.data(), n64, s.alpha);
  testutil::FailureBudget budget;
  for (size_t i = 0; i < n; ++i) {
    const double slack = s.grad_abs * std::ldexp(std::fabs(double{dy[i]}), -24) +
                         std::fabs(double{dy[i]}) * testutil::ForwardSlack(s, x[i]);
    if (!testutil::Near(dxb[i], ref[i], s.grad_ulps, slack) && budget.Spend()) {
      ADD_FAILURE() << kernels::UnaryOpName(s.op) << "'(" << x[i] << ") * " << dy[i] << " = " << dxb[i]
                    << ", expected " << ref[i] << " (" << testutil::UlpError(dxb[i], ref[i]) << " ulp), n=" << n;
    }
  }
}

TEST_P(UnaryGradTest, EverySizeAndAlignmentMatchesReference) {
  std::mt19937 rng(4321);
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    for (int64_t n : testutil::TestSizes()) {
      for (size_t misalign : {0, 1}) {
        SCOPED_TRACE(std::string(kernels::UnaryOpName(s.op)) + " n=" + std::to_string(n) +
                     " misalign=" + std::to_string(misalign));
        CheckGrad(s, testutil::SweepInputs(s, static_cast<size_t>(n), rng), misalign, rng);
      }
    }
  }
}

TEST_P(UnaryGradTest, HardSigmoidWithASlopeHasTheKeras2Derivative) {
  std::mt19937 rng(77);
  const UnarySpec keras2{kernels::UnaryOp::kHardSigmoid, 0.2f, 1, false, 0.5, 0, testutil::Domain::kAll, {-2.5, 2.5}};
  for (int64_t n : testutil::TestSizes()) CheckGrad(keras2, testutil::SweepInputs(keras2, static_cast<size_t>(n), rng), 1, rng);
}

TEST_P(UnaryGradTest, ExtremeInputsGiveLimits) {
  std::mt19937 rng(5);
  std::vector<float> x = testutil::ExtremeInputs();
  // NaN inputs have no promised derivative; everything else must meet the limits.
  x.erase(std::remove_if(x.begin(), x.end(), [](float v) { return std::isnan(v); }), x.end());
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    SCOPED_TRACE(kernels::UnaryOpName(s.op));
    std::vector<float> xs;
    for (float v : x) {
      if (testutil::IntoDomain(s.domain, v) == v) xs.push_back(v);
    }
    CheckGrad(s, xs, 1, rng);
  }
}

TEST_P(UnaryGradTest, AccuracySweep) {
  std::mt19937 rng(8);
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    SCOPED_TRACE(kernels::UnaryOpName(s.op));
    std::vector<float> x = testutil::SweepInputs(s, 1 << 14, rng);
    for (int i = 0; i <= 24000; ++i) x.push_back(testutil::IntoDomain(s.domain, -120.0f + 0.01f * static_cast<float>(i)));
    CheckGrad(s, x, 0, rng);
  }
}

TEST_P(UnaryGradTest, InPlaceOverDy) {
  std::mt19937 rng(6);
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    SCOPED_TRACE(kernels::UnaryOpName(s.op));
    const std::vector<float> x = testutil::SweepInputs(s, 29, rng);
    std::vector<float> y(x.size()), dy = testutil::RandomUniform(x.size(), -1, 1, rng), dx(x.size());
    const auto n = static_cast<int64_t>(x.size());
    kernels::Unary(s.op, x.data(), y.data(), n, s.alpha);
    kernels::UnaryGrad(s.op, x.data(), y.data(), dy.data(), dx.data(), n, s.alpha);
    kernels::UnaryGrad(s.op, x.data(), y.data(), dy.data(), dy.data(), n, s.alpha);
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_TRUE(testutil::SameBits(dx[i], dy[i]) || (dx[i] != dx[i] && dy[i] != dy[i]));
    }
  }
}

// f'(x) against a Richardson-extrapolated central difference of the forward kernel, with steps h and
// h/2 (h = 2^-6) on a grid of multiples of 2^-10, so x +- h is exact in float. Truncation error is
// O(h^4); rounding contributes ~4 ulp(f) / h. Points within 0.05 of a kink are skipped.
TEST_P(UnaryGradTest, MatchesFiniteDifferences) {
  const float h = 1.0f / 64;
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    SCOPED_TRACE(kernels::UnaryOpName(s.op));
    std::vector<float> xs;
    for (int k = 0; k < 70; ++k) {
      float x = static_cast<float>(-6 * 1024 + 177 * k + 13) / 1024;
      if (s.domain == testutil::Domain::kPositive) x = 0.5f + std::fabs(x);
      if (s.domain == testutil::Domain::kAboveMinusOne) x = -0.5f + std::fabs(x);
      if (s.op == UnaryOp::kReciprocal && std::fabs(x) < 0.5f) continue;
      bool near_kink = false;
      for (double kink : s.kinks) near_kink |= std::fabs(x - kink) < 0.05;
      if (!near_kink) xs.push_back(x);
    }
    const auto n = static_cast<int64_t>(xs.size());
    std::vector<float> probes;  // x + h, x - h, x + h/2, x - h/2 per point
    for (float x : xs) {
      for (float step : {h, -h, h / 2, -h / 2}) probes.push_back(x + step);
    }
    std::vector<float> fp(probes.size()), y(xs.size()), dy(xs.size(), 1.0f), dx(xs.size());
    kernels::Unary(s.op, probes.data(), fp.data(), static_cast<int64_t>(probes.size()), s.alpha);
    kernels::Unary(s.op, xs.data(), y.data(), n, s.alpha);
    kernels::UnaryGrad(s.op, xs.data(), y.data(), dy.data(), dx.data(), n, s.alpha);
    testutil::FailureBudget budget;
    for (size_t i = 0; i < xs.size(); ++i) {
      const double d1 = (double{fp[4 * i]} - fp[4 * i + 1]) / (2.0 * h);
      const double d2 = (double{fp[4 * i + 2]} - fp[4 * i + 3]) / double{h};
      const double fd = (4 * d2 - d1) / 3;
      const double tol = 1e-3 * (1 + std::fabs(fd)) + 1e-4 * std::fabs(double{y[i]});
      if (!(std::fabs(dx[i] - fd) <= tol) && budget.Spend()) {
        ADD_FAILURE() << kernels::UnaryOpName(s.op) << "'(" << xs[i] << ") = " << dx[i] << ", finite difference "
                      << fd;
      }
    }
  }
}

}  // namespace
}  // namespace kerasm
