// Unary (activation) kernels of elementwise.h, one vector formula per op. Re-included once per SIMD
// target by foreach_target.h (natively every x86 target, chosen at run time; wasm: HWY_WASM only).
//
// Every op maps NaN to NaN and +-inf to its limit (softsign(inf) = 1, swish(-inf) = 0 ...), and no
// intermediate overflows for finite inputs. Accuracy against a double-precision oracle, in ulps of the
// result (plus |x| * 2^-148 where a subnormal intermediate is scaled by x, e.g. swish near x = -90):
//   exact (correctly rounded): linear neg abs square sqrt reciprocal relu relu6 leakyRelu
//                              thresholdedRelu step sign, hardSigmoid (two roundings: 1 ulp)
//   exp 1, log1p 2, sigmoid 3, sin/cos 3 (|x| <= 39000, libm beyond), tanh 3, log 4, softsign 2,
//   softplus 4, elu/selu 5, swish 5, mish 6, geluTanh 6, gelu 8 (see NormalCdf).
#include <cstring>

#include "kernels/elementwise.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/unary.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/loops-inl.h"
#include "kernels/simd_math-inl.h"
#include "kernels/unary_constants.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
using namespace unary_constants;  // NOLINT

void UnaryImpl(int op_index, const float* x, float* y, int64_t n, float alpha) {
  switch (static_cast<UnaryOp>(op_index)) {
    case UnaryOp::kLinear:
      if (x != y) std::memmove(y, x, static_cast<size_t>(n) * sizeof(float));
      return;
    case UnaryOp::kNeg:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return hn::Neg(v); });
    case UnaryOp::kAbs:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return hn::Abs(v); });
    case UnaryOp::kSquare:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return hn::Mul(v, v); });
    case UnaryOp::kSqrt:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return hn::Sqrt(v); });
    case UnaryOp::kExp:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return SafeExp(d, v); });
    case UnaryOp::kLog:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return SafeLog(d, v); });
    case UnaryOp::kReciprocal:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return hn::Div(hn::Set(d, 1.0f), v); });
    case UnaryOp::kRelu:
      // Compare-and-select rather than Max: Max(NaN, 0) is 0 on x86 and wasm.
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return hn::IfThenZeroElse(hn::Lt(v, hn::Zero(d)), v); });
    case UnaryOp::kRelu6:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return ClampNaN(d, v, 0.0f, 6.0f); });
    case UnaryOp::kSigmoid:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return Sigmoid(d, v); });
    case UnaryOp::kHardSigmoid:
      if (alpha != 0.0f) {
        // Keras 2 / tfjs: clip(alpha x + 0.5, 0, 1) with alpha 0.2, for models those versions wrote.
        return Map1(x, y, n, [alpha](auto d, auto v) HWY_ATTR {
          return ClampNaN(d, hn::MulAdd(hn::Set(d, alpha), v, hn::Set(d, 0.5f)), 0.0f, 1.0f);
        });
      }
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        return hn::Div(ClampNaN(d, hn::Add(v, hn::Set(d, 3.0f)), 0.0f, 6.0f), hn::Set(d, 6.0f));
      });
    case UnaryOp::kTanh:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return TanhViaExpm1(d, v); });
    case UnaryOp::kElu:
      return Map1(x, y, n, [alpha](auto d, auto v) HWY_ATTR {
        return hn::IfThenElse(hn::Gt(v, hn::Zero(d)), v, hn::Mul(hn::Set(d, alpha), SafeExpm1(d, v)));
      });
    case UnaryOp::kSelu:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        const auto neg = hn::Mul(hn::Set(d, kSeluAlpha), SafeExpm1(d, v));
        return hn::Mul(hn::Set(d, kSeluScale), hn::IfThenElse(hn::Gt(v, hn::Zero(d)), v, neg));
      });
    case UnaryOp::kSoftplus:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return Softplus(d, v); });
    case UnaryOp::kSoftsign:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        const auto one = hn::Set(d, 1.0f);
        const auto r = hn::Div(v, hn::Add(one, hn::Abs(v)));
        return hn::IfThenElse(hn::IsInf(v), hn::CopySign(one, v), r);  // inf / inf would be NaN
      });
    case UnaryOp::kSwish:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        const auto r = hn::Mul(v, Sigmoid(d, v));
        return hn::IfThenZeroElse(hn::Lt(v, hn::Set(d, -kExpTailLimit)), r);  // -inf * 0
      });
    case UnaryOp::kGelu:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        const auto cdf = NormalCdf(d, ClampNaN(d, v, -kGeluLimit, kGeluLimit));
        return hn::IfThenZeroElse(hn::Lt(v, hn::Set(d, -kGeluLimit)), hn::Mul(v, cdf));
      });
    case UnaryOp::kGeluTanh:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        decltype(v) s, s_neg;
        GeluTanhSigmoids(d, ClampNaN(d, v, -kGeluLimit, kGeluLimit), s, s_neg);
        return hn::IfThenZeroElse(hn::Lt(v, hn::Set(d, -kGeluLimit)), hn::Mul(v, s));
      });
    case UnaryOp::kMish:
      // tanh(ln(1 + e)) = n / (n + 2) with n = e (e + 2), e = e^x: one Exp, and for x < 0 no
      // cancellation (n is tiny and exact to a few ulp).
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        const auto e = SafeExp(d, ClampNaN(d, v, -kExpTailLimit, kMishUpper));
        const auto two = hn::Set(d, 2.0f);
        const auto nn = hn::Mul(e, hn::Add(e, two));
        const auto r = hn::Mul(v, hn::Div(nn, hn::Add(nn, two)));
        return hn::IfThenZeroElse(hn::Lt(v, hn::Set(d, -kExpTailLimit)), r);
      });
    case UnaryOp::kLeakyRelu:
      return Map1(x, y, n, [alpha](auto d, auto v) HWY_ATTR {
        return hn::IfThenElse(hn::Gt(v, hn::Zero(d)), v, hn::Mul(hn::Set(d, alpha), v));
      });
    case UnaryOp::kThresholdedRelu:
      return Map1(x, y, n, [alpha](auto d, auto v) HWY_ATTR {
        return hn::IfThenZeroElse(hn::Le(v, hn::Set(d, alpha)), v);
      });
    case UnaryOp::kStep:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        const auto r = hn::IfThenElseZero(hn::Gt(v, hn::Zero(d)), hn::Set(d, 1.0f));
        return hn::IfThenElse(hn::IsNaN(v), v, r);
      });
    case UnaryOp::kSign:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR {
        const auto zero = hn::Zero(d);
        const auto neg = hn::IfThenElse(hn::Lt(v, zero), hn::Set(d, -1.0f), v);  // keeps +-0 and NaN
        return hn::IfThenElse(hn::Gt(v, zero), hn::Set(d, 1.0f), neg);
      });
    case UnaryOp::kLog1p:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return SafeLog1p(d, v); });
    case UnaryOp::kSin:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return SafeSin(d, v); });
    case UnaryOp::kCos:
      return Map1(x, y, n, [](auto d, auto v) HWY_ATTR { return SafeCos(d, v); });
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(UnaryImpl);

void Unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha) {
  HWY_DYNAMIC_DISPATCH(UnaryImpl)(static_cast<int>(op), x, y, n, alpha);
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
