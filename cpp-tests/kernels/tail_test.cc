// Every element-wise, softmax and reduction kernel on every tail length 0 .. 2 * 16 + 1 (two full vectors
// plus one lane past them for 4, 8 and 16 lanes), run in place where its contract allows (out == in),
// against the same kernel run out of place (bit for bit) and against the scalar twins in reference.cc.
// This is what the padded tail of loops-inl.h promises: no element is read after it was overwritten
// (clang 14 in wasm once moved a 1-lane tail load past the store to the same address), and nothing
// past the end is touched.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/elementwise.h"
#include "kernels/kernel_test_util.h"
#include "kernels/reduce.h"
#include "kernels/reference.h"
#include "kernels/softmax.h"
#include "kernels/unary_specs.h"

namespace kerasm {
namespace {
using kernels::BinaryOp;
using kernels::ReduceOp;
using testutil::GuardedBuffer;
using testutil::kSentinel;

class TailTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(TailTest);

constexpr int64_t kLongestTail = 2 * 16 + 1;

bool SameOrBothNaN(float a, float b) { return testutil::SameBits(a, b) || (std::isnan(a) && std::isnan(b)); }

// A guarded copy of v (misaligned by one float, so no length is accidentally aligned).
GuardedBuffer<float> Guarded(const std::vector<float>& v) {
  GuardedBuffer<float> b(v.size(), 1, 0.0f, kSentinel);
  std::copy(v.begin(), v.end(), b.data());
  return b;
}
GuardedBuffer<float> Output(size_t n) { return GuardedBuffer<float>(n, 1, testutil::NaNf(), kSentinel); }

TEST_P(TailTest, UnaryInPlace) {
  std::mt19937 rng(11);
  for (const testutil::UnarySpec& s : testutil::UnarySpecs()) {
    for (int64_t n = 0; n <= kLongestTail; ++n) {
      SCOPED_TRACE(std::string(kernels::UnaryOpName(s.op)) + " n=" + std::to_string(n));
      const std::vector<float> x = testutil::SweepInputs(s, static_cast<size_t>(n), rng);
      GuardedBuffer<float> in = Guarded(x), out = Output(x.size()), io = Guarded(x);
      kernels::Unary(s.op, in.data(), out.data(), n, s.alpha);
      kernels::Unary(s.op, io.data(), io.data(), n, s.alpha);
      EXPECT_TRUE(out.GuardsIntact() && io.GuardsIntact());
      for (int64_t i = 0; i < n; ++i) {
        EXPECT_TRUE(SameOrBothNaN(io[i], out[i])) << "i=" << i << " in place " << io[i] << " vs " << out[i];
        const double ref = reference::Unary(s.op, x[i], s.alpha);
        EXPECT_TRUE(testutil::Near(io[i], ref, s.ulps, testutil::ForwardSlack(s, x[i])))
            << "f(" << x[i] << ") = " << io[i] << ", expected " << ref;
      }
    }
  }
}

TEST_P(TailTest, UnaryGradInPlace) {
  std::mt19937 rng(12);
  for (const testutil::UnarySpec& s : testutil::UnarySpecs()) {
    for (int64_t n = 0; n <= kLongestTail; ++n) {
      SCOPED_TRACE(std::string(kernels::UnaryOpName(s.op)) + " n=" + std::to_string(n));
      const std::vector<float> x = testutil::SweepInputs(s, static_cast<size_t>(n), rng);
      const std::vector<float> dy = testutil::RandomUniform(x.size(), -2, 2, rng);
      GuardedBuffer<float> xb = Guarded(x), yb = Output(x.size()), dyb = Guarded(dy), dx = Output(x.size());
      kernels::Unary(s.op, xb.data(), yb.data(), n, s.alpha);
      kernels::UnaryGrad(s.op, xb.data(), yb.data(), dyb.data(), dx.data(), n, s.alpha);
      // dx written over dy, the usual in-place use in a backward pass.
      GuardedBuffer<float> io = Guarded(dy);
      kernels::UnaryGrad(s.op, xb.data(), yb.data(), io.data(), io.data(), n, s.alpha);
      EXPECT_TRUE(dx.GuardsIntact() && io.GuardsIntact());
      std::vector<double> ref(x.size());
      reference::UnaryGrad(s.op, xb.data(), yb.data(), dyb.data(), ref.data(), n, s.alpha);
      for (int64_t i = 0; i < n; ++i) {
        EXPECT_TRUE(SameOrBothNaN(io[i], dx[i])) << "i=" << i << " in place " << io[i] << " vs " << dx[i];
        const double slack = s.grad_abs * std::ldexp(std::fabs(double{dy[i]}), -24) +
                             std::fabs(double{dy[i]}) * testutil::ForwardSlack(s, x[i]);
        EXPECT_TRUE(testutil::Near(io[i], ref[i], s.grad_ulps, slack)) << "i=" << i << " " << io[i] << " vs " << ref[i];
      }
    }
  }
}

// One rounding for the IEEE ops, 2.5 ulp for squaredDifference, 2 for pow (elementwise.cc).
double BinaryUlps(BinaryOp op) {
  return op == BinaryOp::kSquaredDifference ? 2.5 : op == BinaryOp::kPow ? 2 : 0.5;
}

TEST_P(TailTest, BinaryInPlaceAndStrided) {
  std::mt19937 rng(13);
  const BinaryOp ops[] = {
#define KERASM_LIST(name, str) BinaryOp::name,
      KERASM_BINARY_OPS(KERASM_LIST)
#undef KERASM_LIST
  };
  for (BinaryOp op : ops) {
    for (int64_t n = 0; n <= kLongestTail; ++n) {
      SCOPED_TRACE(std::string(kernels::BinaryOpName(op)) + " n=" + std::to_string(n));
      const auto size = static_cast<size_t>(n);
      const std::vector<float> a = testutil::RandomUniform(size, 0.25f, 4, rng);  // positive: pow's fast path
      const std::vector<float> b = testutil::RandomUniform(size, -3, 3, rng);
      const float scalar = 1.5f;
      const int64_t one = 1, zero = 0, two = 2;
      GuardedBuffer<float> ab = Guarded(a), bb = Guarded(b), out = Output(size);
      kernels::Binary(op, ab.data(), &one, bb.data(), &one, out.data(), &n, 1);
      GuardedBuffer<float> into_a = Guarded(a), into_b = Guarded(b), with_scalar = Guarded(a);
      kernels::Binary(op, into_a.data(), &one, bb.data(), &one, into_a.data(), &n, 1);
      kernels::Binary(op, ab.data(), &one, into_b.data(), &one, into_b.data(), &n, 1);
      kernels::Binary(op, with_scalar.data(), &one, &scalar, &zero, with_scalar.data(), &n, 1);
      // Strided operands: every other element of a buffer twice as long.
      std::vector<float> a2(2 * size), b2(2 * size);
      for (size_t i = 0; i < size; ++i) {
        a2[2 * i] = a[i];
        b2[2 * i] = b[i];
      }
      GuardedBuffer<float> strided = Output(size);
      kernels::Binary(op, a2.data(), &two, b2.data(), &two, strided.data(), &n, 1);
      EXPECT_TRUE(out.GuardsIntact() && into_a.GuardsIntact() && into_b.GuardsIntact() && with_scalar.GuardsIntact() &&
                  strided.GuardsIntact());
      for (size_t i = 0; i < size; ++i) {
        const double ref = reference::Binary(op, a[i], b[i]);
        EXPECT_TRUE(testutil::Near(out[i], ref, BinaryUlps(op))) << "i=" << i << " " << out[i] << " vs " << ref;
        EXPECT_TRUE(SameOrBothNaN(into_a[i], out[i])) << "out == a, i=" << i;
        EXPECT_TRUE(SameOrBothNaN(into_b[i], out[i])) << "out == b, i=" << i;
        EXPECT_TRUE(SameOrBothNaN(strided[i], out[i])) << "strided, i=" << i;
        const double ref_s = reference::Binary(op, a[i], scalar);
        EXPECT_TRUE(testutil::Near(with_scalar[i], ref_s, BinaryUlps(op))) << "scalar b, i=" << i;
      }
    }
  }
}

TEST_P(TailTest, ScaleShiftAccumulateFillInPlace) {
  std::mt19937 rng(14);
  for (int64_t n = 0; n <= kLongestTail; ++n) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const std::vector<float> x = testutil::RandomUniform(static_cast<size_t>(n), -3, 3, rng);
    GuardedBuffer<float> scaled = Guarded(x), doubled = Guarded(x), filled = Output(x.size());
    kernels::ScaleShift(scaled.data(), scaled.data(), n, 0.5f, 0.25f);
    kernels::AccumulateInto(doubled.data(), doubled.data(), n);
    kernels::Fill(filled.data(), n, 7.0f);
    EXPECT_TRUE(scaled.GuardsIntact() && doubled.GuardsIntact() && filled.GuardsIntact());
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_TRUE(testutil::Near(scaled[i], 0.5 * x[i] + 0.25, 1.5)) << i;  // MulAdd: one or two roundings
      EXPECT_EQ(doubled[i], 2 * x[i]) << i;
      EXPECT_EQ(filled[i], 7.0f) << i;
    }
  }
}

