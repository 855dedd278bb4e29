// Noise layers: GaussianNoise (additive), GaussianDropout (multiplicative) and AlphaDropout (dropout that keeps
// a SELU network's mean and variance). All three act in training only and are the identity at inference;
// each draws from its own seeded stream, so a seed reproduces the sequence of draws. Masks pass through.
#include <cmath>
#include <optional>

#include "core/error.h"
#include "core/rng.h"
#include "layers/dropout_mask.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "params/arguments.h"

namespace kerasm::layers {
namespace {

using params::ShapeToJson;

Rng SeededRng(const std::optional<int64_t>& seed) { return Rng(seed ? static_cast<uint64_t>(*seed) : NextAutoSeed()); }

json SeedToJson(const std::optional<int64_t>& seed) { return seed ? json(*seed) : json(nullptr); }

// rate in [0, 1): at rate 1 the Gaussian noise's variance rate / (1 - rate) and AlphaDropout's scale
// ((1 - rate)(1 + rate alpha'^2))^-1/2 are infinite.
double ReadNoiseRate(ConfigReader& config) {
  if (!config.Has("rate")) config.Missing("rate");
  const double rate = config.Number("rate", 0.0);
  if (!(rate >= 0.0 && rate < 1.0)) config.Invalid("rate", "must be a float in [0, 1)");
  return rate;
}

// A tensor of `shape` with independent normal entries of mean `mean` and standard deviation `stddev`.
Tensor NormalNoise(Rng& rng, const Shape& shape, float mean, float stddev) {
  Tensor noise(shape);
  float* n = noise.f32();
  for (int64_t i = 0; i < noise.size(); ++i) n[i] = rng.Normal(mean, stddev);
  return noise;
}

// ---- GaussianNoise: x + N(0, stddev^2) in training ------------------------------------------------------------
class GaussianNoise : public Layer {
 public:
  explicit GaussianNoise(ConfigReader& config) : Layer(config), rng_(0) {
    if (!config.Has("stddev")) config.Missing("stddev");
    stddev_ = config.Number("stddev", 0.0);
    // Keras 3 also caps stddev at 1; Keras 2 and tfjs do not, and their models load here unchanged.
    if (!(stddev_ >= 0.0 && std::isfinite(stddev_))) config.Invalid("stddev", "must be a finite float >= 0");
    seed_ = config.OptionalInt("seed");
    rng_ = SeededRng(seed_);
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    if (!ctx.training || stddev_ == 0.0) return {x};
    return {ops::Add(x, NormalNoise(rng_, x.shape(), 0.f, static_cast<float>(stddev_)))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["stddev"] = stddev_;
    c["seed"] = SeedToJson(seed_);
    return c;
  }

 private:
  double stddev_;
  std::optional<int64_t> seed_;
  Rng rng_;
};

// ---- GaussianDropout: x * N(1, rate / (1 - rate)) in training -------------------------------------------------
class GaussianDropout : public Layer {
 public:
  explicit GaussianDropout(ConfigReader& config) : Layer(config), rng_(0) {
    rate_ = ReadNoiseRate(config);
    seed_ = config.OptionalInt("seed");
    rng_ = SeededRng(seed_);
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    if (!ctx.training || rate_ == 0.0) return {x};
    const float stddev = static_cast<float>(std::sqrt(rate_ / (1.0 - rate_)));
    return {ops::Mul(x, NormalNoise(rng_, x.shape(), 1.f, stddev))};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["rate"] = rate_;
    c["seed"] = SeedToJson(seed_);
    return c;
  }

 private:
  double rate_;
  std::optional<int64_t> seed_;
  Rng rng_;
};

// ---- AlphaDropout: dropped entries set to SELU's saturation value, then an affine correction ------------------
// With alpha' = -scale * alpha (SELU's negative limit) and q = 1 - rate, y = a * (kept ? x : alpha') + b where
// a = (q * (1 + rate * alpha'^2))^-1/2 and b = -a * alpha' * rate: for inputs of mean 0 and variance 1 the
// output keeps mean 0 and variance 1 (Klambauer et al., 2017).
class AlphaDropout : public Layer {
 public:
  explicit AlphaDropout(ConfigReader& config) : Layer(config), rng_(0) {
    rate_ = ReadNoiseRate(config);
    noise_shape_ = config.OptionalShape("noise_shape");
    seed_ = config.OptionalInt("seed");
    rng_ = SeededRng(seed_);
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    if (!ctx.training || rate_ == 0.0) return {x};
    constexpr double kAlpha = 1.6732632423543772, kScale = 1.0507009873554805;
    const double alpha_p = -kAlpha * kScale;
    const double a = 1.0 / std::sqrt((1.0 - rate_) * (1.0 + rate_ * alpha_p * alpha_p));
    const double b = -a * alpha_p * rate_;
    const Shape noise = noise_shape_ ? ResolveNoiseShape(Who(), *noise_shape_, x.shape()) : x.shape();
    // y = x * scale + shift with scale = a (kept) / 0 (dropped) and shift = b (kept) / a * alpha' + b
    // (dropped): both are drawn from one decision per noise entry and broadcast; d y / d x = scale.
    Tensor scale = DrawKeepMask(rng_, noise, rate_, 1.f, 0.f);
    Tensor shift(noise);
    float* sc = scale.f32();
    float* sh = shift.f32();
    for (int64_t i = 0; i < scale.size(); ++i) {
      const bool kept = sc[i] != 0.f;
      sc[i] = kept ? static_cast<float>(a) : 0.f;
      sh[i] = static_cast<float>(kept ? b : a * alpha_p + b);
    }
    return {ops::Add(ops::Mul(x, scale), shift)};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["rate"] = rate_;
    c["noise_shape"] = noise_shape_ ? ShapeToJson(*noise_shape_) : json(nullptr);
    c["seed"] = SeedToJson(seed_);
    return c;
  }

 private:
  double rate_;
  std::optional<Shape> noise_shape_;
  std::optional<int64_t> seed_;
  Rng rng_;
};

}  // namespace

LayerPtr CreateAlphaDropout(const json& config) { return MakeLayer<AlphaDropout>(config, "AlphaDropout"); }
LayerPtr CreateGaussianDropout(const json& config) { return MakeLayer<GaussianDropout>(config, "GaussianDropout"); }
LayerPtr CreateGaussianNoise(const json& config) { return MakeLayer<GaussianNoise>(config, "GaussianNoise"); }

}  // namespace kerasm::layers
