// Regularization layers: SpatialDropout1D/2D/3D (dropout of whole channels) and ActivityRegularization
// (the identity, adding an L1/L2 penalty of its input to the losses). Arguments and checks follow Keras 3.
#include <optional>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "layers/dropout_mask.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/regularizers.h"

namespace kerasm::layers {
namespace {

using params::ReadDataFormat;

// ---- SpatialDropout1D/2D/3D: one keep/drop decision per (sample, channel), inverted-dropout scale ----------
// The noise shape is [B, 1, ..., 1, C] for channels_last and [B, C, 1, ..., 1] for channels_first, so a
// dropped channel is zero at every step / pixel / voxel; kept channels are scaled by 1 / (1 - rate).
class SpatialDropout : public Layer {
 public:
  SpatialDropout(ConfigReader& config, int spatial_dims) : Layer(config), spatial_dims_(spatial_dims), rng_(0) {
    if (!config.Has("rate")) config.Missing("rate");
    rate_ = config.Number("rate", 0.0);
    // Keras accepts rate 1 (everything dropped), as Dropout does.
    if (!(rate_ >= 0.0 && rate_ <= 1.0)) config.Invalid("rate", "must be a float between 0 and 1");
    seed_ = config.OptionalInt("seed");
    // SpatialDropout1D has no data_format in Keras (its channels are last); 2D and 3D have one.
    data_format_ = spatial_dims_ == 1 ? "channels_last" : ReadDataFormat(config);
    // tfjs-layers' SpatialDropout1D is a Dropout and writes noise_shape (null); the layer picks its own.
    if (config.Has("noise_shape")) config.Reject("noise_shape", "the noise shape of a spatial dropout is fixed by the layer");
    config.Get("noise_shape");
    rng_ = Rng(seed_ ? static_cast<uint64_t>(*seed_) : NextAutoSeed());
    InputSpec spec;
    spec.ndim = spatial_dims_ + 2;
    input_spec_ = {spec};
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    if (!ctx.training || rate_ == 0.0) return {x};
    const Shape& s = x.shape();
    Shape noise(s.size(), 1);
    noise[0] = s[0];
    const size_t channel_axis = data_format_ == "channels_first" ? 1 : s.size() - 1;
    noise[channel_axis] = s[channel_axis];
    const float keep = rate_ < 1.0 ? static_cast<float>(1.0 / (1.0 - rate_)) : 0.f;
    // The mask broadcasts over the spatial axes; its product with x gives the gradient (the mask) too.
    return {ops::Mul(x, DrawKeepMask(rng_, noise, rate_, keep, 0.f))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["rate"] = rate_;
    c["seed"] = seed_ ? json(*seed_) : json(nullptr);
    if (spatial_dims_ == 1) {
      c["noise_shape"] = nullptr;
    } else {
      c["data_format"] = data_format_;
    }
    return c;
  }

 private:
  int spatial_dims_;
  double rate_;
  std::optional<int64_t> seed_;
  std::string data_format_;
  Rng rng_;
};

class SpatialDropout1D : public SpatialDropout {
 public:
  explicit SpatialDropout1D(ConfigReader& config) : SpatialDropout(config, 1) {}
};
class SpatialDropout2D : public SpatialDropout {
 public:
  explicit SpatialDropout2D(ConfigReader& config) : SpatialDropout(config, 2) {}
};
class SpatialDropout3D : public SpatialDropout {
 public:
  explicit SpatialDropout3D(ConfigReader& config) : SpatialDropout(config, 3) {}
};

// ---- ActivityRegularization: identity; adds (l1 * sum|x| + l2 * sum x^2) / batch size to the losses --------
// The penalty is the layer's activity regularizer, so the base class adds it after each call with the
// batch-size normalisation every activity regularizer gets (as current Keras does).
class ActivityRegularization : public Layer {
 public:
  explicit ActivityRegularization(ConfigReader& config) : Layer(config) {
    l1_ = config.Number("l1", 0.0);
    l2_ = config.Number("l2", 0.0);
    if (!(l1_ >= 0)) config.Invalid("l1", "must be a float >= 0");
    if (!(l2_ >= 0)) config.Invalid("l2", "must be a float >= 0");
    // A Keras base config may carry the regularizer these coefficients define; l1 and l2 are authoritative.
    config.Ignore("activity_regularizer");
    activity_regularizer_ = params::CreateRegularizer({{"class_name", "L1L2"}, {"config", {{"l1", l1_}, {"l2", l2_}}}});
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override { return {OnlyInput(inputs)}; }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["l1"] = l1_;
    c["l2"] = l2_;
    return c;
  }

 private:
  double l1_, l2_;
};

}  // namespace

LayerPtr CreateActivityRegularization(const json& config) {
  return MakeLayer<ActivityRegularization>(config, "ActivityRegularization");
}
LayerPtr CreateSpatialDropout1D(const json& config) { return MakeLayer<SpatialDropout1D>(config, "SpatialDropout1D"); }
LayerPtr CreateSpatialDropout2D(const json& config) { return MakeLayer<SpatialDropout2D>(config, "SpatialDropout2D"); }
LayerPtr CreateSpatialDropout3D(const json& config) { return MakeLayer<SpatialDropout3D>(config, "SpatialDropout3D"); }

}  // namespace kerasm::layers
