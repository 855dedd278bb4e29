// Core layers: generic-test cases (with references from the Keras formulas) and the behaviour the generic
// test cannot see: dropout statistics, config validation messages, regularization losses, naming.
#include <gtest/gtest.h>

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

// y[..., u] = act(sum_i x[..., i] * kernel[i, u] + bias[u]).
Reference DenseRef(int64_t units, const std::string& activation, bool use_bias) {
  return [=](const Tensors& in, const Tensors& w) {
    const Tensor& x = in[0];
    const int64_t n_in = x.shape().back();
    const int64_t rows = x.size() / n_in;
    const std::vector<double> xv = ToDoubles(x), k = ToDoubles(w[0]);
    std::vector<double> y(rows * units);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t u = 0; u < units; ++u) {
        double s = use_bias ? static_cast<double>(w[1].f32()[u]) : 0.0;
        for (int64_t i = 0; i < n_in; ++i) s += xv[r * n_in + i] * k[i * units + u];
        y[r * units + u] = s;
      }
    }
    ApplyActivationRef(activation, &y, units);
    return std::vector<std::vector<double>>{y};
  };
}

Reference ActivationLayerRef(const std::string& activation) {
  return [=](const Tensors& in, const Tensors&) {
    std::vector<double> y = ToDoubles(in[0]);
    ApplyActivationRef(activation, &y, in[0].shape().back());
    return std::vector<std::vector<double>>{y};
  };
}

// Identity: Dropout at inference, InputLayer, and Flatten/Reshape in channels_last (row-major order kept).
Reference IdentityRef() {
  return [](const Tensors& in, const Tensors&) { return std::vector<std::vector<double>>{ToDoubles(in[0])}; };
}

// channels_first [B, C, H, W] is flattened in channels_last order: out[b, (h * W + w) * C + c].
Reference FlattenChannelsFirstRef() {
  return [](const Tensors& in, const Tensors&) {
    const Shape& s = in[0].shape();
    const int64_t B = s[0], C = s[1], H = s[2], W = s[3];
    const std::vector<double> x = ToDoubles(in[0]);
    std::vector<double> y(x.size());
    for (int64_t b = 0; b < B; ++b)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) y[b * C * H * W + (h * W + w) * C + c] = x[((b * C + c) * H + h) * W + w];
    return std::vector<std::vector<double>>{y};
  };
}

}  // namespace

std::vector<LayerCase> CoreLayerCases() {
  std::vector<LayerCase> cases;
  cases.push_back({"Dense/linear", "Dense", {{"units", 3}}, {{2, 4}}, {{4, 3}, {3}}, DenseRef(3, "linear", true)});
  cases.push_back({"Dense/tanh_rank3_no_bias", "Dense",
                   {{"units", 5}, {"activation", "tanh"}, {"use_bias", false}},
                   {{2, 3, 4}}, {{4, 5}}, DenseRef(5, "tanh", false)});
  cases.push_back({"Dense/softmax", "Dense",
                   {{"units", 4}, {"activation", "softmax"}, {"kernel_initializer", "he_normal"},
                    {"bias_initializer", "ones"}, {"kernel_regularizer", "l2"}, {"activity_regularizer", "l1"}},
                   {{3, 2}}, {{2, 4}, {4}}, DenseRef(4, "softmax", true)});
  LayerCase dense_relu{"Dense/relu_input_dim", "Dense", {{"units", 2}, {"activation", "relu"}, {"input_dim", 3}},
                       {{4, 3}}, {{3, 2}, {2}}, DenseRef(2, "relu", true)};
  dense_relu.check_gradients = false;  // pre-activations land anywhere, kink included
  cases.push_back(dense_relu);

  for (const char* act : {"linear", "relu", "relu6", "sigmoid", "hard_sigmoid", "tanh", "softmax", "log_softmax",
                          "elu", "selu", "softplus", "softsign", "exponential", "swish", "silu", "gelu", "mish",
                          "leaky_relu"}) {
    LayerCase c{std::string("Activation/") + act, "Activation", {{"activation", act}}, {{2, 3, 4}}, {},
                ActivationLayerRef(act)};
    c.input_scale = 2.5f;   // covers relu6/hard_sigmoid's linear parts; kinks at +-3 and 6 are outside
    c.kink_margin = 0.05f;  // five finite-difference steps from the kink at 0
    cases.push_back(c);
  }

  cases.push_back({"Dropout/inference_is_identity", "Dropout", {{"rate", 0.5}}, {{4, 6}}, {}, IdentityRef()});
  cases.push_back({"Dropout/noise_shape_seed", "Dropout",
                   {{"rate", 0.25}, {"noise_shape", {nullptr, 1, 3}}, {"seed", 7}}, {{2, 4, 3}}, {}, IdentityRef()});

  cases.push_back({"Flatten/channels_last", "Flatten", json::object(), {{2, 3, 4, 5}}, {}, IdentityRef()});
  cases.push_back({"Flatten/channels_first", "Flatten", {{"data_format", "channels_first"}}, {{2, 3, 4, 5}}, {},
                   FlattenChannelsFirstRef()});
  cases.push_back({"Flatten/rank2", "Flatten", json::object(), {{3, 7}}, {}, IdentityRef()});

  cases.push_back({"Reshape/explicit", "Reshape", {{"target_shape", {6, 2}}}, {{2, 3, 4}}, {}, IdentityRef()});
  cases.push_back({"Reshape/inferred", "Reshape", {{"target_shape", {-1, 3}}}, {{2, 12}}, {}, IdentityRef()});

  cases.push_back({"InputLayer/batch_shape", "InputLayer", {{"batch_input_shape", {nullptr, 3, 4}}}, {{2, 3, 4}}, {},
                   IdentityRef()});
  cases.push_back({"InputLayer/shape", "InputLayer", {{"shape", {5}}, {"dtype", "float32"}}, {{3, 5}}, {}, IdentityRef()});
  return cases;
}

