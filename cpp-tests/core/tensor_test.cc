#include "core/tensor.h"

#include <gtest/gtest.h>

namespace kerasm {
TEST(Tensor, AllocatesAligned) {
  Tensor t({3, 5});
  EXPECT_EQ(t.size(), 15);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
}
}  // namespace kerasm
