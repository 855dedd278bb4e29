// Per-op test parameters for the unary kernels: the accuracy each op promises, its domain, its kinks.
// The table is checked against KERASM_UNARY_OPS, so a new op without a spec fails the tests.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "kernels/elementwise.h"
#include "kernels/kernel_test_util.h"

namespace kerasm::testutil {

enum class Domain { kAll, kPositive, kAboveMinusOne };

struct UnarySpec {
  kernels::UnaryOp op;
  float alpha = 0;          // passed to every kernel call (only elu / leakyRelu / thresholdedRelu read it)
  double ulps = 0.5;        // forward: error bound in ulps of the exact result
  bool scales_subnormal = false;  // x times a subnormal intermediate: plus 2 |x| 2^-149
  double grad_ulps = 1;     // UnaryGrad: ulps of the exact result ...
  double grad_abs = 0;      // ... plus this many 2^-24 |dy| (cancellation where f' passes zero)
  Domain domain = Domain::kAll;
  std::vector<double> kinks;  // finite differences keep away from these
};

// Bounds are the measured maxima over the sweep tests on every target, rounded up (see
// elementwise_test.cc AccuracySweep, which prints the measured values).
inline const std::vector<UnarySpec>& UnarySpecs() {
  using kernels::UnaryOp;
  static const std::vector<UnarySpec> specs = {
      {UnaryOp::kLinear, 0, 0, false, 0},
      {UnaryOp::kNeg, 0, 0, false, 0},
      {UnaryOp::kAbs, 0, 0, false, 0, 0, Domain::kAll, {0}},
      {UnaryOp::kSquare, 0, 0.5, false, 0.5},
      {UnaryOp::kSqrt, 0, 0.5, false, 1, 0, Domain::kPositive},
      {UnaryOp::kExp, 0, 1.5, false, 0.5},
      {UnaryOp::kLog, 0, 4, false, 0.5, 0, Domain::kPositive},
      {UnaryOp::kReciprocal, 0, 0.5, false, 1.5},
      {UnaryOp::kRelu, 0, 0, false, 0, 0, Domain::kAll, {0}},
      {UnaryOp::kRelu6, 0, 0, false, 0, 0, Domain::kAll, {0, 6}},
      {UnaryOp::kSigmoid, 0, 3, false, 2},
      {UnaryOp::kHardSigmoid, 0, 1, false, 0.5, 0, Domain::kAll, {-3, 3}},
      {UnaryOp::kTanh, 0, 3, false, 2},
      {UnaryOp::kElu, 1.3f, 5, false, 1, 3, Domain::kAll, {0}},
      {UnaryOp::kSelu, 0, 6, false, 1, 4, Domain::kAll, {0}},
      {UnaryOp::kSoftplus, 0, 4, false, 3},
      {UnaryOp::kSoftsign, 0, 2, false, 3},
      {UnaryOp::kSwish, 0, 5, true, 4, 6},
      {UnaryOp::kGelu, 0, 8, true, 6, 8},
      {UnaryOp::kGeluTanh, 0, 6, true, 6, 8},
      {UnaryOp::kMish, 0, 6, true, 6, 8},
      {UnaryOp::kLeakyRelu, 0.2f, 0.5, false, 0.5, 0, Domain::kAll, {0}},
      {UnaryOp::kThresholdedRelu, 0.7f, 0, false, 0, 0, Domain::kAll, {0.7}},
      {UnaryOp::kStep, 0, 0, false, 0, 0, Domain::kAll, {0}},
      {UnaryOp::kSign, 0, 0, false, 0, 0, Domain::kAll, {0}},
      {UnaryOp::kLog1p, 0, 2.5, false, 1.5, 0, Domain::kAboveMinusOne},
      {UnaryOp::kSin, 0, 3, false, 3.5},
      {UnaryOp::kCos, 0, 3, false, 3.5},
  };
  return specs;
}

inline std::vector<kernels::UnaryOp> AllUnaryOps() {
  return {
#define KERASM_LIST(name, str) kernels::UnaryOp::name,
      KERASM_UNARY_OPS(KERASM_LIST)
#undef KERASM_LIST
  };
}

// Forward tolerance for one element, in absolute terms.
inline double ForwardSlack(const UnarySpec& s, float x) {
  return s.scales_subnormal ? 2 * std::fabs(double{x}) * std::ldexp(1.0, -149) : 0.0;
}

// Moves x into the op's domain (keeps x when already inside).
inline float IntoDomain(Domain domain, float x) {
  switch (domain) {
    case Domain::kAll: return x;
    case Domain::kPositive: return std::fabs(x);
    case Domain::kAboveMinusOne: return x > -1 ? x : std::fabs(x) - 1;
  }
  return x;
}

// A mix that covers the interesting range densely and every float magnitude sparsely: uniform in
// [-20, 20] and [-3, 3], log-uniform magnitudes in [1e-3, 1e3], and random finite bit patterns.
inline std::vector<float> SweepInputs(const UnarySpec& s, size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> wide(-20, 20), narrow(-3, 3), expo(-3, 3);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    float v;
    switch (i % 4) {
      case 0: v = wide(rng); break;
      case 1: v = narrow(rng); break;
      case 2: v = std::pow(10.0f, expo(rng)) * ((rng() & 1) ? 1.0f : -1.0f); break;
      default: v = RandomFiniteBits(rng); break;
    }
    x[i] = IntoDomain(s.domain, v);
  }
  return x;
}

// Values where kernels go wrong: non-finite, signed zeros, subnormals, the float limits, and the
// thresholds the kernels switch at (exp overflow 88.72, Highway's exp floor -104, the clamps at
// +-20 and -110, the sin/cos range 39000, log1p's pole).
inline std::vector<float> ExtremeInputs() {
  const float inf = std::numeric_limits<float>::infinity();
  const float fmax = std::numeric_limits<float>::max();
  const float fmin = std::numeric_limits<float>::min();
  const float tiny = std::numeric_limits<float>::denorm_min();
  std::vector<float> base = {0.0f,   fmin,    1e-40f,  tiny,    1e-20f,  1e-7f,   0.5f,    1.0f,     3.0f,
                             6.0f,   9.0f,    13.0f,   14.5f,   18.7f,   20.0f,   20.5f,   30.0f,    80.0f,
                             87.3f,  88.0f,   88.7f,   88.8f,   89.0f,   92.0f,   100.0f,  103.9f,   104.0f,
                             110.0f, 111.0f,  1e4f,    39000.0f, 39001.0f, 1e6f,   1e20f,   1e30f,   fmax,
                             inf,    0.99999994f, 1.0000001f};
  std::vector<float> out;
  for (float v : base) {
    out.push_back(v);
    out.push_back(-v);
  }
  out.push_back(NaNf());
  out.push_back(-NaNf());
  return out;
}

}  // namespace kerasm::testutil
