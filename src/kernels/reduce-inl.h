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
#include "kernels/loops-inl.h"

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

// Sum over i in [0, n) of term(d, lanes, i) (the terms at i..i+Lanes(d), LoadLanes / StoreLanes for
// memory), with four accumulators to hide the add latency; the tail's padding lanes are zeroed before
// they are added.
template <class F>
HWY_INLINE float RowSum(int64_t n, const F& term) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = hn::Add(a0, term(d, AllLanes(), i));
    a1 = hn::Add(a1, term(d, AllLanes(), i + N));
    a2 = hn::Add(a2, term(d, AllLanes(), i + 2 * N));
    a3 = hn::Add(a3, term(d, AllLanes(), i + 3 * N));
  }
  ForEachVector(n - i, [&a1, &term, i](auto d, auto lanes, int64_t j) HWY_ATTR {
    a1 = hn::Add(a1, KeepLanes(d, lanes, term(d, lanes, i + j), 0.0f));
  });
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
}

// Calls body(d, lanes, in, out) for each chunk of neighbouring fibers of an [outer, n, inner] view with
// inner > 1: full vectors of columns, then the remaining columns as one padded vector (FirstLanes). `in`
// is the element index of the chunk's first fiber at k = 0 (o n inner + i), `out` the index of its first
// result in an [outer, inner] output (o inner + i).
template <class F>
HWY_INLINE void ForEachColumnChunk(int64_t outer, int64_t n, int64_t inner, const F& body) {
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t base = o * n * inner;
    ForEachVector(inner, [&body, base, o, inner](auto d, auto lanes, int64_t i) HWY_ATTR {
      body(d, lanes, base + i, o * inner + i);
    });
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#endif  // KERASM_KERNELS_REDUCE_INL_H_
