// LocallyConnected1D / LocallyConnected2D (Keras 2; tfjs and Keras 3 dropped them): a convolution whose
// kernel is not shared, each output position p having its own [taps * channels, filters] matrix:
//   y[n, p, f] = activation(sum_k patches[n, p, k] * kernel[p, k, f] + bias[p, f]).
// Weights in Keras 2's implementation=1 shapes, whatever `implementation` says (2 and 3 were other ways of
// computing the same function): kernel [positions, taps * channels, filters], bias [out dims.., filters].
// A patch row is ordered (tap, channel) for channels_last and (channel, tap) for channels_first, as Keras
// slices the input; only "valid" padding exists, as in Keras.
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

class LocallyConnected : public ConvBase {
 public:
  LocallyConnected(ConfigReader& config, int rank) : ConvBase(config, rank, {"valid"}, false) {
    filters_ = ReadFilters(config);
    implementation_ = config.Int("implementation", 1);
    if (implementation_ < 1 || implementation_ > 3) config.Invalid("implementation", "must be 1, 2 or 3");
    kernel_args_ = WeightArgs::Read(config, "kernel", "glorot_uniform");
  }

  void Build(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    const int64_t in = InputChannels(s);
    const std::vector<int64_t> spatial = SpatialDims(s);
    for (int a = 0; a < rank_; ++a) {
      if (spatial[a] < 0) {
        Fail<ShapeError>(Who(), ": the spatial dimensions of the inputs must be defined (each output position has its "
                                "own weights). Received input shape ", ShapeToString(s));
      }
    }
    Spec(spatial, &out_spatial_);
    int64_t positions = 1, taps = 1;
    for (int a = 0; a < rank_; ++a) {
      positions *= out_spatial_[a];
      taps *= kernel_size_[a];
    }
    taps_ = taps;
    kernel_ = AddWeightWith("kernel", {positions, taps * in, filters_}, kernel_args_);
    if (use_bias_) {
      Shape bshape(out_spatial_.begin(), out_spatial_.end());
      bshape.push_back(filters_);
      bias_ = AddWeightWith("bias", bshape, bias_args_);
    }
    FixChannels(in);
    // The spatial sizes are part of the weights' shapes.
    for (int a = 0; a < rank_; ++a) input_spec_[0].axes.push_back({(channels_first_ ? 2 : 1) + a, spatial[a]});
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor x = ToChannelsLast(OnlyInput(inputs));
    const int64_t n = x.dim(0), c = x.dim(-1);
    std::vector<int64_t> spatial(x.shape().begin() + 1, x.shape().end() - 1), out;
    const ops::ConvSpec spec = Spec(spatial, &out);
    // [N, P, taps * C] -> [P, N, taps * C]: one batched product per output position.
    Tensor patches = ops::Transpose(ops::ExtractPatches(x, kernel_size_, spec), {1, 0, 2});
    Tensor kernel = kernel_->value();
    const int64_t positions = kernel.dim(0);
    if (channels_first_) {
      // Keras' channels_first rows are (channel, tap): bring them to the (tap, channel) order of the patches.
      kernel = ops::Reshape(
          ops::Transpose(ops::Reshape(kernel, {positions, c, taps_, filters_}), {0, 2, 1, 3}),
          {positions, taps_ * c, filters_});
    }
    Tensor y = ops::Transpose(ops::MatMul(patches, kernel), {1, 0, 2});  // [N, P, F]
    if (use_bias_) y = ops::Add(y, ops::Reshape(bias_->value(), {positions, filters_}));
    Shape shape{n};
    shape.insert(shape.end(), out.begin(), out.end());
    shape.push_back(filters_);
    return {FromChannelsLast(Activate(ops::Reshape(y, shape)))};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    return {WindowedOutputShape(OnlyShape(input_shapes), filters_)};
  }

  json GetConfig() const override {
    json c = ConvBase::GetConfig();
    c["filters"] = filters_;
    c["implementation"] = implementation_;
    kernel_args_.Write(&c, "kernel");
    return c;
  }

 private:
  int64_t filters_;
  int64_t implementation_;
  int64_t taps_ = 1;
  std::vector<int64_t> out_spatial_;
  WeightArgs kernel_args_;
  ops::VariablePtr kernel_, bias_;
};

template <int kRank>
class LocallyConnectedN : public LocallyConnected {
 public:
  explicit LocallyConnectedN(ConfigReader& config) : LocallyConnected(config, kRank) {}
};

}  // namespace

LayerPtr CreateLocallyConnected1D(const json& config) {
  return MakeLayer<LocallyConnectedN<1>>(config, "LocallyConnected1D");
}
LayerPtr CreateLocallyConnected2D(const json& config) {
  return MakeLayer<LocallyConnectedN<2>>(config, "LocallyConnected2D");
}

}  // namespace kerasm::layers