namespace {

using layers::CreateLayer;
using layers::LayerPtr;

// ---- Dropout -------------------------------------------------------------------------------------------

Tensor RunDropout(const LayerPtr& layer, const Tensor& x, bool training) {
  layers::CallContext ctx;
  ctx.training = training;
  return layer->Apply(x, ctx);
}

TEST(Dropout, DropsTheRateAndScalesTheRest) {
  const double rate = 0.3;
  LayerPtr layer = CreateLayer("Dropout", {{"rate", rate}, {"seed", 1}});
  Tensor x = Tensor::Full({200, 50}, 1.f);
  Tensor y = RunDropout(layer, x, true);
  int64_t zeros = 0;
  const float keep = static_cast<float>(1.0 / (1.0 - rate));
  for (int64_t i = 0; i < y.size(); ++i) {
    if (y.f32()[i] == 0.f) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(y.f32()[i], keep);
    }
  }
  // 10000 Bernoulli(0.3) draws: standard deviation of the fraction 0.0046; allow 6 of them.
  EXPECT_NEAR(static_cast<double>(zeros) / y.size(), rate, 0.028);
  // Inverted dropout keeps the expectation: the mean stays near 1.
  double mean = 0;
  for (int64_t i = 0; i < y.size(); ++i) mean += y.f32()[i];
  EXPECT_NEAR(mean / y.size(), 1.0, 0.04);
}

TEST(Dropout, IdentityAtInference) {
  LayerPtr layer = CreateLayer("Dropout", {{"rate", 0.9}});
  Tensor x = RandomTensor({5, 7}, 3);
  Tensor y = RunDropout(layer, x, false);
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_EQ(y.f32()[i], x.f32()[i]);
}

TEST(Dropout, SeedDeterminesTheMasks) {
  Tensor x = Tensor::Full({20, 20}, 1.f);
  LayerPtr a = CreateLayer("Dropout", {{"rate", 0.5}, {"seed", 42}});
  LayerPtr b = CreateLayer("Dropout", {{"rate", 0.5}, {"seed", 42}});
  LayerPtr c = CreateLayer("Dropout", {{"rate", 0.5}, {"seed", 43}});
  const std::vector<float> a1 = RunDropout(a, x, true).ToFloatVector();
  const std::vector<float> a2 = RunDropout(a, x, true).ToFloatVector();
  EXPECT_EQ(a1, RunDropout(b, x, true).ToFloatVector());  // same seed, same sequence
  EXPECT_EQ(a2, RunDropout(b, x, true).ToFloatVector());
  EXPECT_NE(a1, a2);                                        // a new mask per call
  EXPECT_NE(a1, RunDropout(c, x, true).ToFloatVector());  // another seed, another mask
}

