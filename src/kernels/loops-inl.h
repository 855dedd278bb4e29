// Loop drivers and the one tail helper shared by every element-wise and reduction kernel, compiled once
// per Highway target.
//
// Tails: the last n mod Lanes(d) elements go through the same full-vector code as the rest, on a padded
// copy. LoadLanes copies the valid elements into a vector-sized stack buffer (the other lanes hold a pad
// value), the kernel computes on whole vectors, and StoreLanes copies back only the valid lanes; KeepLanes
// sets the padding lanes to a reduction's identity. So an element gets identical arithmetic wherever it
// sits, nothing past the end is read or written, and every input of a tail is read before any output is
// written (kernels may run in place).
//
// Why not 1-lane vectors (CappedTag<float, 1>) as before: clang 14's wasm backend turned a 1-lane load
// used both as a vector and as a scalar into a splat load and moved it past a store to the same address,
// so an in-place kernel read a value it had already overwritten. Why not Highway's MaskedLoad: in 1.0.3
// its wasm version is IfThenElseZero(m, Load(d, p)), a full aligned load that reads past the end (and
// 1.0.x has no LoadN / StoreN).
#if defined(KERASM_KERNELS_LOOPS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef KERASM_KERNELS_LOOPS_INL_H_
#undef KERASM_KERNELS_LOOPS_INL_H_
#else
#define KERASM_KERNELS_LOOPS_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Which lanes of a vector hold data: all of them (the loop body) or the first `count`, 0 < count <= Lanes
// (a tail, or a gathered chunk). Kernels written against both take `auto lanes` and call the helpers below.
struct AllLanes {};
struct FirstLanes {
  size_t count;
};

// The pad for inputs of a tail: 1 lies in the domain of every op (log, sqrt, reciprocal, pow, div), so
// padding lanes take no slow path (pow sends a vector with a lane <= 0 through std::pow lane by lane).
template <typename T>
constexpr T kTailPad = T(1);

template <class D, typename T>
HWY_INLINE hn::Vec<D> LoadLanes(D d, AllLanes, const T* HWY_RESTRICT p, T = kTailPad<T>) {
  return hn::LoadU(d, p);
}
template <class D, typename T>
HWY_INLINE hn::Vec<D> LoadLanes(D d, FirstLanes lanes, const T* p, T pad = kTailPad<T>) {
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  for (size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = pad;
  std::memcpy(buf, p, lanes.count * sizeof(T));
  return hn::Load(d, buf);
}

template <class D, class V, typename T>
HWY_INLINE void StoreLanes(D d, AllLanes, V v, T* HWY_RESTRICT p) {
  hn::StoreU(v, d, p);
}
template <class D, class V, typename T>
HWY_INLINE void StoreLanes(D d, FirstLanes lanes, V v, T* p) {
  HWY_ALIGN T buf[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(v, d, buf);
  std::memcpy(p, buf, lanes.count * sizeof(T));
}

// v with its padding lanes replaced by `fill` (a reduction's identity), so they cannot reach a result.
template <class D, class V>
HWY_INLINE V KeepLanes(D, AllLanes, V v, hn::TFromD<D>) {
  return v;
}
template <class D, class V>
HWY_INLINE V KeepLanes(D d, FirstLanes lanes, V v, hn::TFromD<D> fill) {
  return hn::IfThenElse(hn::FirstN(d, lanes.count), v, hn::Set(d, fill));
}

// Calls body(d, lanes, i) for each vector of [0, n): AllLanes for the full vectors, then FirstLanes once
// for the n mod Lanes(d) elements left.
template <class F>
HWY_INLINE void ForEachVector(int64_t n, const F& body) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) body(d, AllLanes(), i);
  if (i < n) body(d, FirstLanes{static_cast<size_t>(n - i)}, i);
}

// y[i] = f(d, x[i]); y may alias x (each vector is loaded before it is stored). Four vectors per
// iteration give the core four independent chains to overlap (V8 schedules little of its own): sigmoid
// on wasm over 1M values went from 1.8 to 1.4 ms; two vectors per iteration gave half of that.
template <class F>
HWY_INLINE void Map1(const float* x, float* y, int64_t n, const F& f) {
  const hn::ScalableTag<float> d;
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
  ForEachVector(n - i, [x = x + i, y = y + i, &f](auto d, auto lanes, int64_t j) HWY_ATTR {
    StoreLanes(d, lanes, f(d, LoadLanes(d, lanes, x + j)), y + j);
  });
}

// out[i] = f(d, x[i], y[i], dy[i]); out may alias any input.
template <class F>
HWY_INLINE void Map3(const float* x, const float* y, const float* dy, float* out, int64_t n, const F& f) {
  ForEachVector(n, [=, &f](auto d, auto lanes, int64_t i) HWY_ATTR {
    const auto vx = LoadLanes(d, lanes, x + i);
    const auto vy = LoadLanes(d, lanes, y + i);
    const auto vdy = LoadLanes(d, lanes, dy + i);
    StoreLanes(d, lanes, f(d, vx, vy, vdy), out + i);
  });
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#endif  // KERASM_KERNELS_LOOPS_INL_H_
