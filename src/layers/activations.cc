// Advanced activation layers: LeakyReLU, ELU, ThresholdedReLU, Softmax, ReLU and PReLU (the one with a
// weight). Each is a composition of differentiable ops, so gradients come from the tape. Arguments and
// their checks follow Keras 3 (ThresholdedReLU, gone from Keras 3, follows Keras 2); configs also carry the
// key tfjs-layers reads where its name differs, so models saved here load there with the same values.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/constraints.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {
namespace {

using kernels::UnaryOp;
using params::ReadConstraint;
using params::ReadInitializer;
using params::ReadRegularizer;
using params::ToConfig;

// A mask of lower rank than x gains trailing axes of size 1, so a [batch, time] mask propagated from an
// Embedding covers every feature of its step rather than broadcasting against the wrong axes.
Tensor AlignMask(const Tensor& mask, const Tensor& x) {
  if (mask.rank() >= x.rank()) return mask;
  Shape s = mask.shape();
  s.resize(x.shape().size(), 1);
  return mask.Reshaped(s);
}

// ---- LeakyReLU: x > 0 ? x : negative_slope * x ---------------------------------------------------------------
class LeakyReLU : public Layer {
 public:
  explicit LeakyReLU(ConfigReader& config) : Layer(config) {
    // Keras 3 calls it negative_slope and still reads Keras 2's (and tfjs') alpha.
    const params::Keys keys{"negative_slope", "alpha"};
    slope_ = config.Number(keys, 0.3);
    if (slope_ < 0) config.Invalid(keys, "must be a float >= 0");
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    return {ops::Unary(UnaryOp::kLeakyRelu, OnlyInput(inputs), static_cast<float>(slope_))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["negative_slope"] = slope_;
    c["alpha"] = slope_;  // what tfjs-layers and Keras 2 read; Keras 3 takes it as the same argument
    return c;
  }

 private:
  double slope_;
};

// ---- ELU: x > 0 ? x : alpha * (exp(x) - 1) ------------------------------------------------------------------
class ELU : public Layer {
 public:
  explicit ELU(ConfigReader& config) : Layer(config) {
    alpha_ = config.Number("alpha", 1.0);
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    return {ops::Unary(UnaryOp::kElu, OnlyInput(inputs), static_cast<float>(alpha_))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["alpha"] = alpha_;
    return c;
  }

 private:
  double alpha_;
};

// ---- ThresholdedReLU: x > theta ? x : 0 ------------------------------------------------------------------------
class ThresholdedReLU : public Layer {
 public:
  explicit ThresholdedReLU(ConfigReader& config) : Layer(config) {
    theta_ = config.Number("theta", 1.0);
    if (theta_ < 0) config.Invalid("theta", "must be a float >= 0");
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    return {ops::Unary(UnaryOp::kThresholdedRelu, OnlyInput(inputs), static_cast<float>(theta_))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["theta"] = theta_;
    return c;
  }

 private:
  double theta_;
};

// ---- Softmax over one axis or several; masked entries (mask 0) get -1e9 added first, as in Keras ----------------
class Softmax : public Layer {
 public:
  explicit Softmax(ConfigReader& config) : Layer(config) {
    const json* axis = config.Get("axis");
    auto is_int = [](const json& v) { return v.is_number_integer() || v.is_number_unsigned(); };
    if (!axis) {
      axes_ = {-1};
    } else if (is_int(*axis)) {
      axes_ = {axis->get<int>()};
    } else if (axis->is_array() && !axis->empty() && std::all_of(axis->begin(), axis->end(), is_int)) {
      axes_ = axis->get<std::vector<int>>();
      axis_is_list_ = true;
    } else {
      config.Invalid("axis", "must be an integer or a list of integers");
    }
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    Tensor x = OnlyInput(inputs);
    std::vector<int> axes;
    for (int a : axes_) {
      const int n = a < 0 ? a + x.rank() : a;
      if (n < 0 || n >= x.rank()) {
        Fail<ValueError>(Who(), ": axis ", a, " is out of range for an input of shape ", ShapeToString(x.shape()));
      }
      axes.push_back(n);
    }
    if (!ctx.masks.empty() && ctx.masks[0].defined()) {
      // (mask - 1) * 1e9: 0 where kept, -1e9 where masked, so masked entries get ~0 probability.
      x = ops::Add(x, ops::ScaleShift(AlignMask(ctx.masks[0], x), 1e9f, -1e9f));
    }
    if (axes.size() == 1) return {ops::Softmax(x, axes[0])};
    // Several axes: exp(x - logsumexp(x, axes)); the max only steadies the exponent (its gradient cancels).
    Tensor m = ops::StopGradient(ops::Max(x, axes, true));
    Tensor lse = ops::Add(ops::Log(ops::Sum(ops::Exp(ops::Sub(x, m)), axes, true)), m);
    return {ops::Exp(ops::Sub(x, lse))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["axis"] = axis_is_list_ ? json(axes_) : json(axes_.front());
    return c;
  }

 private:
  std::vector<int> axes_;
  bool axis_is_list_ = false;
};

// ---- ReLU: max_value if x >= max_value, x if threshold <= x < max_value, negative_slope * (x - threshold) else -
class ReLU : public Layer {
 public:
  explicit ReLU(ConfigReader& config) : Layer(config) {
    max_value_ = config.OptionalNumber("max_value");
    if (max_value_ && *max_value_ < 0) config.Invalid("max_value", "must be a float >= 0 or null");
    slope_ = config.Number("negative_slope", 0.0);
    if (slope_ < 0) config.Invalid("negative_slope", "must be a float >= 0");
    threshold_ = config.Number("threshold", 0.0);
    if (threshold_ < 0) config.Invalid("threshold", "must be a float >= 0");
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = OnlyInput(inputs);
    const float t = static_cast<float>(threshold_), slope = static_cast<float>(slope_);
    if (!max_value_ && t == 0.f) return {ops::Unary(UnaryOp::kLeakyRelu, x, slope)};
    // Keras' relu: the part above the threshold, clipped to max_value, minus slope * relu(threshold - x).
    Tensor y = t == 0.f ? ops::Relu(x) : ops::Unary(UnaryOp::kThresholdedRelu, x, t);
    if (max_value_) y = ops::ClipByValue(y, 0.f, static_cast<float>(*max_value_));
    if (slope != 0.f) y = ops::Sub(y, ops::ScaleShift(ops::Relu(ops::ScaleShift(x, -1.f, t)), slope));
    return {y};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["max_value"] = max_value_ ? json(*max_value_) : json(nullptr);
    c["negative_slope"] = slope_;
    c["threshold"] = threshold_;
    return c;
  }

