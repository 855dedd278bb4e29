// Normalization layers: generic-test cases (inference references from the Keras formula) and what the
// generic test cannot see: training-mode output and gradients through the batch statistics, the moving
// statistics after a training call, frozen layers, masked moments, config checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::testing {

namespace {

// Position of element `i` of a row-major tensor of `shape` in the parameter vector of the feature axes
// `axes` (sorted): the flat index over those axes only.
int64_t FeatureIndex(const Shape& shape, const std::vector<int>& axes, int64_t i) {
  std::vector<int64_t> coord(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    coord[d] = i % shape[d];
    i /= shape[d];
  }
  int64_t f = 0;
  for (int a : axes) f = f * shape[a] + coord[a];
  return f;
}

// Keras' inference formula: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta, weights in
// getWeights() order [gamma?, beta?, moving_mean, moving_variance].
Reference BatchNormRef(std::vector<int> axes, double epsilon, bool scale, bool center) {
  return [=](const Tensors& in, const Tensors& w) {
    const Shape& shape = in[0].shape();
    std::vector<int> sorted;
    for (int a : axes) sorted.push_back(a < 0 ? a + static_cast<int>(shape.size()) : a);
    std::sort(sorted.begin(), sorted.end());
    size_t k = 0;
    const std::vector<double> gamma = scale ? ToDoubles(w[k++]) : std::vector<double>();
    const std::vector<double> beta = center ? ToDoubles(w[k++]) : std::vector<double>();
    const std::vector<double> mean = ToDoubles(w[k++]), var = ToDoubles(w[k++]);
    std::vector<double> y = ToDoubles(in[0]);
    for (size_t i = 0; i < y.size(); ++i) {
      const int64_t f = FeatureIndex(shape, sorted, static_cast<int64_t>(i));
      double v = (y[i] - mean[f]) / std::sqrt(var[f] + epsilon);
      if (scale) v *= gamma[f];
      if (center) v += beta[f];
      y[i] = v;
    }
    return std::vector<std::vector<double>>{y};
  };
}

}  // namespace

// The generic test draws every weight uniformly in [-1, 1], moving variances included: an epsilon above 1
// keeps variance + epsilon positive there (the focused tests below use the default epsilon).
std::vector<LayerCase> NormalizationLayerCases() {
  std::vector<LayerCase> cases;
  cases.push_back({"BatchNormalization/rank2", "BatchNormalization", {{"epsilon", 1.5}}, {{3, 4}},
                   {{4}, {4}, {4}, {4}}, BatchNormRef({-1}, 1.5, true, true)});
  cases.push_back({"BatchNormalization/rank4_axis1", "BatchNormalization",
                   {{"axis", 1}, {"epsilon", 1.25}, {"momentum", 0.9}}, {{2, 3, 4, 2}},
                   {{3}, {3}, {3}, {3}}, BatchNormRef({1}, 1.25, true, true)});
  cases.push_back({"BatchNormalization/rank3_no_scale", "BatchNormalization",
                   {{"scale", false}, {"epsilon", 2.0}, {"beta_regularizer", "l2"}, {"beta_constraint", "non_neg"},
                    {"moving_variance_initializer", "zeros"}},
                   {{2, 3, 4}}, {{4}, {4}, {4}}, BatchNormRef({-1}, 2.0, false, true)});
  cases.push_back({"BatchNormalization/rank3_axis_list_no_center", "BatchNormalization",
                   {{"axis", {1, 2}}, {"center", false}, {"epsilon", 1.5}, {"gamma_regularizer", "l1"}},
                   {{2, 3, 4}}, {{1, 3, 4}, {1, 3, 4}, {1, 3, 4}}, BatchNormRef({1, 2}, 1.5, true, false)});
  cases.push_back({"BatchNormalization/rank3_plain", "BatchNormalization",
                   {{"axis", -2}, {"center", false}, {"scale", false}, {"epsilon", 1.1}}, {{3, 2, 3}},
                   {{2}, {2}}, BatchNormRef({-2}, 1.1, false, false)});
  return cases;
}

