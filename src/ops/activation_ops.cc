// Activations by name (Keras snake_case and tfjs camelCase), softmax and log-softmax.
#include <unordered_map>

#include "core/error.h"
#include "kernels/softmax.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;
using kernels::UnaryOp;

namespace {

struct ActivationSpec {
  const char* canonical;
  enum Kind { kUnary, kSoftmax, kLogSoftmax } kind;
  UnaryOp op;
  float alpha;
};

const std::unordered_map<std::string, ActivationSpec>& ActivationTable() {
  static const auto* table = new std::unordered_map<std::string, ActivationSpec>{
      {"linear", {"linear", ActivationSpec::kUnary, UnaryOp::kLinear, 0.f}},
      {"relu", {"relu", ActivationSpec::kUnary, UnaryOp::kRelu, 0.f}},
      {"relu6", {"relu6", ActivationSpec::kUnary, UnaryOp::kRelu6, 0.f}},
      {"sigmoid", {"sigmoid", ActivationSpec::kUnary, UnaryOp::kSigmoid, 0.f}},
      {"hardSigmoid", {"hardSigmoid", ActivationSpec::kUnary, UnaryOp::kHardSigmoid, 0.f}},
      {"hard_sigmoid", {"hardSigmoid", ActivationSpec::kUnary, UnaryOp::kHardSigmoid, 0.f}},
      {"tanh", {"tanh", ActivationSpec::kUnary, UnaryOp::kTanh, 0.f}},
      {"softmax", {"softmax", ActivationSpec::kSoftmax, UnaryOp::kLinear, 0.f}},
      {"logSoftmax", {"logSoftmax", ActivationSpec::kLogSoftmax, UnaryOp::kLinear, 0.f}},
      {"log_softmax", {"logSoftmax", ActivationSpec::kLogSoftmax, UnaryOp::kLinear, 0.f}},
      {"elu", {"elu", ActivationSpec::kUnary, UnaryOp::kElu, 1.f}},
      {"selu", {"selu", ActivationSpec::kUnary, UnaryOp::kSelu, 0.f}},
      {"softplus", {"softplus", ActivationSpec::kUnary, UnaryOp::kSoftplus, 0.f}},
      {"softsign", {"softsign", ActivationSpec::kUnary, UnaryOp::kSoftsign, 0.f}},
      {"exponential", {"exponential", ActivationSpec::kUnary, UnaryOp::kExp, 0.f}},
      {"swish", {"swish", ActivationSpec::kUnary, UnaryOp::kSwish, 0.f}},
      {"silu", {"silu", ActivationSpec::kUnary, UnaryOp::kSwish, 0.f}},
      {"gelu", {"gelu", ActivationSpec::kUnary, UnaryOp::kGelu, 0.f}},
      {"mish", {"mish", ActivationSpec::kUnary, UnaryOp::kMish, 0.f}},
      // Keras 3's leaky_relu activation uses negative_slope 0.2, as tfjs' 'leakyRelu' does.
      {"leakyRelu", {"leakyRelu", ActivationSpec::kUnary, UnaryOp::kLeakyRelu, 0.2f}},
      {"leaky_relu", {"leakyRelu", ActivationSpec::kUnary, UnaryOp::kLeakyRelu, 0.2f}},
  };
  return *table;
}

const ActivationSpec& FindActivation(const std::string& name) {
  const auto& table = ActivationTable();
  auto it = table.find(name);
  if (it == table.end()) {
    Fail<ValueError>("unknown activation '", name,
                     "' (known: linear, relu, relu6, sigmoid, hardSigmoid, tanh, softmax, logSoftmax, elu, selu, "
                     "softplus, softsign, exponential, swish, silu, gelu, mish, leakyRelu)");
  }
  return it->second;
}

}  // namespace

bool IsActivationName(const std::string& name) { return ActivationTable().count(name) > 0; }

std::string CanonicalActivationName(const std::string& name) { return FindActivation(name).canonical; }

Tensor Activation(const std::string& name, const Tensor& x) {
  const ActivationSpec& spec = FindActivation(name);
  switch (spec.kind) {
    case ActivationSpec::kSoftmax: return Softmax(x, -1);
    case ActivationSpec::kLogSoftmax: return LogSoftmax(x, -1);
    case ActivationSpec::kUnary: break;
  }
  if (spec.op == UnaryOp::kLinear) return x;
  return Unary(spec.op, x, spec.alpha);
}

namespace {
template <bool kLog>
Tensor SoftmaxImpl(const Tensor& x, int axis) {
  const char* name = kLog ? "logSoftmax" : "softmax";
  CheckFloat(x, name, "x");
  if (x.rank() == 0) Fail<ShapeError>(name, ": expected a tensor of rank >= 1, got a scalar");
  const int ax = NormalizeAxis(axis, x.rank(), name);
  const auto s = detail::SplitAt(x.shape(), ax);
  Tensor out(x.shape());
  if (kLog) {
    kernels::LogSoftmax(x.f32(), out.f32(), s.outer, s.n, s.inner);
  } else {
    kernels::Softmax(x.f32(), out.f32(), s.outer, s.n, s.inner);
  }
  RecordUnaryOut(name, {x}, out, [out, s](const Tensor& g) {
    Tensor dx(out.shape());
    if (kLog) {
      kernels::LogSoftmaxGrad(out.f32(), g.f32(), dx.f32(), s.outer, s.n, s.inner);
    } else {
      kernels::SoftmaxGrad(out.f32(), g.f32(), dx.f32(), s.outer, s.n, s.inner);
    }
    return std::vector<Tensor>{dx};
  });
  return out;
}
}  // namespace

Tensor Softmax(const Tensor& x, int axis) { return SoftmaxImpl<false>(x, axis); }
Tensor LogSoftmax(const Tensor& x, int axis) { return SoftmaxImpl<true>(x, axis); }

}  // namespace kerasm::ops
