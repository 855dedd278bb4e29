// Element-wise kernels: binary ops with broadcasting and the small utilities (ScaleShift, AccumulateInto,
// Fill). Unary ops live in unary.cc / unary_grad.cc. Highway pattern: this file is re-included once per
// SIMD target by foreach_target.h (natively: SSE4/AVX2/AVX-512/scalar, chosen at run time; in wasm only
// HWY_WASM, statically).
//
// Binary accuracy: add sub mul div maximum minimum are exact (correctly rounded, NaN propagates through
// maximum/minimum as in tfjs); squaredDifference has two roundings (2.5 ulp: the one of a - b counts
// twice); pow is within 2 ulp for a > 0 (see PowPositive) and std::pow elsewhere (negative bases with
// integer exponents give real results, as in tfjs).
#include "kernels/elementwise.h"

#include <cmath>

#include "core/max_rank.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/loops-inl.h"
#include "kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void ScaleShiftImpl(const float* x, float* y, int64_t n, float scale, float shift) {
  Map1(x, y, n, [scale, shift](auto d, auto v) HWY_ATTR {
    return hn::MulAdd(v, hn::Set(d, scale), hn::Set(d, shift));
  });
}

void AccumulateIntoImpl(const float* x, float* y, int64_t n) {
  ForEachVector(n, [x, y](auto d, auto lanes, int64_t i) HWY_ATTR {
    StoreLanes(d, lanes, hn::Add(LoadLanes(d, lanes, y + i), LoadLanes(d, lanes, x + i)), y + i);
  });
}

void FillImpl(float* y, int64_t n, float value) {
  ForEachVector(n, [y, value](auto d, auto lanes, int64_t i) HWY_ATTR {
    StoreLanes(d, lanes, hn::Set(d, value), y + i);
  });
}

// a^b lane-wise: the vector formula where a > 0 and both are finite, std::pow for a whole vector with
// any other lane (negative bases, zeros, infinities, NaN), so std::pow's special cases hold exactly.
template <class D, class V>
HWY_INLINE V Pow(D d, V a, V b) {
  const auto simple = hn::And(hn::And(hn::Gt(a, hn::Zero(d)), hn::Lt(a, hn::Inf(d))), hn::IsFinite(b));
  if (!hn::AllTrue(d, simple)) {
    HWY_ALIGN float bb[HWY_MAX_BYTES / sizeof(float)];
    hn::Store(b, d, bb);
    size_t lane = 0;
    return MapLanesScalar(d, a, [&bb, &lane](float av) { return std::pow(av, bb[lane++]); });
  }
  V r = PowPositive(d, a, b);
  // Exponents whose result IEEE arithmetic rounds correctly: keep them exact (x^2 == x * x).
  r = hn::IfThenElse(hn::Eq(b, hn::Set(d, 1.0f)), a, r);
  r = hn::IfThenElse(hn::Eq(b, hn::Set(d, 2.0f)), hn::Mul(a, a), r);
  r = hn::IfThenElse(hn::Eq(b, hn::Set(d, 0.5f)), hn::Sqrt(a), r);
  return hn::IfThenElse(hn::Eq(b, hn::Set(d, -1.0f)), hn::Div(hn::Set(d, 1.0f), a), r);
}

template <BinaryOp kOp, class D, class V>
HWY_INLINE V Apply(D d, V a, V b) {
  if constexpr (kOp == BinaryOp::kAdd) return hn::Add(a, b);
  if constexpr (kOp == BinaryOp::kSub) return hn::Sub(a, b);
  if constexpr (kOp == BinaryOp::kMul) return hn::Mul(a, b);
  if constexpr (kOp == BinaryOp::kDiv) return hn::Div(a, b);
  if constexpr (kOp == BinaryOp::kPow) return Pow(d, a, b);
  // Compare-and-select keeps a NaN in a; the second select keeps a NaN in b (hn::Max drops one of them).
  if constexpr (kOp == BinaryOp::kMaximum) return hn::IfThenElse(hn::IsNaN(b), b, hn::IfThenElse(hn::Lt(a, b), b, a));
  if constexpr (kOp == BinaryOp::kMinimum) return hn::IfThenElse(hn::IsNaN(b), b, hn::IfThenElse(hn::Gt(a, b), b, a));
  if constexpr (kOp == BinaryOp::kSquaredDifference) {
    const V t = hn::Sub(a, b);
    return hn::Mul(t, t);
  }
}

