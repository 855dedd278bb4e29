// Conv1D, Conv2D, Conv3D (groups; Conv1D also causal padding) and Conv2DTranspose, Conv3DTranspose
// (output_padding, Keras' output-length rule). The ops run in channels_last; channels_first inputs are
// transposed in and out. Kernels keep Keras' layout in either data format.
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

// ---- Conv1D / Conv2D / Conv3D: activation(conv(x, kernel) + bias) ---------------------------------------
class Conv : public ConvBase {
 public:
  Conv(ConfigReader& config, int rank)
      : ConvBase(config, rank, rank == 1 ? std::vector<std::string>{"valid", "same", "causal"}
                                         : std::vector<std::string>{"valid", "same"}) {
    filters_ = config.RequiredInt("filters");
    if (filters_ <= 0) config.Invalid("filters", "must be a positive integer");
    groups_ = config.Int("groups", 1);
    if (groups_ <= 0) config.Invalid("groups", "must be a positive integer");
    if (filters_ % groups_ != 0) {
      config.Reject("groups", "the number of filters (" + std::to_string(filters_) +
                                  ") must be divisible by the number of groups");
    }
    if (padding_ == "causal" && channels_first_) {
      config.Reject("padding", "causal padding is only supported with data_format='channels_last'");
    }
    kernel_initializer_ = params::ReadInitializer(config, "kernel_initializer", "glorot_uniform");
    kernel_regularizer_ = params::ReadRegularizer(config, "kernel_regularizer");
    kernel_constraint_ = params::ReadConstraint(config, "kernel_constraint");
  }

  void Build(const Shapes& input_shapes) override {
    const int64_t in = InputChannels(OnlyShape(input_shapes));
    if (in % groups_ != 0) {
      Fail<ShapeError>(Who(), ": the number of input channels (", in, ") must be divisible by groups (", groups_,
                       "). Received input shape ", ShapeToString(OnlyShape(input_shapes)));
    }
    Shape kshape(kernel_size_.begin(), kernel_size_.end());
    kshape.push_back(in / groups_);
    kshape.push_back(filters_);
    kernel_ = AddWeight("kernel", kshape, kernel_initializer_, kernel_regularizer_, kernel_constraint_);
    if (use_bias_) bias_ = AddWeight("bias", {filters_}, bias_initializer_, bias_regularizer_, bias_constraint_);
    FixChannels(in);
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor x = ToChannelsLast(OnlyInput(inputs));
    std::vector<int64_t> spatial(x.shape().begin() + 1, x.shape().end() - 1), out;
    ops::ConvSpec spec = Spec(spatial, &out);
    spec.groups = groups_;
    Tensor y = ops::Conv(x, kernel_->value(), use_bias_ ? bias_->value() : Tensor(), spec);
    return {FromChannelsLast(Activate(y))};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    std::vector<int64_t> out;
    Spec(SpatialDims(s), &out);
    return {OutputShape(s[0], out, filters_)};
  }

  json GetConfig() const override {
    json c = ConvBase::GetConfig();
    c["filters"] = filters_;
    c["groups"] = groups_;
    c["kernel_initializer"] = params::ToConfig(kernel_initializer_);
    c["kernel_regularizer"] = params::ToConfig(kernel_regularizer_);
    c["kernel_constraint"] = params::ToConfig(kernel_constraint_);
    return c;
  }

 private:
  int64_t filters_;
  int64_t groups_;
  std::shared_ptr<params::Initializer> kernel_initializer_;
  std::shared_ptr<params::Regularizer> kernel_regularizer_;
  std::shared_ptr<params::Constraint> kernel_constraint_;
  ops::VariablePtr kernel_, bias_;
};

// ---- Conv2DTranspose / Conv3DTranspose: the adjoint of a strided convolution, plus bias ---------------------
class ConvTranspose : public ConvBase {
 public:
  ConvTranspose(ConfigReader& config, int rank) : ConvBase(config, rank, {"valid", "same"}) {
    filters_ = config.RequiredInt("filters");
    if (filters_ <= 0) config.Invalid("filters", "must be a positive integer");
    if (config.Has("output_padding")) {
      output_padding_ = ReadSpatialTuple(config, "output_padding", static_cast<size_t>(rank), {}, 0);
      for (int a = 0; a < rank; ++a) {
        if ((*output_padding_)[a] >= strides_[a]) {
          config.Reject("output_padding", "each output padding must be smaller than its stride (strides=" +
                                              std::to_string(strides_[a]) + " on axis " + std::to_string(a) + ")");
        }
      }
    } else {
      config.Get("output_padding");  // null
    }
    kernel_initializer_ = params::ReadInitializer(config, "kernel_initializer", "glorot_uniform");
    kernel_regularizer_ = params::ReadRegularizer(config, "kernel_regularizer");
    kernel_constraint_ = params::ReadConstraint(config, "kernel_constraint");
  }