namespace {

using layers::CallContext;
using layers::CreateLayer;
using layers::LayerPtr;

CallContext Training() {
  CallContext ctx;
  ctx.training = true;
  return ctx;
}

// Batch mean and biased variance per feature of `axis`, in double.
void BatchMoments(const Tensor& x, int axis, std::vector<double>* mean, std::vector<double>* var) {
  const Shape& s = x.shape();
  const int64_t c = s[axis];
  mean->assign(c, 0.0);
  var->assign(c, 0.0);
  std::vector<double> n(c, 0.0);
  const std::vector<double> v = ToDoubles(x);
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t f = FeatureIndex(s, {axis}, static_cast<int64_t>(i));
    (*mean)[f] += v[i];
    n[f] += 1;
  }
  for (int64_t f = 0; f < c; ++f) (*mean)[f] /= n[f];
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t f = FeatureIndex(s, {axis}, static_cast<int64_t>(i));
    (*var)[f] += (v[i] - (*mean)[f]) * (v[i] - (*mean)[f]);
  }
  for (int64_t f = 0; f < c; ++f) (*var)[f] /= n[f];
}

// Sets gamma, beta (random) and the moving statistics (random, positive variances); returns them.
Tensors SetRandomWeights(const LayerPtr& layer, int64_t c, uint64_t seed) {
  Tensors w{RandomTensor({c}, seed, 0.5f, 1.5f), RandomTensor({c}, seed + 1), RandomTensor({c}, seed + 2),
            RandomTensor({c}, seed + 3, 0.2f, 2.f)};
  layer->SetWeights(w);
  return w;
}

void ExpectTrainingStep(const Shape& shape, int axis_arg, uint64_t seed) {
  const int axis = axis_arg < 0 ? axis_arg + static_cast<int>(shape.size()) : axis_arg;
  const int64_t c = shape[axis];
  const double momentum = 0.8, eps = 1e-3;
  LayerPtr layer = CreateLayer("BatchNormalization", {{"axis", axis_arg}, {"momentum", momentum}});
  layer->MaybeBuild({shape});
  const Tensors w = SetRandomWeights(layer, c, seed);
  const Tensor x = RandomTensor(shape, seed + 10, -2.f, 3.f);
  const std::vector<double> xv = ToDoubles(x);
  std::vector<double> mean, var;
  BatchMoments(x, axis, &mean, &var);

  const std::vector<double> y = ToDoubles(layer->Apply(x, Training()));
  const std::vector<double> gamma = ToDoubles(w[0]), beta = ToDoubles(w[1]);
  for (size_t i = 0; i < y.size(); ++i) {
    const int64_t f = FeatureIndex(shape, {axis}, static_cast<int64_t>(i));
    const double want = gamma[f] * (xv[i] - mean[f]) / std::sqrt(var[f] + eps) + beta[f];
    EXPECT_NEAR(y[i], want, 1e-4 + 1e-4 * std::fabs(want)) << ShapeToString(shape) << " [" << i << "]";
  }
  // moving = moving * momentum + batch * (1 - momentum), with the biased batch variance (Keras 3).
  const Tensors after = layer->GetWeights();
  const std::vector<double> mm0 = ToDoubles(w[2]), mv0 = ToDoubles(w[3]);
  const std::vector<double> mm = ToDoubles(after[2]), mv = ToDoubles(after[3]);
  for (int64_t f = 0; f < c; ++f) {
    EXPECT_NEAR(mm[f], mm0[f] * momentum + mean[f] * (1 - momentum), 1e-5) << f;
    EXPECT_NEAR(mv[f], mv0[f] * momentum + var[f] * (1 - momentum), 1e-5) << f;
  }
  // gamma and beta are untouched by a forward call.
  EXPECT_EQ(after[0].ToFloatVector(), w[0].ToFloatVector());
  EXPECT_EQ(after[1].ToFloatVector(), w[1].ToFloatVector());
}

