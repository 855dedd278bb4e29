// Noise, regularization and masking layers: generic-test cases (inference: the noise layers are the identity,
// Masking and ActivityRegularization follow their formulas) and the training-mode behaviour the generic test
// cannot see, checked statistically: dropped fractions, whole channels, the inverted-dropout scale, noise
// moments, AlphaDropout's preserved mean and variance, seeds, gradients; plus losses, masks and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::testing {

namespace {

Reference Identity() {
  return [](const Tensors& in, const Tensors&) { return std::vector<std::vector<double>>{ToDoubles(in[0])}; };
}

// Keras' Masking: x[..., t, :] * any_f(x[..., t, f] != mask_value).
Reference MaskingRef(double mask_value) {
  return [=](const Tensors& in, const Tensors&) {
    const std::vector<double> x = ToDoubles(in[0]);
    const int64_t f = in[0].shape().back();
    std::vector<double> y(x.size());
    for (size_t r = 0; r < x.size(); r += f) {
      bool any = false;
      for (int64_t j = 0; j < f; ++j) any = any || x[r + j] != static_cast<double>(static_cast<float>(mask_value));
      for (int64_t j = 0; j < f; ++j) y[r + j] = any ? x[r + j] : 0.0;
    }
    return std::vector<std::vector<double>>{y};
  };
}

}  // namespace

std::vector<LayerCase> NoiseLayerCases() {
  std::vector<LayerCase> cases;
  cases.push_back({"SpatialDropout1D/inference", "SpatialDropout1D", {{"rate", 0.5}, {"seed", 7}}, {{2, 4, 3}}, {},
                   Identity()});
  cases.push_back({"SpatialDropout2D/channels_last", "SpatialDropout2D", {{"rate", 0.3}}, {{2, 3, 3, 2}}, {}, Identity()});
  cases.push_back({"SpatialDropout2D/channels_first", "SpatialDropout2D",
                   {{"rate", 0.3}, {"data_format", "channels_first"}, {"seed", 2}}, {{2, 2, 3, 3}}, {}, Identity()});
  cases.push_back({"SpatialDropout3D/channels_last", "SpatialDropout3D", {{"rate", 0.2}}, {{2, 2, 2, 2, 3}}, {},
                   Identity()});
  cases.push_back({"SpatialDropout3D/channels_first", "SpatialDropout3D",
                   {{"rate", 0.2}, {"data_format", "channels_first"}}, {{2, 3, 2, 2, 2}}, {}, Identity()});
  cases.push_back({"GaussianNoise/inference", "GaussianNoise", {{"stddev", 0.5}, {"seed", 3}}, {{3, 4}}, {}, Identity()});
  cases.push_back({"GaussianDropout/inference", "GaussianDropout", {{"rate", 0.4}}, {{2, 3, 4}}, {}, Identity()});
  cases.push_back({"AlphaDropout/inference", "AlphaDropout", {{"rate", 0.2}, {"noise_shape", {nullptr, 1, 4}}, {"seed", 1}},
                   {{2, 3, 4}}, {}, Identity()});
  cases.push_back({"ActivityRegularization/identity", "ActivityRegularization", {{"l1", 0.1}, {"l2", 0.2}}, {{3, 5}}, {},
                   Identity()});
  cases.push_back({"Masking/default", "Masking", json::object(), {{2, 4, 3}}, {}, MaskingRef(0.0)});
  cases.push_back({"Masking/mask_value", "Masking", {{"mask_value", 0.5}}, {{3, 2, 2, 2}}, {}, MaskingRef(0.5)});
  return cases;
}