TEST(Dropout, NoiseShapeDropsWholeSlices) {
  LayerPtr layer = CreateLayer("Dropout", {{"rate", 0.5}, {"noise_shape", {nullptr, 1}}, {"seed", 5}});
  Tensor y = RunDropout(layer, Tensor::Full({64, 8}, 1.f), true);
  int dropped_rows = 0;
  for (int64_t r = 0; r < 64; ++r) {
    const float first = y.f32()[r * 8];
    for (int64_t c = 1; c < 8; ++c) EXPECT_EQ(y.f32()[r * 8 + c], first) << "row " << r;
    dropped_rows += first == 0.f;
  }
  EXPECT_GT(dropped_rows, 10);
  EXPECT_LT(dropped_rows, 54);
}

TEST(Dropout, GradientIsTheMask) {
  LayerPtr layer = CreateLayer("Dropout", {{"rate", 0.4}, {"seed", 9}});
  Tensor x = RandomTensor({6, 5}, 4, 0.5f, 1.5f);
  ops::GradientTape tape;
  Tensor y = RunDropout(layer, x, true);
  Tensor g = tape.Gradient(y, {x})[0];
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_FLOAT_EQ(g.f32()[i], y.f32()[i] / x.f32()[i]);
}

TEST(Dropout, RejectsRateOutsideZeroOne) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dropout", {{"rate", 1.5}}); }), {"Dropout", "rate=1.5"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dropout", json::object()); }), {"Dropout", "rate"});
}

// ---- validation messages ----------------------------------------------------------------------------

TEST(CoreLayerErrors, NameTheLayerAndTheValue) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", -3}, {"name", "d1"}}); }),
                 {"Dense 'd1'", "units=-3"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2.5}}); }), {"Dense", "units=2.5"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", json::object()); }), {"Dense", "units"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2}, {"activation", "foo"}, {"name", "d2"}}); }),
                 {"Dense 'd2'", "foo"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Activation", {{"activation", "relu7"}}); }), {"Activation", "relu7"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2}, {"unitz", 3}}); }),
                 {"Dense", "unrecognized", "unitz"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2}, {"kernel_initializer", "nope"}}); }),
                 {"Dense", "kernel_initializer", "nope"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Reshape", {{"target_shape", {-1, -1}}}); }),
                 {"Reshape", "target_shape=[-1,-1]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Flatten", {{"data_format", "nchw"}}); }), {"Flatten", "nchw"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("InputLayer", {{"sparse", true}, {"shape", {3}}}); }),
                 {"InputLayer", "sparse"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2}, {"name", "a/b"}}); }), {"a/b"});
}

// A layer that uses a raw config value the way a nested config is used: a JSON type error in its own
// reading comes back as a ValueError naming the layer and the path read last, not as nlohmann's text alone.
class RawReader : public layers::Layer {
 public:
  explicit RawReader(layers::ConfigReader& config) : Layer(config) { size_ = config.Raw("spec")["size"].get<int>(); }
  Tensors Call(const Tensors& inputs, const layers::CallContext&) override { return inputs; }
  int size() const { return size_; }

 private:
  int size_;
};

TEST(CoreLayerErrors, JsonTypeErrorsNameTheLayerAndPath) {
  const std::string message = ErrorOf<ValueError>(
      [] { layers::MakeLayer<RawReader>({{"name", "raw"}, {"spec", {{"size", "big"}}}}, "RawReader"); });
  ExpectContains(message, {"RawReader 'raw': spec is malformed:", "type must be number"});
  auto fine = layers::MakeLayer<RawReader>({{"spec", {{"size", 3}}}}, "RawReader");
  EXPECT_EQ(std::static_pointer_cast<RawReader>(fine)->size(), 3);
}

