// Reductions over the middle axis of [outer, n, inner] as Highway SIMD, re-included once per target by
// foreach_target.h. inner == 1: horizontal, four vector accumulators along each row; inner > 1:
// vertical, one vector of neighbouring fibers walking down n.
//
// max / min are exact and NaN wins (as in tfjs); sum and mean are within the usual (n + 2) 2^-24
// sum|x| bound of float summation (the pairwise-ish order of the accumulators usually does far
// better); prod within (n + 2) 2^-24 relative; argMax / argMin give the first extreme index, NaN
// counting as the extreme.
#include "kernels/reduce.h"

#include <cmath>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/reduce.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/reduce-inl.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <ReduceOp kOp>
HWY_INLINE float Identity() {
  const float inf = std::numeric_limits<float>::infinity();
  return kOp == ReduceOp::kMax ? -inf : kOp == ReduceOp::kMin ? inf : kOp == ReduceOp::kProd ? 1.0f : 0.0f;
}

template <ReduceOp kOp, class D, class V>
HWY_INLINE V Combine(D d, V acc, V v) {
  if constexpr (kOp == ReduceOp::kMax) return MaxNaN(d, acc, v);
  if constexpr (kOp == ReduceOp::kMin) return MinNaN(d, acc, v);
  if constexpr (kOp == ReduceOp::kProd) return hn::Mul(acc, v);
  if constexpr (kOp == ReduceOp::kSum || kOp == ReduceOp::kMean) return hn::Add(acc, v);
}

template <ReduceOp kOp>
HWY_INLINE float Combine(float acc, float v) {
  if constexpr (kOp == ReduceOp::kMax) return MaxNaN(acc, v);
  if constexpr (kOp == ReduceOp::kMin) return MinNaN(acc, v);
  if constexpr (kOp == ReduceOp::kProd) return acc * v;
  if constexpr (kOp == ReduceOp::kSum || kOp == ReduceOp::kMean) return acc + v;
}

template <ReduceOp kOp>
HWY_INLINE float ReduceRow(const float* p, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const auto id = hn::Set(d, Identity<kOp>());
  auto a0 = id, a1 = id, a2 = id, a3 = id;
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = Combine<kOp>(d, a0, hn::LoadU(d, p + i));
    a1 = Combine<kOp>(d, a1, hn::LoadU(d, p + i + N));
    a2 = Combine<kOp>(d, a2, hn::LoadU(d, p + i + 2 * N));
    a3 = Combine<kOp>(d, a3, hn::LoadU(d, p + i + 3 * N));
  }
  ForEachVector(n - i, [&a1, p = p + i](auto d, auto lanes, int64_t j) HWY_ATTR {
    a1 = Combine<kOp>(d, a1, KeepLanes(d, lanes, LoadLanes(d, lanes, p + j), Identity<kOp>()));
  });
  const auto acc = Combine<kOp>(d, Combine<kOp>(d, a0, a1), Combine<kOp>(d, a2, a3));
  return FoldLanes(d, acc, Identity<kOp>(), [](float a, float b) { return Combine<kOp>(a, b); });
}

template <ReduceOp kOp>
void ReduceAll(const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  const float scale = kOp == ReduceOp::kMean && n > 0 ? static_cast<float>(n) : 1.0f;
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) {
      const float r = ReduceRow<kOp>(x + o * n, n);
      y[o] = kOp == ReduceOp::kMean ? r / scale : r;
    }
    return;
  }
  ForEachColumnChunk(outer, n, inner, [=](auto d, auto lanes, int64_t in, int64_t out) HWY_ATTR {
    auto acc = hn::Set(d, Identity<kOp>());
    for (int64_t k = 0; k < n; ++k) acc = Combine<kOp>(d, acc, LoadLanes(d, lanes, x + in + k * inner));
    if constexpr (kOp == ReduceOp::kMean) acc = hn::Div(acc, hn::Set(d, scale));
    StoreLanes(d, lanes, acc, y + out);
  });
}

void ReduceImpl(int op, const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  switch (static_cast<ReduceOp>(op)) {
    case ReduceOp::kSum: return ReduceAll<ReduceOp::kSum>(x, y, outer, n, inner);
    case ReduceOp::kMean: return ReduceAll<ReduceOp::kMean>(x, y, outer, n, inner);
    case ReduceOp::kMax: return ReduceAll<ReduceOp::kMax>(x, y, outer, n, inner);
    case ReduceOp::kMin: return ReduceAll<ReduceOp::kMin>(x, y, outer, n, inner);
    case ReduceOp::kProd: return ReduceAll<ReduceOp::kProd>(x, y, outer, n, inner);
  }
}