TEST(NormalizationLayers, TrainingCallUsesBatchStatisticsAndUpdatesMovingOnes) {
  ExpectTrainingStep({6, 3}, -1, 1);
  ExpectTrainingStep({2, 4, 3}, -1, 2);
  ExpectTrainingStep({2, 3, 4, 2}, 1, 3);  // channels_first convolution outputs
  ExpectTrainingStep({2, 3, 4, 5}, 2, 4);
}

TEST(NormalizationLayers, InferenceCallLeavesMovingStatisticsAlone) {
  LayerPtr layer = CreateLayer("BatchNormalization", json::object());
  layer->MaybeBuild({{4, 3}});
  const Tensors w = SetRandomWeights(layer, 3, 5);
  layer->Apply(RandomTensor({4, 3}, 6));
  const Tensors after = layer->GetWeights();
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(after[i].ToFloatVector(), w[i].ToFloatVector()) << i;
}

TEST(NormalizationLayers, FrozenLayerUsesMovingStatisticsInTraining) {
  LayerPtr layer = CreateLayer("BatchNormalization", json::object());
  layer->MaybeBuild({{5, 3}});
  const Tensors w = SetRandomWeights(layer, 3, 7);
  const Tensor x = RandomTensor({5, 3}, 8);
  const std::vector<float> inference = layer->Apply(x).ToFloatVector();
  layer->SetTrainable(false);
  EXPECT_EQ(layer->Apply(x, Training()).ToFloatVector(), inference);
  const Tensors after = layer->GetWeights();
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(after[i].ToFloatVector(), w[i].ToFloatVector()) << i;
  EXPECT_TRUE(layer->TrainableWeights().empty());
  // Created frozen from its config too.
  LayerPtr frozen = CreateLayer("BatchNormalization", {{"trainable", false}});
  frozen->MaybeBuild({{5, 3}});
  frozen->SetWeights(w);
  EXPECT_EQ(frozen->Apply(x, Training()).ToFloatVector(), inference);
}

// In training mode the output depends on the input through the batch statistics too: finite differences
// of the whole composition, for the input, gamma and beta.
TEST(NormalizationLayers, TrainingGradientsMatchFiniteDifferences) {
  for (const auto& [shape, axis] : std::vector<std::pair<Shape, int>>{{{5, 3}, -1}, {{2, 3, 2, 2}, 1}}) {
    LayerPtr layer = CreateLayer("BatchNormalization", {{"axis", axis}});
    layer->MaybeBuild({shape});
    const auto vars = layer->TrainableWeights();
    ASSERT_EQ(vars.size(), 2u);
    const int64_t c = vars[0]->shape()[0];
    std::vector<Tensor> xs{RandomTensor(shape, 40, -2.f, 2.f), RandomTensor({c}, 41, 0.5f, 1.5f),
                           RandomTensor({c}, 42)};
    auto f = [&](const std::vector<Tensor>& args) {
      vars[0]->Assign(args[1]);
      vars[1]->Assign(args[2]);
      return ops::Reshape(layer->Apply(args[0], Training()), {-1});
    };
    ExpectGradientsMatch(f, xs, "BatchNormalization training " + ShapeToString(shape));
  }
}

TEST(NormalizationLayers, NoScaleNoCenterInTraining) {
  LayerPtr layer = CreateLayer("BatchNormalization", {{"scale", false}, {"center", false}, {"epsilon", 0.01}});
  const Tensor x = RandomTensor({7, 2}, 9, -1.f, 4.f);
  const std::vector<double> y = ToDoubles(layer->Apply(x, Training()));
  ASSERT_EQ(layer->GetWeights().size(), 2u);
  std::vector<double> mean, var;
  BatchMoments(x, 1, &mean, &var);
  const std::vector<double> xv = ToDoubles(x);
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_NEAR(y[i], (xv[i] - mean[i % 2]) / std::sqrt(var[i % 2] + 0.01), 1e-4) << i;
  }
}

