// Reductions and arg-extremes against the scalar twins (double accumulators), over [outer, n, inner]
// shapes hitting every vector tail, misaligned, on every Highway target.
//
// Tolerances: max / min / argMax / argMin exact; sum within (n + 2) 2^-24 sum|x| (the classic bound
// for float summation in any order), mean that divided by n plus half an ulp; prod within
// (n + 2) 2^-24 relative (inputs kept in [0.5, 2] so the product neither overflows nor underflows).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_test_util.h"
#include "kernels/reduce.h"
#include "kernels/reference.h"

namespace kerasm {
namespace {
using kernels::ReduceOp;
using testutil::GuardedBuffer;

class ReduceTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(ReduceTest);

constexpr double kU = 1.0 / (1 << 24);  // unit roundoff

struct Dims {
  int64_t outer, n, inner;
  std::string Name() const {
    return "[" + std::to_string(outer) + ", " + std::to_string(n) + ", " + std::to_string(inner) + "]";
  }
};

std::vector<Dims> ShapeSweep() {
  std::vector<Dims> dims;
  for (int64_t n : testutil::TestSizes()) dims.push_back({3, n, 1});
  for (int64_t inner : {2, 3, 5, 7, 8, 9, 15, 16, 17, 33}) {
    for (int64_t n : {0, 1, 2, 7, 17, 100}) dims.push_back({2, n, inner});
  }
  dims.push_back({1, 4099, 1});
  return dims;
}

const char* OpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kMean: return "mean";
    case ReduceOp::kMax: return "max";
    case ReduceOp::kMin: return "min";
    case ReduceOp::kProd: return "prod";
  }
  return "?";
}

std::vector<float> Inputs(ReduceOp op, size_t count, std::mt19937& rng) {
  return op == ReduceOp::kProd ? testutil::RandomUniform(count, 0.5f, 2.0f, rng)
                               : testutil::RandomUniform(count, -100, 100, rng);
}

void CheckReduce(ReduceOp op, const Dims& s, const std::vector<float>& x, size_t misalign) {
  const size_t outputs = static_cast<size_t>(s.outer * s.inner);
  GuardedBuffer<float> in(x.size(), misalign, 0.0f, testutil::kSentinel);
  GuardedBuffer<float> out(outputs, misalign, testutil::NaNf(), testutil::kSentinel);
  std::copy(x.begin(), x.end(), in.data());
  kernels::Reduce(op, in.data(), out.data(), s.outer, s.n, s.inner);
  EXPECT_TRUE(in.GuardsIntact() && out.GuardsIntact()) << "wrote out of bounds";
  std::vector<double> ref(outputs);
  reference::Reduce(op, in.data(), ref.data(), s.outer, s.n, s.inner);
  testutil::FailureBudget budget;
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      const size_t e = static_cast<size_t>(o * s.inner + i);
      double abs_sum = 0;
      for (int64_t k = 0; k < s.n; ++k) abs_sum += std::fabs(double{x[o * s.n * s.inner + k * s.inner + i]});
      double tol = 0;
      switch (op) {
        case ReduceOp::kSum: tol = (s.n + 2) * kU * abs_sum; break;
        case ReduceOp::kMean: tol = (s.n + 2) * kU * abs_sum / std::max<int64_t>(s.n, 1) + testutil::UlpOf(ref[e]); break;
        case ReduceOp::kProd: tol = (s.n + 2) * kU * std::fabs(ref[e]); break;
        default: break;  // exact
      }
      if (!testutil::Near(out[e], ref[e], 0, tol) && budget.Spend()) {
        ADD_FAILURE() << OpName(op) << " output " << e << ": " << out[e] << ", expected " << ref[e];
      }
    }
  }
}

template <class ArgFn, class RefFn>
void CheckArg(ArgFn kernel, RefFn oracle, const Dims& s, const std::vector<float>& x, size_t misalign) {
  const size_t outputs = static_cast<size_t>(s.outer * s.inner);
  GuardedBuffer<float> in(x.size(), misalign, 0.0f, testutil::kSentinel);
  GuardedBuffer<int32_t> out(outputs, misalign, -7, -99);
  std::copy(x.begin(), x.end(), in.data());
  kernel(in.data(), out.data(), s.outer, s.n, s.inner);
  EXPECT_TRUE(in.GuardsIntact() && out.GuardsIntact()) << "wrote out of bounds";
  std::vector<int32_t> ref(outputs);
  oracle(in.data(), ref.data(), s.outer, s.n, s.inner);
  for (size_t e = 0; e < outputs; ++e) EXPECT_EQ(out[e], ref[e]) << "output " << e;
}