// [2, n, 1] rows (the tail along n) and [2, 3, n] columns (the tail across inner), in place.
TEST_P(TailTest, SoftmaxInPlaceRowsAndColumns) {
  std::mt19937 rng(15);
  for (int64_t len = 1; len <= kLongestTail; ++len) {
    for (bool rows : {true, false}) {
      const int64_t outer = 2, n = rows ? len : 3, inner = rows ? 1 : len;
      const auto total = static_cast<size_t>(outer * n * inner);
      SCOPED_TRACE((rows ? "rows n=" : "columns inner=") + std::to_string(len));
      const std::vector<float> x = testutil::RandomUniform(total, -5, 5, rng);
      const std::vector<float> dy = testutil::RandomUniform(total, -1, 1, rng);
      for (bool log : {false, true}) {
        auto forward = log ? kernels::LogSoftmax : kernels::Softmax;
        auto backward = log ? kernels::LogSoftmaxGrad : kernels::SoftmaxGrad;
        GuardedBuffer<float> in = Guarded(x), out = Output(total), io = Guarded(x);
        forward(in.data(), out.data(), outer, n, inner);
        forward(io.data(), io.data(), outer, n, inner);
        std::vector<double> ref(total), ref_dx(total);
        (log ? reference::LogSoftmax : reference::Softmax)(x.data(), ref.data(), outer, n, inner);
        GuardedBuffer<float> dyb = Guarded(dy), dx = Output(total), dx_io = Guarded(dy);
        backward(out.data(), dyb.data(), dx.data(), outer, n, inner);
        backward(out.data(), dx_io.data(), dx_io.data(), outer, n, inner);  // dx written over dy
        (log ? reference::LogSoftmaxGrad : reference::SoftmaxGrad)(out.data(), dy.data(), ref_dx.data(), outer, n, inner);
        EXPECT_TRUE(out.GuardsIntact() && io.GuardsIntact() && dx.GuardsIntact() && dx_io.GuardsIntact());
        for (size_t e = 0; e < total; ++e) {
          EXPECT_TRUE(SameOrBothNaN(io[e], out[e])) << (log ? "log " : "") << "forward e=" << e;
          EXPECT_TRUE(SameOrBothNaN(dx_io[e], dx[e])) << (log ? "log " : "") << "grad e=" << e;
          // Inputs in [-5, 5] over at most 33 terms: 1e-5 relative plus 1e-6 covers exp, the sums and
          // the scaling several times over.
          EXPECT_NEAR(out[e], ref[e], 1e-5 * std::fabs(ref[e]) + 1e-6) << (log ? "log " : "") << "e=" << e;
          EXPECT_NEAR(dx[e], ref_dx[e], 1e-5 * std::fabs(ref_dx[e]) + 1e-6) << (log ? "log " : "") << "e=" << e;
        }
      }
    }
  }
}

