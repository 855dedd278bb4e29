#include "kernels/reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kerasm::reference {

using kernels::BinaryOp;
using kernels::ReduceOp;
using kernels::UnaryOp;

namespace {
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
const double kInf = std::numeric_limits<double>::infinity();

double Sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
double Softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }
// Standard normal CDF through erfc, which keeps its relative accuracy in the lower tail.
double Phi(double x) { return 0.5 * std::erfc(-x * kSqrtHalf); }
double Pdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }
double GeluTanhArg(double x) { return kSqrt2OverPi * (x + 0.044715 * x * x * x); }
}  // namespace

double Unary(UnaryOp op, double x, double alpha) {
  if (std::isnan(x)) return x;
  switch (op) {
    case UnaryOp::kLinear: return x;
    case UnaryOp::kNeg: return -x;
    case UnaryOp::kAbs: return std::fabs(x);
    case UnaryOp::kSquare: return x * x;
    case UnaryOp::kSqrt: return std::sqrt(x);
    case UnaryOp::kExp: return std::exp(x);
    case UnaryOp::kLog: return std::log(x);
    case UnaryOp::kReciprocal: return 1 / x;
    case UnaryOp::kRelu: return x < 0 ? 0.0 : x;
    case UnaryOp::kRelu6: return std::min(std::max(x, 0.0), 6.0);
    case UnaryOp::kSigmoid: return Sigmoid(x);
    case UnaryOp::kHardSigmoid:
      if (alpha != 0) return std::min(std::max(alpha * x + 0.5, 0.0), 1.0);
      return std::min(std::max(x + 3, 0.0), 6.0) / 6;
    case UnaryOp::kTanh: return std::tanh(x);
    case UnaryOp::kElu: return x > 0 ? x : alpha * std::expm1(x);
    case UnaryOp::kSelu: return kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x));
    case UnaryOp::kSoftplus: return Softplus(x);
    case UnaryOp::kSoftsign: return std::isinf(x) ? std::copysign(1.0, x) : x / (1 + std::fabs(x));
    case UnaryOp::kSwish: return x == -kInf ? 0.0 : x * Sigmoid(x);
    case UnaryOp::kGelu: return x == -kInf ? 0.0 : x * Phi(x);
    case UnaryOp::kGeluTanh: return x == -kInf ? 0.0 : x * Sigmoid(2 * GeluTanhArg(x));  // = 0.5 x (1 + tanh u)
    case UnaryOp::kMish: return x == -kInf ? 0.0 : x * std::tanh(Softplus(x));
    case UnaryOp::kLeakyRelu: return x > 0 ? x : alpha * x;
    case UnaryOp::kThresholdedRelu: return x > alpha ? x : 0.0;
    case UnaryOp::kStep: return x > 0 ? 1.0 : 0.0;
    case UnaryOp::kSign: return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
    case UnaryOp::kLog1p: return std::log1p(x);
    case UnaryOp::kSin: return std::sin(x);
    case UnaryOp::kCos: return std::cos(x);
  }
  return x;
}