 private:
  std::optional<double> max_value_;
  double slope_;
  double threshold_;
};

// ---- PReLU: x > 0 ? x : alpha * x with a learned alpha per input position (shared along shared_axes) -----------
class PReLU : public Layer {
 public:
  explicit PReLU(ConfigReader& config) : Layer(config) {
    alpha_initializer_ = ReadInitializer(config, "alpha_initializer", "zeros");
    alpha_regularizer_ = ReadRegularizer(config, "alpha_regularizer");
    alpha_constraint_ = ReadConstraint(config, "alpha_constraint");
    if (std::optional<Shape> shared = config.OptionalShape("shared_axes")) {
      for (int64_t a : *shared) {
        if (a < 1) config.Invalid("shared_axes", "must hold axes >= 1 (the batch axis 0 is always shared)");
        shared_axes_.push_back(static_cast<int>(a));
      }
      has_shared_axes_ = true;
    }
    supports_masking_ = true;
  }

  void Build(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    const int rank = static_cast<int>(s.size());
    Shape param(s.begin() + (rank > 0 ? 1 : 0), s.end());
    for (int a : shared_axes_) {
      if (a >= rank) {
        Fail<ValueError>(Who(), ": shared_axes entry ", a, " is out of range for input shape ", ShapeToString(s));
      }
      param[a - 1] = 1;
    }
    for (size_t d = 0; d < param.size(); ++d) {
      if (param[d] < 0) {
        Fail<ShapeError>(Who(), ": axis ", d + 1, " of the input must be defined (or shared). Received input shape ",
                         ShapeToString(s));
      }
    }
    alpha_ = AddWeight("alpha", param, alpha_initializer_, alpha_regularizer_, alpha_constraint_);
    InputSpec spec;
    spec.ndim = rank;
    // The non-shared axes must keep their sizes on later calls (Keras' input spec).
    for (int d = 1; d < rank; ++d) {
      if (std::find(shared_axes_.begin(), shared_axes_.end(), d) == shared_axes_.end()) {
        spec.axes.push_back({d, param[d - 1]});
      }
    }
    input_spec_ = {spec};
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = OnlyInput(inputs);
    // relu(x) - alpha * relu(-x): alpha broadcasts over the batch and the shared axes, and its gradient
    // sums over them.
    return {ops::Sub(ops::Relu(x), ops::Mul(alpha_->value(), ops::Relu(ops::Neg(x))))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["alpha_initializer"] = ToConfig(alpha_initializer_);
    c["alpha_regularizer"] = ToConfig(alpha_regularizer_);
    c["alpha_constraint"] = ToConfig(alpha_constraint_);
    c["shared_axes"] = has_shared_axes_ ? json(shared_axes_) : json(nullptr);
    return c;
  }

 private:
  std::shared_ptr<params::Initializer> alpha_initializer_;
  std::shared_ptr<params::Regularizer> alpha_regularizer_;
  std::shared_ptr<params::Constraint> alpha_constraint_;
  std::vector<int> shared_axes_;
  bool has_shared_axes_ = false;
  ops::VariablePtr alpha_;
};

}  // namespace

LayerPtr CreateELU(const json& config) { return MakeLayer<ELU>(config, "ELU"); }
LayerPtr CreateLeakyReLU(const json& config) { return MakeLayer<LeakyReLU>(config, "LeakyReLU"); }
LayerPtr CreatePReLU(const json& config) { return MakeLayer<PReLU>(config, "PReLU"); }
LayerPtr CreateReLU(const json& config) { return MakeLayer<ReLU>(config, "ReLU"); }
LayerPtr CreateSoftmax(const json& config) { return MakeLayer<Softmax>(config, "Softmax"); }
LayerPtr CreateThresholdedReLU(const json& config) { return MakeLayer<ThresholdedReLU>(config, "ThresholdedReLU"); }

}  // namespace kerasm::layers
