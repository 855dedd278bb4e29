// Element-wise kernels: unary maps (every Keras activation) with their derivatives, and binary ops with
// numpy broadcasting. Pure functions on raw float pointers: no Tensor, no allocation, no layer knowledge.
// Input and output may alias (in-place) for Unary and for Binary when `out` equals a non-broadcast operand.
#pragma once

#include <cstdint>

namespace kerasm::kernels {

// X-macro: name, JS/Keras name. One list drives the enum, name lookup and the tests.
#define KERASM_UNARY_OPS(X)                                                                   \
  X(kLinear, "linear")            /* y = x */                                                 \
  X(kNeg, "neg")                  /* y = -x */                                                \
  X(kAbs, "abs")                  /* y = |x| */                                               \
  X(kSquare, "square")            /* y = x^2 */                                               \
  X(kSqrt, "sqrt")                /* y = sqrt(x) */                                           \
  X(kExp, "exp")                  /* y = e^x (Keras' "exponential" activation too) */         \
  X(kLog, "log")                  /* y = ln x */                                              \
  X(kReciprocal, "reciprocal")    /* y = 1/x */                                               \
  X(kRelu, "relu")                /* y = max(x, 0) */                                         \
  X(kRelu6, "relu6")              /* y = min(max(x, 0), 6) */                                 \
  X(kSigmoid, "sigmoid")          /* y = 1/(1+e^-x) */                                        \
  X(kHardSigmoid, "hardSigmoid")  /* Keras 3: relu6(x + 3) / 6; alpha > 0: clip(alpha x + 0.5, 0, 1) */                             \
  X(kTanh, "tanh")                /* y = tanh x */                                            \
  X(kElu, "elu")                  /* x > 0 ? x : alpha (e^x - 1); alpha defaults to 1 */      \
  X(kSelu, "selu")                /* scale * elu(x, 1.67326...), scale = 1.05070... */        \
  X(kSoftplus, "softplus")        /* ln(1 + e^x), computed without overflow */                \
  X(kSoftsign, "softsign")        /* x / (1 + |x|) */                                         \
  X(kSwish, "swish")              /* x * sigmoid(x) (= silu) */                               \
  X(kGelu, "gelu")                /* x * Phi(x), exact (erf) form, Keras 3's default */       \
  X(kGeluTanh, "geluTanh")        /* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */       \
  X(kMish, "mish")                /* x * tanh(softplus(x)) */                                 \
  X(kLeakyRelu, "leakyRelu")      /* x > 0 ? x : alpha x */                                   \
  X(kThresholdedRelu, "thresholdedRelu") /* x > alpha ? x : 0 */                              \
  X(kStep, "step")                /* x > 0 ? 1 : 0 (no gradient) */                           \
  X(kSign, "sign")                /* -1, 0, 1 (no gradient) */                                \
  X(kLog1p, "log1p")              /* ln(1 + x) */                                             \
  X(kSin, "sin")                  /* sin x */                                                 \
  X(kCos, "cos")                  /* cos x */

enum class UnaryOp : int {
#define KERASM_ENUM(name, str) name,
  KERASM_UNARY_OPS(KERASM_ENUM)
#undef KERASM_ENUM
};

// The name used in the X-macro list ("relu", "hardSigmoid" ...).
const char* UnaryOpName(UnaryOp op);

// y[i] = f(x[i]) for i in [0, n). `alpha` parameterises elu / leakyRelu / thresholdedRelu / hardSigmoid and is ignored
// by the others. Accuracy: within 8 ulp of the exact value for every op (most within 1 to 4; the bound
// of each op is stated in unary.cc); NaN gives NaN, +-inf give the limits (softsign(inf) = 1,
// swish(-inf) = 0), and no intermediate overflows for any finite input.
void Unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha);

// dx[i] = dy[i] * f'(x[i]). `y` must hold f(x) (several derivatives are cheapest from the output:
// sigmoid, tanh, exp, elu). At kinks the derivative of the right-hand piece is used, except relu at 0
// which is 0 as in TensorFlow.
void UnaryGrad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha);

#define KERASM_BINARY_OPS(X)                        \
  X(kAdd, "add")                                    \
  X(kSub, "sub")                                    \
  X(kMul, "mul")                                    \
  X(kDiv, "div")                                    \
  X(kPow, "pow")                                    \
  X(kMaximum, "maximum")                            \
  X(kMinimum, "minimum")                            \
  X(kSquaredDifference, "squaredDifference")

enum class BinaryOp : int {
#define KERASM_ENUM(name, str) name,
  KERASM_BINARY_OPS(KERASM_ENUM)
#undef KERASM_ENUM
};

const char* BinaryOpName(BinaryOp op);

// out = a op b over `out_shape` (1 <= rank <= kMaxRank, core/max_rank.h: ops check it). a_strides / b_strides are element strides per output axis,
// 0 where the operand is broadcast. Contiguous inner runs (stride 1 or 0) take the SIMD path.
// maximum / minimum propagate NaN (as tfjs); pow follows std::pow for every sign and special value.
void Binary(BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            float* out, const int64_t* out_shape, int rank);

// y[i] = scale * x[i] + shift (used by initializers, dropout, normalisation).
void ScaleShift(const float* x, float* y, int64_t n, float scale, float shift);
// y[i] += x[i]
void AccumulateInto(const float* x, float* y, int64_t n);
// Fills y[0..n) with value.
void Fill(float* y, int64_t n, float value);

}  // namespace kerasm::kernels
