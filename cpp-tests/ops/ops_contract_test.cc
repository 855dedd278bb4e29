// The ops' contract at its edges: ranks past kMaxRank are refused with a clear error (never a stack
// overwrite), and Dense packs its kernel once per value.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "core/max_rank.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "ops/ops.h"
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

}  // namespace
}  // namespace kerasm
