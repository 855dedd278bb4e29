#include "core/workspace.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "core/error.h"

namespace kerasm {
namespace {

TEST(Workspace, ReservationsNestAlignAndDoNotOverlap) {
  Workspace ws(1 << 20);
  Workspace::Scoped a = ws.Reserve(100, "test");
  {
    Workspace::Scoped b = ws.Reserve(30, "test");
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % Workspace::kAlignment, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % Workspace::kAlignment, 0u);
    EXPECT_TRUE(b.data() >= a.data() + a.size() || b.data() + b.size() <= a.data());
    for (size_t i = 0; i < a.size(); ++i) a.data()[i] = 1.f;
    for (size_t i = 0; i < b.size(); ++i) b.data()[i] = 2.f;
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a.data()[i], 1.f);
    EXPECT_EQ(ws.reserved_bytes(), 448u + 128u);  // 400 and 120 bytes, each rounded up to 64
  }
  EXPECT_EQ(ws.reserved_bytes(), 448u);
}

TEST(Workspace, ReusesOneBlockOfTheHighWaterSize) {
  Workspace ws(1 << 20);
  {
    Workspace::Scoped a = ws.Reserve(1000, "test");
    Workspace::Scoped b = ws.Reserve(5000, "test");  // does not fit a's block: a block of its own
    EXPECT_GE(ws.allocated_bytes(), 24000u);
  }
  // With nothing live the blocks merge into one that holds both, and the next round allocates nothing.
  float* first = nullptr;
  for (int round = 0; round < 3; ++round) {
    Workspace::Scoped a = ws.Reserve(1000, "test");
    Workspace::Scoped b = ws.Reserve(5000, "test");
    if (round == 0) first = a.data();
    EXPECT_EQ(a.data(), first);
    EXPECT_EQ(ws.allocated_bytes(), ws.high_water_bytes());
  }
  EXPECT_EQ(ws.reserved_bytes(), 0u);
}

TEST(Workspace, IsBounded) {
  Workspace ws(4096);
  Workspace::Scoped a = ws.Reserve(512, "first");  // 2 KiB
  try {
    ws.Reserve(1024, "conv2d");  // 4 KiB more
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv2d"), std::string::npos) << e.what();
  }
  Workspace::Scoped b = ws.Reserve(512, "second");  // still usable: exactly the bound
  EXPECT_EQ(ws.reserved_bytes(), 4096u);
  EXPECT_EQ(ws.Reserve(0, "empty").size(), 0u);
}

}  // namespace
}  // namespace kerasm
