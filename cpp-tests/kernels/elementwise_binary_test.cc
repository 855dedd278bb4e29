// Binary kernels with numpy broadcasting, and ScaleShift / AccumulateInto / Fill, against the scalar
// twins on every Highway target.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "kernels/elementwise.h"
#include "kernels/kernel_test_util.h"
#include "kernels/reference.h"

namespace kerasm {
namespace {
using kernels::BinaryOp;
using testutil::GuardedBuffer;
using Shape = std::vector<int64_t>;

class BinaryTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(BinaryTest);

std::vector<BinaryOp> AllBinaryOps() {
  return {
#define KERASM_LIST(name, str) BinaryOp::name,
      KERASM_BINARY_OPS(KERASM_LIST)
#undef KERASM_LIST
  };
}

// Bound in ulps of the exact result: one rounding for the IEEE ops, two for squaredDifference, and
// the pow bound stated in elementwise.cc.
double BinaryUlps(BinaryOp op) {
  switch (op) {
    case BinaryOp::kSquaredDifference: return 2.5;  // 0.5 + twice the rounding of a - b (<= 1 ulp each)
    case BinaryOp::kPow: return 2;
    default: return 0.5;
  }
}

int64_t Count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Shape BroadcastShape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Element strides of a contiguous operand of shape `s` seen through `out` (right-aligned, 0 where
// the operand is broadcast).
std::vector<int64_t> BroadcastStrides(const Shape& s, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  int64_t stride = 1;
  for (size_t k = 0; k < s.size(); ++k) {
    const size_t axis = out.size() - 1 - k;
    const int64_t dim = s[s.size() - 1 - k];
    strides[axis] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
  return strides;
}

// Operands that exercise each op: ordinary values, every magnitude, and specials; for pow, bases of
// both signs with integer and fractional exponents (std::pow's special cases included).
std::vector<float> Operand(BinaryOp op, bool is_exponent, int64_t n, std::mt19937& rng) {
  const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, testutil::NaNf(), 1.0f, -1.0f, 2.0f, 0.5f, 1e-40f};
  std::vector<float> v(static_cast<size_t>(n));
  std::uniform_real_distribution<float> u(-10, 10), e(-30, 30);
  for (float& x : v) {
    const uint32_t pick = rng() % 16;
    if (pick == 0) {
      x = specials[rng() % 10];
    } else if (op != BinaryOp::kPow) {
      x = pick < 4 ? testutil::RandomFiniteBits(rng) : u(rng);
    } else if (is_exponent) {
      x = pick < 6 ? std::round(u(rng)) : pick < 8 ? std::round(2 * u(rng)) / 2 : u(rng) / 2;
    } else {
      const float mag = std::pow(10.0f, e(rng) / 10);  // 1e-3 .. 1e3
      x = pick < 12 ? mag : -mag;
    }
  }
  return v;
}

void CheckBinary(BinaryOp op, const Shape& a_shape, const Shape& b_shape, size_t misalign, std::mt19937& rng) {
  const Shape out_shape = BroadcastShape(a_shape, b_shape);
  const auto as = BroadcastStrides(a_shape, out_shape), bs = BroadcastStrides(b_shape, out_shape);
  const int64_t n = Count(out_shape);
  const std::vector<float> a = Operand(op, false, Count(a_shape), rng), b = Operand(op, true, Count(b_shape), rng);
  GuardedBuffer<float> ab(a.size(), misalign, 0.0f, testutil::kSentinel), bb(b.size(), misalign, 0.0f, testutil::kSentinel);
  GuardedBuffer<float> out(static_cast<size_t>(n), misalign, testutil::NaNf(), testutil::kSentinel);
  std::copy(a.begin(), a.end(), ab.data());
  std::copy(b.begin(), b.end(), bb.data());
  const int rank = static_cast<int>(out_shape.size());
  kernels::Binary(op, ab.data(), as.data(), bb.data(), bs.data(), out.data(), out_shape.data(), rank);
  EXPECT_TRUE(out.GuardsIntact()) << "wrote out of bounds";
  std::vector<double> ref(static_cast<size_t>(n));
  reference::Binary(op, ab.data(), as.data(), bb.data(), bs.data(), ref.data(), out_shape.data(), rank);
  testutil::FailureBudget budget;
  for (int64_t i = 0; i < n; ++i) {
    if (!testutil::Near(out[i], ref[i], BinaryUlps(op)) && budget.Spend()) {
      ADD_FAILURE() << kernels::BinaryOpName(op) << " element " << i << ": " << out[i] << ", expected " << ref[i];
    }
  }
}

struct BroadcastCase {
  Shape a, b;
};

std::vector<BroadcastCase> BroadcastCases() {
  std::vector<BroadcastCase> cases = {
      {{}, {}},                       // scalars
      {{3, 5, 17}, {3, 5, 17}},       // same shape: one collapsed run
      {{7, 13}, {13}},                // bias add: (1, 1) inner
      {{13}, {7, 13}},
      {{7, 1}, {7, 13}},              // (0, 1) inner
      {{7, 13}, {7, 1}},              // (1, 0) inner
      {{1}, {5, 5}},
      {{4, 1, 9}, {1, 6, 9}},         // both broadcast on different axes
      {{4, 6, 1}, {4, 6, 1}},         // trailing 1 dropped
      {{2, 3, 4, 5}, {2, 1, 4, 1}},
      {{5, 1, 1, 33}, {1, 4, 2, 1}},
      {{3, 1}, {1, 1}},               // (1, 0) with a single b
      {{2, 1, 3, 1, 2, 1, 3, 2}, {1, 2, 1, 2, 1, 3, 1, 2}},  // rank 8
      {{0, 4}, {4}},                  // empty output
  };
  for (int64_t n : testutil::TestSizes()) {
    cases.push_back({{n}, {n}});
    cases.push_back({{n}, {1}});
    cases.push_back({{1}, {n}});
    cases.push_back({{3, n}, {3, 1}});
  }
  return cases;
}

TEST_P(BinaryTest, BroadcastsMatchReference) {
  std::mt19937 rng(11);
  for (BinaryOp op : AllBinaryOps()) {
    for (const BroadcastCase& c : BroadcastCases()) {
      for (size_t misalign : {0, 1}) {
        SCOPED_TRACE(std::string(kernels::BinaryOpName(op)) + " a=" + ::testing::PrintToString(c.a) +
                     " b=" + ::testing::PrintToString(c.b) + " misalign=" + std::to_string(misalign));
        CheckBinary(op, c.a, c.b, misalign, rng);
      }
    }
  }
}

// A transposed operand (strides that are neither 0 nor 1 innermost) takes the strided path.
TEST_P(BinaryTest, StridedOperandMatchesReference) {
  std::mt19937 rng(12);
  const int64_t rows = 6, cols = 11;
  const std::vector<float> a = testutil::RandomUniform(rows * cols, -3, 3, rng);  // stored [cols, rows]
  const std::vector<float> b = testutil::RandomUniform(rows * cols, 0.5f, 3, rng);
  const int64_t shape[] = {rows, cols}, a_strides[] = {1, rows}, b_strides[] = {cols, 1};
  for (BinaryOp op : AllBinaryOps()) {
    SCOPED_TRACE(kernels::BinaryOpName(op));
    std::vector<float> out(rows * cols, testutil::NaNf());
    std::vector<double> ref(out.size());
    kernels::Binary(op, a.data(), a_strides, b.data(), b_strides, out.data(), shape, 2);
    reference::Binary(op, a.data(), a_strides, b.data(), b_strides, ref.data(), shape, 2);
    for (size_t i = 0; i < out.size(); ++i) EXPECT_TRUE(testutil::Near(out[i], ref[i], BinaryUlps(op))) << i;
  }
}

TEST_P(BinaryTest, InPlaceIntoFirstOperand) {
  std::mt19937 rng(13);
  for (BinaryOp op : AllBinaryOps()) {
    SCOPED_TRACE(kernels::BinaryOpName(op));
    std::vector<float> a = testutil::RandomUniform(5 * 19, 0.1f, 4, rng);
    const std::vector<float> b = testutil::RandomUniform(19, -2, 2, rng);
    const int64_t shape[] = {5, 19}, a_strides[] = {19, 1}, b_strides[] = {0, 1};
    std::vector<double> ref(a.size());
    reference::Binary(op, a.data(), a_strides, b.data(), b_strides, ref.data(), shape, 2);
    kernels::Binary(op, a.data(), a_strides, b.data(), b_strides, a.data(), shape, 2);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(testutil::Near(a[i], ref[i], BinaryUlps(op))) << i;
  }
}

TEST_P(BinaryTest, MaximumAndMinimumPropagateNaN) {
  const float nan = testutil::NaNf();
  const float a[] = {nan, 1.0f, nan, -INFINITY, 0.0f};
  const float b[] = {1.0f, nan, nan, nan, -0.0f};
  const int64_t shape[] = {5}, strides[] = {1};
  float out[5];
  for (BinaryOp op : {BinaryOp::kMaximum, BinaryOp::kMinimum}) {
    kernels::Binary(op, a, strides, b, strides, out, shape, 1);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(out[i])) << kernels::BinaryOpName(op) << " " << i;
    EXPECT_EQ(out[4], 0.0f);
  }
}

// pow over every magnitude: a log-uniform in [1e-38, 3e38] with b scaled so that |b ln a| stays
// within the float range, plus bases near 1 with large exponents; the measured worst is printed.
TEST_P(BinaryTest, PowAccuracySweep) {
  std::mt19937 rng(14);
  std::uniform_real_distribution<double> e(-38, 38.4), t(-1, 1), near_one(0.9, 1.1);
  const int n = 1 << 15;
  std::vector<float> a(n), b(n);
  for (int i = 0; i < n; ++i) {
    a[i] = static_cast<float>(i % 2 ? std::pow(10.0, e(rng)) : near_one(rng));
    b[i] = static_cast<float>(t(rng) * 87.0 / std::max(1e-3, std::fabs(std::log(double{a[i]}))));
  }
  std::vector<float> out(n);
  const int64_t shape[] = {n}, strides[] = {1};
  kernels::Binary(BinaryOp::kPow, a.data(), strides, b.data(), strides, out.data(), shape, 1);
  double worst = 0;
  testutil::FailureBudget budget;
  for (int i = 0; i < n; ++i) {
    const double ref = std::pow(double{a[i]}, double{b[i]});
    if (!testutil::Near(out[i], ref, BinaryUlps(BinaryOp::kPow)) && budget.Spend()) {
      ADD_FAILURE() << "pow(" << a[i] << ", " << b[i] << ") = " << out[i] << ", expected " << ref;
    }
    if (std::isfinite(out[i])) worst = std::max(worst, testutil::UlpError(out[i], ref));
  }
  std::printf("[%s] pow max ulp: %.2f\n", hwy::TargetName(GetParam()), worst);
}

TEST_P(BinaryTest, ScaleShiftAccumulateFill) {
  std::mt19937 rng(15);
  for (int64_t n : testutil::TestSizes()) {
    for (size_t misalign : {0, 1}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " misalign=" + std::to_string(misalign));
      const auto count = static_cast<size_t>(n);
      const std::vector<float> x = testutil::RandomUniform(count, -100, 100, rng);
      GuardedBuffer<float> in(count, misalign, 0.0f, testutil::kSentinel);
      GuardedBuffer<float> out(count, misalign, testutil::NaNf(), testutil::kSentinel);
      std::copy(x.begin(), x.end(), in.data());
      const float scale = 0.37f, shift = -2.5f;
      kernels::ScaleShift(in.data(), out.data(), n, scale, shift);
      for (size_t i = 0; i < count; ++i) {
        // One or two roundings (fused multiply-add where the target has one), each within half an ulp
        // of |x scale| + |shift|.
        const double exact = double{x[i]} * scale + shift;
        const double slack = testutil::UlpOf(std::fabs(double{x[i]} * scale) + std::fabs(shift));
        EXPECT_NEAR(out[i], exact, slack) << i;
      }
      const std::vector<float> before(out.data(), out.data() + count);
      kernels::AccumulateInto(in.data(), out.data(), n);
      for (size_t i = 0; i < count; ++i) EXPECT_EQ(out[i], before[i] + x[i]) << i;
      kernels::Fill(out.data(), n, 7.25f);
      for (size_t i = 0; i < count; ++i) EXPECT_EQ(out[i], 7.25f);
      EXPECT_TRUE(in.GuardsIntact() && out.GuardsIntact());
    }
  }
}

}  // namespace
}  // namespace kerasm
