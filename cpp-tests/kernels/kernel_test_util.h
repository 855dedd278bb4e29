// Utilities for the kernel tests: run each test on every Highway target, guarded misaligned buffers,
// ulp distances to a double oracle, and the size sweep that hits every SIMD tail.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hwy/aligned_allocator.h"
#include "hwy/targets.h"

namespace kerasm::testutil {

// TEST_P suites deriving from this run once per Highway target that is compiled in and supported by
// the CPU (natively AVX3 / AVX2 / SSE4 / SSSE3 / SCALAR; wasm: WASM), through the public dispatching
// entry points, as Highway's own tests do.
class TargetTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

inline std::string TargetParamName(const ::testing::TestParamInfo<int64_t>& info) {
  return hwy::TargetName(info.param);
}

#define KERASM_INSTANTIATE_FOR_TARGETS(Suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(Targets, Suite, ::testing::ValuesIn(hwy::SupportedAndGeneratedTargets()), \
                           ::kerasm::testutil::TargetParamName)

// Element counts that hit every vector tail for 4, 8 and 16 lanes (N - 1, N, N + 1, 3N + 2), plus
// 0, tiny and large counts.
inline std::vector<int64_t> TestSizes() {
  std::vector<int64_t> sizes = {0, 1, 2, 3, 7, 33, 100, 1003};
  for (int64_t lanes : {4, 8, 16}) {
    for (int64_t n : {lanes - 1, lanes, lanes + 1, 3 * lanes + 2}) sizes.push_back(n);
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

// n elements starting `misalign` elements past a 64-byte boundary, between two guard zones holding a
// sentinel, so out-of-bounds writes are caught. The elements start as `fill` (NaN for outputs: a
// kernel that skips an element leaves NaN behind).
template <typename T>
class GuardedBuffer {
 public:
  static constexpr size_t kGuard = 16;

  GuardedBuffer(size_t n, size_t misalign, T fill, T sentinel)
      : n_(n), offset_(kGuard + misalign), sentinel_(sentinel),
        storage_(hwy::AllocateAligned<T>(offset_ + n + kGuard)) {
    std::fill(storage_.get(), storage_.get() + offset_ + n + kGuard, sentinel);
    std::fill(data(), data() + n, fill);
  }

  T* data() { return storage_.get() + offset_; }
  const T* data() const { return storage_.get() + offset_; }
  size_t size() const { return n_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }

  bool GuardsIntact() const {
    for (size_t i = 0; i < offset_; ++i) {
      if (std::memcmp(&storage_[i], &sentinel_, sizeof(T)) != 0) return false;
    }
    for (size_t i = 0; i < kGuard; ++i) {
      if (std::memcmp(&storage_[offset_ + n_ + i], &sentinel_, sizeof(T)) != 0) return false;
    }
    return true;
  }

 private:
  size_t n_;
  size_t offset_;
  T sentinel_;
  hwy::AlignedFreeUniquePtr<T[]> storage_;
};

constexpr float kSentinel = -1234.5f;
inline float NaNf() { return std::numeric_limits<float>::quiet_NaN(); }

// One float ulp at the magnitude of `ref` (2^-149 below FLT_MIN, where floats are evenly spaced).
inline double UlpOf(double ref) {
  const double a = std::fabs(ref);
  if (!(a >= std::numeric_limits<float>::min())) return std::ldexp(1.0, -149);
  int e;
  std::frexp(a, &e);  // a = m 2^e, m in [0.5, 1)
  return std::ldexp(1.0, e - 24);
}

// How far got is from the oracle, in ulps; 0 when both are the same non-finite value, infinity when
// exactly one is NaN or they are different infinities (after rounding the oracle to float).
inline double UlpError(float got, double ref) {
  if (std::isnan(ref) || std::isnan(got)) return std::isnan(ref) && std::isnan(got) ? 0 : INFINITY;
  const float rf = static_cast<float>(ref);
  if (std::isinf(rf) || std::isinf(got)) return got == rf ? 0 : INFINITY;
  return std::fabs(got - ref) / UlpOf(ref);
}

// got is within `ulps` of the oracle plus an absolute slack; NaN must meet NaN and infinities must
// match exactly.
inline bool Near(float got, double ref, double ulps, double abs_tol = 0) {
  if (std::isnan(ref) || std::isnan(got)) return std::isnan(ref) && std::isnan(got);
  const float rf = static_cast<float>(ref);
  if (std::isinf(rf) || std::isinf(got)) return got == rf;
  return std::fabs(got - ref) <= ulps * UlpOf(ref) + abs_tol;
}

inline bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

// Stops a loop from flooding the log: records up to `limit` failures, then reports the rest as a count.
class FailureBudget {
 public:
  explicit FailureBudget(int limit = 5) : limit_(limit) {}
  // Returns true when the caller should still print details.
  bool Spend() { return ++count_ <= limit_; }
  int count() const { return count_; }

 private:
  int limit_;
  int count_ = 0;
};

// Finite floats of every magnitude: random sign, exponent and mantissa bits (subnormals included).
inline float RandomFiniteBits(std::mt19937& rng) {
  for (;;) {
    const uint32_t bits = static_cast<uint32_t>(rng());
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    if (std::isfinite(f)) return f;
  }
}

inline std::vector<float> RandomUniform(size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace kerasm::testutil
