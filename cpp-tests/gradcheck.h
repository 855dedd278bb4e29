// Central finite-difference gradient checks for ops, layers and losses.
//
// For f: inputs -> y, the checked quantity is L = sum(y * w) with a fixed random w (so every output element's
// gradient matters, not just their sum). Analytic gradients come from the tape; numeric ones from
// (L(x + h) - L(x - h)) / 2h per element, evaluated in double from float outputs.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::testing {

inline Tensor RandomTensor(const Shape& shape, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  Rng rng(seed);
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = rng.Uniform(lo, hi);
  return t;
}

struct GradCheckOptions {
  float step = 1e-2f;
  float atol = 2e-3f;
  float rtol = 2e-2f;
};

using MultiFn = std::function<Tensor(const std::vector<Tensor>&)>;

inline double WeightedSum(const Tensor& y, const Tensor& w) {
  double s = 0;
  for (int64_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.f32()[i]) * w.f32()[i];
  return s;
}

// Checks d sum(f(xs) * w) / d xs[i] for every float input i (int32 inputs are held fixed).
inline void ExpectGradientsMatch(const MultiFn& f, std::vector<Tensor> xs, const std::string& what,
                                 GradCheckOptions opt = {}) {
  Tensor w;
  std::vector<Tensor> analytic;
  {
    ops::GradientTape tape;
    Tensor y = f(xs);
    w = RandomTensor(y.shape(), 99, 0.5f, 1.5f);
    std::vector<Tensor> sources;
    for (const Tensor& x : xs)
      if (x.dtype() == DType::kFloat32) sources.push_back(x);
    analytic = tape.Gradient(y, sources, w, /*allow_unconnected=*/true);
  }
  size_t src = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].dtype() != DType::kFloat32) continue;
    const Tensor& grad = analytic[src++];
    for (int64_t k = 0; k < xs[i].size(); ++k) {
      std::vector<Tensor> plus = xs, minus = xs;
      plus[i] = xs[i].Clone();
      minus[i] = xs[i].Clone();
      plus[i].f32()[k] += opt.step;
      minus[i].f32()[k] -= opt.step;
      const double numeric = (WeightedSum(f(plus), w) - WeightedSum(f(minus), w)) / (2.0 * opt.step);
      const double got = grad.defined() ? grad.f32()[k] : 0.0;
      const double tol = opt.atol + opt.rtol * std::max(std::fabs(numeric), std::fabs(got));
      ASSERT_NEAR(got, numeric, tol) << what << ": input " << i << " element " << k;
    }
  }
}

inline void ExpectGradientMatches(const std::function<Tensor(const Tensor&)>& f, const Tensor& x,
                                  const std::string& what, GradCheckOptions opt = {}) {
  ExpectGradientsMatch([&](const std::vector<Tensor>& v) { return f(v[0]); }, {x}, what, opt);
}

}  // namespace kerasm::testing