// v replaces best where it is strictly more extreme, or NaN where best is not: ties keep the earlier
// index and the first NaN sticks.
template <bool kMax, class D, class V>
HWY_INLINE auto Better(D /*d*/, V v, V best) {
  return hn::Or(kMax ? hn::Gt(v, best) : hn::Lt(v, best), hn::AndNot(hn::IsNaN(best), hn::IsNaN(v)));
}
template <bool kMax>
HWY_INLINE bool Better(float v, float best) {
  return (kMax ? v > best : v < best) || (std::isnan(v) && !std::isnan(best));
}

template <bool kMax>
HWY_INLINE int32_t ArgRow(const float* p, int64_t n) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  float best = n > 0 ? p[0] : 0.0f;
  int64_t best_i = 0;
  int64_t i = 1;
  if (n >= N) {
    // Lane j tracks the first extreme among indices j, j + N, j + 2N ...
    auto vbest = hn::LoadU(d, p);
    auto vidx = hn::Iota(di, 0);
    auto idx = vidx;
    const auto step = hn::Set(di, static_cast<int32_t>(N));
    for (i = N; i + N <= n; i += N) {
      idx = hn::Add(idx, step);
      const auto v = hn::LoadU(d, p + i);
      const auto better = Better<kMax>(d, v, vbest);
      vbest = hn::IfThenElse(better, v, vbest);
      vidx = hn::IfThenElse(hn::RebindMask(di, better), idx, vidx);
    }
    HWY_ALIGN float vals[HWY_MAX_BYTES / sizeof(float)];
    HWY_ALIGN int32_t idxs[HWY_MAX_BYTES / sizeof(float)];
    hn::Store(vbest, d, vals);
    hn::Store(vidx, di, idxs);
    best = vals[0];
    best_i = idxs[0];
    for (int64_t j = 1; j < N; ++j) {
      const bool tie = vals[j] == best || (std::isnan(vals[j]) && std::isnan(best));
      if (Better<kMax>(vals[j], best) || (tie && idxs[j] < best_i)) {
        best = vals[j];
        best_i = idxs[j];
      }
    }
  }
  for (; i < n; ++i) {
    if (Better<kMax>(p[i], best)) {
      best = p[i];
      best_i = i;
    }
  }
  return static_cast<int32_t>(best_i);
}

template <bool kMax>
void ArgAll(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) y[o] = ArgRow<kMax>(x + o * n, n);
    return;
  }
  ForEachColumnChunk(outer, n, inner, [=](auto d, auto lanes, int64_t in, int64_t out) HWY_ATTR {
    const hn::RebindToSigned<decltype(d)> di;
    auto vidx = hn::Zero(di);
    if (n > 0) {
      auto vbest = LoadLanes(d, lanes, x + in);
      for (int64_t k = 1; k < n; ++k) {
        const auto v = LoadLanes(d, lanes, x + in + k * inner);
        const auto better = Better<kMax>(d, v, vbest);
        vbest = hn::IfThenElse(better, v, vbest);
        vidx = hn::IfThenElse(hn::RebindMask(di, better), hn::Set(di, static_cast<int32_t>(k)), vidx);
      }
    }
    StoreLanes(di, lanes, vidx, y + out);
  });
}

void ArgMaxImpl(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) {
  ArgAll<true>(x, y, outer, n, inner);
}
void ArgMinImpl(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) {
  ArgAll<false>(x, y, outer, n, inner);
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(ReduceImpl);
HWY_EXPORT(ArgMaxImpl);
HWY_EXPORT(ArgMinImpl);

void Reduce(ReduceOp op, const float* x, float* y, int64_t outer, int64_t n, int64_t inner) {
  HWY_DYNAMIC_DISPATCH(ReduceImpl)(static_cast<int>(op), x, y, outer, n, inner);
}
void ArgMax(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) {
  HWY_DYNAMIC_DISPATCH(ArgMaxImpl)(x, y, outer, n, inner);
}
void ArgMin(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) {
  HWY_DYNAMIC_DISPATCH(ArgMinImpl)(x, y, outer, n, inner);
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