double UnaryDerivative(UnaryOp op, double x, double y, double alpha) {
  switch (op) {
    case UnaryOp::kLinear: return 1;
    case UnaryOp::kNeg: return -1;
    case UnaryOp::kAbs: return (x > 0) - (x < 0);
    case UnaryOp::kSquare: return 2 * x;
    case UnaryOp::kSqrt: return 0.5 / y;
    case UnaryOp::kExp: return y;
    case UnaryOp::kLog: return 1 / x;
    case UnaryOp::kReciprocal: return -y * y;
    case UnaryOp::kRelu: return x > 0 ? 1 : 0;
    case UnaryOp::kRelu6: return x > 0 && x < 6 ? 1 : 0;
    case UnaryOp::kSigmoid: return y * (1 - y);
    case UnaryOp::kHardSigmoid:
      if (alpha != 0) return std::abs(x) < 0.5 / alpha ? double(alpha) : 0.0;
      return x > -3 && x < 3 ? 1.0 / 6 : 0;
    case UnaryOp::kTanh: return 1 - y * y;
    case UnaryOp::kElu: return x > 0 ? 1 : y + alpha;
    case UnaryOp::kSelu: return x > 0 ? kSeluScale : y + kSeluScale * kSeluAlpha;
    case UnaryOp::kSoftplus: return Sigmoid(x);
    case UnaryOp::kSoftsign: {
      const double d = 1 + std::fabs(x);
      return 1 / (d * d);
    }
    case UnaryOp::kSwish: {
      if (std::isinf(x)) return x > 0 ? 1 : 0;
      return Sigmoid(x) * (1 + x * Sigmoid(-x));
    }
    case UnaryOp::kGelu: {
      if (std::isinf(x)) return x > 0 ? 1 : 0;
      return Phi(x) + x * Pdf(x);
    }
    case UnaryOp::kGeluTanh: {
      if (std::isinf(x)) return x > 0 ? 1 : 0;
      const double u2 = 2 * GeluTanhArg(x);
      const double du2 = 2 * kSqrt2OverPi * (1 + 3 * 0.044715 * x * x);
      return Sigmoid(u2) + x * Sigmoid(u2) * Sigmoid(-u2) * du2;
    }
    case UnaryOp::kMish: {
      if (std::isinf(x)) return x > 0 ? 1 : 0;
      const double t = std::tanh(Softplus(x));
      return t + x * (1 - t * t) * Sigmoid(x);
    }
    case UnaryOp::kLeakyRelu: return x > 0 ? 1 : alpha;
    case UnaryOp::kThresholdedRelu: return x > alpha ? 1 : 0;
    case UnaryOp::kStep:
    case UnaryOp::kSign: return 0;
    case UnaryOp::kLog1p: return 1 / (1 + x);
    case UnaryOp::kSin: return std::cos(x);
    case UnaryOp::kCos: return -std::sin(x);
  }
  return 0;
}

void UnaryGrad(UnaryOp op, const float* x, const float* y, const float* dy, double* dx, int64_t n, double alpha) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * UnaryDerivative(op, x[i], y[i], alpha);
}

double Binary(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kPow: return std::pow(a, b);
    case BinaryOp::kMaximum: return std::isnan(a) || std::isnan(b) ? std::nan("") : std::max(a, b);
    case BinaryOp::kMinimum: return std::isnan(a) || std::isnan(b) ? std::nan("") : std::min(a, b);
    case BinaryOp::kSquaredDifference: return (a - b) * (a - b);
  }
  return 0;
}

void Binary(BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            double* out, const int64_t* out_shape, int rank) {
  int64_t total = 1;
  for (int i = 0; i < rank; ++i) total *= out_shape[i];
  int64_t idx[8] = {0};
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t ao = 0, bo = 0;
    for (int i = 0; i < rank; ++i) {
      ao += idx[i] * a_strides[i];
      bo += idx[i] * b_strides[i];
    }
    out[flat] = Binary(op, a[ao], b[bo]);
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < out_shape[i]) break;
      idx[i] = 0;
    }
  }
}

namespace {
// Calls f(base, stride) for every (o, i) fiber of an [outer, n, inner] view.
template <class F>
void ForEachFiber(int64_t outer, int64_t n, int64_t inner, F f) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) f(o * n * inner + i, o * inner + i);
  }
}
}  // namespace

void Softmax(const float* x, double* y, int64_t outer, int64_t n, int64_t inner) {
  ForEachFiber(outer, n, inner, [&](int64_t base, int64_t) {
    double m = -kInf;
    for (int64_t k = 0; k < n; ++k) m = std::fmax(m, x[base + k * inner]);
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += (y[base + k * inner] = std::exp(x[base + k * inner] - m));
    for (int64_t k = 0; k < n; ++k) y[base + k * inner] /= s;
  });
}