namespace {

using layers::CreateLayer;
using layers::LayerPtr;

Tensor ApplyIn(const LayerPtr& layer, const Tensor& x, bool training) {
  layers::CallContext ctx;
  ctx.training = training;
  return layer->Apply(x, ctx);
}

struct Moments {
  double mean = 0, var = 0;
};

Moments MomentsOf(const std::vector<double>& v) {
  Moments m;
  for (double e : v) m.mean += e;
  m.mean /= v.size();
  for (double e : v) m.var += (e - m.mean) * (e - m.mean);
  m.var /= v.size() - 1;
  return m;
}

Tensor StandardNormal(const Shape& shape, uint64_t seed) {
  Rng rng(seed);
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = rng.Normal();
  return t;
}

// ---- SpatialDropout ----------------------------------------------------------------------------------------

// For x of ones, each (sample, channel) must be all 0 or all 1/(1-rate) over the spatial positions; returns the
// fraction of channels dropped. `channel_axis` is 1 or the last axis.
double CheckWholeChannels(const Tensor& y, int channel_axis, double rate) {
  const Shape& s = y.shape();
  const int64_t B = s[0], C = s[channel_axis];
  const int64_t spatial = y.size() / (B * C);
  const float keep = static_cast<float>(1.0 / (1.0 - rate));
  int64_t dropped = 0;
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t c = 0; c < C; ++c) {
      std::vector<float> vals;
      for (int64_t p = 0; p < spatial; ++p) {
        const int64_t idx = channel_axis == 1 ? (b * C + c) * spatial + p : (b * spatial + p) * C + c;
        vals.push_back(y.f32()[idx]);
      }
      for (float v : vals) EXPECT_EQ(v, vals[0]) << "sample " << b << " channel " << c;
      if (vals[0] == 0.f) {
        ++dropped;
      } else {
        EXPECT_FLOAT_EQ(vals[0], keep);
      }
    }
  }
  return static_cast<double>(dropped) / (B * C);
}

TEST(SpatialDropout, DropsWholeChannelsAtTheRateInEveryFormat) {
  struct Setup {
    const char* cls;
    const char* data_format;
    Shape shape;
    int channel_axis;
  };
  const std::vector<Setup> setups = {
      {"SpatialDropout1D", nullptr, {100, 5, 40}, 2},
      {"SpatialDropout2D", "channels_last", {100, 3, 2, 40}, 3},
      {"SpatialDropout2D", "channels_first", {100, 40, 3, 2}, 1},
      {"SpatialDropout3D", "channels_last", {50, 2, 2, 2, 80}, 4},
      {"SpatialDropout3D", "channels_first", {50, 80, 2, 2, 2}, 1},
  };
  const double rate = 0.3;
  for (const Setup& s : setups) {
    json config = {{"rate", rate}, {"seed", 4}};
    if (s.data_format) config["data_format"] = s.data_format;
    LayerPtr layer = CreateLayer(s.cls, config);
    const Tensor y = ApplyIn(layer, Tensor::Full(s.shape, 1.f), true);
    // 4000 Bernoulli(0.3) channel decisions: standard deviation 0.0072; 6 of them.
    EXPECT_NEAR(CheckWholeChannels(y, s.channel_axis, rate), rate, 0.044) << s.cls << " " << (s.data_format ? s.data_format : "");
    // Identity at inference.
    const Tensor x = RandomTensor(s.shape, 5);
    EXPECT_EQ(ApplyIn(layer, x, false).ToFloatVector(), x.ToFloatVector());
  }
}

TEST(SpatialDropout, SeedsReproduceAndTheGradientIsTheMask) {
  const json config = {{"rate", 0.5}, {"seed", 11}};
  const Tensor ones = Tensor::Full({8, 3, 6}, 1.f);
  LayerPtr a = CreateLayer("SpatialDropout1D", config), b = CreateLayer("SpatialDropout1D", config);
  const std::vector<float> a1 = ApplyIn(a, ones, true).ToFloatVector();
  EXPECT_EQ(a1, ApplyIn(b, ones, true).ToFloatVector());
  EXPECT_NE(a1, ApplyIn(a, ones, true).ToFloatVector());  // a new draw per call

  LayerPtr layer = CreateLayer("SpatialDropout2D", {{"rate", 0.4}, {"seed", 2}});
  const Tensor x = RandomTensor({4, 3, 3, 5}, 6, 0.5f, 1.5f);
  ops::GradientTape tape;
  const Tensor y = ApplyIn(layer, x, true);
  const Tensor g = tape.Gradient(y, {x})[0];
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_FLOAT_EQ(g.f32()[i], y.f32()[i] / x.f32()[i]);
}

