// Element-wise kernels. Highway pattern: this file is re-included once per SIMD target by foreach_target.h
// (natively: SSE4/AVX2/AVX-512/scalar, chosen at run time; in wasm only HWY_WASM, statically).
#include "kernels/elementwise.h"

#include <algorithm>
#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/elementwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void ScaleShiftImpl(const float* x, float* y, int64_t n, float scale, float shift) {
  const hn::ScalableTag<float> d;
  const auto vs = hn::Set(d, scale);
  const auto vb = hn::Set(d, shift);
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::MulAdd(hn::LoadU(d, x + i), vs, vb), d, y + i);
  for (; i < n; ++i) y[i] = x[i] * scale + shift;
}

void AccumulateIntoImpl(const float* x, float* y, int64_t n) {
  const hn::ScalableTag<float> d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::Add(hn::LoadU(d, y + i), hn::LoadU(d, x + i)), d, y + i);
  for (; i < n; ++i) y[i] += x[i];
}

void FillImpl(float* y, int64_t n, float value) {
  const hn::ScalableTag<float> d;
  const auto v = hn::Set(d, value);
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(v, d, y + i);
  for (; i < n; ++i) y[i] = value;
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(ScaleShiftImpl);
HWY_EXPORT(AccumulateIntoImpl);
HWY_EXPORT(FillImpl);

void ScaleShift(const float* x, float* y, int64_t n, float scale, float shift) {
  HWY_DYNAMIC_DISPATCH(ScaleShiftImpl)(x, y, n, scale, shift);
}
void AccumulateInto(const float* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(AccumulateIntoImpl)(x, y, n); }
void Fill(float* y, int64_t n, float value) { HWY_DYNAMIC_DISPATCH(FillImpl)(y, n, value); }

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

// ---- Scalar versions, to be replaced by SIMD paths. -------------------------------------------------
namespace {
constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;

inline float Sigmoid(float x) { return x >= 0 ? 1.f / (1.f + std::exp(-x)) : std::exp(x) / (1.f + std::exp(x)); }
inline float Softplus(float x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

float UnaryScalar(UnaryOp op, float x, float alpha) {
  switch (op) {
    case UnaryOp::kLinear: return x;
    case UnaryOp::kNeg: return -x;
    case UnaryOp::kAbs: return std::fabs(x);
    case UnaryOp::kSquare: return x * x;
    case UnaryOp::kSqrt: return std::sqrt(x);
    case UnaryOp::kExp: return std::exp(x);
    case UnaryOp::kLog: return std::log(x);
    case UnaryOp::kReciprocal: return 1.f / x;
    case UnaryOp::kRelu: return x > 0 ? x : 0.f;
    case UnaryOp::kRelu6: return std::min(std::max(x, 0.f), 6.f);
    case UnaryOp::kSigmoid: return Sigmoid(x);
    case UnaryOp::kHardSigmoid: return std::min(std::max(x + 3.f, 0.f), 6.f) / 6.f;
    case UnaryOp::kTanh: return std::tanh(x);
    case UnaryOp::kElu: return x > 0 ? x : alpha * std::expm1(x);
    case UnaryOp::kSelu: return kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x));
    case UnaryOp::kSoftplus: return Softplus(x);
    case UnaryOp::kSoftsign: return x / (1.f + std::fabs(x));
    case UnaryOp::kSwish: return x * Sigmoid(x);
    case UnaryOp::kGelu: return 0.5f * x * (1.f + std::erf(x * 0.70710678118654752f));
    case UnaryOp::kGeluTanh: {
      const float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.f + std::tanh(inner));
    }
    case UnaryOp::kMish: return x * std::tanh(Softplus(x));
    case UnaryOp::kLeakyRelu: return x > 0 ? x : alpha * x;
    case UnaryOp::kThresholdedRelu: return x > alpha ? x : 0.f;
    case UnaryOp::kStep: return x > 0 ? 1.f : 0.f;
    case UnaryOp::kSign: return static_cast<float>((x > 0) - (x < 0));
    case UnaryOp::kLog1p: return std::log1p(x);
    case UnaryOp::kSin: return std::sin(x);
    case UnaryOp::kCos: return std::cos(x);
  }
  return x;
}

