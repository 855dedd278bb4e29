// DepthwiseConv2D and SeparableConv1D / SeparableConv2D. A depthwise convolution is a grouped one with a
// group per input channel: its [k.., in, depth_multiplier] kernel read as [k.., 1, in * depth_multiplier]
// (same buffer) gives output channel c * depth_multiplier + m, Keras' order, and the conv op takes its
// direct depthwise kernel for it. A separable convolution follows it with a 1x1 convolution.
#include "core/error.h"
#include "layers/conv_base.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/constraints.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {
namespace {

class DepthwiseBase : public ConvBase {
 public:
  DepthwiseBase(ConfigReader& config, int rank) : ConvBase(config, rank, {"valid", "same"}) {
    depth_multiplier_ = config.Int("depth_multiplier", 1);
    if (depth_multiplier_ <= 0) config.Invalid("depth_multiplier", "must be a positive integer");
    // tf.keras 2 writes Conv's groups and kernel_* arguments into these configs too: groups can only be 1,
    // and the kernel_* ones belong to no weight here (the depthwise_* / pointwise_* ones do).
    if (config.Int("groups", 1) != 1) config.Invalid("groups", "must be 1 for a depthwise or separable convolution");
    config.Ignore({"kernel_initializer", "kernel_regularizer", "kernel_constraint"});
    depthwise_args_ = WeightArgs::Read(config, "depthwise", "glorot_uniform");
  }

  json GetConfig() const override {
    json c = ConvBase::GetConfig();
    c["depth_multiplier"] = depth_multiplier_;
    depthwise_args_.Write(&c, "depthwise");
    return c;
  }

 protected:
  void BuildDepthwise(int64_t in) {
    Shape kshape(kernel_size_.begin(), kernel_size_.end());
    kshape.push_back(in);
    kshape.push_back(depth_multiplier_);
    depthwise_ = AddWeightWith("depthwise_kernel", kshape, depthwise_args_);
    in_channels_ = in;
  }

  // The depthwise step on channels_last x, with `bias` (or none).
  Tensor Depthwise(const Tensor& x, const Tensor& bias) const {
    std::vector<int64_t> spatial(x.shape().begin() + 1, x.shape().end() - 1), out;
    ops::ConvSpec spec = Spec(spatial, &out);
    spec.groups = in_channels_;
    Shape grouped(kernel_size_.begin(), kernel_size_.end());
    grouped.push_back(1);
    grouped.push_back(in_channels_ * depth_multiplier_);
    return ops::Conv(x, ops::Reshape(depthwise_->value(), grouped), bias, spec);
  }

  int64_t depth_multiplier_;
  int64_t in_channels_ = 0;
  WeightArgs depthwise_args_;
  ops::VariablePtr depthwise_;
};

// ---- DepthwiseConv2D: activation(depthwise(x) + bias[in * depth_multiplier]) --------------------------------
class DepthwiseConv : public DepthwiseBase {
 public:
  DepthwiseConv(ConfigReader& config, int rank) : DepthwiseBase(config, rank) {}

  void Build(const Shapes& input_shapes) override {
    const int64_t in = InputChannels(OnlyShape(input_shapes));
    BuildDepthwise(in);
    if (use_bias_) {
      bias_ = AddWeightWith("bias", {in * depth_multiplier_}, bias_args_);
    }
    FixChannels(in);
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor x = ToChannelsLast(OnlyInput(inputs));
    return {FromChannelsLast(Activate(Depthwise(x, use_bias_ ? bias_->value() : Tensor())))};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const int64_t c = Channels(OnlyShape(input_shapes));
    return {WindowedOutputShape(OnlyShape(input_shapes), c < 0 ? -1 : c * depth_multiplier_)};
  }

 private:
  ops::VariablePtr bias_;
};

// ---- SeparableConv1D / 2D: activation(pointwise(depthwise(x)) + bias[filters]) -----------------------------
class SeparableConv : public DepthwiseBase {
 public:
  SeparableConv(ConfigReader& config, int rank) : DepthwiseBase(config, rank) {
    filters_ = ReadFilters(config);
    pointwise_args_ = WeightArgs::Read(config, "pointwise", "glorot_uniform");
  }

  void Build(const Shapes& input_shapes) override {
    const int64_t in = InputChannels(OnlyShape(input_shapes));
    BuildDepthwise(in);
    Shape pshape(static_cast<size_t>(rank_), 1);
    pshape.push_back(in * depth_multiplier_);
    pshape.push_back(filters_);
    pointwise_ = AddWeightWith("pointwise_kernel", pshape, pointwise_args_);
    if (use_bias_) bias_ = AddWeightWith("bias", {filters_}, bias_args_);
    FixChannels(in);
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor x = ToChannelsLast(OnlyInput(inputs));
    const Tensor d = Depthwise(x, Tensor());
    ops::ConvSpec unit;
    unit.strides.assign(static_cast<size_t>(rank_), 1);
    unit.dilations = unit.strides;
    unit.pad_before.assign(static_cast<size_t>(rank_), 0);
    unit.pad_after = unit.pad_before;
    Tensor y = ops::Conv(d, pointwise_->value(), use_bias_ ? bias_->value() : Tensor(), unit);
    return {FromChannelsLast(Activate(y))};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    return {WindowedOutputShape(OnlyShape(input_shapes), filters_)};
  }

  json GetConfig() const override {
    json c = DepthwiseBase::GetConfig();
    c["filters"] = filters_;
    pointwise_args_.Write(&c, "pointwise");
    return c;
  }

 private:
  int64_t filters_;
  WeightArgs pointwise_args_;
  ops::VariablePtr pointwise_, bias_;
};

template <typename T, int kRank>
class Ranked : public T {
 public:
  explicit Ranked(ConfigReader& config) : T(config, kRank) {}
};

}  // namespace

LayerPtr CreateDepthwiseConv2D(const json& config) {
  return MakeLayer<Ranked<DepthwiseConv, 2>>(config, "DepthwiseConv2D");
}
LayerPtr CreateSeparableConv1D(const json& config) {
  return MakeLayer<Ranked<SeparableConv, 1>>(config, "SeparableConv1D");
}
LayerPtr CreateSeparableConv2D(const json& config) {
  return MakeLayer<Ranked<SeparableConv, 2>>(config, "SeparableConv2D");
}

}  // namespace kerasm::layers
