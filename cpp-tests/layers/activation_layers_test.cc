// Advanced activation layers: generic-test cases with references from the Keras formulas, and what the
// generic test cannot see: argument checks, Softmax masks and several axes, PReLU's shared axes.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::testing {

namespace {

Reference ElementRef(std::function<double(double)> f) {
  return [=](const Tensors& in, const Tensors&) {
    std::vector<double> y = ToDoubles(in[0]);
    for (double& v : y) v = f(v);
    return std::vector<std::vector<double>>{y};
  };
}

// Keras' relu(x, negative_slope, max_value, threshold); max_value < 0 means none.
double ReluRef(double x, double slope, double max_value, double threshold) {
  if (max_value >= 0 && x >= max_value) return max_value;
  if (x > threshold) return x;
  return slope * (x - threshold);
}

// Softmax over the last axis of rows of `n`.
Reference SoftmaxRef() {
  return [](const Tensors& in, const Tensors&) {
    std::vector<double> y = ToDoubles(in[0]);
    ApplyActivationRef("softmax", &y, in[0].shape().back());
    return std::vector<std::vector<double>>{y};
  };
}

// Softmax over axis 1 of [B, N, C].
Reference SoftmaxAxis1Ref() {
  return [](const Tensors& in, const Tensors&) {
    const Shape& s = in[0].shape();
    const int64_t B = s[0], N = s[1], C = s[2];
    std::vector<double> x = ToDoubles(in[0]), y(x.size());
    for (int64_t b = 0; b < B; ++b)
      for (int64_t c = 0; c < C; ++c) {
        double mx = -1e300, sum = 0;
        for (int64_t n = 0; n < N; ++n) mx = std::max(mx, x[(b * N + n) * C + c]);
        for (int64_t n = 0; n < N; ++n) sum += std::exp(x[(b * N + n) * C + c] - mx);
        for (int64_t n = 0; n < N; ++n) y[(b * N + n) * C + c] = std::exp(x[(b * N + n) * C + c] - mx) / sum;
      }
    return std::vector<std::vector<double>>{y};
  };
}

// x > 0 ? x : alpha * x, alpha [d1, ..., dk] broadcast over the batch (size-1 axes shared).
Reference PReluRef() {
  return [](const Tensors& in, const Tensors& w) {
    const Shape& s = in[0].shape();
    const Shape& a = w[0].shape();
    std::vector<double> x = ToDoubles(in[0]), alpha = ToDoubles(w[0]), y(x.size());
    for (int64_t k = 0; k < static_cast<int64_t>(x.size()); ++k) {
      int64_t flat = k, offset = 0, stride = 1;
      for (int d = static_cast<int>(s.size()) - 1; d >= 1; --d) {
        const int64_t i = flat % s[d];
        flat /= s[d];
        if (a[d - 1] != 1) offset += i * stride;
        stride *= a[d - 1];
      }
      y[k] = x[k] > 0 ? x[k] : alpha[offset] * x[k];
    }
    return std::vector<std::vector<double>>{y};
  };
}

}  // namespace

