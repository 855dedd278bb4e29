// Building blocks for kernels that reduce along one axis of an [outer, n, inner] view (softmax and the
// reductions), compiled once per Highway target.
//   inner == 1: each fiber is a contiguous row; vectors run along it and are reduced horizontally.
//   inner > 1:  the fibers of a row of `inner` columns sit side by side; a vector covers Lanes(d)
//               neighbouring fibers and walks down k, with no horizontal step.
#if defined(KERASM_KERNELS_REDUCE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef KERASM_KERNELS_REDUCE_INL_H_
#undef KERASM_KERNELS_REDUCE_INL_H_
#else
#define KERASM_KERNELS_REDUCE_INL_H_
#endif

#include <cmath>
#include <cstdint>
#include <limits>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Maximum / minimum where NaN wins (tfjs semantics): once a lane holds NaN it keeps it.
template <class D, class V>
HWY_INLINE V MaxNaN(D /*d*/, V acc, V v) {
  return hn::IfThenElse(hn::Or(hn::Gt(v, acc), hn::IsNaN(v)), v, acc);
}
template <class D, class V>
HWY_INLINE V MinNaN(D /*d*/, V acc, V v) {
  return hn::IfThenElse(hn::Or(hn::Lt(v, acc), hn::IsNaN(v)), v, acc);
}
inline float MaxNaN(float acc, float v) { return std::isnan(acc) || !(std::isnan(v) || v > acc) ? acc : v; }
inline float MinNaN(float acc, float v) { return std::isnan(acc) || !(std::isnan(v) || v < acc) ? acc : v; }

// Lanes of v folded with a scalar function, in lane order.
template <class D, class V, class F>
HWY_INLINE float FoldLanes(D d, V v, float init, const F& f) {
  HWY_ALIGN float lanes[HWY_MAX_BYTES / sizeof(float)];
  hn::Store(v, d, lanes);
  for (size_t i = 0; i < hn::Lanes(d); ++i) init = f(init, lanes[i]);
  return init;
}

// NaN-wins maximum of p[0..n).
HWY_INLINE float RowMax(const float* p, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  float m = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  if (n >= N) {
    auto acc = hn::LoadU(d, p);
    for (i = N; i + N <= n; i += N) acc = MaxNaN(d, acc, hn::LoadU(d, p + i));
    m = FoldLanes(d, acc, m, [](float a, float b) { return MaxNaN(a, b); });
  }
  for (; i < n; ++i) m = MaxNaN(m, p[i]);
  return m;
}

// Sum over i in [0, n) of term(d, i) (a vector of the terms at i..i+Lanes(d)), with four
// accumulators to hide the add latency; the tail goes through term(d1, i) with a 1-lane tag.
template <class F>
HWY_INLINE float RowSum(int64_t n, const F& term) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = hn::Add(a0, term(d, i));
    a1 = hn::Add(a1, term(d, i + N));
    a2 = hn::Add(a2, term(d, i + 2 * N));
    a3 = hn::Add(a3, term(d, i + 3 * N));
  }
  for (; i + N <= n; i += N) a0 = hn::Add(a0, term(d, i));
  float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
  for (; i < n; ++i) s += hn::GetLane(term(d1, i));
  return s;
}

// Calls body(d, in, out) for each chunk of neighbouring fibers of an [outer, n, inner] view with
// inner > 1: full vectors of columns, then the remaining columns one at a time (1-lane tag). `in` is
// the element index of the chunk's first fiber at k = 0 (o n inner + i), `out` the index of its
// first result in an [outer, inner] output (o inner + i).
template <class F>
HWY_INLINE void ForEachColumnChunk(int64_t outer, int64_t n, int64_t inner, const F& body) {
  const hn::ScalableTag<float> d;
  const hn::CappedTag<float, 1> d1;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = o * n * inner;
    int64_t i = 0;
    for (; i + N <= inner; i += N) body(d, base + i, o * inner + i);
    for (; i < inner; ++i) body(d1, base + i, o * inner + i);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#endif  // KERASM_KERNELS_REDUCE_INL_H_
