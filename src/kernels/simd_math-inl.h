// Vector math shared by the kernel families, compiled once per Highway target (include it after
// foreach_target.h and highway.h; the guard below toggles per target like Highway's own -inl headers).
//
// hwy/contrib/math (Highway 1.0.3) is accurate inside each function's stated range but leaves the
// edges to the caller: Exp(NaN) is 0, Exp(1e4) is a finite garbage value, Log(0) is about -105 and
// Log of a negative number is finite. The wrappers here add the IEEE limits, so every kernel built on
// them maps NaN to NaN and +-inf to the mathematical limit.
#if defined(KERASM_KERNELS_SIMD_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef KERASM_KERNELS_SIMD_MATH_INL_H_
#undef KERASM_KERNELS_SIMD_MATH_INL_H_
#else
#define KERASM_KERNELS_SIMD_MATH_INL_H_
#endif

#include <cmath>
#include <limits>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// lo <= x <= hi by compare-and-select, so NaN passes through (Min/Max drop NaN on x86 and wasm).
template <class D, class V>
HWY_INLINE V ClampNaN(D d, V x, float lo, float hi) {
  const V vlo = hn::Set(d, lo);
  const V vhi = hn::Set(d, hi);
  return hn::IfThenElse(hn::Lt(x, vlo), vlo, hn::IfThenElse(hn::Gt(x, vhi), vhi, x));
}