std::vector<LayerCase> ActivationLayerCases() {
  std::vector<LayerCase> cases;
  auto with_margin = [](LayerCase c) {
    c.kink_margin = 0.05f;  // five finite-difference steps from the kink at 0
    return c;
  };
  cases.push_back(with_margin({"LeakyReLU/default", "LeakyReLU", json::object(), {{2, 3, 4}}, {},
                               ElementRef([](double x) { return x > 0 ? x : 0.3 * x; })}));
  cases.push_back(with_margin({"LeakyReLU/negative_slope", "LeakyReLU", {{"negative_slope", 0.1}}, {{3, 5}}, {},
                               ElementRef([](double x) { return x > 0 ? x : 0.1 * x; })}));
  cases.push_back(with_margin({"ELU/default", "ELU", json::object(), {{2, 3, 4}}, {},
                               ElementRef([](double x) { return x > 0 ? x : std::expm1(x); })}));
  cases.push_back(with_margin({"ELU/alpha", "ELU", {{"alpha", 0.5}}, {{3, 4}}, {},
                               ElementRef([](double x) { return x > 0 ? x : 0.5 * std::expm1(x); })}));
  cases.push_back(with_margin({"ThresholdedReLU/theta0", "ThresholdedReLU", {{"theta", 0.0}}, {{3, 4}}, {},
                               ElementRef([](double x) { return x > 0 ? x : 0; })}));
  LayerCase thresholded{"ThresholdedReLU/default", "ThresholdedReLU", json::object(), {{4, 5}}, {},
                        ElementRef([](double x) { return x > 1.0 ? x : 0; })};
  thresholded.input_scale = 2.f;
  thresholded.check_gradients = false;  // a jump at theta: finite differences across it are meaningless
  cases.push_back(thresholded);

  cases.push_back({"Softmax/default", "Softmax", json::object(), {{2, 3, 4}}, {}, SoftmaxRef()});
  cases.push_back({"Softmax/axis1", "Softmax", {{"axis", 1}}, {{2, 3, 4}}, {}, SoftmaxAxis1Ref()});
  cases.push_back({"Softmax/axis_list_of_one", "Softmax", {{"axis", {-2}}}, {{2, 3, 4}}, {}, SoftmaxAxis1Ref()});

  cases.push_back(with_margin({"ReLU/default", "ReLU", json::object(), {{2, 3, 4}}, {},
                               ElementRef([](double x) { return ReluRef(x, 0, -1, 0); })}));
  cases.push_back(with_margin({"ReLU/negative_slope", "ReLU", {{"negative_slope", 0.2}}, {{3, 4}}, {},
                               ElementRef([](double x) { return ReluRef(x, 0.2, -1, 0); })}));
  LayerCase relu_all{"ReLU/max_value_threshold_slope", "ReLU",
                     {{"max_value", 1.5}, {"negative_slope", 0.25}, {"threshold", 0.5}}, {{4, 6}}, {},
                     ElementRef([](double x) { return ReluRef(x, 0.25, 1.5, 0.5); })};
  relu_all.input_scale = 2.5f;
  relu_all.check_gradients = false;  // kinks at 0.5 and 1.5 (checked against a reference in js-tests)
  cases.push_back(relu_all);
  LayerCase relu6{"ReLU/max_value", "ReLU", {{"max_value", 6.0}}, {{3, 4}}, {},
                  ElementRef([](double x) { return ReluRef(x, 0, 6, 0); })};
  relu6.kink_margin = 0.05f;
  cases.push_back(relu6);

  cases.push_back(with_margin({"PReLU/default", "PReLU", json::object(), {{2, 3, 4}}, {{3, 4}}, PReluRef()}));
  cases.push_back(with_margin({"PReLU/shared_axes", "PReLU",
                               {{"shared_axes", {1, 2}}, {"alpha_initializer", "ones"}, {"alpha_regularizer", "l2"}},
                               {{2, 3, 2, 4}}, {{1, 1, 4}}, PReluRef()}));
  return cases;
}

namespace {

using layers::CreateLayer;
using layers::LayerPtr;

TEST(ActivationLayers, ArgumentChecksQuoteTheValue) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("LeakyReLU", {{"negative_slope", -1}}); }),
                 {"LeakyReLU", "negative_slope=-1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("LeakyReLU", {{"alpha", -0.5}}); }), {"alpha=-0.5"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ThresholdedReLU", {{"theta", -1}}); }), {"theta=-1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ReLU", {{"max_value", -1}}); }), {"ReLU", "max_value=-1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ReLU", {{"negative_slope", -0.1}}); }), {"negative_slope=-0.1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ReLU", {{"threshold", -2}}); }), {"threshold=-2"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Softmax", {{"axis", "last"}}); }), {"Softmax", "axis"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("PReLU", {{"shared_axes", {0}}}); }), {"PReLU", "shared_axes"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ELU", {{"alpha", "x"}}); }), {"ELU", "alpha"});
}

TEST(ActivationLayers, LeakyReluReadsBothSpellingsAndWritesBoth) {
  const json c = CreateLayer("LeakyReLU", {{"alpha", 0.1}})->GetConfig();
  EXPECT_EQ(c["negative_slope"], 0.1);
  EXPECT_EQ(c["alpha"], 0.1);
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("LeakyReLU", {{"alpha", 0.1}, {"negative_slope", 0.2}}); }),
                 {"LeakyReLU"});
}

TEST(ActivationLayers, SoftmaxAxisOutOfRangeNamesTheLayer) {
  LayerPtr layer = CreateLayer("Softmax", {{"axis", 3}, {"name", "probs"}});
  ExpectContains(ErrorOf<ValueError>([&] { layer->Apply(RandomTensor({2, 3}, 1)); }), {"Softmax 'probs'", "axis 3", "[2,3]"});
}

