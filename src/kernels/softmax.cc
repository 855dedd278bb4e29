// Softmax / log-softmax over the middle axis of [outer, n, inner] and their gradients, as Highway SIMD
// re-included once per target by foreach_target.h. Vectors run along the contiguous axis: along n when
// inner == 1 (rows, reduced horizontally with four accumulators), across inner otherwise (each lane is
// its own fiber, so no horizontal step).
//
// Accuracy: exp within 1 ulp (ExpNonPositive: the exponent x - max is never positive), x - max exact
// when both are within a factor of 2 of each other and otherwise off by half an ulp of |x - max|, which
// exp turns into a relative error of |x - max| 2^-24; sums add about log2(n) roundings, and softmax's
// scaling by 1 / sum two more half-ulp roundings. Rows holding NaN, or +inf, or only -inf, give NaN
// throughout (as the reference formula does).
#include "kernels/softmax.h"

#include <cmath>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/softmax.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/reduce-inl.h"
#include "kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---- inner == 1: one contiguous row of n at x / y.

// Stores f(d, lanes, i) -> vector at out + i for every position of a row (the tail through StoreLanes).
template <class F>
HWY_INLINE void RowMap(float* out, int64_t n, const F& f) {
  ForEachVector(n, [out, &f](auto d, auto lanes, int64_t i) HWY_ATTR { StoreLanes(d, lanes, f(d, lanes, i), out + i); });
}

// The row maximum with four accumulators (one would chain 250 dependent max operations for a row of
// 1000). Which NaN rule Max follows does not matter: a NaN anywhere in the row reaches every output
// through the sum, whatever maximum is subtracted.
HWY_INLINE float SoftmaxRowMax(const float* x, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  float m = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  if (n >= 4 * N) {
    auto m0 = hn::LoadU(d, x), m1 = hn::LoadU(d, x + N), m2 = hn::LoadU(d, x + 2 * N), m3 = hn::LoadU(d, x + 3 * N);
    for (i = 4 * N; i + 4 * N <= n; i += 4 * N) {
      m0 = hn::Max(m0, hn::LoadU(d, x + i));
      m1 = hn::Max(m1, hn::LoadU(d, x + i + N));
      m2 = hn::Max(m2, hn::LoadU(d, x + i + 2 * N));
      m3 = hn::Max(m3, hn::LoadU(d, x + i + 3 * N));
    }
    for (; i + N <= n; i += N) m0 = hn::Max(m0, hn::LoadU(d, x + i));
    m = hn::GetLane(hn::MaxOfLanes(d, hn::Max(hn::Max(m0, m1), hn::Max(m2, m3))));
  }
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// Three passes over a row that stays in L1: the maximum; e^(x - m) stored and summed; the scaling.
template <bool kLog>
HWY_INLINE void SoftmaxRow(const float* x, float* y, int64_t n) {
  const float m = SoftmaxRowMax(x, n);
  // Softmax keeps e^(x - m) in y for the normalising pass; log-softmax only needs the sum.
  const float s = RowSum(n, [x, y, m](auto d, auto lanes, int64_t i) HWY_ATTR {
    const auto e = ExpNonPositive(d, hn::Sub(LoadLanes(d, lanes, x + i), hn::Set(d, m)));
    if constexpr (!kLog) StoreLanes(d, lanes, e, y + i);
    return e;
  });
  if constexpr (kLog) {
    const float ls = std::log(s);
    RowMap(y, n, [x, m, ls](auto d, auto lanes, int64_t i) HWY_ATTR {
      return hn::Sub(hn::Sub(LoadLanes(d, lanes, x + i), hn::Set(d, m)), hn::Set(d, ls));
    });
  } else {
    // Multiplying by 1 / s costs one more rounding than dividing (half an ulp) and a fraction of the time.
    const float inv = 1.0f / s;
    RowMap(y, n, [y, inv](auto d, auto lanes, int64_t i) HWY_ATTR {
      return hn::Mul(LoadLanes(d, lanes, y + i), hn::Set(d, inv));
    });
  }
}

// ---- inner > 1: Lanes(d) neighbouring fibers starting at x / y, stepping by `inner` along k.

template <bool kLog, class D, class L>
HWY_INLINE void SoftmaxColumns(D d, L lanes, const float* x, float* y, int64_t n, int64_t inner) {
  auto m = LoadLanes(d, lanes, x);
  for (int64_t k = 1; k < n; ++k) m = MaxNaN(d, m, LoadLanes(d, lanes, x + k * inner));
  auto s = hn::Zero(d);
  for (int64_t k = 0; k < n; ++k) {
    const auto e = ExpNonPositive(d, hn::Sub(LoadLanes(d, lanes, x + k * inner), m));
    if constexpr (!kLog) StoreLanes(d, lanes, e, y + k * inner);
    s = hn::Add(s, e);
  }
  if constexpr (kLog) {
    const auto ls = SafeLog(d, s);
    for (int64_t k = 0; k < n; ++k) {
      StoreLanes(d, lanes, hn::Sub(hn::Sub(LoadLanes(d, lanes, x + k * inner), m), ls), y + k * inner);
    }
  } else {
    const auto inv = hn::Div(hn::Set(d, 1.0f), s);
    for (int64_t k = 0; k < n; ++k) {
      StoreLanes(d, lanes, hn::Mul(LoadLanes(d, lanes, y + k * inner), inv), y + k * inner);
    }
  }
}

template <bool kLog>
HWY_INLINE void SoftmaxAll(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  if (n == 0) return;
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) SoftmaxRow<kLog>(x + o * n, y + o * n, n);
    return;
  }
  ForEachColumnChunk(outer, n, inner, [=](auto d, auto lanes, int64_t in, int64_t) HWY_ATTR {
    SoftmaxColumns<kLog>(d, lanes, x + in, y + in, n, inner);
  });
}