// Configs from JS arrive in camelCase: read as they are, and messages spell the keys the same way.
TEST(CoreLayerErrors, CamelCaseConfigsAndPathsInMessages) {
  auto dense = CreateLayer("Dense", {{"units", 2}, {"useBias", false}, {"kernelInitializer", "heNormal"},
                                     {"inputShape", {3}}});
  EXPECT_EQ(dense->GetConfig()["use_bias"], false);
  EXPECT_EQ(dense->GetConfig()["kernel_initializer"]["class_name"], "HeNormal");
  EXPECT_EQ(*dense->batch_input_shape(), (Shape{-1, 3}));
  const json bad_seed = {{"units", 2}, {"name", "d"},
                         {"kernelInitializer", {{"className", "GlorotUniform"}, {"config", {{"seed", "x"}}}}}};
  ExpectContains(ErrorOf<ValueError>([&] { CreateLayer("Dense", bad_seed); }),
                 {"Dense 'd': kernelInitializer.config.seed must be an integer or null",
                  "Received: kernelInitializer.config.seed=\"x\""});
  const json snake_seed = {{"units", 2}, {"name", "d"},
                           {"kernel_initializer", {{"class_name", "GlorotUniform"}, {"config", {{"seed", "x"}}}}}};
  ExpectContains(ErrorOf<ValueError>([&] { CreateLayer("Dense", snake_seed); }),
                 {"Dense 'd': kernel_initializer.config.seed must be"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2}, {"useBias", 1}}); }),
                 {"useBias must be true or false. Received: useBias=1"});
  ExpectContains(ErrorOf<ValueError>([] {
                   CreateLayer("Dense", {{"units", 2}, {"kernelRegularizer", {{"className", "L2"}, {"config", {{"l2", -1}}}}}});
                 }),
                 {"kernelRegularizer.config.l2 must be >= 0"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2}, {"biasConstraint", "nonNegative"}}); }),
                 {"unknown constraint 'nonNegative'", "Received: biasConstraint=\"nonNegative\""});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Reshape", {{"targetShape", {2}}, {"unitz", 1}}); }),
                 {"unrecognized argument 'unitz'"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 2}, {"useBias", true}, {"use_bias", false}}); }),
                 {"disagree"});
}

TEST(CoreLayerErrors, WrongInputShapeNamesTheLayer) {
  LayerPtr dense = CreateLayer("Dense", {{"units", 2}, {"name", "dd"}});
  dense->Apply(Tensor::Zeros({1, 4}));
  ExpectContains(ErrorOf<ShapeError>([&] { dense->Apply(Tensor::Zeros({1, 5})); }),
                 {"Dense 'dd'", "axis -1", "value 4", "[1,5]"});
  ExpectContains(ErrorOf<ShapeError>([&] { dense->Apply(Tensor::Zeros({4})); }), {"Dense 'dd'", "min_ndim=2"});
  LayerPtr reshape = CreateLayer("Reshape", {{"target_shape", {4}}, {"name", "rr"}});
  ExpectContains(ErrorOf<ShapeError>([&] { reshape->Apply(Tensor::Zeros({2, 6})); }), {"Reshape 'rr'", "[6]", "[4]"});
  ExpectContains(ErrorOf<ValueError>([&] { dense->Apply(Tensors{Tensor::Zeros({1, 4}), Tensor::Zeros({1, 4})}); }),
                 {"Dense 'dd'", "received 2"});
}

TEST(CoreLayerErrors, SetWeightsChecksCountAndShapes) {
  LayerPtr dense = CreateLayer("Dense", {{"units", 3}, {"name", "sw"}});
  dense->MaybeBuild({{-1, 4}});
  const Tensors before = dense->GetWeights();
  ExpectContains(ErrorOf<ValueError>([&] { dense->SetWeights({Tensor::Zeros({4, 3})}); }),
                 {"Dense 'sw'", "expects 2 weights", "sw/kernel [4,3]", "sw/bias [3]", "received 1"});
  ExpectContains(ErrorOf<ShapeError>([&] { dense->SetWeights({Tensor::Zeros({3, 4}), Tensor::Zeros({3})}); }),
                 {"Dense 'sw'", "sw/kernel", "[4,3]", "[3,4]"});
  // A failed call changes nothing.
  EXPECT_EQ(dense->GetWeights()[0].id(), before[0].id());
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dense", {{"units", 1}})->CountParams(); }), {"built"});
}

