#include "core/rng.h"

#include <cmath>

namespace kerasm {
namespace {
uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t g_auto_seed = 0x6B657261736D0001ull;  // "kerasm" + 1
}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  s0_ = SplitMix64(x);
  s1_ = SplitMix64(x);
  if ((s0_ | s1_) == 0) s1_ = 1;
}

// xoroshiro128+ (Blackman & Vigna): fast, 2^128 period, good enough for initializers and dropout masks.
uint64_t Rng::NextU64() {
  const uint64_t s0 = s0_;
  uint64_t s1 = s1_;
  const uint64_t result = s0 + s1;
  s1 ^= s0;
  s0_ = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
  s1_ = (s1 << 37) | (s1 >> 27);
  return result;
}

float Rng::Uniform() { return static_cast<float>(NextU64() >> 40) * (1.0f / 16777216.0f); }

float Rng::Uniform(float lo, float hi) { return lo + (hi - lo) * Uniform(); }

float Rng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box-Muller in double so the same bits come out on every platform's libm within float rounding.
  double u1 = (static_cast<double>(NextU64() >> 11) + 1.0) * (1.0 / 9007199254740992.0);  // (0, 1]
  double u2 = static_cast<double>(NextU64() >> 11) * (1.0 / 9007199254740992.0);
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 6.283185307179586 * u2;
  spare_ = static_cast<float>(r * std::sin(theta));
  has_spare_ = true;
  return static_cast<float>(r * std::cos(theta));
}

float Rng::TruncatedNormal(float mean, float stddev) {
  for (;;) {
    const float z = Normal();
    if (z >= -2.f && z <= 2.f) return mean + stddev * z;
  }
}

uint64_t NextAutoSeed() {
  uint64_t x = g_auto_seed++;
  return SplitMix64(x);
}

void SetAutoSeed(uint64_t seed) { g_auto_seed = seed; }

}  // namespace kerasm
