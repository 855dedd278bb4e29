#include "kernels/reduce.h"

#include <cmath>
#include <limits>

namespace kerasm::kernels {

// Scalar versions, to be replaced by SIMD paths.
void Reduce(ReduceOp op, const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xp = x + o * n * inner + i;
      float acc = op == ReduceOp::kMax ? -inf : op == ReduceOp::kMin ? inf : op == ReduceOp::kProd ? 1.f : 0.f;
      for (int64_t k = 0; k < n; ++k) {
        const float v = xp[k * inner];
        switch (op) {
          case ReduceOp::kSum:
          case ReduceOp::kMean: acc += v; break;
          case ReduceOp::kMax: acc = (v > acc || std::isnan(v)) ? v : acc; break;
          case ReduceOp::kMin: acc = (v < acc || std::isnan(v)) ? v : acc; break;
          case ReduceOp::kProd: acc *= v; break;
        }
      }
      if (op == ReduceOp::kMean && n > 0) acc /= static_cast<float>(n);
      y[o * inner + i] = acc;
    }
  }
}

namespace {
template <bool kMax>
void ArgExtreme(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xp = x + o * n * inner + i;
      int32_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        if (kMax ? xp[k * inner] > xp[best * inner] : xp[k * inner] < xp[best * inner]) best = static_cast<int32_t>(k);
      }
      y[o * inner + i] = best;
    }
  }
}
}  // namespace

void ArgMax(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) { ArgExtreme<true>(x, y, outer, n, inner); }
void ArgMin(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) { ArgExtreme<false>(x, y, outer, n, inner); }

}  // namespace kerasm::kernels
