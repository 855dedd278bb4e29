// Unary kernels (forward) against the double-precision scalar twin, on every Highway target.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
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

class UnaryTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(UnaryTest);

// Runs the kernel on x (copied to a buffer misaligned by `misalign` floats, output pre-filled with
// NaN) and checks every element against the oracle. Returns the largest error seen, in ulps.
double CheckAgainstReference(const UnarySpec& s, const std::vector<float>& x, size_t misalign) {
  const size_t n = x.size();
  GuardedBuffer<float> in(n, misalign, 0.0f, testutil::kSentinel);
  GuardedBuffer<float> out(n, misalign, testutil::NaNf(), testutil::kSentinel);
  std::copy(x.begin(), x.end(), in.data());
  kernels::Unary(s.op, in.data(), out.data(), static_cast<int64_t>(n), s.alpha);
  EXPECT_TRUE(in.GuardsIntact() && out.GuardsIntact()) << "wrote out of bounds, n=" << n;
  testutil::FailureBudget budget;
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double ref = reference::Unary(s.op, x[i], s.alpha);
    const double slack = testutil::ForwardSlack(s, x[i]);
    if (!testutil::Near(out[i], ref, s.ulps, slack)) {
      if (budget.Spend()) {
        ADD_FAILURE() << kernels::UnaryOpName(s.op) << "(" << x[i] << ") = " << out[i] << ", expected " << ref
                      << " (" << testutil::UlpError(out[i], ref) << " ulp, bound " << s.ulps << "), n=" << n
                      << " i=" << i;
      }
    } else if (std::isfinite(static_cast<float>(ref))) {
      worst = std::max(worst, std::max(0.0, std::fabs(out[i] - ref) - slack) / testutil::UlpOf(ref));
    }
  }
  if (budget.count() > 5) ADD_FAILURE() << budget.count() << " mismatches in total";
  return worst;
}

TEST(UnaryOps, EveryOpHasASpecAndAName) {
  for (UnaryOp op : testutil::AllUnaryOps()) {
    const auto& specs = testutil::UnarySpecs();
    const bool found = std::any_of(specs.begin(), specs.end(), [op](const UnarySpec& s) { return s.op == op; });
    EXPECT_TRUE(found) << kernels::UnaryOpName(op);
    EXPECT_STRNE(kernels::UnaryOpName(op), "?");
  }
  EXPECT_EQ(testutil::UnarySpecs().size(), testutil::AllUnaryOps().size());
}

TEST_P(UnaryTest, EverySizeAndAlignmentMatchesReference) {
  std::mt19937 rng(1234);
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    for (int64_t n : testutil::TestSizes()) {
      for (size_t misalign : {0, 1}) {
        SCOPED_TRACE(std::string(kernels::UnaryOpName(s.op)) + " n=" + std::to_string(n) +
                     " misalign=" + std::to_string(misalign));
        CheckAgainstReference(s, testutil::SweepInputs(s, static_cast<size_t>(n), rng), misalign);
      }
    }
  }
}

TEST_P(UnaryTest, ExtremeInputsGiveLimits) {
  const std::vector<float> x = testutil::ExtremeInputs();
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    SCOPED_TRACE(kernels::UnaryOpName(s.op));
    CheckAgainstReference(s, x, 1);
  }
}

TEST_P(UnaryTest, InPlaceEqualsOutOfPlace) {
  std::mt19937 rng(99);
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    SCOPED_TRACE(kernels::UnaryOpName(s.op));
    std::vector<float> x = testutil::SweepInputs(s, 37, rng);
    std::vector<float> y(x.size());
    kernels::Unary(s.op, x.data(), y.data(), static_cast<int64_t>(x.size()), s.alpha);
    kernels::Unary(s.op, x.data(), x.data(), static_cast<int64_t>(x.size()), s.alpha);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(testutil::SameBits(x[i], y[i]) || (x[i] != x[i] && y[i] != y[i]));
  }
}

// hardSigmoid with a slope (alpha > 0) is the Keras 2 / tfjs formula clip(alpha x + 0.5, 0, 1), which the
// models those versions saved need; the same sweeps as every op, against the double reference.
TEST_P(UnaryTest, HardSigmoidWithASlopeIsTheKeras2Formula) {
  std::mt19937 rng(5);
  // 0.2 x + 0.5 cancels near x = -2.5: the error is within an ulp of 0.5, which is up to 64 ulps of a small result.
  const UnarySpec keras2{UnaryOp::kHardSigmoid, 0.2f, 64, false, 0.5, 0, testutil::Domain::kAll, {-2.5, 2.5}};
  for (int64_t n : testutil::TestSizes()) CheckAgainstReference(keras2, testutil::SweepInputs(keras2, n, rng), 1);
  CheckAgainstReference(keras2, testutil::ExtremeInputs(), 0);
  const float x[] = {-3.f, -2.5f, -1.f, 0.f, 1.25f, 2.5f, 4.f};
  float y[7];
  kernels::Unary(UnaryOp::kHardSigmoid, x, y, 7, 0.2f);
  const float expected[] = {0.f, 0.f, 0.3f, 0.5f, 0.75f, 1.f, 1.f};
  for (int i = 0; i < 7; ++i) EXPECT_NEAR(y[i], expected[i], 1e-7f) << x[i];
}

// A dense grid over [-120, 120] (every threshold the kernels switch at) plus 2^15 mixed-magnitude
// points per op; the measured worst error is printed so the bounds in unary_specs.h stay honest.
TEST_P(UnaryTest, AccuracySweep) {
  std::mt19937 rng(7);
  std::string report;
  for (const UnarySpec& s : testutil::UnarySpecs()) {
    SCOPED_TRACE(kernels::UnaryOpName(s.op));
    std::vector<float> x = testutil::SweepInputs(s, 1 << 15, rng);
    for (int i = 0; i <= 48000; ++i) x.push_back(testutil::IntoDomain(s.domain, -120.0f + 0.005f * static_cast<float>(i)));
    for (float v : testutil::RandomUniform(4096, -40000, 40000, rng)) x.push_back(testutil::IntoDomain(s.domain, v));
    const double worst = CheckAgainstReference(s, x, 0);
    char line[96];
    std::snprintf(line, sizeof(line), " %s %.2f", kernels::UnaryOpName(s.op), worst);
    report += line;
  }
  std::printf("[%s] max ulp:%s\n", hwy::TargetName(GetParam()), report.c_str());
}

}  // namespace
}  // namespace kerasm
