// Transpose and CopyRows against the scalar twins (exact: they only move bits), on every Highway target.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_test_util.h"
#include "kernels/layout.h"
#include "kernels/reference.h"

namespace kerasm {
namespace {
using testutil::GuardedBuffer;
using Shape = std::vector<int64_t>;

class LayoutTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(LayoutTest);

constexpr uint32_t kGuardWord = 0xDEADBEEFu;

void CheckTranspose(const Shape& shape, const std::vector<int>& perm, size_t misalign, std::mt19937& rng) {
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  const auto count = static_cast<size_t>(total);
  GuardedBuffer<uint32_t> x(count, misalign, 0u, kGuardWord);
  GuardedBuffer<uint32_t> y(count, misalign, 0xFFFFFFFFu, kGuardWord);
  for (size_t i = 0; i < count; ++i) x[i] = static_cast<uint32_t>(rng());
  const int rank = static_cast<int>(shape.size());
  kernels::Transpose(x.data(), y.data(), shape.data(), perm.data(), rank);
  EXPECT_TRUE(x.GuardsIntact() && y.GuardsIntact()) << "wrote out of bounds";
  std::vector<uint32_t> ref(count);
  reference::Transpose(x.data(), ref.data(), shape.data(), perm.data(), rank);
  size_t bad = 0;
  for (size_t i = 0; i < count; ++i) bad += y[i] != ref[i];
  EXPECT_EQ(bad, 0u) << "elements differ";
}

std::string Describe(const Shape& shape, const std::vector<int>& perm) {
  return "shape " + ::testing::PrintToString(shape) + " perm " + ::testing::PrintToString(perm);
}

// 2-D transposes around the 4x4 tile and 32x32 block edges, both alignments.
TEST_P(LayoutTest, Transpose2D) {
  std::mt19937 rng(41);
  for (int64_t rows : {1, 2, 3, 4, 5, 7, 8, 31, 32, 33, 65}) {
    for (int64_t cols : {1, 3, 4, 5, 9, 16, 17, 32, 33, 100}) {
      for (size_t misalign : {0, 1}) {
        SCOPED_TRACE(Describe({rows, cols}, {1, 0}) + " misalign=" + std::to_string(misalign));
        CheckTranspose({rows, cols}, {1, 0}, misalign, rng);
      }
    }
  }
}

// A batch of 2-D transposes (last two axes swapped), with leading axes that merge into one batch.
TEST_P(LayoutTest, BatchedLastTwoAxes) {
  std::mt19937 rng(42);
  CheckTranspose({3, 17, 9}, {0, 2, 1}, 1, rng);
  CheckTranspose({2, 3, 5, 4}, {0, 1, 3, 2}, 0, rng);
  CheckTranspose({4, 33, 40}, {0, 2, 1}, 1, rng);
}

// Every permutation of ranks 1 to 4 on odd shapes, including size-1 axes that must be dropped.
TEST_P(LayoutTest, EveryPermutationUpToRank4) {
  std::mt19937 rng(43);
  const std::vector<Shape> shapes = {{7}, {3, 5}, {1, 6}, {2, 3, 4}, {5, 1, 7}, {2, 3, 4, 5}, {3, 1, 5, 1}, {9, 2, 1, 6}};
  for (const Shape& shape : shapes) {
    std::vector<int> perm(shape.size());
    std::iota(perm.begin(), perm.end(), 0);
    do {
      SCOPED_TRACE(Describe(shape, perm));
      CheckTranspose(shape, perm, 1, rng);
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST_P(LayoutTest, HigherRanksAndEdgeShapes) {
  std::mt19937 rng(44);
  CheckTranspose({2, 3, 2, 3, 2}, {4, 2, 0, 3, 1}, 1, rng);
  CheckTranspose({2, 1, 3, 2, 1, 2, 3, 2}, {7, 6, 5, 4, 3, 2, 1, 0}, 0, rng);
  CheckTranspose({2, 3, 2, 2, 3, 2, 1, 2}, {1, 0, 3, 2, 5, 4, 7, 6}, 1, rng);
  CheckTranspose({}, {}, 1, rng);                       // a scalar
  CheckTranspose({1, 1, 1}, {2, 0, 1}, 0, rng);         // one element
  CheckTranspose({3, 0, 4}, {2, 1, 0}, 1, rng);         // empty
  CheckTranspose({64, 3, 64}, {2, 1, 0}, 1, rng);       // general path with a strided inner axis
}

TEST_P(LayoutTest, CopyRows) {
  std::mt19937 rng(45);
  for (int64_t n : {0, 1, 3, 16, 17}) {
    for (int64_t pad : {0, 2}) {
      const int64_t outer = 5, ldx = n + pad, ldy = n + 2 * pad;
      GuardedBuffer<uint32_t> x(static_cast<size_t>(outer * ldx), 1, 0u, kGuardWord);
      GuardedBuffer<uint32_t> y(static_cast<size_t>(outer * ldy), 1, 7u, kGuardWord);
      for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint32_t>(rng());
      std::vector<uint32_t> ref(y.size(), 7u);
      kernels::CopyRows(x.data(), ldx, y.data(), ldy, outer, n);
      reference::CopyRows(x.data(), ldx, ref.data(), ldy, outer, n);
      EXPECT_TRUE(y.GuardsIntact());
      for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], ref[i]) << "n=" << n << " pad=" << pad << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace kerasm