TEST(SpatialDropout, RateOneDropsEverythingAndRateZeroNothing) {
  const Tensor x = RandomTensor({2, 3, 4}, 1);
  for (float v : ApplyIn(CreateLayer("SpatialDropout1D", {{"rate", 1.0}}), x, true).ToFloatVector()) EXPECT_EQ(v, 0.f);
  EXPECT_EQ(ApplyIn(CreateLayer("SpatialDropout1D", {{"rate", 0.0}}), x, true).ToFloatVector(), x.ToFloatVector());
}

TEST(SpatialDropout, ErrorsNameTheLayer) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("SpatialDropout1D", {{"rate", 1.5}}); }),
                 {"SpatialDropout1D", "rate=1.5"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("SpatialDropout2D", {{"rate", -0.1}}); }),
                 {"SpatialDropout2D", "rate=-0.1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("SpatialDropout3D", json::object()); }), {"SpatialDropout3D", "rate"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("SpatialDropout2D", {{"rate", 0.1}, {"data_format", "nhwc"}}); }),
                 {"SpatialDropout2D", "nhwc"});
  // SpatialDropout1D has no data_format; a noise_shape other than null is refused.
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("SpatialDropout1D", {{"rate", 0.1}, {"data_format", "channels_last"}}); }),
                 {"SpatialDropout1D", "data_format"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("SpatialDropout1D", {{"rate", 0.1}, {"noise_shape", {1, 1, 3}}}); }),
                 {"SpatialDropout1D", "noise_shape"});
  EXPECT_NO_THROW(CreateLayer("SpatialDropout1D", {{"rate", 0.1}, {"noise_shape", nullptr}}));
  LayerPtr layer = CreateLayer("SpatialDropout2D", {{"rate", 0.1}, {"name", "sd"}});
  ExpectContains(ErrorOf<ShapeError>([&] { ApplyIn(layer, Tensor::Zeros({2, 3, 4}), true); }), {"SpatialDropout2D 'sd'", "ndim=4"});
}

// ---- GaussianNoise / GaussianDropout -----------------------------------------------------------------------

TEST(GaussianNoise, AddsZeroMeanNoiseOfTheStddevInTrainingOnly) {
  const double stddev = 0.7;
  LayerPtr layer = CreateLayer("GaussianNoise", {{"stddev", stddev}, {"seed", 3}});
  const Tensor x = RandomTensor({100, 100}, 2);
  const Tensor y = ApplyIn(layer, x, true);
  std::vector<double> noise;
  for (int64_t i = 0; i < x.size(); ++i) noise.push_back(static_cast<double>(y.f32()[i]) - x.f32()[i]);
  const Moments m = MomentsOf(noise);
  // 10000 draws: the mean's standard error is 0.007, the variance's about 0.0069 (sqrt(2/n) * 0.49).
  EXPECT_NEAR(m.mean, 0.0, 0.035);
  EXPECT_NEAR(m.var, stddev * stddev, 0.035);
  EXPECT_EQ(ApplyIn(layer, x, false).ToFloatVector(), x.ToFloatVector());
  // Seeded: another layer with the seed gives the same first draw; the gradient is 1 everywhere.
  EXPECT_EQ(ApplyIn(CreateLayer("GaussianNoise", {{"stddev", stddev}, {"seed", 3}}), x, true).ToFloatVector(), y.ToFloatVector());
  ops::GradientTape tape;
  const Tensor g = tape.Gradient(ApplyIn(layer, x, true), {x})[0];
  for (float v : g.ToFloatVector()) EXPECT_EQ(v, 1.f);
}

TEST(GaussianDropout, MultipliesByNoiseOfMeanOneAndVarianceRateOverOneMinusRate) {
  const double rate = 0.4;
  LayerPtr layer = CreateLayer("GaussianDropout", {{"rate", rate}, {"seed", 8}});
  const Tensor x = RandomTensor({100, 100}, 4, 0.5f, 2.f);
  const Tensor y = ApplyIn(layer, x, true);
  std::vector<double> factor;
  for (int64_t i = 0; i < x.size(); ++i) factor.push_back(static_cast<double>(y.f32()[i]) / x.f32()[i]);
  const Moments m = MomentsOf(factor);
  const double var = rate / (1 - rate);  // 0.667: standard errors 0.008 (mean) and 0.0094 (variance)
  EXPECT_NEAR(m.mean, 1.0, 0.04);
  EXPECT_NEAR(m.var, var, 0.05);
  EXPECT_EQ(ApplyIn(layer, x, false).ToFloatVector(), x.ToFloatVector());
  EXPECT_EQ(ApplyIn(CreateLayer("GaussianDropout", {{"rate", rate}, {"seed", 8}}), x, true).ToFloatVector(), y.ToFloatVector());
  // The gradient is the noise factor.
  LayerPtr again = CreateLayer("GaussianDropout", {{"rate", rate}, {"seed", 8}});
  ops::GradientTape tape;
  const Tensor g = tape.Gradient(ApplyIn(again, x, true), {x})[0];
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_NEAR(g.f32()[i], factor[i], 1e-5 * (1 + std::fabs(factor[i])));
}

