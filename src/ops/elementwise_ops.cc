// Element-wise ops (binary with broadcasting, unary maps) and their gradients.
#include <cmath>

#include "core/error.h"
#include "kernels/elementwise.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;
using kernels::BinaryOp;
using kernels::UnaryOp;

namespace {

Tensor BinaryForward(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = kernels::BinaryOpName(op);
  CheckFloat(a, name, "a");
  CheckFloat(b, name, "b");
  Shape out_shape = BroadcastShapes(a.shape(), b.shape(), name);
  CheckMaxRank(out_shape, name);
  Tensor out(out_shape);
  if (out.size() == 0) return out;
  if (out_shape.empty()) {
    const int64_t zero = 0, one = 1;
    kernels::Binary(op, a.f32(), &zero, b.f32(), &zero, out.f32(), &one, 1);
    return out;
  }
  const auto as = BroadcastStrides(a.shape(), out_shape);
  const auto bs = BroadcastStrides(b.shape(), out_shape);
  kernels::Binary(op, a.f32(), as.data(), b.f32(), bs.data(), out.f32(), out_shape.data(),
                  static_cast<int>(out_shape.size()));
  return out;
}

// Applies fn(a, b) element-wise with broadcasting, for the comparison masks gradients need (not hot).
template <typename F>
Tensor BroadcastMap(const Tensor& a, const Tensor& b, F fn) {
  Shape out_shape = BroadcastShapes(a.shape(), b.shape(), "broadcast");
  Tensor out(out_shape);
  const int rank = static_cast<int>(out_shape.size());
  const auto as = BroadcastStrides(a.shape(), out_shape);
  const auto bs = BroadcastStrides(b.shape(), out_shape);
  std::vector<int64_t> idx(rank, 0);
  const float* pa = a.f32();
  const float* pb = b.f32();
  float* po = out.f32();
  int64_t oa = 0, ob = 0;
  for (int64_t flat = 0; flat < out.size(); ++flat) {
    po[flat] = fn(pa[oa], pb[ob]);
    for (int i = rank - 1; i >= 0; --i) {
      oa += as[i];
      ob += bs[i];
      if (++idx[i] < out_shape[i]) break;
      oa -= as[i] * out_shape[i];
      ob -= bs[i] * out_shape[i];
      idx[i] = 0;
    }
  }
  return out;
}

std::vector<Tensor> BinaryBackward(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                                   const Tensor& g) {
  Tensor ga, gb;
  switch (op) {
    case BinaryOp::kAdd:
      ga = g;
      gb = g;
      break;
    case BinaryOp::kSub:
      ga = g;
      gb = Neg(g);
      break;
    case BinaryOp::kMul:
      ga = Mul(g, b);
      gb = Mul(g, a);
      break;
    case BinaryOp::kDiv:
      ga = Div(g, b);
      gb = Neg(Div(Mul(g, out), b));  // -g a / b^2 = -g (a/b) / b
      break;
    case BinaryOp::kPow: {
      // d/da a^b = b a^(b-1); d/db a^b = a^b ln a (0 where a <= 0, as tfjs does).
      ga = Mul(g, Mul(b, Pow(a, ScaleShift(b, 1.f, -1.f))));
      Tensor log_a = BroadcastMap(a, a, [](float x, float) { return x > 0 ? std::log(x) : 0.f; });
      gb = Mul(g, Mul(out, log_a));
      break;
    }
    case BinaryOp::kMaximum:
      ga = Mul(g, BroadcastMap(a, b, [](float x, float y) { return x >= y ? 1.f : 0.f; }));
      gb = Mul(g, BroadcastMap(a, b, [](float x, float y) { return x < y ? 1.f : 0.f; }));
      break;
    case BinaryOp::kMinimum:
      ga = Mul(g, BroadcastMap(a, b, [](float x, float y) { return x <= y ? 1.f : 0.f; }));
      gb = Mul(g, BroadcastMap(a, b, [](float x, float y) { return x > y ? 1.f : 0.f; }));
      break;
    case BinaryOp::kSquaredDifference: {
      Tensor d = ScaleShift(Sub(a, b), 2.f);
      ga = Mul(g, d);
      gb = Neg(ga);
      break;
    }
  }
  return {SumToShape(ga, a.shape()), SumToShape(gb, b.shape())};
}

}  // namespace

Tensor Binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  Tensor out = BinaryForward(op, a, b);
  RecordUnaryOut(kernels::BinaryOpName(op), {a, b}, out,
                 [op, a, b, out](const Tensor& g) { return BinaryBackward(op, a, b, out, g); });
  return out;
}

Tensor Add(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kAdd, a, b); }
Tensor Sub(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kSub, a, b); }
Tensor Mul(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kMul, a, b); }
Tensor Div(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kDiv, a, b); }
Tensor Pow(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kPow, a, b); }
Tensor Maximum(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kMaximum, a, b); }
Tensor Minimum(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kMinimum, a, b); }
Tensor SquaredDifference(const Tensor& a, const Tensor& b) { return Binary(BinaryOp::kSquaredDifference, a, b); }

