#include "core/tensor.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace kerasm {
TEST(Tensor, AllocatesAligned) {
  Tensor t({3, 5});
  EXPECT_EQ(t.size(), 15);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
}

// A byte count that would wrap size_t (32 bits in wasm) must not allocate a small buffer.
TEST(Tensor, RefusesShapesLargerThanMemory) {
  const int64_t live = Storage::LiveCount();
  if (sizeof(size_t) == 4) EXPECT_THROW(Tensor({100000, 100000}), ValueError);
  EXPECT_THROW(Tensor({int64_t{1} << 40, int64_t{1} << 40}), ValueError);
  EXPECT_EQ(Storage::LiveCount(), live);
  EXPECT_EQ(Tensor({0, int64_t{1} << 62, 4}).size(), 0);
}
}  // namespace kerasm