TEST(GaussianNoiseAndDropout, ErrorsNameTheLayerAndValue) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("GaussianNoise", {{"stddev", -1}}); }), {"GaussianNoise", "stddev=-1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("GaussianNoise", json::object()); }), {"GaussianNoise", "stddev"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("GaussianDropout", {{"rate", 1}}); }),
                 {"GaussianDropout", "[0, 1)", "rate=1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("GaussianDropout", {{"rate", -0.5}}); }), {"GaussianDropout", "rate=-0.5"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("GaussianDropout", {{"rate", 0.1}, {"noise_shape", {1}}}); }),
                 {"GaussianDropout", "noise_shape"});
}

// ---- AlphaDropout ------------------------------------------------------------------------------------------

constexpr double kAlphaP = -1.6732632423543772 * 1.0507009873554805;

TEST(AlphaDropout, KeepsTheMeanAndVarianceOfStandardNormalInputs) {
  const double rate = 0.2;
  const double a = std::pow((1 - rate) * (1 + rate * kAlphaP * kAlphaP), -0.5);
  const double b = -a * kAlphaP * rate;
  LayerPtr layer = CreateLayer("AlphaDropout", {{"rate", rate}, {"seed", 5}});
  const Tensor x = StandardNormal({200, 100}, 17);
  const Tensor y = ApplyIn(layer, x, true);
  std::vector<double> out;
  int64_t dropped = 0;
  for (int64_t i = 0; i < x.size(); ++i) {
    const double v = y.f32()[i];
    out.push_back(v);
    // Each entry is either the affine image of x or the affine image of alpha'.
    const bool is_dropped = std::fabs(v - (a * kAlphaP + b)) < 1e-5;
    if (is_dropped) {
      ++dropped;
    } else {
      EXPECT_NEAR(v, a * x.f32()[i] + b, 1e-5) << i;
    }
  }
  // 20000 entries: the dropped fraction's standard deviation is 0.0028; the output's mean and variance have
  // standard errors near 0.007 and 0.01.
  EXPECT_NEAR(static_cast<double>(dropped) / x.size(), rate, 0.017);
  const Moments m = MomentsOf(out);
  const Moments in = MomentsOf(ToDoubles(x));
  EXPECT_NEAR(m.mean, in.mean, 0.04);
  EXPECT_NEAR(m.var, in.var, 0.06);
  EXPECT_EQ(ApplyIn(layer, x, false).ToFloatVector(), x.ToFloatVector());
}