// Masked entries get -1e9 added before the softmax: they receive ~0 and the rest renormalize.
TEST(ActivationLayers, SoftmaxMask) {
  LayerPtr layer = CreateLayer("Softmax", json::object());
  const Tensor x = Tensor::FromVector({1, 4}, {1, 2, 3, 4});
  layers::CallContext ctx;
  ctx.masks = {Tensor::FromVector({1, 4}, {1, 0, 1, 0})};
  const std::vector<float> y = layer->Apply(x, ctx).ToFloatVector();
  const double e1 = std::exp(1.0), e3 = std::exp(3.0);
  EXPECT_NEAR(y[0], e1 / (e1 + e3), 1e-6);
  EXPECT_NEAR(y[1], 0.0, 1e-7);
  EXPECT_NEAR(y[2], e3 / (e1 + e3), 1e-6);
  EXPECT_NEAR(y[3], 0.0, 1e-7);
  // A [batch, time] mask covers every feature of its time step.
  const Tensor seq = RandomTensor({1, 2, 3}, 2);
  ctx.masks = {Tensor::FromVector({1, 2}, {1, 0})};
  const std::vector<float> z = layer->Apply(seq, ctx).ToFloatVector();
  const std::vector<float> plain = layer->Apply(seq).ToFloatVector();
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(z[k], plain[k], 1e-6);
  // A fully masked row: in float32 x - 1e9 rounds to -1e9 for every entry, so the row is uniform, as in Keras.
  for (int k = 3; k < 6; ++k) EXPECT_NEAR(z[k], 1.0 / 3, 1e-6);
}

TEST(ActivationLayers, SoftmaxOverSeveralAxes) {
  LayerPtr layer = CreateLayer("Softmax", {{"axis", {1, 2}}});
  const Tensor x = RandomTensor({2, 3, 4}, 3, -2.f, 2.f);
  const std::vector<float> y = layer->Apply(x).ToFloatVector();
  for (int b = 0; b < 2; ++b) {
    double total = 0, expect_sum = 0;
    for (int k = 0; k < 12; ++k) expect_sum += std::exp(static_cast<double>(x.f32()[b * 12 + k]));
    for (int k = 0; k < 12; ++k) {
      EXPECT_NEAR(y[b * 12 + k], std::exp(static_cast<double>(x.f32()[b * 12 + k])) / expect_sum, 1e-6);
      total += y[b * 12 + k];
    }
    EXPECT_NEAR(total, 1.0, 1e-5);
  }
  EXPECT_EQ(layer->GetConfig()["axis"], json({1, 2}));
  ExpectGradientMatches([&](const Tensor& v) { return layer->Apply(v); }, x, "Softmax axes [1, 2]");
}

TEST(ActivationLayers, PReluSharedAxesAndInputSpec) {
  LayerPtr layer = CreateLayer("PReLU", {{"shared_axes", 1}});
  layer->MaybeBuild({{-1, 5, 3}});
  EXPECT_EQ(layer->GetWeights()[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(layer->GetConfig()["shared_axes"], json({1}));
  EXPECT_EQ(layer->GetConfig()["alpha_initializer"]["class_name"], "Zeros");
  // The non-shared axis keeps its size; the shared one may change.
  layer->Apply(RandomTensor({2, 7, 3}, 4));
  ExpectContains(ErrorOf<ShapeError>([&] { layer->Apply(RandomTensor({2, 5, 4}, 5)); }), {"PReLU", "[2,5,4]"});
  LayerPtr unknown = CreateLayer("PReLU", json::object());
  ExpectContains(ErrorOf<ShapeError>([&] { unknown->MaybeBuild({{-1, -1, 3}}); }), {"PReLU", "must be defined"});
  LayerPtr far = CreateLayer("PReLU", {{"shared_axes", {3}}});
  ExpectContains(ErrorOf<ValueError>([&] { far->MaybeBuild({{-1, 2, 3}}); }), {"shared_axes", "[null,2,3]"});
  // The regularizer's penalty joins the losses.
  LayerPtr reg = CreateLayer("PReLU", {{"alpha_initializer", "ones"}, {"alpha_regularizer", {{"class_name", "L2"}, {"config", {{"l2", 0.5}}}}}});
  reg->Apply(RandomTensor({2, 3}, 6));
  const Tensors losses = reg->Losses();
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_NEAR(losses[0].f32()[0], 0.5 * 3, 1e-6);
}

}  // namespace
}  // namespace kerasm::testing