// Keras 3 weights the moments by the mask: sum(w x) / (sum(w) + 1e-7), and the variance likewise. The mask
// passes through unchanged.
TEST(NormalizationLayers, MaskedMomentsAndMaskPassesThrough) {
  LayerPtr layer = CreateLayer("BatchNormalization", {{"momentum", 0.5}});
  const Tensor x = RandomTensor({2, 3, 2}, 11, -2.f, 2.f);
  const Tensor mask = Tensor::FromVector({2, 3}, {1, 1, 0, 1, 0, 0});
  CallContext ctx = Training();
  ctx.masks = {mask};
  const layers::CallResult r = layer->ApplyWithMasks({x}, ctx);
  ASSERT_EQ(r.masks.size(), 1u);
  ASSERT_TRUE(r.masks[0].defined());
  EXPECT_EQ(r.masks[0].ToFloatVector(), mask.ToFloatVector());
  const std::vector<double> xv = ToDoubles(x), mv = ToDoubles(mask), y = ToDoubles(r.outputs[0]);
  for (int c = 0; c < 2; ++c) {
    double sw = 0, s = 0, d = 0;
    for (int p = 0; p < 6; ++p) {
      sw += mv[p];
      s += mv[p] * xv[p * 2 + c];
    }
    const double mean = s / (sw + 1e-7);
    for (int p = 0; p < 6; ++p) d += mv[p] * std::pow(mv[p] * xv[p * 2 + c] - mean, 2);
    const double var = d / (sw + 1e-7);
    for (int p = 0; p < 6; ++p) {
      EXPECT_NEAR(y[p * 2 + c], (xv[p * 2 + c] - mean) / std::sqrt(var + 1e-3), 1e-4) << p << "," << c;
    }
    EXPECT_NEAR(layer->GetWeights()[2].f32()[c], 0.5 * mean, 1e-5);
    EXPECT_NEAR(layer->GetWeights()[3].f32()[c], 0.5 + 0.5 * var, 1e-5);
  }
  ctx.masks = {Tensor::FromVector({2}, {1, 0})};
  ExpectContains(ErrorOf<ValueError>([&] { layer->ApplyWithMasks({x}, ctx); }),
                 {"BatchNormalization", "mask", "[2]", "[2,3,2]"});
}

TEST(NormalizationLayers, ErrorsNameTheLayerAndValues) {
  LayerPtr layer = CreateLayer("BatchNormalization", {{"axis", 3}, {"name", "bn"}});
  ExpectContains(ErrorOf<ValueError>([&] { layer->Apply(RandomTensor({2, 3}, 1)); }),
                 {"BatchNormalization 'bn'", "axis 3", "[2,3]"});
  LayerPtr negative = CreateLayer("BatchNormalization", {{"axis", -4}});
  ExpectContains(ErrorOf<ValueError>([&] { negative->Apply(RandomTensor({2, 3, 2}, 1)); }), {"axis -4", "[2,3,2]"});
  LayerPtr twice = CreateLayer("BatchNormalization", {{"axis", {1, -1}}});
  ExpectContains(ErrorOf<ValueError>([&] { twice->Apply(RandomTensor({2, 3}, 1)); }), {"twice"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("BatchNormalization", {{"axis", "last"}}); }),
                 {"BatchNormalization", "axis", "\"last\""});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("BatchNormalization", {{"axis", 1.5}}); }), {"axis=1.5"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("BatchNormalization", {{"synchronized", true}}); }),
                 {"BatchNormalization", "synchronized"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("BatchNormalization", {{"renorm", true}}); }), {"renorm"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("BatchNormalization", {{"virtual_batch_size", 2}}); }),
                 {"virtual_batch_size=2"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("BatchNormalization", {{"epsilon", -1}}); }), {"epsilon=-1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("BatchNormalization", {{"momentun", 0.9}}); }), {"momentun"});
  // Built for rank 2 with 3 features: another feature count or rank is an input-spec error.
  LayerPtr built = CreateLayer("BatchNormalization", json::object());
  built->Apply(RandomTensor({2, 3}, 1));
  ExpectContains(ErrorOf<ShapeError>([&] { built->Apply(RandomTensor({2, 4}, 1)); }), {"[2,4]"});
  ExpectContains(ErrorOf<ShapeError>([&] { built->Apply(RandomTensor({2, 1, 3}, 1)); }), {"ndim"});
  LayerPtr unknown = CreateLayer("BatchNormalization", json::object());
  ExpectContains(ErrorOf<ShapeError>([&] { unknown->MaybeBuild({{-1, 2, -1}}); }), {"defined", "[null,2,null]"});
}

