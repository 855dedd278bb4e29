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
    filters_ = ReadFilters(config);
    groups_ = config.Int("groups", 1);
    if (groups_ <= 0) config.Invalid("groups", "must be a positive integer");
    if (filters_ % groups_ != 0) {
      config.Reject("groups", "the number of filters (" + std::to_string(filters_) +
                                  ") must be divisible by the number of groups");
    }
    if (padding_ == "causal" && channels_first_) {
      config.Reject("padding", "causal padding is only supported with data_format='channels_last'");
    }
    kernel_args_ = WeightArgs::Read(config, "kernel", "glorot_uniform");
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
    kernel_ = AddWeightWith("kernel", kshape, kernel_args_);
    if (use_bias_) bias_ = AddWeightWith("bias", {filters_}, bias_args_);
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
    return {WindowedOutputShape(OnlyShape(input_shapes), filters_)};
  }

  json GetConfig() const override {
    json c = ConvBase::GetConfig();
    c["filters"] = filters_;
    c["groups"] = groups_;
    kernel_args_.Write(&c, "kernel");
    return c;
  }

 private:
  int64_t filters_;
  int64_t groups_;
  WeightArgs kernel_args_;
  ops::VariablePtr kernel_, bias_;
};

// ---- Conv2DTranspose / Conv3DTranspose: the adjoint of a strided convolution, plus bias ---------------------
class ConvTranspose : public ConvBase {
 public:
  ConvTranspose(ConfigReader& config, int rank) : ConvBase(config, rank, {"valid", "same"}) {
    filters_ = ReadFilters(config);
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
    kernel_args_ = WeightArgs::Read(config, "kernel", "glorot_uniform");
  }

  void Build(const Shapes& input_shapes) override {
    const int64_t in = InputChannels(OnlyShape(input_shapes));
    Shape kshape(kernel_size_.begin(), kernel_size_.end());
    kshape.push_back(filters_);
    kshape.push_back(in);
    kernel_ = AddWeightWith("kernel", kshape, kernel_args_);
    if (use_bias_) bias_ = AddWeightWith("bias", {filters_}, bias_args_);
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
    kernel_args_.Write(&c, "kernel");
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
  WeightArgs kernel_args_;
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