// e^x within 1 ulp (Highway) for results >= FLT_MIN; gradual underflow below, 0 under -104;
// +inf above 88.72 (e^88.8 > FLT_MAX, so the clamped argument still overflows); NaN stays NaN.
template <class D, class V>
HWY_INLINE V SafeExp(D d, V x) {
  const V kHi = hn::Set(d, 88.8f);
  const V r = hn::Exp(d, hn::IfThenElse(hn::Gt(x, kHi), kHi, x));
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// e^x - 1 within 4 ulp (Highway); -1 under -104, +inf above 88.72, NaN stays NaN.
template <class D, class V>
HWY_INLINE V SafeExpm1(D d, V x) {
  const V kHi = hn::Set(d, 88.8f);
  const V r = hn::Expm1(d, hn::IfThenElse(hn::Gt(x, kHi), kHi, x));
  return hn::IfThenElse(hn::IsNaN(x), x, r);
}

// ln x within 4 ulp (Highway, subnormals included); ln 0 = -inf, ln inf = inf, x < 0 or NaN gives NaN.
template <class D, class V>
HWY_INLINE V SafeLog(D d, V x) {
  const V zero = hn::Zero(d);
  V r = hn::Log(d, x);
  r = hn::IfThenElse(hn::Eq(x, hn::Inf(d)), x, r);
  r = hn::IfThenElse(hn::Eq(x, zero), hn::Neg(hn::Inf(d)), r);
  return hn::IfThenElse(hn::Ge(x, zero), r, hn::NaN(d));
}

// ln(1 + x) within 2 ulp (Highway); -1 gives -inf, below -1 or NaN gives NaN, inf gives inf.
template <class D, class V>
HWY_INLINE V SafeLog1p(D d, V x) {
  const V minus_one = hn::Set(d, -1.0f);
  V r = hn::Log1p(d, x);
  r = hn::IfThenElse(hn::Eq(x, hn::Inf(d)), x, r);
  r = hn::IfThenElse(hn::Eq(x, minus_one), hn::Neg(hn::Inf(d)), r);
  return hn::IfThenElse(hn::Ge(x, minus_one), r, hn::NaN(d));
}

// a < b ? b : a, so a NaN in a is kept (and a NaN b gives a). On wasm this is exactly f32x4.pmax, one
// instruction, where compare-and-select costs four after V8's lowering (bitselect is and/andnot/or).
template <class V>
HWY_INLINE V PseudoMax(V a, V b) {
#if HWY_TARGET == HWY_WASM
  return V{wasm_f32x4_pmax(a.raw, b.raw)};
#else
  return hn::IfThenElse(hn::Lt(a, b), b, a);
#endif
}

// ---- e^w for w <= 0, cheaper than hn::Exp (about 25 wasm instructions instead of 45, no float/int
// conversion), for the kernels whose exponent is never positive: sigmoid and tanh (through e^-|x|),
// softmax (through e^(x - max)).
//
// w = n ln2 + t with n = round(w / ln2) and |t| <= ln2/2: n comes from adding 1.5 * 2^23 (the float
// whose last bit is worth 1, so the addition rounds to an integer that the low mantissa bits then
// hold), and 2^n is made by shifting those bits into the exponent field. t = w - n ln2 in two steps
// (Cody and Waite): ln2_hi has 9 significant bits, so n ln2_hi is exact for |n| < 2^15 and so is
// w - n ln2_hi (the two are within a factor of 2 once n != 0); the rounding of t is then half an ulp of t.
// e^t = 1 + t + t^2 q(t), q a degree-4 minimax fit (relative error of e^t below 3.4e-9 = 0.06 ulp on
// [-0.35, 0.35], with every coefficient a float and the first two terms exact).
struct ExpCoefficients {
  static constexpr float kLog2e = 1.44269504088896341f;
  static constexpr float kLn2Hi = 0.693359375f;      // 355 / 512
  static constexpr float kLn2Lo = -2.12194440e-4f;   // ln2 - kLn2Hi
  static constexpr float kRoundBias = 12582912.0f;   // 1.5 * 2^23
  static constexpr float kQ0 = 0x1.fffffcp-2f;
  static constexpr float kQ1 = 0x1.55548cp-3f;
  static constexpr float kQ2 = 0x1.5558bap-5f;
  static constexpr float kQ3 = 0x1.123e64p-7f;
  static constexpr float kQ4 = 0x1.6a4c02p-10f;
};

// Splits w into 2^n (returned as s = 2^(n + kBias)) and t. Callers keep n + kBias + 127 within
// [1, 254] by clamping w (kBias lets results below FLT_MIN be built from a normal s and scaled last).
template <int kBias, class D, class V>
HWY_INLINE void ExpSplit(D d, V w, V& s, V& t) {
  using C = ExpCoefficients;
  const hn::RebindToSigned<D> di;
  const V bias = hn::Set(d, C::kRoundBias + static_cast<float>(127 + kBias));
  const V biased = hn::MulAdd(w, hn::Set(d, C::kLog2e), bias);  // round(w / ln2) + 127 + kBias in the low bits
  s = hn::BitCast(d, hn::ShiftLeft<23>(hn::BitCast(di, biased)));
  const V n = hn::Sub(biased, bias);
  t = hn::MulAdd(n, hn::Set(d, -C::kLn2Hi), w);
  t = hn::MulAdd(n, hn::Set(d, -C::kLn2Lo), t);
}

// s (e^t - 1) = s t + s t (t q(t)): the small terms are added before s, so for n = 0 (s = 1) this is
// expm1(t) with a relative error of about half an ulp.
template <class D, class V>
HWY_INLINE V ScaledExpm1(D d, V s, V t) {
  using C = ExpCoefficients;
  V q = hn::Set(d, C::kQ4);
  q = hn::MulAdd(q, t, hn::Set(d, C::kQ3));
  q = hn::MulAdd(q, t, hn::Set(d, C::kQ2));
  q = hn::MulAdd(q, t, hn::Set(d, C::kQ1));
  q = hn::MulAdd(q, t, hn::Set(d, C::kQ0));
  const V ts = hn::Mul(t, s);
  return hn::MulAdd(ts, hn::Mul(t, q), ts);
}

// e^w for w <= 0 within 1 ulp (0.97 measured over every 61st float), gradual underflow included (the
// result is built as 2^64 e^w and scaled by 2^-64 last, so the one rounding to a subnormal happens
// there); 0 below -104 (w is clamped at -110 first, which also maps -inf to 0); NaN stays NaN.
template <class D, class V>
HWY_INLINE V ExpNonPositive(D d, V w) {
  V s, t;
  ExpSplit<64>(d, PseudoMax(w, hn::Set(d, -110.0f)), s, t);
  return hn::Mul(hn::Add(s, ScaledExpm1(d, s, t)), hn::Set(d, 0x1p-64f));
}

// 1 / (1 + e^-x) from e = e^-|x| <= 1, so nothing overflows: x >= 0 gives 1/(1+e), x < 0 gives
// e/(1+e). The numerator is PseudoMax(e, copysign(1, x)): 1 for x >= +0 (e <= 1), e for x <= -0
// (e >= 0 > -1), and NaN for a NaN x (whose e is NaN). Within 3 ulp (2.30 measured): e's ulp carried
// through, plus the roundings of 1 + e and of the division.
template <class D, class V>
HWY_INLINE V Sigmoid(D d, V x) {
  const V one = hn::Set(d, 1.0f);
  const V sign = hn::Set(d, -0.0f);
  const V e = ExpNonPositive(d, hn::Or(x, sign));
  const V num = PseudoMax(e, hn::Or(hn::And(x, sign), one));
  return hn::Div(num, hn::Add(one, e));
}

// sigmoid(x) and sigmoid(-x) = 1 - sigmoid(x), both without cancellation (derivatives need 1 - s
// where s rounds to 1).
template <class D, class V>
HWY_INLINE void SigmoidPair(D d, V x, V& s, V& s_neg) {
  const V one = hn::Set(d, 1.0f);
  const V e = ExpNonPositive(d, hn::Or(x, hn::Set(d, -0.0f)));
  const V inv = hn::Div(one, hn::Add(one, e));
  const V small = hn::Mul(e, inv);
  const auto neg = hn::Lt(x, hn::Zero(d));
  s = hn::IfThenElse(neg, small, inv);
  s_neg = hn::IfThenElse(neg, inv, small);
}

// tanh x = sign(x) m / (2 - m) with m = -expm1(-2|x|) in [0, 1): no cancellation anywhere (for small
// |x|, n = 0 and m = -(t + t^2 q) with t = -2|x| exact). -2|x| is clamped at -20, where m rounds to 1
// and tanh to +-1; NaN stays NaN, +-0 stays +-0. Within 3 ulp (2.49 measured), about 30 wasm
// instructions against Highway's Tanh at about 60.
template <class D, class V>
HWY_INLINE V TanhViaExpm1(D d, V x) {
  const V sign = hn::Set(d, -0.0f);
  const V w = hn::Or(x, sign);
  V s, t;
  ExpSplit<0>(d, PseudoMax(hn::Add(w, w), hn::Set(d, -20.0f)), s, t);
  const V one = hn::Set(d, 1.0f);
  const V m = hn::Sub(hn::Sub(one, s), ScaledExpm1(d, s, t));
  const V r = hn::Div(m, hn::Sub(hn::Set(d, 2.0f), m));
  return hn::Or(r, hn::And(x, sign));
}

// ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|): no overflow for any x, within 4 ulp.
template <class D, class V>
HWY_INLINE V Softplus(D d, V x) {
  const V zero = hn::Zero(d);
  const V pos = hn::IfThenElse(hn::Lt(x, zero), zero, x);  // NaN stays NaN
  return hn::Add(pos, hn::Log1p(d, SafeExp(d, hn::Neg(hn::Abs(x)))));
}

// Splits x into hi + lo where hi keeps the top 12 significand bits, so hi * hi is exact in float
// and lo = x - hi is exact too (the Dekker split, done by masking instead of by 4097 x).
template <class D, class V>
HWY_INLINE void Split(D d, V x, V& hi, V& lo) {
  const hn::RebindToUnsigned<D> du;
  hi = hn::And(x, hn::BitCast(d, hn::Set(du, 0xFFFFF000u)));
  lo = hn::Sub(x, hi);
}

// hi + lo = a * b exactly (Dekker's product on the masked split; no FMA needed, wasm has none).
template <class D, class V>
HWY_INLINE void TwoProd(D d, V a, V b, V& hi, V& lo) {
  V ah, al, bh, bl;
  Split(d, a, ah, al);
  Split(d, b, bh, bl);
  hi = hn::Mul(a, b);
  lo = hn::Add(hn::Add(hn::Add(hn::Sub(hn::Mul(ah, bh), hi), hn::Mul(ah, bl)), hn::Mul(al, bh)), hn::Mul(al, bl));
}

// hi + lo = a + b exactly, whichever is larger (Knuth's two-sum).
template <class D, class V>
HWY_INLINE void TwoSum(D d, V a, V b, V& hi, V& lo) {
  hi = hn::Add(a, b);
  const V bb = hn::Sub(hi, a);
  lo = hn::Add(hn::Sub(a, hn::Sub(hi, bb)), hn::Sub(b, bb));
}

// e^(-x^2/2) for |x| <= 20 with the square kept exact: x^2 = hi^2 + lo (x + hi), where hi^2 / 2 is
// exact, so rounding x^2 (an absolute error of up to 2e-5 near x = 20) never reaches the exponent.
// Returns the two factors e^(-hi^2/2) and the small exponent -lo (x + hi) / 2, which callers add to
// before exponentiating (erfc adds its correction there).
template <class D, class V>
HWY_INLINE V HalfSquareExpHi(D d, V x, V& small_exponent) {
  V hi, lo;
  Split(d, x, hi, lo);
  const V half = hn::Set(d, 0.5f);
  small_exponent = hn::Neg(hn::Mul(hn::Mul(lo, hn::Add(x, hi)), half));
  return SafeExp(d, hn::Neg(hn::Mul(hn::Mul(hi, hi), half)));
}

// Phi(x), the standard normal CDF, for |x| <= 20 (callers clamp; Phi(+-20) is 1 / 0 in float).
// erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2), is the Chebyshev fit of Numerical Recipes (2nd ed.,
// section 6.2, "erfcc"), fractional error < 1.2e-7 for every z >= 0. Phi(x) = erfc(|x|/sqrt 2) / 2 for
// x < 0 and 1 minus that for x >= 0, so the tail (x < 0) keeps its relative accuracy where
// 1 + erf(x/sqrt 2) would cancel. Measured against a double oracle: within 8 ulp for x >= -14
// (|Phi| >= 1e-44, the end of the subnormals). Optionally also returns phi(x) = e^(-x^2/2)/sqrt(2 pi).
template <class D, class V>
HWY_INLINE V NormalCdf(D d, V x, V* pdf = nullptr) {
  const V one = hn::Set(d, 1.0f);
  const V ax = hn::Abs(x);
  const V t = hn::Div(one, hn::MulAdd(ax, hn::Set(d, 0.35355339059327376f), one));  // 1 / (1 + z/2)
  V p = hn::Set(d, 0.17087277f);
  p = hn::MulAdd(p, t, hn::Set(d, -0.82215223f));
  p = hn::MulAdd(p, t, hn::Set(d, 1.48851587f));
  p = hn::MulAdd(p, t, hn::Set(d, -1.13520398f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.27886807f));
  p = hn::MulAdd(p, t, hn::Set(d, -0.18628806f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.09678418f));
  p = hn::MulAdd(p, t, hn::Set(d, 0.37409196f));
  p = hn::MulAdd(p, t, hn::Set(d, 1.00002368f));
  p = hn::MulAdd(p, t, hn::Set(d, -1.26551223f));
  V small_exponent;
  const V big = HalfSquareExpHi(d, ax, small_exponent);
  const V half_erfc = hn::Mul(hn::Mul(hn::Mul(t, hn::Set(d, 0.5f)), big), SafeExp(d, hn::Add(small_exponent, p)));
  if (pdf) *pdf = hn::Mul(hn::Mul(big, SafeExp(d, small_exponent)), hn::Set(d, 0.3989422804014327f));
  return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), half_erfc, hn::Sub(one, half_erfc));
}