TEST(NormalizationLayers, AcceptsKeras2AndKeras3Configs) {
  // Keras 2 (tf.keras) writes axis as a list and the off values of its extra arguments.
  LayerPtr k2 = CreateLayer("BatchNormalization", {{"axis", {3}}, {"renorm", false}, {"renorm_clipping", nullptr},
                                                   {"renorm_momentum", 0.99}, {"virtual_batch_size", nullptr},
                                                   {"adjustment", nullptr}, {"fused", nullptr}});
  k2->MaybeBuild({{-1, 4, 4, 5}});
  EXPECT_EQ(k2->GetWeights()[0].shape(), (Shape{5}));
  EXPECT_EQ(k2->GetConfig()["axis"], json({3}));
  LayerPtr k3 = CreateLayer("BatchNormalization", {{"axis", -1}, {"synchronized", false}});
  const json c = k3->GetConfig();
  EXPECT_EQ(c["axis"], -1);
  EXPECT_EQ(c["synchronized"], false);
  EXPECT_EQ(c["momentum"], 0.99);
  EXPECT_EQ(c["epsilon"], 1e-3);
  // Weight names and order as Keras writes them.
  k3->MaybeBuild({{-1, 2}});
  const std::vector<std::string> names = k3->WeightNames();
  ASSERT_EQ(names.size(), 4u);
  const std::string n = k3->name();
  EXPECT_EQ(names[0], n + "/gamma");
  EXPECT_EQ(names[1], n + "/beta");
  EXPECT_EQ(names[2], n + "/moving_mean");
  EXPECT_EQ(names[3], n + "/moving_variance");
  EXPECT_EQ(k3->TrainableWeights().size(), 2u);
  EXPECT_EQ(k3->NonTrainableWeights().size(), 2u);
}

// The moving statistics are state, not part of the gradient: a training call under a tape records the
// normalisation only, and the gradient for gamma matches the batch-normalised input.
TEST(NormalizationLayers, MovingStatisticUpdateIsNotOnTheTape) {
  LayerPtr layer = CreateLayer("BatchNormalization", {{"center", false}});
  const Tensor x = RandomTensor({4, 2}, 12, -1.f, 1.f);
  layer->MaybeBuild({x.shape()});
  const auto vars = layer->TrainableWeights();
  ops::GradientTape tape;
  const Tensor y = layer->Apply(x, Training());
  const std::vector<Tensor> g = tape.Gradient(ops::Sum(y), {vars[0]->value()});
  std::vector<double> mean, var;
  BatchMoments(x, 1, &mean, &var);
  const std::vector<double> xv = ToDoubles(x);
  for (int c = 0; c < 2; ++c) {
    double want = 0;
    for (int r = 0; r < 4; ++r) want += (xv[r * 2 + c] - mean[c]) / std::sqrt(var[c] + 1e-3);
    EXPECT_NEAR(g[0].f32()[c], want, 1e-4);
  }
}

}  // namespace
}  // namespace kerasm::testing