// One innermost run of n outputs; sa / sb are the operands' element strides along it.
template <BinaryOp kOp>
HWY_INLINE void BinaryRow(const float* a, int64_t sa, const float* b, int64_t sb, float* out, int64_t n) {
  if (sa == 1 && sb == 1) {
    ForEachVector(n, [a, b, out](auto d, auto lanes, int64_t i) HWY_ATTR {
      StoreLanes(d, lanes, Apply<kOp>(d, LoadLanes(d, lanes, a + i), LoadLanes(d, lanes, b + i)), out + i);
    });
  } else if (sa == 1 && sb == 0) {
    const float vb = *b;
    ForEachVector(n, [a, vb, out](auto d, auto lanes, int64_t i) HWY_ATTR {
      StoreLanes(d, lanes, Apply<kOp>(d, LoadLanes(d, lanes, a + i), hn::Set(d, vb)), out + i);
    });
  } else if (sa == 0 && sb == 1) {
    const float va = *a;
    ForEachVector(n, [va, b, out](auto d, auto lanes, int64_t i) HWY_ATTR {
      StoreLanes(d, lanes, Apply<kOp>(d, hn::Set(d, va), LoadLanes(d, lanes, b + i)), out + i);
    });
  } else if (sa == 0 && sb == 0) {
    const hn::ScalableTag<float> d;
    FillImpl(out, n, hn::GetLane(Apply<kOp>(d, hn::Set(d, *a), hn::Set(d, *b))));
  } else {
    // Strided operands (a transposed view): each vector's lanes gathered into a buffer, same arithmetic.
    const hn::ScalableTag<float> d;
    const int64_t N = static_cast<int64_t>(hn::Lanes(d));
    for (int64_t i = 0; i < n; i += N) {
      const FirstLanes lanes{static_cast<size_t>(n - i < N ? n - i : N)};
      HWY_ALIGN float av[HWY_MAX_BYTES / sizeof(float)];
      HWY_ALIGN float bv[HWY_MAX_BYTES / sizeof(float)];
      for (int64_t k = 0; k < N; ++k) {
        const bool valid = k < static_cast<int64_t>(lanes.count);
        av[k] = valid ? a[(i + k) * sa] : kTailPad<float>;
        bv[k] = valid ? b[(i + k) * sb] : kTailPad<float>;
      }
      StoreLanes(d, lanes, Apply<kOp>(d, hn::Load(d, av), hn::Load(d, bv)), out + i);
    }
  }
}

// Shape after collapsing: axes of size 1 dropped, and neighbours merged where both operands step
// through them as through one axis (contiguous together, or broadcast together).
struct CollapsedAxes {
  int rank = 0;
  int64_t n[kMaxRank], sa[kMaxRank], sb[kMaxRank];
};

HWY_INLINE CollapsedAxes Collapse(const int64_t* a_strides, const int64_t* b_strides, const int64_t* shape, int rank) {
  CollapsedAxes c;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] == 1) continue;
    if (c.rank > 0) {
      const int p = c.rank - 1;
      if (c.sa[p] == a_strides[i] * shape[i] && c.sb[p] == b_strides[i] * shape[i]) {
        c.n[p] *= shape[i];
        c.sa[p] = a_strides[i];
        c.sb[p] = b_strides[i];
        continue;
      }
    }
    c.n[c.rank] = shape[i];
    c.sa[c.rank] = a_strides[i];
    c.sb[c.rank] = b_strides[i];
    ++c.rank;
  }
  if (c.rank == 0) {  // a single element
    c.n[0] = 1;
    c.sa[0] = c.sb[0] = 0;
    c.rank = 1;
  }
  return c;
}

template <BinaryOp kOp>
void BinaryLoop(const float* a, const float* b, float* out, const CollapsedAxes& c) {
  const int inner = c.rank - 1;
  const int64_t n = c.n[inner];
  int64_t idx[kMaxRank] = {0};
  int64_t ao = 0, bo = 0;
  for (float* o = out;; o += n) {
    BinaryRow<kOp>(a + ao, c.sa[inner], b + bo, c.sb[inner], o, n);
    int axis = inner - 1;
    for (; axis >= 0; --axis) {
      ao += c.sa[axis];
      bo += c.sb[axis];
      if (++idx[axis] < c.n[axis]) break;
      ao -= c.sa[axis] * c.n[axis];
      bo -= c.sb[axis] * c.n[axis];
      idx[axis] = 0;
    }
    if (axis < 0) return;
  }
}

void BinaryImpl(int op_index, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
                float* out, const int64_t* out_shape, int rank) {
  for (int i = 0; i < rank; ++i) {
    if (out_shape[i] == 0) return;
  }
  const CollapsedAxes c = Collapse(a_strides, b_strides, out_shape, rank);
  switch (static_cast<BinaryOp>(op_index)) {
#define KERASM_CASE(name, str) \
  case BinaryOp::name:         \
    return BinaryLoop<BinaryOp::name>(a, b, out, c);
    KERASM_BINARY_OPS(KERASM_CASE)
#undef KERASM_CASE
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(ScaleShiftImpl);
HWY_EXPORT(AccumulateIntoImpl);
HWY_EXPORT(FillImpl);
HWY_EXPORT(BinaryImpl);

void ScaleShift(const float* x, float* y, int64_t n, float scale, float shift) {
  HWY_DYNAMIC_DISPATCH(ScaleShiftImpl)(x, y, n, scale, shift);
}
void AccumulateInto(const float* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(AccumulateIntoImpl)(x, y, n); }
void Fill(float* y, int64_t n, float value) { HWY_DYNAMIC_DISPATCH(FillImpl)(y, n, value); }

void Binary(BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            float* out, const int64_t* out_shape, int rank) {
  HWY_DYNAMIC_DISPATCH(BinaryImpl)(static_cast<int>(op), a, a_strides, b, b_strides, out, out_shape, rank);
}

const char* UnaryOpName(UnaryOp op) {
  switch (op) {
#define KERASM_CASE(name, str) \
  case UnaryOp::name:          \
    return str;
    KERASM_UNARY_OPS(KERASM_CASE)
#undef KERASM_CASE
  }
  return "?";
}

const char* BinaryOpName(BinaryOp op) {
  switch (op) {
#define KERASM_CASE(name, str) \
  case BinaryOp::name:         \
    return str;
    KERASM_BINARY_OPS(KERASM_CASE)
#undef KERASM_CASE
  }
  return "?";
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
