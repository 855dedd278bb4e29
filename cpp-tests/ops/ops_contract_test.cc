// The ops' contract at its edges: ranks past kMaxRank are refused with a clear error (never a stack
// overwrite), Dense packs its kernel once per value, and backward functions skip inputs that need no
// gradient.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "core/max_rank.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "ops/ops.h"
#include "ops/tape.h"
#include "ops/variable.h"

namespace kerasm {
namespace {
using testing::ErrorOf;
using testing::ExpectContains;
using testing::RandomTensor;

// [2, 1, 2, 1, ...]: rank r with 2^(r/2) values, small enough for any rank.
Shape ShapeOfRank(int rank) {
  Shape s(rank);
  for (int i = 0; i < rank; ++i) s[i] = i % 2 ? 1 : 2;
  return s;
}

TEST(OpsRank, LargestRankWorksAndLargerRanksThrowNamingTheOp) {
  Tensor big = RandomTensor(ShapeOfRank(kMaxRank), 1);
  std::vector<int> perm(kMaxRank);
  for (int i = 0; i < kMaxRank; ++i) perm[i] = kMaxRank - 1 - i;
  EXPECT_EQ(ops::Transpose(big, perm).rank(), kMaxRank);
  EXPECT_EQ(ops::Add(big, RandomTensor({2}, 2)).rank(), kMaxRank);

  for (int rank : {kMaxRank + 1, kMaxRank + 2, 2 * kMaxRank + 3}) {
    SCOPED_TRACE("rank " + std::to_string(rank));
    const Shape shape = ShapeOfRank(rank);
    Tensor x = RandomTensor(shape, 3);
    const std::string shape_text = ShapeToString(shape);
    ExpectContains(ErrorOf<ValueError>([&] { ops::Transpose(x); }), {"transpose", "rank", shape_text.c_str(), "8"});
    ExpectContains(ErrorOf<ValueError>([&] { ops::Add(x, x); }), {"add", shape_text.c_str()});
    // A rank-1 operand broadcast against it: the output has the large rank.
    ExpectContains(ErrorOf<ValueError>([&] { ops::Mul(RandomTensor({1}, 5), x); }), {"mul", shape_text.c_str()});
    ExpectContains(ErrorOf<ValueError>([&] { ops::BroadcastTo(RandomTensor({1}, 6), shape); }), {"broadcastTo"});
    // Non-adjacent reduced axes go through the transpose kernel.
    ExpectContains(ErrorOf<ValueError>([&] { ops::Sum(x, {0, 2}); }), {"sum", shape_text.c_str()});
    // What needs no fixed arrays keeps working.
    EXPECT_EQ(ops::Sum(x, {0, 1}).rank(), rank - 2);
    EXPECT_EQ(ops::Reshape(x, {-1}).size(), x.size());
  }
}

TEST(OpsDense, PacksTheKernelOncePerValue) {
  Tensor x = RandomTensor({5, 7}, 1);
  ops::Variable kernel(RandomTensor({7, 3}, 2), true, "kernel");
  Tensor bias = RandomTensor({3}, 3);
  const int64_t before = Storage::DerivedMade();
  Tensor first = ops::Dense(x, kernel.value(), bias);
  for (int i = 0; i < 4; ++i) {
    Tensor again = ops::Dense(x, kernel.value(), bias);
    EXPECT_EQ(again.ToFloatVector(), first.ToFloatVector());
  }
  EXPECT_EQ(Storage::DerivedMade(), before + 1) << "the kernel was repacked on a call";
  // Other batch sizes use the same packed kernel; batch 1 reads the kernel in place.
  ops::Dense(RandomTensor({2, 3, 7}, 4), kernel.value(), bias);
  ops::Dense(RandomTensor({1, 7}, 5), kernel.value(), bias);
  EXPECT_EQ(Storage::DerivedMade(), before + 1);

  // An update (an optimizer assigns a new value) invalidates it: the next call packs the new value.
  kernel.Assign(ops::ScaleShift(kernel.value(), 2.f));
  Tensor updated = ops::Dense(x, kernel.value(), Tensor());
  EXPECT_EQ(Storage::DerivedMade(), before + 2);
  Tensor expected = ops::MatMul(x, kernel.value());
  const auto got = updated.ToFloatVector(), want = expected.ToFloatVector();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f * (1 + std::fabs(want[i]))) << i;
}

TEST(OpsTape, BackwardSkipsInputsThatNeedNoGradient) {
  Tensor x = RandomTensor({4, 6}, 1);  // data: not a source
  ops::Variable kernel(RandomTensor({6, 3}, 2), true, "kernel");
  ops::Variable bias(RandomTensor({3}, 3), true, "bias");
  {
    ops::GradientTape tape;
    Tensor y = ops::Sum(ops::Dense(x, kernel.value(), bias.value()));
    const auto grads = tape.Gradient(y, {kernel.value(), bias.value()});
    EXPECT_EQ(grads.size(), 2u);
    // sum: its input; dense: kernel and bias, not x.
    EXPECT_EQ(tape.input_grads_computed(), 3u);
  }
  {
    ops::GradientTape tape;
    Tensor y = ops::Sum(ops::Dense(x, kernel.value(), bias.value()));
    tape.Gradient(y, {kernel.value()});
    EXPECT_EQ(tape.input_grads_computed(), 2u);  // bias is not asked for either
  }
  {
    ops::GradientTape tape;
    Tensor y = ops::Sum(ops::MatMul(x, kernel.value()));
    tape.Gradient(y, {x});
    EXPECT_EQ(tape.input_grads_computed(), 2u);  // sum's input and matMul's a; not b
  }
  // What a backward function is told.
  {
    ops::GradientTape tape;
    Tensor a = RandomTensor({2}, 4), b = RandomTensor({2}, 5);
    Tensor sum = ops::Add(a, b);
    Tensor out = sum.Reshaped(sum.shape());  // same values, its own id
    ops::NeedsGrad seen;
    ops::Record("probe", {sum, b}, {out}, [&seen](const std::vector<Tensor>& g, const ops::NeedsGrad& needs) {
      seen = needs;
      return std::vector<Tensor>{g[0], Tensor()};
    });
    tape.Gradient(out, {a});
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_TRUE(seen[0]);
    EXPECT_FALSE(seen[1]);
  }
}

// The gradients Dense still computes are right when others are skipped.
TEST(OpsTape, DenseGradientsWithSkippedInputsMatchFiniteDifferences) {
  Tensor x = RandomTensor({3, 5}, 7), k = RandomTensor({5, 4}, 8), b = RandomTensor({4}, 9);
  testing::ExpectGradientMatches([&x, &b](const Tensor& kk) { return ops::Dense(x, kk, b); }, k, "dense kernel");
  testing::ExpectGradientMatches([&k, &b](const Tensor& xx) { return ops::Dense(xx, k, b); }, x, "dense x");
}

}  // namespace
}  // namespace kerasm