// sigmoid(2u) and sigmoid(-2u) for geluTanh, 2u = x (c1 + c2 x^2), c1 = 2 sqrt(2/pi), c2 = 0.044715 c1,
// |x| <= 20. 2u is carried as a float pair (constants included): in plain float it is off by ~2.5 ulp
// of |2u| (|2u| = 66 at x = -9), and in the lower tail sigmoid(2u) ~ e^(2u) turns that absolute error
// into a relative one (40 ulp measured). The low part enters as sigmoid(t + dt) = s (1 + (1 - s) dt).
template <class D, class V>
HWY_INLINE void GeluTanhSigmoids(D d, V x, V& s, V& s_neg) {
  constexpr double kC1 = 1.5957691216057307117597842397375;  // 2 sqrt(2/pi)
  constexpr double kC2 = kC1 * 0.044715;
  constexpr float kC1Hi = static_cast<float>(kC1);
  constexpr float kC1Lo = static_cast<float>(kC1 - kC1Hi);
  constexpr float kC2Hi = static_cast<float>(kC2);
  constexpr float kC2Lo = static_cast<float>(kC2 - kC2Hi);
  V q_hi, q_lo, p_hi, p_lo, s_hi, s_lo, t_hi, t_lo;
  TwoProd(d, x, x, q_hi, q_lo);
  TwoProd(d, hn::Set(d, kC2Hi), q_hi, p_hi, p_lo);
  p_lo = hn::MulAdd(hn::Set(d, kC2Hi), q_lo, hn::MulAdd(hn::Set(d, kC2Lo), q_hi, p_lo));
  TwoSum(d, hn::Set(d, kC1Hi), p_hi, s_hi, s_lo);
  s_lo = hn::Add(s_lo, hn::Add(p_lo, hn::Set(d, kC1Lo)));
  TwoProd(d, x, s_hi, t_hi, t_lo);
  t_lo = hn::MulAdd(x, s_lo, t_lo);
  SigmoidPair(d, t_hi, s, s_neg);
  const V shift = hn::Mul(hn::Mul(s, s_neg), t_lo);  // sigmoid'(t) dt
  s = hn::Add(s, shift);
  s_neg = hn::Sub(s_neg, shift);
}