float UnaryDerivScalar(UnaryOp op, float x, float y, float alpha) {
  switch (op) {
    case UnaryOp::kLinear: return 1.f;
    case UnaryOp::kNeg: return -1.f;
    case UnaryOp::kAbs: return static_cast<float>((x > 0) - (x < 0));
    case UnaryOp::kSquare: return 2.f * x;
    case UnaryOp::kSqrt: return 0.5f / y;
    case UnaryOp::kExp: return y;
    case UnaryOp::kLog: return 1.f / x;
    case UnaryOp::kReciprocal: return -y * y;
    case UnaryOp::kRelu: return x > 0 ? 1.f : 0.f;
    case UnaryOp::kRelu6: return x > 0 && x < 6 ? 1.f : 0.f;
    case UnaryOp::kSigmoid: return y * (1.f - y);
    case UnaryOp::kHardSigmoid: return x > -3.f && x < 3.f ? 1.f / 6.f : 0.f;
    case UnaryOp::kTanh: return 1.f - y * y;
    case UnaryOp::kElu: return x > 0 ? 1.f : y + alpha;
    case UnaryOp::kSelu: return x > 0 ? kSeluScale : y + kSeluScale * kSeluAlpha;
    case UnaryOp::kSoftplus: return Sigmoid(x);
    case UnaryOp::kSoftsign: {
      const float d = 1.f + std::fabs(x);
      return 1.f / (d * d);
    }
    case UnaryOp::kSwish: {
      const float s = Sigmoid(x);
      return s * (1.f + x * (1.f - s));
    }
    case UnaryOp::kGelu: {
      const float cdf = 0.5f * (1.f + std::erf(x * 0.70710678118654752f));
      const float pdf = 0.3989422804014327f * std::exp(-0.5f * x * x);
      return cdf + x * pdf;
    }
    case UnaryOp::kGeluTanh: {
      const float c = 0.7978845608028654f;
      const float inner = c * (x + 0.044715f * x * x * x);
      const float t = std::tanh(inner);
      return 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * c * (1.f + 3.f * 0.044715f * x * x);
    }
    case UnaryOp::kMish: {
      const float sp = Softplus(x);
      const float t = std::tanh(sp);
      return t + x * (1.f - t * t) * Sigmoid(x);
    }
    case UnaryOp::kLeakyRelu: return x > 0 ? 1.f : alpha;
    case UnaryOp::kThresholdedRelu: return x > alpha ? 1.f : 0.f;
    case UnaryOp::kStep:
    case UnaryOp::kSign: return 0.f;
    case UnaryOp::kLog1p: return 1.f / (1.f + x);
    case UnaryOp::kSin: return std::cos(x);
    case UnaryOp::kCos: return -std::sin(x);
  }
  return 0.f;
}

float BinaryScalar(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kPow: return std::pow(a, b);
    case BinaryOp::kMaximum: return std::max(a, b);
    case BinaryOp::kMinimum: return std::min(a, b);
    case BinaryOp::kSquaredDifference: return (a - b) * (a - b);
  }
  return 0.f;
}
}  // namespace

void Unary(UnaryOp op, const float* x, float* y, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; ++i) y[i] = UnaryScalar(op, x[i], alpha);
}

void UnaryGrad(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n, float alpha) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * UnaryDerivScalar(op, x[i], y[i], alpha);
}

void Binary(BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            float* out, const int64_t* out_shape, int rank) {
  int64_t total = 1;
  for (int i = 0; i < rank; ++i) total *= out_shape[i];
  int64_t idx[8] = {0};
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t ao = 0, bo = 0;
    for (int i = 0; i < rank; ++i) {
      ao += idx[i] * a_strides[i];
      bo += idx[i] * b_strides[i];
    }
    out[flat] = BinaryScalar(op, a[ao], b[bo]);
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
