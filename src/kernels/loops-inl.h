// Element-wise loop drivers shared by the unary kernels, compiled once per Highway target.
// Full vectors first, then the remainder one lane at a time through the same vector code (a 1-lane
// tag), so an element gets identical arithmetic wherever it sits and no load or store ever touches
// memory past the end.
#if defined(KERASM_KERNELS_LOOPS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef KERASM_KERNELS_LOOPS_INL_H_
#undef KERASM_KERNELS_LOOPS_INL_H_
#else
#define KERASM_KERNELS_LOOPS_INL_H_
#endif

#include <cstdint>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// y[i] = f(d, x[i]); y may alias x (each vector is loaded before it is stored). Four vectors per
// iteration give the core four independent chains to overlap (V8 schedules little of its own): sigmoid
// on wasm over 1M values went from 1.8 to 1.4 ms; two vectors per iteration gave half of that.
template <class F>
HWY_INLINE void Map1(const float* x, float* y, int64_t n, const F& f) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    const auto y0 = f(d, hn::LoadU(d, x + i));
    const auto y1 = f(d, hn::LoadU(d, x + i + N));
    const auto y2 = f(d, hn::LoadU(d, x + i + 2 * N));
    const auto y3 = f(d, hn::LoadU(d, x + i + 3 * N));
    hn::StoreU(y0, d, y + i);
    hn::StoreU(y1, d, y + i + N);
    hn::StoreU(y2, d, y + i + 2 * N);
    hn::StoreU(y3, d, y + i + 3 * N);
  }
  for (; i + N <= n; i += N) hn::StoreU(f(d, hn::LoadU(d, x + i)), d, y + i);
  for (; i < n; ++i) hn::StoreU(f(d1, hn::LoadU(d1, x + i)), d1, y + i);
}

// out[i] = f(d, x[i], y[i], dy[i]); out may alias any input.
template <class F>
HWY_INLINE void Map3(const float* x, const float* y, const float* dy, float* out, int64_t n, const F& f) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(f(d, hn::LoadU(d, x + i), hn::LoadU(d, y + i), hn::LoadU(d, dy + i)), d, out + i);
  }
  for (; i < n; ++i) {
    hn::StoreU(f(d1, hn::LoadU(d1, x + i), hn::LoadU(d1, y + i), hn::LoadU(d1, dy + i)), d1, out + i);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#endif  // KERASM_KERNELS_LOOPS_INL_H_