// a^b for a > 0 finite and b finite (callers send every other lane to std::pow). Evaluated as
// e^(b ln a) with ln a carried as a float pair worth ~29 bits, because a plain float b * Log(a) loses
// |b ln a| * 4 ulp (up to 400 ulp when the result is near the float limits). Steps:
//   a = 2^k m with m in [sqrt(1/2), sqrt(2)); s = (m - 1) / (m + 1) as hi + lo;
//   ln m = 2 s + 2 s^3 (1/3 + s^2/5 + s^4/7 + s^6/9 + s^8/11), |s| <= 0.1716 (the first dropped term,
//   2 s^13 / 13, is below 2e-11);
//   ln a = k ln2 + ln m as a pair; t = b ln a as a pair (Dekker product); a^b = e^t_hi (1 + t_lo).
// Within 2 ulp (1.64 measured) for results >= FLT_MIN; exact powers (b in {1, 2, 0.5, -1}) are handled by
// the caller.
template <class D, class V>
HWY_INLINE V PowPositive(D d, V a, V b) {
  const hn::RebindToSigned<D> di;
  using VI = hn::Vec<decltype(di)>;
  const V one = hn::Set(d, 1.0f);
  // Subnormal a: scale by 2^24 first so the exponent field is meaningful.
  const auto tiny = hn::Lt(a, hn::Set(d, 1.17549435e-38f));
  const V as = hn::IfThenElse(tiny, hn::Mul(a, hn::Set(d, 16777216.0f)), a);
  VI k = hn::Sub(hn::ShiftRight<23>(hn::BitCast(di, as)), hn::Set(di, 127));
  V m = hn::BitCast(d, hn::Or(hn::And(hn::BitCast(di, as), hn::Set(di, 0x007FFFFF)), hn::Set(di, 0x3F800000)));
  const auto big_m = hn::Gt(m, hn::Set(d, 1.41421356f));
  m = hn::IfThenElse(big_m, hn::Mul(m, hn::Set(d, 0.5f)), m);
  k = hn::Add(k, hn::IfThenElseZero(hn::RebindMask(di, big_m), hn::Set(di, 1)));
  k = hn::Sub(k, hn::IfThenElseZero(hn::RebindMask(di, tiny), hn::Set(di, 24)));
  const V kf = hn::ConvertTo(d, k);

  // s = num / den with num = m - 1 exact (Sterbenz) and den = m + 1 = den_hi + den_lo exactly.
  const V num = hn::Sub(m, one);
  const V den_hi = hn::Add(m, one);
  const V den_lo = hn::Sub(m, hn::Sub(den_hi, one));
  const V s_hi = hn::Div(num, den_hi);
  // Residual num - s_hi (den_hi + den_lo), with s_hi * den_hi exact.
  V prod, prod_err;
  TwoProd(d, s_hi, den_hi, prod, prod_err);
  const V resid = hn::Sub(hn::Sub(hn::Sub(num, prod), prod_err), hn::Mul(s_hi, den_lo));
  const V s_lo = hn::Div(resid, den_hi);

  const V s2 = hn::Mul(s_hi, s_hi);
  V r = hn::Set(d, 1.0f / 11.0f);
  r = hn::MulAdd(r, s2, hn::Set(d, 1.0f / 9.0f));
  r = hn::MulAdd(r, s2, hn::Set(d, 1.0f / 7.0f));
  r = hn::MulAdd(r, s2, hn::Set(d, 1.0f / 5.0f));
  r = hn::MulAdd(r, s2, hn::Set(d, 1.0f / 3.0f));
  const V two = hn::Set(d, 2.0f);
  // ln m = 2 s_hi + (2 s_lo + 2 s^3 r); the bracket is < 1% of ln m, so its float error is ~2^-31.
  const V lnm_hi = hn::Mul(two, s_hi);
  const V lnm_lo = hn::MulAdd(hn::Mul(hn::Mul(two, s_hi), s2), r, hn::Mul(two, s_lo));
  // k ln2 with ln2_hi short enough (16 bits) that k * ln2_hi is exact for |k| < 256.
  const V ln2_hi = hn::Set(d, 0.693145751953125f);
  const V ln2_lo = hn::Set(d, 1.42860682030941723212e-6f);
  const V kh = hn::Mul(kf, ln2_hi);
  // Two-sum of kh and lnm_hi (|kh| >= |lnm_hi| unless k == 0, where the sum is exact anyway).
  const V l_hi = hn::Add(kh, lnm_hi);
  const V l_lo = hn::Add(hn::Add(hn::Sub(lnm_hi, hn::Sub(l_hi, kh)), lnm_lo), hn::Mul(kf, ln2_lo));
  const V L = hn::Add(l_hi, l_lo);
  const V L_lo = hn::Sub(l_lo, hn::Sub(L, l_hi));

  // t = b * (L + L_lo) as t_hi + t_lo: Dekker's exact product of b and L plus the b * L_lo term.
  V t_hi, t_err;
  TwoProd(d, b, L, t_hi, t_err);
  V t_lo = hn::MulAdd(b, L_lo, t_err);
  // Beyond +-104 the result is 0 or inf whatever t_lo is; t_hi may even be inf (b ln a overflowed),
  // making t_lo NaN.
  const auto far = hn::Gt(hn::Abs(t_hi), hn::Set(d, 104.0f));
  t_lo = hn::IfThenZeroElse(far, t_lo);
  const V e = SafeExp(d, ClampNaN(d, t_hi, -200.0f, 200.0f));
  // e (1 + t_lo), except that an infinite e stays infinite (inf * t_lo + inf could be NaN).
  return hn::IfThenElse(hn::Eq(e, hn::Inf(d)), e, hn::MulAdd(e, t_lo, e));
}

