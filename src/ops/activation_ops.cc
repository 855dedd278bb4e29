// Activations by name (Keras snake_case and tfjs camelCase), softmax and log-softmax.
#include <unordered_map>

#include "core/error.h"
#include "kernels/softmax.h"
#include "ops/activation_list.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;
using kernels::UnaryOp;

namespace {

struct ActivationSpec {
  const char* canonical;  // the JS name
  enum Kind { kUnary, kSoftmax, kLogSoftmax } kind;
  UnaryOp op;
  float alpha;
};

// Both spellings of every entry of KERASM_ACTIVATIONS.
const std::unordered_map<std::string, ActivationSpec>& ActivationTable() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string, ActivationSpec>;
#define KERASM_ACTIVATION_ENTRY(js, keras, kind, op, alpha)                 \
  t->emplace(js, ActivationSpec{js, ActivationSpec::kind, UnaryOp::op, alpha}); \
  t->emplace(keras, ActivationSpec{js, ActivationSpec::kind, UnaryOp::op, alpha});
    KERASM_ACTIVATIONS(KERASM_ACTIVATION_ENTRY)
#undef KERASM_ACTIVATION_ENTRY
    return t;
  }();
  return *table;
}

const ActivationSpec& FindActivation(const std::string& name) {
  const auto& table = ActivationTable();
  auto it = table.find(name);
  if (it == table.end()) Fail<ValueError>("unknown activation '", name, "' (known: ", KnownActivations(), ")");
  return it->second;
}

}  // namespace

const std::vector<ActivationName>& ActivationNames() {
  static const std::vector<ActivationName> names = {
#define KERASM_ACTIVATION_NAME(js, keras, kind, op, alpha) {js, keras},
      KERASM_ACTIVATIONS(KERASM_ACTIVATION_NAME)
#undef KERASM_ACTIVATION_NAME
  };
  return names;
}

const ActivationName* FindActivationName(const std::string& name) {
  for (const ActivationName& a : ActivationNames()) {
    if (name == a.js || name == a.keras) return &a;
  }
  return nullptr;
}

std::string KnownActivations() {
  std::string out;
  for (const ActivationName& a : ActivationNames()) out += (out.empty() ? "" : ", ") + std::string(a.js);
  return out;
}

bool IsActivationName(const std::string& name) { return ActivationTable().count(name) > 0; }

bool UnaryActivation(const std::string& name, kernels::UnaryOp* op, float* alpha) {
  const ActivationSpec& spec = FindActivation(name);
  if (spec.kind != ActivationSpec::kUnary) return false;
  *op = spec.op;
  *alpha = spec.alpha;
  return true;
}

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
