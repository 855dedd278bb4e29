// A seeded random stream that gives the same numbers natively and in wasm: Philox would be overkill, and
// std::mt19937 + std::normal_distribution differ between standard libraries, so the generator and the
// transforms are our own (splitmix64 seeding xoroshiro128+, a 64-bit generator with 128 bits of state; Box-Muller normals).
#pragma once

#include <cstdint>

namespace kerasm {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t NextU64();
  float Uniform();                    // [0, 1), 24 bits of precision
  float Uniform(float lo, float hi);  // [lo, hi)
  float Normal();                     // standard normal
  float Normal(float mean, float stddev) { return mean + stddev * Normal(); }
  // Normal truncated to two standard deviations, redrawn when outside (Keras' truncated_normal).
  float TruncatedNormal(float mean, float stddev);

 private:
  uint64_t s0_, s1_;
  bool has_spare_ = false;
  float spare_ = 0.f;
};

// A seed for an unseeded draw: a process-wide counter mixed with a fixed constant, so runs are reproducible
// from process start (as tfjs' unseeded ops are not), while successive draws differ.
uint64_t NextAutoSeed();
// Resets the automatic seed stream (km.setSeed / tests).
void SetAutoSeed(uint64_t seed);

}  // namespace kerasm