TEST_P(ReduceTest, ShapesAndAlignmentsMatchReference) {
  std::mt19937 rng(31);
  for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kProd}) {
    for (const Dims& s : ShapeSweep()) {
      for (size_t misalign : {0, 1}) {
        SCOPED_TRACE(std::string(OpName(op)) + " " + s.Name() + " misalign=" + std::to_string(misalign));
        CheckReduce(op, s, Inputs(op, static_cast<size_t>(s.outer * s.n * s.inner), rng), misalign);
      }
    }
  }
}

TEST_P(ReduceTest, EmptyAxisGivesIdentity) {
  float y[6];
  const float expect[] = {0.0f, 0.0f, -INFINITY, INFINITY, 1.0f};
  const ReduceOp ops[] = {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kProd};
  for (int j = 0; j < 5; ++j) {
    for (int64_t inner : {1, 3}) {
      std::fill(y, y + 6, testutil::NaNf());
      kernels::Reduce(ops[j], nullptr, y, 2, 0, inner);
      for (int64_t i = 0; i < 2 * inner; ++i) EXPECT_EQ(y[i], expect[j]) << OpName(ops[j]) << " inner=" << inner;
    }
  }
}

// NaN anywhere in a fiber makes max / min NaN (tfjs semantics); infinities are ordinary extremes.
TEST_P(ReduceTest, NaNWinsInMaxAndMin) {
  std::mt19937 rng(32);
  for (int64_t n : {1, 5, 16, 17, 64, 67}) {
    for (int64_t where : {int64_t{0}, n / 2, n - 1}) {
      for (int64_t inner : {1, 9}) {
        const Dims s{2, n, inner};
        std::vector<float> x = testutil::RandomUniform(static_cast<size_t>(2 * n * inner), -5, 5, rng);
        x[static_cast<size_t>(where * inner)] = testutil::NaNf();                // fiber (0, 0)
        x[static_cast<size_t>(n * inner + where * inner + inner - 1)] = INFINITY;  // last fiber
        SCOPED_TRACE(s.Name() + " NaN at k=" + std::to_string(where));
        for (ReduceOp op : {ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kSum}) CheckReduce(op, s, x, 1);
        CheckArg(kernels::ArgMax, reference::ArgMax, s, x, 1);
        CheckArg(kernels::ArgMin, reference::ArgMin, s, x, 0);
      }
    }
  }
}

TEST_P(ReduceTest, ArgExtremesMatchReference) {
  std::mt19937 rng(33);
  for (const Dims& s : ShapeSweep()) {
    if (s.n == 0) continue;
    for (size_t misalign : {0, 1}) {
      SCOPED_TRACE(s.Name() + " misalign=" + std::to_string(misalign));
      // Few distinct values, so ties are common: the first index must win.
      std::vector<float> x(static_cast<size_t>(s.outer * s.n * s.inner));
      for (float& v : x) v = static_cast<float>(static_cast<int>(rng() % 7) - 3);
      CheckArg(kernels::ArgMax, reference::ArgMax, s, x, misalign);
      CheckArg(kernels::ArgMin, reference::ArgMin, s, x, misalign);
      x = testutil::RandomUniform(x.size(), -1, 1, rng);
      CheckArg(kernels::ArgMax, reference::ArgMax, s, x, misalign);
      CheckArg(kernels::ArgMin, reference::ArgMin, s, x, misalign);
    }
  }
}

TEST_P(ReduceTest, ArgExtremesOfInfiniteRows) {
  const std::vector<float> x(40, -INFINITY), y(40, INFINITY);
  for (int64_t inner : {1, 5}) {
    const Dims s{1, 40 / inner, inner};
    CheckArg(kernels::ArgMax, reference::ArgMax, s, x, 0);
    CheckArg(kernels::ArgMin, reference::ArgMin, s, y, 0);
  }
}

}  // namespace
}  // namespace kerasm