void LogSoftmax(const float* x, double* y, int64_t outer, int64_t n, int64_t inner) {
  ForEachFiber(outer, n, inner, [&](int64_t base, int64_t) {
    double m = -kInf;
    for (int64_t k = 0; k < n; ++k) m = std::fmax(m, x[base + k * inner]);
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += std::exp(x[base + k * inner] - m);
    const double lse = m + std::log(s);
    for (int64_t k = 0; k < n; ++k) y[base + k * inner] = x[base + k * inner] - lse;
  });
}

void SoftmaxGrad(const float* y, const float* dy, double* dx, int64_t outer, int64_t n, int64_t inner) {
  ForEachFiber(outer, n, inner, [&](int64_t base, int64_t) {
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += double{dy[base + k * inner]} * y[base + k * inner];
    for (int64_t k = 0; k < n; ++k) dx[base + k * inner] = y[base + k * inner] * (dy[base + k * inner] - s);
  });
}

void LogSoftmaxGrad(const float* y, const float* dy, double* dx, int64_t outer, int64_t n, int64_t inner) {
  ForEachFiber(outer, n, inner, [&](int64_t base, int64_t) {
    double s = 0;
    for (int64_t k = 0; k < n; ++k) s += dy[base + k * inner];
    for (int64_t k = 0; k < n; ++k) {
      dx[base + k * inner] = dy[base + k * inner] - std::exp(double{y[base + k * inner]}) * s;
    }
  });
}

void Reduce(ReduceOp op, const float* x, double* y, int64_t outer, int64_t n, int64_t inner) {
  ForEachFiber(outer, n, inner, [&](int64_t base, int64_t out) {
    double acc = op == ReduceOp::kMax ? -kInf : op == ReduceOp::kMin ? kInf : op == ReduceOp::kProd ? 1 : 0;
    for (int64_t k = 0; k < n; ++k) {
      const double v = x[base + k * inner];
      switch (op) {
        case ReduceOp::kSum:
        case ReduceOp::kMean: acc += v; break;
        case ReduceOp::kMax:
          if (!std::isnan(acc) && (std::isnan(v) || v > acc)) acc = v;
          break;
        case ReduceOp::kMin:
          if (!std::isnan(acc) && (std::isnan(v) || v < acc)) acc = v;
          break;
        case ReduceOp::kProd: acc *= v; break;
      }
    }
    if (op == ReduceOp::kMean && n > 0) acc /= static_cast<double>(n);
    y[out] = acc;
  });
}

namespace {
template <bool kMax>
void ArgExtreme(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) {
  ForEachFiber(outer, n, inner, [&](int64_t base, int64_t out) {
    int64_t best = 0;
    for (int64_t k = 1; k < n; ++k) {
      const float v = x[base + k * inner];
      const float b = x[base + best * inner];
      if (std::isnan(b)) break;
      if (std::isnan(v) || (kMax ? v > b : v < b)) best = k;
    }
    y[out] = static_cast<int32_t>(best);
  });
}
}  // namespace

void ArgMax(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) { ArgExtreme<true>(x, y, outer, n, inner); }
void ArgMin(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner) { ArgExtreme<false>(x, y, outer, n, inner); }

void Transpose(const uint32_t* x, uint32_t* y, const int64_t* shape, const int* perm, int rank) {
  int64_t in_strides[8];
  int64_t total = 1;
  for (int i = rank - 1; i >= 0; --i) {
    in_strides[i] = total;
    total *= shape[i];
  }
  int64_t idx[8] = {0};  // index into y's axes
  for (int64_t flat = 0; flat < total; ++flat) {
    int64_t src = 0;
    for (int i = 0; i < rank; ++i) src += idx[i] * in_strides[perm[i]];
    y[flat] = x[src];
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < shape[perm[i]]) break;
      idx[i] = 0;
    }
  }
}

void CopyRows(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t outer, int64_t n) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < n; ++k) y[o * ldy + k] = x[o * ldx + k];
  }
}

}  // namespace kerasm::reference
