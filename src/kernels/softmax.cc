#include "kernels/softmax.h"

#include <cmath>
#include <limits>

namespace kerasm::kernels {

// Scalar versions, to be replaced by SIMD paths.
void Softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xp = x + o * n * inner + i;
      float* yp = y + o * n * inner + i;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < n; ++k) m = std::fmax(m, xp[k * inner]);
      float s = 0;
      for (int64_t k = 0; k < n; ++k) s += (yp[k * inner] = std::exp(xp[k * inner] - m));
      for (int64_t k = 0; k < n; ++k) yp[k * inner] /= s;
    }
  }
}

void LogSoftmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xp = x + o * n * inner + i;
      float* yp = y + o * n * inner + i;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < n; ++k) m = std::fmax(m, xp[k * inner]);
      float s = 0;
      for (int64_t k = 0; k < n; ++k) s += std::exp(xp[k * inner] - m);
      const float lse = m + std::log(s);
      for (int64_t k = 0; k < n; ++k) yp[k * inner] = xp[k * inner] - lse;
    }
  }
}

void SoftmaxGrad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      float s = 0;
      for (int64_t k = 0; k < n; ++k) s += dy[base + k * inner] * y[base + k * inner];
      for (int64_t k = 0; k < n; ++k) dx[base + k * inner] = y[base + k * inner] * (dy[base + k * inner] - s);
    }
  }
}

void LogSoftmaxGrad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      float s = 0;
      for (int64_t k = 0; k < n; ++k) s += dy[base + k * inner];
      for (int64_t k = 0; k < n; ++k) dx[base + k * inner] = dy[base + k * inner] - std::exp(y[base + k * inner]) * s;
    }
  }
}

}  // namespace kerasm::kernels