TEST(AlphaDropout, NoiseShapeSeedsAndGradient) {
  const double rate = 0.5;
  const double a = std::pow((1 - rate) * (1 + rate * kAlphaP * kAlphaP), -0.5);
  LayerPtr layer = CreateLayer("AlphaDropout", {{"rate", rate}, {"noise_shape", {nullptr, 1, 4}}, {"seed", 9}});
  const Tensor x = RandomTensor({16, 5, 4}, 3);
  ops::GradientTape tape;
  const Tensor y = ApplyIn(layer, x, true);
  const Tensor g = tape.Gradient(y, {x})[0];
  // One decision per (sample, feature), shared by the 5 steps: the gradient is a or 0 along each column.
  int kept = 0;
  for (int64_t s = 0; s < 16; ++s) {
    for (int64_t f = 0; f < 4; ++f) {
      const float first = g.f32()[(s * 5) * 4 + f];
      EXPECT_TRUE(std::fabs(first - a) < 1e-6 || first == 0.f) << first;
      kept += first != 0.f;
      for (int64_t t = 1; t < 5; ++t) EXPECT_EQ(g.f32()[(s * 5 + t) * 4 + f], first);
    }
  }
  EXPECT_GT(kept, 10);  // of 64 Bernoulli(0.5): the odds of 10 or fewer are below 1e-7
  EXPECT_LT(kept, 54);
  LayerPtr twin = CreateLayer("AlphaDropout", {{"rate", rate}, {"noise_shape", {nullptr, 1, 4}}, {"seed", 9}});
  EXPECT_EQ(ApplyIn(twin, x, true).ToFloatVector(), y.ToFloatVector());
  // A noise shape that cannot broadcast is a ShapeError naming the layer.
  LayerPtr bad = CreateLayer("AlphaDropout", {{"rate", 0.1}, {"noise_shape", {nullptr, 2}}, {"name", "ad"}});
  ExpectContains(ErrorOf<ShapeError>([&] { ApplyIn(bad, Tensor::Zeros({3, 4}), true); }), {"AlphaDropout 'ad'", "[null,2]", "[3,4]"});
  ExpectContains(ErrorOf<ShapeError>([&] { ApplyIn(bad, Tensor::Zeros({3, 2, 2}), true); }), {"AlphaDropout 'ad'", "rank"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("AlphaDropout", {{"rate", 1.0}}); }), {"AlphaDropout", "rate=1"});
}

// ---- masks pass through the dropout and noise layers -------------------------------------------------------

TEST(NoiseLayers, MasksPassThrough) {
  const Tensor mask = Tensor::FromVector({2, 3}, {1, 1, 0, 1, 0, 0});
  const std::vector<std::pair<const char*, json>> layers_under_test = {
      {"SpatialDropout1D", {{"rate", 0.5}}}, {"GaussianNoise", {{"stddev", 0.1}}}, {"GaussianDropout", {{"rate", 0.1}}},
      {"AlphaDropout", {{"rate", 0.1}}},     {"ActivityRegularization", {{"l1", 0.1}}}};
  for (const auto& [cls, config] : layers_under_test) {
    layers::CallContext ctx;
    ctx.training = true;
    ctx.masks = {mask};
    const layers::CallResult r = CreateLayer(cls, config)->ApplyWithMasks({RandomTensor({2, 3, 4}, 1)}, ctx);
    ASSERT_EQ(r.masks.size(), 1u) << cls;
    ASSERT_TRUE(r.masks[0].defined()) << cls;
    EXPECT_EQ(r.masks[0].ToFloatVector(), mask.ToFloatVector()) << cls;
  }
}

// ---- ActivityRegularization -------------------------------------------------------------------------------

TEST(ActivityRegularization, AddsTheL1L2PenaltyOverTheBatchSize) {
  const double l1 = 0.03, l2 = 0.2;
  LayerPtr layer = CreateLayer("ActivityRegularization", {{"l1", l1}, {"l2", l2}});
  const Tensor x = RandomTensor({4, 3, 2}, 12, -2.f, 2.f);
  ops::GradientTape tape;
  const Tensor y = layer->Apply(x);
  EXPECT_EQ(y.ToFloatVector(), x.ToFloatVector());
  const Tensors losses = layer->Losses();
  ASSERT_EQ(losses.size(), 1u);
  double penalty = 0;
  for (float v : x.ToFloatVector()) penalty += l1 * std::fabs(v) + l2 * static_cast<double>(v) * v;
  EXPECT_NEAR(losses[0].item(), penalty / 4, 1e-5 * penalty);
  // d loss / d x = (l1 sign(x) + 2 l2 x) / batch.
  const Tensor g = tape.Gradient(losses[0], {x})[0];
  for (int64_t i = 0; i < x.size(); ++i) {
    const double v = x.f32()[i];
    EXPECT_NEAR(g.f32()[i], (l1 * (v > 0 ? 1 : -1) + 2 * l2 * v) / 4, 1e-6);
  }
  // Another call replaces the loss; defaults are 0 and give a zero penalty.
  layer->Apply(x);
  EXPECT_EQ(layer->Losses().size(), 1u);
  LayerPtr none = CreateLayer("ActivityRegularization", json::object());
  none->Apply(x);
  ASSERT_EQ(none->Losses().size(), 1u);
  EXPECT_EQ(none->Losses()[0].item(), 0.f);
  // The config has l1 and l2, not the regularizer they define; Keras' form with the regularizer also loads.
  const json config = layer->GetConfig();
  EXPECT_EQ(config["l1"], l1);
  EXPECT_EQ(config["l2"], l2);
  EXPECT_FALSE(config.contains("activity_regularizer"));
  json with_reg = config;
  with_reg["activity_regularizer"] = {{"class_name", "L1L2"}, {"config", {{"l1", l1}, {"l2", l2}}}};
  EXPECT_EQ(CreateLayer("ActivityRegularization", with_reg)->GetConfig(), config);
}