Tensor Unary(UnaryOp op, const Tensor& x, float alpha) {
  const char* name = kernels::UnaryOpName(op);
  CheckFloat(x, name, "x");
  Tensor out(x.shape());
  kernels::Unary(op, x.f32(), out.f32(), x.size(), alpha);
  RecordUnaryOut(name, {x}, out, [op, x, out, alpha](const Tensor& g) {
    Tensor dx(x.shape());
    kernels::UnaryGrad(op, x.f32(), out.f32(), g.f32(), dx.f32(), x.size(), alpha);
    return std::vector<Tensor>{dx};
  });
  return out;
}

Tensor Neg(const Tensor& x) { return Unary(UnaryOp::kNeg, x); }
Tensor Abs(const Tensor& x) { return Unary(UnaryOp::kAbs, x); }
Tensor Square(const Tensor& x) { return Unary(UnaryOp::kSquare, x); }
Tensor Sqrt(const Tensor& x) { return Unary(UnaryOp::kSqrt, x); }
Tensor Exp(const Tensor& x) { return Unary(UnaryOp::kExp, x); }
Tensor Log(const Tensor& x) { return Unary(UnaryOp::kLog, x); }
Tensor Relu(const Tensor& x) { return Unary(UnaryOp::kRelu, x); }
Tensor Sigmoid(const Tensor& x) { return Unary(UnaryOp::kSigmoid, x); }
Tensor Tanh(const Tensor& x) { return Unary(UnaryOp::kTanh, x); }

Tensor ScaleShift(const Tensor& x, float scale, float shift) {
  CheckFloat(x, "scaleShift", "x");
  Tensor out(x.shape());
  kernels::ScaleShift(x.f32(), out.f32(), x.size(), scale, shift);
  RecordUnaryOut("scaleShift", {x}, out, [scale](const Tensor& g) {
    return std::vector<Tensor>{ScaleShift(g, scale, 0.f)};
  });
  return out;
}

Tensor ClipByValue(const Tensor& x, float lo, float hi) {
  CheckFloat(x, "clipByValue", "x");
  if (lo > hi) Fail<ValueError>("clipByValue: min ", lo, " is greater than max ", hi);
  Tensor out(x.shape());
  const float* px = x.f32();
  float* po = out.f32();
  for (int64_t i = 0; i < x.size(); ++i) po[i] = px[i] < lo ? lo : (px[i] > hi ? hi : px[i]);
  RecordUnaryOut("clipByValue", {x}, out, [x, lo, hi](const Tensor& g) {
    Tensor dx(x.shape());
    const float* px = x.f32();
    const float* pg = g.f32();
    float* pd = dx.f32();
    for (int64_t i = 0; i < x.size(); ++i) pd[i] = (px[i] >= lo && px[i] <= hi) ? pg[i] : 0.f;
    return std::vector<Tensor>{dx};
  });
  return out;
}

Tensor Where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  CheckFloat(cond, "where", "condition");
  CheckFloat(a, "where", "a");
  CheckFloat(b, "where", "b");
  Shape shape = BroadcastShapes(BroadcastShapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor c = BroadcastTo(cond, shape);
  Tensor aa = BroadcastTo(a, shape);
  Tensor bb = BroadcastTo(b, shape);
  Tensor out(shape);
  const float* pc = c.f32();
  const float* pa = aa.f32();
  const float* pb = bb.f32();
  float* po = out.f32();
  for (int64_t i = 0; i < out.size(); ++i) po[i] = pc[i] != 0.f ? pa[i] : pb[i];
  RecordUnaryOut("where", {cond, a, b}, out, [c, a, b](const Tensor& g) {
    Tensor ga(g.shape()), gb(g.shape());
    const float* pc = c.f32();
    const float* pg = g.f32();
    for (int64_t i = 0; i < g.size(); ++i) {
      const bool take_a = pc[i] != 0.f;
      ga.f32()[i] = take_a ? pg[i] : 0.f;
      gb.f32()[i] = take_a ? 0.f : pg[i];
    }
    return std::vector<Tensor>{Tensor(), SumToShape(ga, a.shape()), SumToShape(gb, b.shape())};
  });
  return out;
}

Tensor StopGradient(const Tensor& x) {
  CheckDefined(x, "stopGradient", "x");
  return x.Reshaped(x.shape());
}

Tensor ZerosLike(const Tensor& x) { return Tensor::Zeros(x.shape(), x.dtype()); }

Tensor OnesLike(const Tensor& x) {
  if (x.dtype() == DType::kInt32) {
    Tensor t(x.shape(), DType::kInt32);
    for (int64_t i = 0; i < t.size(); ++i) t.i32()[i] = 1;
    return t;
  }
  return Tensor::Full(x.shape(), 1.f);
}

}  // namespace kerasm::ops