void SoftmaxImpl(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (log) return SoftmaxAll<true>(x, y, outer, n, inner);
  SoftmaxAll<false>(x, y, outer, n, inner);
}

// Gradients. Softmax: dx = y (dy - sum(dy y)); log-softmax: dx = dy - e^y sum(dy). Both read all of a
// fiber before writing any of it, so dx may alias y or dy.

template <bool kLog>
HWY_INLINE void SoftmaxGradRow(const float* y, const float* dy, float* dx, int64_t n) {
  const float s = RowSum(n, [y, dy](auto d, auto lanes, int64_t i) HWY_ATTR {
    const auto g = LoadLanes(d, lanes, dy + i);
    if constexpr (kLog) return g;
    else return hn::Mul(g, LoadLanes(d, lanes, y + i));
  });
  RowMap(dx, n, [y, dy, s](auto d, auto lanes, int64_t i) HWY_ATTR {
    const auto yi = LoadLanes(d, lanes, y + i);
    const auto g = LoadLanes(d, lanes, dy + i);
    if constexpr (kLog) return hn::Sub(g, hn::Mul(SafeExp(d, yi), hn::Set(d, s)));
    else return hn::Mul(yi, hn::Sub(g, hn::Set(d, s)));
  });
}

template <bool kLog, class D, class L>
HWY_INLINE void SoftmaxGradColumns(D d, L lanes, const float* y, const float* dy, float* dx, int64_t n,
                                   int64_t inner) {
  auto s = hn::Zero(d);
  for (int64_t k = 0; k < n; ++k) {
    const auto g = LoadLanes(d, lanes, dy + k * inner);
    if constexpr (kLog) s = hn::Add(s, g);
    else s = hn::Add(s, hn::Mul(g, LoadLanes(d, lanes, y + k * inner)));
  }
  for (int64_t k = 0; k < n; ++k) {
    const auto yi = LoadLanes(d, lanes, y + k * inner);
    const auto g = LoadLanes(d, lanes, dy + k * inner);
    if constexpr (kLog) StoreLanes(d, lanes, hn::Sub(g, hn::Mul(SafeExp(d, yi), s)), dx + k * inner);
    else StoreLanes(d, lanes, hn::Mul(yi, hn::Sub(g, s)), dx + k * inner);
  }
}

template <bool kLog>
HWY_INLINE void SoftmaxGradAll(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner) {
  if (n == 0) return;
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) SoftmaxGradRow<kLog>(y + o * n, dy + o * n, dx + o * n, n);
    return;
  }
  ForEachColumnChunk(outer, n, inner, [=](auto d, auto lanes, int64_t in, int64_t) HWY_ATTR {
    SoftmaxGradColumns<kLog>(d, lanes, y + in, dy + in, dx + in, n, inner);
  });
}

void SoftmaxGradImpl(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (log) return SoftmaxGradAll<true>(y, dy, dx, outer, n, inner);
  SoftmaxGradAll<false>(y, dy, dx, outer, n, inner);
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(SoftmaxImpl);
HWY_EXPORT(SoftmaxGradImpl);

void Softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  HWY_DYNAMIC_DISPATCH(SoftmaxImpl)(x, y, outer, n, inner, false);
}
void LogSoftmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  HWY_DYNAMIC_DISPATCH(SoftmaxImpl)(x, y, outer, n, inner, true);
}
void SoftmaxGrad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner) {
  HWY_DYNAMIC_DISPATCH(SoftmaxGradImpl)(y, dy, dx, outer, n, inner, false);
}
void LogSoftmaxGrad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner) {
  HWY_DYNAMIC_DISPATCH(SoftmaxGradImpl)(y, dy, dx, outer, n, inner, true);
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