TEST(ActivityRegularization, RejectsNegativeCoefficients) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ActivityRegularization", {{"l1", -0.1}}); }),
                 {"ActivityRegularization", "l1=-0.1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ActivityRegularization", {{"l2", "big"}}); }),
                 {"ActivityRegularization", "l2"});
}

// ---- Masking ------------------------------------------------------------------------------------------------

TEST(Masking, ZeroesAndMasksTheStepsWhoseFeaturesAllEqualTheValue) {
  // [2 samples, 4 steps, 2 features]; steps equal to (-1, -1) are masked, a partial match is not.
  const std::vector<float> data = {1, 2, -1, -1, -1, 3, -1, -1,   //
                                   -1, -1, -1, -1, 0, 0, 5, -1};
  const Tensor x = Tensor::FromVector({2, 4, 2}, data);
  LayerPtr layer = CreateLayer("Masking", {{"mask_value", -1}});
  layers::CallContext ctx;
  ctx.masks = {Tensor::Full({2, 4}, 1.f)};  // an incoming mask is replaced by the layer's own
  ops::GradientTape tape;
  const layers::CallResult r = layer->ApplyWithMasks({x}, ctx);
  const std::vector<float> expected_mask = {1, 0, 1, 0, 0, 0, 1, 1};
  ASSERT_EQ(r.masks.size(), 1u);
  EXPECT_EQ(r.masks[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(r.masks[0].ToFloatVector(), expected_mask);
  std::vector<float> expected(data);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] *= expected_mask[i / 2];
  EXPECT_EQ(r.outputs[0].ToFloatVector(), expected);
  // The gradient is the mask, broadcast over the features.
  const Tensor g = tape.Gradient(r.outputs[0], {x})[0];
  for (size_t i = 0; i < data.size(); ++i) EXPECT_EQ(g.f32()[i], expected_mask[i / 2]) << i;
  // computeMask alone gives the same; the default mask_value is 0.
  EXPECT_EQ(layer->ComputeMask({x}, {Tensor()})[0].ToFloatVector(), expected_mask);
  const Tensor zeros_step = CreateLayer("Masking", json::object())->ComputeMask({x}, {Tensor()})[0];
  EXPECT_EQ(zeros_step.ToFloatVector(), (std::vector<float>{1, 1, 1, 1, 1, 1, 0, 1}));
}

TEST(Masking, RankTwoAndErrors) {
  LayerPtr layer = CreateLayer("Masking", {{"name", "mk"}});
  const Tensor x = Tensor::FromVector({3, 2}, {0, 0, 0, 1, 2, 0});
  EXPECT_EQ(layer->Apply(x).ToFloatVector(), (std::vector<float>{0, 0, 0, 1, 2, 0}));
  EXPECT_EQ(layer->ComputeMask({x}, {Tensor()})[0].ToFloatVector(), (std::vector<float>{0, 1, 1}));
  ExpectContains(ErrorOf<ShapeError>([&] { layer->Apply(Tensor::Zeros({4})); }), {"Masking 'mk'", "min_ndim=2"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Masking", {{"mask_value", "zero"}}); }), {"Masking", "mask_value"});
  // Integer inputs are compared as floats.
  const int32_t ints[] = {0, 0, 3, 0};
  EXPECT_EQ(CreateLayer("Masking", json::object())->Apply(Tensor::FromData({2, 2}, ints)).ToFloatVector(),
            (std::vector<float>{0, 0, 3, 0}));
}

}  // namespace
}  // namespace kerasm::testing
