// Core layers: Dense, Activation, Dropout, Flatten, Reshape (InputLayer is in input_layer.cc).
// Each: config (validated, errors quote the received value), build, call, compute_output_shape, get_config.
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/constraints.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {
namespace {

using params::ReadActivation;
using params::ReadConstraint;
using params::ReadDataFormat;
using params::ReadInitializer;
using params::ReadRegularizer;
using params::ShapeToJson;
using params::ToConfig;

// ---- Dense: activation(x . kernel + bias), on the last axis of inputs of any rank >= 2 ---------------------
class Dense : public Layer {
 public:
  explicit Dense(ConfigReader& config) : Layer(config) {
    units_ = config.RequiredInt("units");
    if (units_ <= 0) config.Invalid("units", "must be a positive integer");
    activation_ = ReadActivation(config, "activation", "linear");
    use_bias_ = config.Bool("use_bias", true);
    kernel_initializer_ = ReadInitializer(config, "kernel_initializer", "glorot_uniform");
    bias_initializer_ = ReadInitializer(config, "bias_initializer", "zeros");
    kernel_regularizer_ = ReadRegularizer(config, "kernel_regularizer");
    bias_regularizer_ = ReadRegularizer(config, "bias_regularizer");
    activity_regularizer_ = ReadRegularizer(config, "activity_regularizer");
    kernel_constraint_ = ReadConstraint(config, "kernel_constraint");
    bias_constraint_ = ReadConstraint(config, "bias_constraint");
    // Keras 3 writes these when set; only their "off" values can be honoured.
    if (config.Has("lora_rank") && config.Int("lora_rank", 0) != 0) config.Reject("lora_rank", "LoRA is not supported");
    config.Get("lora_rank");
    config.Get("lora_alpha");
    if (config.Has("quantization_config")) config.Reject("quantization_config", "quantized Dense is not supported");
    config.Get("quantization_config");
    InputSpec spec;
    spec.min_ndim = 2;
    input_spec_ = {spec};
    supports_masking_ = true;
  }

  void Build(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    const int64_t in = s.back();
    if (in < 0) Fail<ShapeError>(Who(), ": the last dimension of the inputs must be defined. Received input shape ", ShapeToString(s));
    kernel_ = AddWeight("kernel", {in, units_}, kernel_initializer_, kernel_regularizer_, kernel_constraint_);
    if (use_bias_) bias_ = AddWeight("bias", {units_}, bias_initializer_, bias_regularizer_, bias_constraint_);
    input_spec_[0].axes = {{-1, in}};
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    Tensor y = ops::Dense(OnlyInput(inputs), kernel_->value(), use_bias_ ? bias_->value() : Tensor());
    return {activation_ == "linear" ? y : ops::Activation(activation_, y)};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    Shape s = OnlyShape(input_shapes);
    s.back() = units_;
    return {s};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["units"] = units_;
    c["activation"] = activation_;
    c["use_bias"] = use_bias_;
    c["kernel_initializer"] = ToConfig(kernel_initializer_);
    c["bias_initializer"] = ToConfig(bias_initializer_);
    c["kernel_regularizer"] = ToConfig(kernel_regularizer_);
    c["bias_regularizer"] = ToConfig(bias_regularizer_);
    c["activity_regularizer"] = ToConfig(activity_regularizer_);
    c["kernel_constraint"] = ToConfig(kernel_constraint_);
    c["bias_constraint"] = ToConfig(bias_constraint_);
    return c;
  }

 private:
  int64_t units_;
  std::string activation_;
  bool use_bias_;
  std::shared_ptr<params::Initializer> kernel_initializer_, bias_initializer_;
  std::shared_ptr<params::Regularizer> kernel_regularizer_, bias_regularizer_;
  std::shared_ptr<params::Constraint> kernel_constraint_, bias_constraint_;
  ops::VariablePtr kernel_, bias_;
};

// ---- Activation: an element-wise activation function by name ------------------------------------------------
class Activation : public Layer {
 public:
  explicit Activation(ConfigReader& config) : Layer(config) {
    if (!config.Has("activation")) config.Missing("activation");
    activation_ = ReadActivation(config, "activation", "linear");
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = OnlyInput(inputs);
    return {activation_ == "linear" ? x : ops::Activation(activation_, x)};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["activation"] = activation_;
    return c;
  }

 private:
  std::string activation_;
};

// ---- Dropout: inverted dropout in training (kept values scaled by 1/(1-rate)), identity at inference --------
class Dropout : public Layer {
 public:
  explicit Dropout(ConfigReader& config) : Layer(config), rng_(0) {
    if (!config.Has("rate")) config.Missing("rate");
    rate_ = config.Number("rate", 0.0);
    if (!(rate_ >= 0.0 && rate_ <= 1.0)) config.Invalid("rate", "must be a float between 0 and 1");
    noise_shape_ = config.OptionalShape("noise_shape");
    seed_ = config.OptionalInt("seed");
    // One stream per layer: successive calls draw new masks; the same seed gives the same sequence.
    rng_ = Rng(seed_ ? static_cast<uint64_t>(*seed_) : NextAutoSeed());
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    if (!ctx.training || rate_ == 0.0) return {x};
    // The mask holds 0 or 1/(1-rate) and broadcasts over the noise_shape's 1-sized axes, so the gradient
    // with respect to x is the same mask (from ops::Mul).
    Tensor mask(NoiseShape(x.shape()));
    const float keep = rate_ < 1.0 ? static_cast<float>(1.0 / (1.0 - rate_)) : 0.f;
    float* m = mask.f32();
    for (int64_t i = 0; i < mask.size(); ++i) m[i] = rng_.Uniform() >= rate_ ? keep : 0.f;
    return {ops::Mul(x, mask)};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["rate"] = rate_;
    c["noise_shape"] = noise_shape_ ? ShapeToJson(*noise_shape_) : json(nullptr);
    c["seed"] = seed_ ? json(*seed_) : json(nullptr);
    return c;
  }

 private:
  Shape NoiseShape(const Shape& input) const {
    if (!noise_shape_) return input;
    Shape ns = *noise_shape_;
    if (ns.size() != input.size()) {
      Fail<ShapeError>(Who(), ": noise_shape ", ShapeToString(ns), " must have the rank of the input, whose shape is ",
                       ShapeToString(input));
    }
    for (size_t i = 0; i < ns.size(); ++i) {
      if (ns[i] < 0) ns[i] = input[i];
      if (ns[i] != 1 && ns[i] != input[i]) {
        Fail<ShapeError>(Who(), ": noise_shape ", ShapeToString(*noise_shape_),
                         " does not broadcast to the input shape ", ShapeToString(input));
      }
    }
    return ns;
  }

  double rate_;
  std::optional<Shape> noise_shape_;
  std::optional<int64_t> seed_;
  Rng rng_;
};

// ---- Flatten: [batch, d1, d2, ...] -> [batch, d1*d2*...]; channels_first moves channels last first ----------
class Flatten : public Layer {
 public:
  explicit Flatten(ConfigReader& config) : Layer(config) {
    data_format_ = ReadDataFormat(config);
    InputSpec spec;
    spec.min_ndim = 1;
    input_spec_ = {spec};
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    Tensor x = OnlyInput(inputs);
    const int rank = x.rank();
    if (data_format_ == "channels_first" && rank > 2) {
      // Keras flattens channels_first data in channels_last order, so a following Dense sees the same
      // feature order in either format.
      std::vector<int> perm{0};
      for (int i = 2; i < rank; ++i) perm.push_back(i);
      perm.push_back(1);
      x = ops::Transpose(x, perm);
    }
    return {ops::Reshape(x, ComputeOutputShape({x.shape()}).front())};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    int64_t flat = 1;
    for (size_t i = 1; i < s.size(); ++i) flat = (s[i] < 0 || flat < 0) ? -1 : flat * s[i];
    return {{s[0], flat}};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["data_format"] = data_format_;
    return c;
  }

 private:
  std::string data_format_;
};

// ---- Reshape: to target_shape (batch excluded), with at most one -1 inferred --------------------------------
class Reshape : public Layer {
 public:
  explicit Reshape(ConfigReader& config) : Layer(config) {
    std::optional<Shape> target = config.OptionalShape("target_shape");
    if (!target) config.Missing("target_shape");
    int unknown = 0;
    for (int64_t d : *target) {
      if (d == -1) ++unknown;
      if (d == 0) config.Invalid("target_shape", "entries must be positive integers or -1");
    }
    if (unknown > 1) config.Invalid("target_shape", "can have at most one unknown dimension (-1)");
    target_shape_ = *target;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = OnlyInput(inputs);
    return {ops::Reshape(x, ComputeOutputShape({x.shape()}).front())};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    Shape out{s.empty() ? -1 : s[0]};
    out.insert(out.end(), target_shape_.begin(), target_shape_.end());
    int64_t in_size = 1;
    for (size_t i = 1; i < s.size(); ++i) in_size = (s[i] < 0 || in_size < 0) ? -1 : in_size * s[i];
    if (in_size < 0) return {out};  // an unknown input dimension leaves the -1 unknown too
    int64_t known = 1;
    int unknown_axis = -1;
    for (size_t i = 1; i < out.size(); ++i) {
      if (out[i] < 0) {
        unknown_axis = static_cast<int>(i);
      } else {
        known *= out[i];
      }
    }
    const bool ok = unknown_axis < 0 ? known == in_size : in_size % known == 0;
    if (!ok) {
      Shape in_rest(s.begin() + 1, s.end());
      Fail<ShapeError>(Who(), ": the total size of the tensor must be unchanged. Received: input_shape=",
                       ShapeToString(in_rest), ", target_shape=", ShapeToString(target_shape_));
    }
    if (unknown_axis >= 0) out[unknown_axis] = in_size / known;
    return {out};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["target_shape"] = target_shape_;  // -1 stays -1 here (Keras and tfjs write it so), not null
    return c;
  }

 private:
  Shape target_shape_;
};

}  // namespace

LayerPtr CreateActivation(const json& config) { return MakeLayer<Activation>(config, "Activation"); }
LayerPtr CreateDense(const json& config) { return MakeLayer<Dense>(config, "Dense"); }
LayerPtr CreateDropout(const json& config) { return MakeLayer<Dropout>(config, "Dropout"); }
LayerPtr CreateFlatten(const json& config) { return MakeLayer<Flatten>(config, "Flatten"); }
LayerPtr CreateReshape(const json& config) { return MakeLayer<Reshape>(config, "Reshape"); }

}  // namespace kerasm::layers
