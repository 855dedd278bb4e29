// Gradients of the unary kernels (UnaryGrad in elementwise.h): dx = dy * f'(x), one vector formula per
// op, re-included once per SIMD target like unary.cc.
//
// Derivatives taken from y follow TensorFlow (sigmoid y (1 - y), tanh (1 - y)(1 + y), exp y, elu
// y + alpha); the others are computed from x with the same overflow-free forms as the forward pass
// (sigmoid(x) and sigmoid(-x) both from e^-|x|, mish through n = e^x (e^x + 2), geluTanh through
// sigmoid(2u)). The multiply by dy is kept even where f' is 0, as in the scalar definition, so a
// non-finite dy gives NaN there. Accuracy against a double oracle: within 4 ulp of the result plus
// 6 ulp of |dy| * max|f'| where f' changes sign (swish, gelu, geluTanh, mish: cancellation near their
// minima is inherent).
#include <cstring>

#include "kernels/elementwise.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/unary_grad.cc"
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

// 1 where the mask holds, else 0: dy times this keeps dy * 0 semantics.
template <class D, class M>
HWY_INLINE hn::Vec<D> OneIf(D d, M m) {
  return hn::IfThenElseZero(m, hn::Set(d, 1.0f));
}

void UnaryGradImpl(int op_index, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                   float alpha) {
  switch (static_cast<UnaryOp>(op_index)) {
    case UnaryOp::kLinear:
      if (dy != dx) std::memmove(dx, dy, static_cast<size_t>(n) * sizeof(float));
      return;
    case UnaryOp::kNeg:
      return Map3(x, y, dy, dx, n, [](auto d, auto, auto, auto g) HWY_ATTR { return hn::Neg(g); });
    case UnaryOp::kAbs:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        const auto zero = hn::Zero(d);
        const auto sign = hn::IfThenElse(hn::Gt(v, zero), hn::Set(d, 1.0f),
                                         hn::IfThenElseZero(hn::Lt(v, zero), hn::Set(d, -1.0f)));
        return hn::Mul(g, sign);
      });
    case UnaryOp::kSquare:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        return hn::Mul(hn::Add(g, g), v);  // (2 dy) x: 2x alone overflows above 1.7e38
      });
    case UnaryOp::kSqrt:
      return Map3(x, y, dy, dx, n, [](auto d, auto, auto r, auto g) HWY_ATTR {
        return hn::Div(hn::Mul(g, hn::Set(d, 0.5f)), r);
      });
    case UnaryOp::kExp:
      return Map3(x, y, dy, dx, n, [](auto d, auto, auto r, auto g) HWY_ATTR { return hn::Mul(g, r); });
    case UnaryOp::kLog:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR { return hn::Div(g, v); });
    case UnaryOp::kReciprocal:
      return Map3(x, y, dy, dx, n, [](auto d, auto, auto r, auto g) HWY_ATTR {
        return hn::Neg(hn::Mul(hn::Mul(r, g), r));  // y^2 alone overflows where y^2 dy does not
      });
    case UnaryOp::kRelu:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        return hn::Mul(g, OneIf(d, hn::Gt(v, hn::Zero(d))));
      });
    case UnaryOp::kRelu6:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        return hn::Mul(g, OneIf(d, hn::And(hn::Gt(v, hn::Zero(d)), hn::Lt(v, hn::Set(d, 6.0f)))));
      });
    case UnaryOp::kSigmoid:
      return Map3(x, y, dy, dx, n, [](auto d, auto, auto r, auto g) HWY_ATTR {
        return hn::Mul(g, hn::Mul(r, hn::Sub(hn::Set(d, 1.0f), r)));
      });
    case UnaryOp::kHardSigmoid:
      if (alpha != 0.0f) {
        return Map3(x, y, dy, dx, n, [alpha](auto d, auto v, auto, auto g) HWY_ATTR {
          const auto edge = hn::Set(d, 0.5f / alpha);
          const auto inside = hn::And(hn::Gt(v, hn::Neg(edge)), hn::Lt(v, edge));
          return hn::Mul(hn::Mul(g, OneIf(d, inside)), hn::Set(d, alpha));
        });
      }
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        const auto inside = hn::And(hn::Gt(v, hn::Set(d, -3.0f)), hn::Lt(v, hn::Set(d, 3.0f)));
        return hn::Div(hn::Mul(g, OneIf(d, inside)), hn::Set(d, 6.0f));
      });
    case UnaryOp::kTanh:
      // (1 - y)(1 + y) rather than 1 - y^2: near |y| = 1 both factors are exact.
      return Map3(x, y, dy, dx, n, [](auto d, auto, auto r, auto g) HWY_ATTR {
        const auto one = hn::Set(d, 1.0f);
        return hn::Mul(g, hn::Mul(hn::Sub(one, r), hn::Add(one, r)));
      });
    case UnaryOp::kElu:
      return Map3(x, y, dy, dx, n, [alpha](auto d, auto v, auto r, auto g) HWY_ATTR {
        const auto deriv = hn::IfThenElse(hn::Gt(v, hn::Zero(d)), hn::Set(d, 1.0f), hn::Add(r, hn::Set(d, alpha)));
        return hn::Mul(g, deriv);
      });
    case UnaryOp::kSelu:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto r, auto g) HWY_ATTR {
        const auto neg = hn::Add(r, hn::Set(d, kSeluScale * kSeluAlpha));
        return hn::Mul(g, hn::IfThenElse(hn::Gt(v, hn::Zero(d)), hn::Set(d, kSeluScale), neg));
      });
    case UnaryOp::kSoftplus:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR { return hn::Mul(g, Sigmoid(d, v)); });
    case UnaryOp::kSoftsign:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        const auto t = hn::Add(hn::Set(d, 1.0f), hn::Abs(v));
        return hn::Div(hn::Div(g, t), t);  // t^2 overflows above |x| = 1.8e19
      });
    case UnaryOp::kSwish:
      // s (1 + x sigmoid(-x)); beyond +-110 it is 1 / 0 to the last bit.
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        const auto xc = ClampNaN(d, v, -kExpTailLimit, kExpTailLimit);
        decltype(v) s, s_neg;
        SigmoidPair(d, xc, s, s_neg);
        return hn::Mul(g, hn::Mul(s, hn::MulAdd(xc, s_neg, hn::Set(d, 1.0f))));
      });
    case UnaryOp::kGelu:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        const auto xc = ClampNaN(d, v, -kGeluLimit, kGeluLimit);
        decltype(v) pdf;
        const auto cdf = NormalCdf(d, xc, &pdf);
        return hn::Mul(g, hn::MulAdd(xc, pdf, cdf));
      });
    case UnaryOp::kGeluTanh:
      // d/dx [x s(2u)] = s + x s (1 - s) (2u)', (2u)' = kTwoC + 3 kTwoC3 x^2.
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        const auto xc = ClampNaN(d, v, -kGeluLimit, kGeluLimit);
        const auto x2 = hn::Mul(xc, xc);
        decltype(v) s, s_neg;
        GeluTanhSigmoids(d, xc, s, s_neg);
        const auto du = hn::MulAdd(hn::Set(d, 3.0f * kTwoC3), x2, hn::Set(d, kTwoC));
        return hn::Mul(g, hn::MulAdd(hn::Mul(hn::Mul(xc, s), s_neg), du, s));
      });
    case UnaryOp::kMish:
      // With e = e^x and n = e (e + 2): tanh(softplus) = n / (n + 2), 1 - tanh^2 = 4 (n + 1) / (n + 2)^2,
      // sigmoid(x) = e / (1 + e); f' = t + x sigmoid(x) (1 - t^2).
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        const auto xc = ClampNaN(d, v, -kExpTailLimit, kMishUpper);
        const auto one = hn::Set(d, 1.0f);
        const auto two = hn::Set(d, 2.0f);
        const auto e = SafeExp(d, xc);
        const auto nn = hn::Mul(e, hn::Add(e, two));
        const auto np2 = hn::Add(nn, two);
        const auto t = hn::Div(nn, np2);
        const auto sech2 = hn::Div(hn::Mul(hn::Set(d, 4.0f), hn::Add(nn, one)), hn::Mul(np2, np2));
        const auto sig = hn::Div(e, hn::Add(one, e));
        return hn::Mul(g, hn::MulAdd(hn::Mul(xc, sig), sech2, t));
      });
    case UnaryOp::kLeakyRelu:
      return Map3(x, y, dy, dx, n, [alpha](auto d, auto v, auto, auto g) HWY_ATTR {
        return hn::Mul(g, hn::IfThenElse(hn::Gt(v, hn::Zero(d)), hn::Set(d, 1.0f), hn::Set(d, alpha)));
      });
    case UnaryOp::kThresholdedRelu:
      return Map3(x, y, dy, dx, n, [alpha](auto d, auto v, auto, auto g) HWY_ATTR {
        return hn::Mul(g, OneIf(d, hn::Gt(v, hn::Set(d, alpha))));
      });
    case UnaryOp::kStep:
    case UnaryOp::kSign:
      return Map3(x, y, dy, dx, n, [](auto d, auto, auto, auto g) HWY_ATTR { return hn::Mul(g, hn::Zero(d)); });
    case UnaryOp::kLog1p:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR {
        return hn::Div(g, hn::Add(hn::Set(d, 1.0f), v));
      });
    case UnaryOp::kSin:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR { return hn::Mul(g, SafeCos(d, v)); });
    case UnaryOp::kCos:
      return Map3(x, y, dy, dx, n, [](auto d, auto v, auto, auto g) HWY_ATTR { return hn::Neg(hn::Mul(g, SafeSin(d, v))); });
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(UnaryGradImpl);

void UnaryGrad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha) {
  HWY_DYNAMIC_DISPATCH(UnaryGradImpl)(static_cast<int>(op), x, y, dy, dx, n, alpha);
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