// ---- weights, losses, names ----------------------------------------------------------------------------

TEST(CoreLayers, DefaultNamesAreUniquePerClass) {
  layers::ResetLayerNames();
  EXPECT_EQ(CreateLayer("Dense", {{"units", 1}})->name(), "dense");
  EXPECT_EQ(CreateLayer("Dense", {{"units", 1}})->name(), "dense_1");
  EXPECT_EQ(CreateLayer("Dense", {{"units", 1}, {"name", "mine"}})->name(), "mine");
  EXPECT_EQ(CreateLayer("Dense", {{"units", 1}})->name(), "dense_2");
  EXPECT_EQ(CreateLayer("Activation", {{"activation", "relu"}})->name(), "activation");
  EXPECT_EQ(CreateLayer("InputLayer", {{"shape", {2}}})->name(), "input_1");
}

TEST(CoreLayers, InputShapeKeysGiveTheBatchInputShape) {
  EXPECT_EQ(*CreateLayer("Dense", {{"units", 1}, {"input_shape", {3}}})->batch_input_shape(), (Shape{-1, 3}));
  EXPECT_EQ(*CreateLayer("Dense", {{"units", 1}, {"input_dim", 5}, {"batch_size", 8}})->batch_input_shape(),
            (Shape{8, 5}));
  EXPECT_EQ(*CreateLayer("Dense", {{"units", 1}, {"batch_input_shape", {2, 7}}})->batch_input_shape(), (Shape{2, 7}));
  EXPECT_FALSE(CreateLayer("Dense", {{"units", 1}})->batch_input_shape().has_value());
  // The shape survives a config round trip as Keras writes it.
  const json c = CreateLayer("Dense", {{"units", 1}, {"input_shape", {3}}})->GetConfig();
  EXPECT_EQ(c["batch_input_shape"], json({nullptr, 3}));
}

TEST(CoreLayers, RegularizationLossesAreCollected) {
  LayerPtr dense = CreateLayer("Dense", {{"units", 2},
                                         {"kernel_regularizer", {{"class_name", "L1L2"}, {"config", {{"l1", 0.0}, {"l2", 0.5}}}}},
                                         {"activity_regularizer", {{"class_name", "L1L2"}, {"config", {{"l1", 0.25}, {"l2", 0.0}}}}}});
  Tensor x = RandomTensor({3, 4}, 8);
  Tensor y = dense->Apply(x);
  const Tensors losses = dense->Losses();
  ASSERT_EQ(losses.size(), 2u);
  // Activity: 0.25 * sum|y| / batch; weight: 0.5 * sum(kernel^2).
  double act = 0, w = 0;
  for (float v : y.ToFloatVector()) act += std::fabs(v);
  for (float v : dense->GetWeights()[0].ToFloatVector()) w += static_cast<double>(v) * v;
  EXPECT_NEAR(losses[0].item(), 0.25 * act / 3, 1e-5);
  EXPECT_NEAR(losses[1].item(), 0.5 * w, 1e-5);
  // The next outermost call replaces the activity loss rather than accumulating.
  dense->Apply(x);
  EXPECT_EQ(dense->Losses().size(), 2u);
}

TEST(CoreLayers, TrainableFlagFiltersWeights) {
  LayerPtr dense = CreateLayer("Dense", {{"units", 2}, {"trainable", false}});
  dense->MaybeBuild({{-1, 3}});
  EXPECT_TRUE(dense->TrainableWeights().empty());
  EXPECT_EQ(dense->NonTrainableWeights().size(), 2u);
  dense->SetTrainable(true);
  EXPECT_EQ(dense->TrainableWeights().size(), 2u);
  EXPECT_EQ(dense->GetConfig()["trainable"], true);
}

TEST(CoreLayers, IntegerInputsAreCastToFloat) {
  LayerPtr dense = CreateLayer("Dense", {{"units", 1}, {"kernel_initializer", "ones"}});
  const int32_t data[] = {1, 2, 3};
  Tensor y = dense->Apply(Tensor::FromData({1, 3}, data));
  EXPECT_FLOAT_EQ(y.item(), 6.f);
}

}  // namespace
}  // namespace kerasm::testing