  void Build(const Shapes& input_shapes) override {
    const int64_t in = InputChannels(OnlyShape(input_shapes));
    Shape kshape(kernel_size_.begin(), kernel_size_.end());
    kshape.push_back(filters_);
    kshape.push_back(in);
    kernel_ = AddWeight("kernel", kshape, kernel_initializer_, kernel_regularizer_, kernel_constraint_);
    if (use_bias_) bias_ = AddWeight("bias", {filters_}, bias_initializer_, bias_regularizer_, bias_constraint_);
    FixChannels(in);
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor x = ToChannelsLast(OnlyInput(inputs));
    std::vector<int64_t> spatial(x.shape().begin() + 1, x.shape().end() - 1);
    const std::vector<int64_t> out = OutputSpatial(spatial);
    ops::ConvSpec spec;
    spec.strides = strides_;
    spec.dilations = dilation_;
    for (int a = 0; a < rank_; ++a) {
      spec.pad_before.push_back(
          ops::ConvTransposePadBefore(spatial[a], out[a], kernel_size_[a], strides_[a], dilation_[a], padding_));
    }
    Tensor y = ops::ConvTranspose(x, kernel_->value(), use_bias_ ? bias_->value() : Tensor(), spec, out);
    return {FromChannelsLast(Activate(y))};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    return {OutputShape(s[0], OutputSpatial(SpatialDims(s)), filters_)};
  }

  json GetConfig() const override {
    json c = ConvBase::GetConfig();
    c["filters"] = filters_;
    c["output_padding"] = output_padding_ ? json(*output_padding_) : json(nullptr);
    c["kernel_initializer"] = params::ToConfig(kernel_initializer_);
    c["kernel_regularizer"] = params::ToConfig(kernel_regularizer_);
    c["kernel_constraint"] = params::ToConfig(kernel_constraint_);
    return c;
  }

 private:
  std::vector<int64_t> OutputSpatial(const std::vector<int64_t>& spatial) const {
    std::vector<int64_t> out;
    for (int a = 0; a < rank_; ++a) {
      if (spatial[a] < 0) {
        out.push_back(-1);
        continue;
      }
      std::optional<int64_t> op;
      if (output_padding_) op = (*output_padding_)[a];
      const int64_t len =
          ops::ConvTransposeOutputLength(spatial[a], kernel_size_[a], strides_[a], dilation_[a], padding_, op);
      if (len < 1) {
        Fail<ShapeError>(Who(), ": spatial size ", spatial[a], " on axis ", a, " gives an output size of ", len,
                         " (must be >= 1)");
      }
      out.push_back(len);
    }
    return out;
  }

  int64_t filters_;
  std::optional<std::vector<int64_t>> output_padding_;
  std::shared_ptr<params::Initializer> kernel_initializer_;
  std::shared_ptr<params::Regularizer> kernel_regularizer_;
  std::shared_ptr<params::Constraint> kernel_constraint_;
  ops::VariablePtr kernel_, bias_;
};

template <int kRank>
class ConvN : public Conv {
 public:
  explicit ConvN(ConfigReader& config) : Conv(config, kRank) {}
};

template <int kRank>
class ConvTransposeN : public ConvTranspose {
 public:
  explicit ConvTransposeN(ConfigReader& config) : ConvTranspose(config, kRank) {}
};

}  // namespace

LayerPtr CreateConv1D(const json& config) { return MakeLayer<ConvN<1>>(config, "Conv1D"); }
LayerPtr CreateConv2D(const json& config) { return MakeLayer<ConvN<2>>(config, "Conv2D"); }
LayerPtr CreateConv3D(const json& config) { return MakeLayer<ConvN<3>>(config, "Conv3D"); }
LayerPtr CreateConv2DTranspose(const json& config) { return MakeLayer<ConvTransposeN<2>>(config, "Conv2DTranspose"); }
LayerPtr CreateConv3DTranspose(const json& config) { return MakeLayer<ConvTransposeN<3>>(config, "Conv3DTranspose"); }

}  // namespace kerasm::layers