// Applies a scalar function to each lane: the escape hatch for lanes a vector formula does not cover
// (sin/cos beyond Highway's range, pow of negative bases).
template <class D, class V, class F>
HWY_INLINE V MapLanesScalar(D d, V v, F f) {
  HWY_ALIGN float buf[HWY_MAX_BYTES / sizeof(float)];
  hn::Store(v, d, buf);
  for (size_t i = 0; i < hn::Lanes(d); ++i) buf[i] = f(buf[i]);
  return hn::Load(d, buf);
}


// Highway's Sin/Cos are within 3 ulp on [-39000, 39000] and meaningless outside (inf included); a
// vector with any lane outside that range (or NaN) goes through std::sin / std::cos lane by lane.
constexpr float kTrigRange = 39000.0f;

template <class D, class V>
HWY_INLINE V SafeSin(D d, V x) {
  if (hn::AllTrue(d, hn::Le(hn::Abs(x), hn::Set(d, kTrigRange)))) return hn::Sin(d, x);
  return MapLanesScalar(d, x, [](float v) { return std::sin(v); });
}

template <class D, class V>
HWY_INLINE V SafeCos(D d, V x) {
  if (hn::AllTrue(d, hn::Le(hn::Abs(x), hn::Set(d, kTrigRange)))) return hn::Cos(d, x);
  return MapLanesScalar(d, x, [](float v) { return std::cos(v); });
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#endif  // KERASM_KERNELS_SIMD_MATH_INL_H_
