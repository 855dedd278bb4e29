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

namespace kerasm {
// A derived copy (packed weights) is made once per buffer and layout, and remade after a write.
TEST(Tensor, DerivedCopyIsCachedUntilTheBufferChanges) {
  Tensor t = Tensor::FromVector({2, 2}, {1, 2, 3, 4});
  const Tensor& view = t;
  int made = 0;
  auto doubled = [&view, &made](float* dst) {
    ++made;
    for (int i = 0; i < 4; ++i) dst[i] = 2 * view.f32()[i];
  };
  const int64_t before = Storage::DerivedMade();
  const float* p = view.Derived({1, 2, 2, 0}, 4, doubled);
  EXPECT_EQ(p[3], 8.f);
  EXPECT_EQ(view.Derived({1, 2, 2, 0}, 4, doubled), p);
  Tensor copy = t;  // shares the buffer, and so the cache
  static_cast<const Tensor&>(copy).Derived({1, 2, 2, 0}, 4, doubled);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(Storage::DerivedMade(), before + 1);
  view.Derived({2, 2, 2, 0}, 4, doubled);  // another layout
  EXPECT_EQ(made, 2);
  t.f32()[3] = 10;  // a write through the non-const accessor
  EXPECT_EQ(view.Derived({2, 2, 2, 0}, 4, doubled)[3], 20.f);
  EXPECT_EQ(made, 3);
}
}  // namespace kerasm