TEST_P(TailTest, ReduceRowsAndColumns) {
  std::mt19937 rng(16);
  const ReduceOp ops[] = {ReduceOp::kSum, ReduceOp::kMean, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kProd};
  for (int64_t len = 0; len <= kLongestTail; ++len) {
    for (bool rows : {true, false}) {
      const int64_t outer = 2, n = rows ? len : 3, inner = rows ? 1 : len;
      const auto total = static_cast<size_t>(outer * n * inner), results = static_cast<size_t>(outer * inner);
      SCOPED_TRACE((rows ? "rows n=" : "columns inner=") + std::to_string(len));
      // Magnitudes near 1 keep prod over 33 terms finite; exact sums bound the error below.
      const std::vector<float> x = testutil::RandomUniform(total, 0.5f, 1.5f, rng);
      GuardedBuffer<float> in = Guarded(x);
      for (ReduceOp op : ops) {
        GuardedBuffer<float> out = Output(results);
        kernels::Reduce(op, in.data(), out.data(), outer, n, inner);
        std::vector<double> ref(results);
        reference::Reduce(op, x.data(), ref.data(), outer, n, inner);
        EXPECT_TRUE(out.GuardsIntact());
        for (size_t e = 0; e < results; ++e) {
          if (std::isinf(ref[e])) {  // max / min of nothing
            EXPECT_EQ(out[e], ref[e]) << "op " << static_cast<int>(op) << " e=" << e;
            continue;
          }
          EXPECT_NEAR(out[e], ref[e], (n + 2) * std::ldexp(std::fabs(ref[e]) * 1.5, -23) + 1e-30)
              << "op " << static_cast<int>(op) << " e=" << e;
        }
      }
      GuardedBuffer<int32_t> amax(results, 1, -1, -7), amin(results, 1, -1, -7);
      kernels::ArgMax(in.data(), amax.data(), outer, n, inner);
      kernels::ArgMin(in.data(), amin.data(), outer, n, inner);
      std::vector<int32_t> rmax(results), rmin(results);
      reference::ArgMax(x.data(), rmax.data(), outer, n, inner);
      reference::ArgMin(x.data(), rmin.data(), outer, n, inner);
      EXPECT_TRUE(amax.GuardsIntact() && amin.GuardsIntact());
      for (size_t e = 0; e < results; ++e) {
        EXPECT_EQ(amax[e], rmax[e]) << "argMax e=" << e;
        EXPECT_EQ(amin[e], rmin[e]) << "argMin e=" << e;
      }
    }
  }
}

}  // namespace
}  // namespace kerasm
