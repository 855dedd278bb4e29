// Wrappers (TimeDistributed, Bidirectional): generic-test cases whose references run the inner layer's Keras
// formula step by step in double (Dense per time step; SimpleRNN forwards and backwards, then the merge),
// and what the generic test cannot see: live layers in configs, masks, initial states, names and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::testing {

namespace {

using layers::CreateLayer;
using layers::LayerPtr;

// Dense (kernel [in, units], bias [units]) over the last axis of every row, then the activation.
Reference TimeDistributedDenseRef(const std::string& activation) {
  return [=](const Tensors& in, const Tensors& w) {
    const std::vector<double> x = ToDoubles(in[0]), k = ToDoubles(w[0]), b = ToDoubles(w[1]);
    const int64_t n_in = w[0].dim(0), units = w[0].dim(1);
    const int64_t rows = static_cast<int64_t>(x.size()) / n_in;
    std::vector<double> y(rows * units);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < units; ++j) {
        double s = b[j];
        for (int64_t i = 0; i < n_in; ++i) s += x[r * n_in + i] * k[i * units + j];
        y[r * units + j] = s;
      }
    }
    ApplyActivationRef(activation, &y, units);
    return std::vector<std::vector<double>>{y};
  };
}

// SimpleRNN h_t = tanh(x_t W + h_{t-1} U + b) over x [batch, T, f]: h[b][t] indexed by time step (the
// backward run visits T-1 .. 0), plus the final state.
struct RnnRun {
  std::vector<std::vector<std::vector<double>>> h;  // [batch][time][units]
  std::vector<std::vector<double>> last;            // [batch][units]
};

RnnRun SimpleRnnRef(const Tensor& xt, const Tensor& wt, const Tensor& ut, const Tensor& bt, bool backwards) {
  const std::vector<double> x = ToDoubles(xt), w = ToDoubles(wt), u = ToDoubles(ut), b = ToDoubles(bt);
  const int64_t batch = xt.dim(0), steps = xt.dim(1), f = xt.dim(2), units = wt.dim(1);
  RnnRun run;
  run.h.assign(batch, std::vector<std::vector<double>>(steps, std::vector<double>(units)));
  run.last.assign(batch, std::vector<double>(units, 0.0));
  for (int64_t n = 0; n < batch; ++n) {
    std::vector<double> h(units, 0.0);
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t t = backwards ? steps - 1 - s : s;
      std::vector<double> next(units);
      for (int64_t j = 0; j < units; ++j) {
        double a = b[j];
        for (int64_t i = 0; i < f; ++i) a += x[(n * steps + t) * f + i] * w[i * units + j];
        for (int64_t i = 0; i < units; ++i) a += h[i] * u[i * units + j];
        next[j] = std::tanh(a);
      }
      h = next;
      run.h[n][t] = h;
    }
    run.last[n] = h;
  }
  return run;
}

// Bidirectional(SimpleRNN): forward weights then backward weights; the merge by the Keras formula.
Reference BidirectionalRef(const std::string& mode, bool sequences, bool state) {
  return [=](const Tensors& in, const Tensors& w) {
    const RnnRun f = SimpleRnnRef(in[0], w[0], w[1], w[2], false);
    const RnnRun b = SimpleRnnRef(in[0], w[3], w[4], w[5], true);
    const int64_t batch = in[0].dim(0), steps = in[0].dim(1), units = w[0].dim(1);
    std::vector<double> yf, yb;
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t t = 0; t < (sequences ? steps : 1); ++t) {
        const std::vector<double>& hf = sequences ? f.h[n][t] : f.last[n];
        const std::vector<double>& hb = sequences ? b.h[n][t] : b.last[n];
        yf.insert(yf.end(), hf.begin(), hf.end());
        yb.insert(yb.end(), hb.begin(), hb.end());
      }
    }
    std::vector<std::vector<double>> out;
    if (mode == "none") {
      out = {yf, yb};
    } else {
      std::vector<double> y;
      for (size_t r = 0; r < yf.size() / units; ++r) {
        for (int64_t j = 0; j < units; ++j) {
          const double a = yf[r * units + j], c = yb[r * units + j];
          if (mode == "sum") y.push_back(a + c);
          if (mode == "mul") y.push_back(a * c);
          if (mode == "ave") y.push_back((a + c) / 2);
          if (mode == "concat") y.push_back(a);
        }
        if (mode == "concat") y.insert(y.end(), yb.begin() + r * units, yb.begin() + (r + 1) * units);
      }
      out = {y};
    }
    if (state) {
      std::vector<double> sf, sb;
      for (int64_t n = 0; n < batch; ++n) {
        sf.insert(sf.end(), f.last[n].begin(), f.last[n].end());
        sb.insert(sb.end(), b.last[n].begin(), b.last[n].end());
      }
      out.push_back(sf);
      out.push_back(sb);
    }
    return out;
  };
}

json DenseSpec(int units, const std::string& activation) {
  return {{"class_name", "Dense"}, {"config", {{"units", units}, {"activation", activation}}}};
}

json RnnSpec(int units, bool sequences, bool state = false) {
  return {{"class_name", "SimpleRNN"},
          {"config", {{"units", units}, {"return_sequences", sequences}, {"return_state", state}}}};
}

json BidiConfig(const json& layer, const json& mode) { return {{"layer", layer}, {"merge_mode", mode}}; }

}  // namespace

std::vector<LayerCase> WrapperLayerCases() {
  std::vector<LayerCase> c;
  c.push_back({"TimeDistributed/dense_tanh", "TimeDistributed", {{"layer", DenseSpec(3, "tanh")}}, {{2, 4, 5}},
               {{5, 3}, {3}}, TimeDistributedDenseRef("tanh")});
  // A rank-4 input: the inner Dense sees [batch * T, 3, 4] and works on the last axis.
  c.push_back({"TimeDistributed/dense_rank4_softmax", "TimeDistributed", {{"layer", DenseSpec(2, "softmax")}},
               {{2, 3, 3, 4}}, {{4, 2}, {2}}, TimeDistributedDenseRef("softmax")});
  const Shapes rnn_weights = {{3, 2}, {2, 2}, {2}, {3, 2}, {2, 2}, {2}};
  for (const char* mode : {"concat", "sum", "mul", "ave"}) {
    c.push_back({std::string("Bidirectional/sequences_") + mode, "Bidirectional", BidiConfig(RnnSpec(2, true), mode),
                 {{2, 4, 3}}, rnn_weights, BidirectionalRef(mode, true, false)});
  }
  c.push_back({"Bidirectional/last_concat", "Bidirectional", BidiConfig(RnnSpec(2, false), "concat"), {{3, 5, 3}},
               rnn_weights, BidirectionalRef("concat", false, false)});
  c.push_back({"Bidirectional/none_state", "Bidirectional", BidiConfig(RnnSpec(2, false, true), nullptr),
               {{2, 3, 3}}, rnn_weights, BidirectionalRef("none", false, true)});
  c.push_back({"Bidirectional/sequences_sum_state", "Bidirectional", BidiConfig(RnnSpec(2, true, true), "sum"),
               {{2, 3, 3}}, rnn_weights, BidirectionalRef("sum", true, true)});
  return c;
}

// ---- live layers ---------------------------------------------------------------------------------------

TEST(WrapperLayers, LiveLayerPlaceholdersResolveToTheVeryLayer) {
  LayerPtr dense = CreateLayer("Dense", {{"units", 3}, {"name", "d"}});
  LayerPtr td;
  {
    layers::LiveLayerScope scope({dense});
    td = CreateLayer("TimeDistributed", {{"layer", {{layers::kLiveLayerKey, 0}}}, {"name", "td"}});
  }
  ASSERT_EQ(td->sub_layers().size(), 1u);
  EXPECT_EQ(td->sub_layers()[0].get(), dense.get());
  EXPECT_EQ(dense->parent(), td.get());
  td->Apply(Tensor::Zeros({2, 4, 5}));
  // The inner layer's weights are named under the wrapper.
  EXPECT_EQ(td->WeightNames(), (std::vector<std::string>{"td/kernel", "td/bias"}));
  EXPECT_EQ(td->GetConfig()["layer"]["class_name"], "Dense");
  EXPECT_EQ(td->GetConfig()["layer"]["config"]["name"], "d");
  // Outside the scope a placeholder is an error, as is one past the table.
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("TimeDistributed", {{"layer", {{layers::kLiveLayerKey, 0}}}}); }),
                 {"placeholder outside"});
  ExpectContains(ErrorOf<ValueError>([&] {
                   layers::LiveLayerScope scope({dense});
                   CreateLayer("TimeDistributed", {{"layer", {{layers::kLiveLayerKey, 1}}}});
                 }),
                 {"refers to no layer"});
}

TEST(WrapperLayers, LiveLayerScopesNestAndRestoreOnExceptions) {
  LayerPtr a = CreateLayer("Dense", {{"units", 1}}), b = CreateLayer("Dense", {{"units", 2}});
  layers::LiveLayerScope outer({a});
  try {
    layers::LiveLayerScope inner({b});
    EXPECT_EQ(layers::DeserializeLayer({{layers::kLiveLayerKey, 0}}).get(), b.get());
    throw ValueError("boom");
  } catch (const ValueError&) {
  }
  EXPECT_EQ(layers::DeserializeLayer({{layers::kLiveLayerKey, 0}}).get(), a.get());
}

// ---- TimeDistributed ------------------------------------------------------------------------------------

TEST(WrapperLayers, TimeDistributedMatchesTheInnerLayerPerStep) {
  LayerPtr td = CreateLayer("TimeDistributed", {{"layer", DenseSpec(4, "relu")}});
  const Tensor x = RandomTensor({3, 5, 2}, 7);
  const Tensor y = td->Apply(x);
  ASSERT_EQ(y.shape(), (Shape{3, 5, 4}));
  LayerPtr inner = td->sub_layers()[0];
  for (int64_t t = 0; t < 5; ++t) {
    const Tensor step = ops::Reshape(ops::Slice(x, {0, t, 0}, {3, 1, 2}), {3, 2});
    const std::vector<float> want = inner->Apply(step).ToFloatVector();
    const std::vector<float> got = ops::Slice(y, {0, t, 0}, {3, 1, 4}).ToFloatVector();
    for (size_t k = 0; k < want.size(); ++k) EXPECT_FLOAT_EQ(got[k], want[k]) << "step " << t;
  }
  EXPECT_EQ(td->ComputeOutputShape({{-1, -1, 2}})[0], (Shape{-1, -1, 4}));
}

TEST(WrapperLayers, TimeDistributedPassesTheMaskThrough) {
  LayerPtr td = CreateLayer("TimeDistributed", {{"layer", DenseSpec(2, "linear")}});
  Tensor mask({2, 3});
  for (int64_t i = 0; i < mask.size(); ++i) mask.f32()[i] = i % 2 ? 1.f : 0.f;
  layers::CallContext ctx;
  ctx.masks = {mask};
  const layers::CallResult r = td->ApplyWithMasks({Tensor::Zeros({2, 3, 4})}, ctx);
  ASSERT_EQ(r.masks.size(), 1u);
  ASSERT_TRUE(r.masks[0].defined());
  EXPECT_EQ(r.masks[0].ToFloatVector(), mask.ToFloatVector());
}

TEST(WrapperLayers, TimeDistributedErrors) {
  ExpectContains(ErrorOf<ShapeError>([] {
                   CreateLayer("TimeDistributed", {{"layer", DenseSpec(2, "linear")}, {"name", "td"}})->Apply(Tensor::Zeros({2, 3}));
                 }),
                 {"TimeDistributed 'td'", "rank >= 3", "[2,3]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("TimeDistributed", json::object()); }), {"TimeDistributed", "layer"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("TimeDistributed", {{"layer", {{"units", 3}}}}); }),
                 {"TimeDistributed", "layer must be a layer", "units"});
  ExpectContains(ErrorOf<ValueError>([] {
                   LayerPtr d = CreateLayer("Dense", {{"units", 1}});
                   layers::LiveLayerScope scope({d});
                   LayerPtr first = CreateLayer("TimeDistributed", {{"layer", {{layers::kLiveLayerKey, 0}}}});
                   CreateLayer("TimeDistributed", {{"layer", {{layers::kLiveLayerKey, 0}}}});
                 }),
                 {"already a part of"});
}

// ---- Bidirectional --------------------------------------------------------------------------------------

TEST(WrapperLayers, BidirectionalNamesCopiesAndWeights) {
  LayerPtr rnn = CreateLayer("SimpleRNN", {{"units", 2}, {"name", "r"}});
  LayerPtr bi;
  {
    layers::LiveLayerScope scope({rnn});
    bi = CreateLayer("Bidirectional", {{"layer", {{layers::kLiveLayerKey, 0}}}, {"name", "bi"}});
  }
  // Copies from the config: the given layer stays apart.
  EXPECT_EQ(rnn->parent(), nullptr);
  ASSERT_EQ(bi->sub_layers().size(), 2u);
  EXPECT_EQ(bi->sub_layers()[0]->name(), "forward_r");
  EXPECT_EQ(bi->sub_layers()[1]->name(), "backward_r");
  EXPECT_EQ(bi->sub_layers()[1]->GetConfig()["go_backwards"], true);
  bi->Apply(Tensor::Zeros({1, 2, 3}));
  const std::vector<std::string> names = bi->WeightNames();
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(names[0].rfind("bi/forward_r/", 0), 0u) << names[0];
  EXPECT_EQ(names[3].rfind("bi/backward_r/", 0), 0u) << names[3];
  const json config = bi->GetConfig();
  EXPECT_EQ(config["layer"]["config"]["name"], "r");
  EXPECT_EQ(config["merge_mode"], "concat");
  EXPECT_FALSE(config.contains("backward_layer"));
  EXPECT_EQ(CreateLayer("Bidirectional", config)->GetConfig(), config);
}

// Masked steps: both directions skip them (Keras passes the mask to both layers), with or without sequences.
TEST(WrapperLayers, BidirectionalMaskEqualsTheUnpaddedSequence) {
  for (bool sequences : {false, true}) {
    LayerPtr bi = CreateLayer("Bidirectional", BidiConfig(RnnSpec(3, sequences), "concat"));
    const Tensor x = RandomTensor({1, 5, 2}, 3);
    Tensor mask({1, 5});
    for (int64_t t = 0; t < 5; ++t) mask.f32()[t] = t < 3 ? 1.f : 0.f;
    layers::CallContext ctx;
    ctx.masks = {mask};
    const layers::CallResult masked = bi->ApplyWithMasks({x}, ctx);
    const Tensor shorter = bi->Apply(ops::Slice(x, {0, 0, 0}, {1, 3, 2}));
    const std::vector<float> a = (sequences ? ops::Slice(masked.outputs[0], {0, 0, 0}, {1, 3, 6}) : masked.outputs[0]).ToFloatVector();
    const std::vector<float> b = shorter.ToFloatVector();
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-6) << "sequences " << sequences << " [" << k << "]";
    EXPECT_EQ(masked.masks[0].defined(), sequences);
  }
}

TEST(WrapperLayers, BidirectionalInitialStatesSplitHalfAndHalf) {
  LayerPtr bi = CreateLayer("Bidirectional", BidiConfig(RnnSpec(2, false, true), nullptr));
  const Tensor x = RandomTensor({2, 3, 3}, 5), h0 = RandomTensor({2, 2}, 6), h1 = RandomTensor({2, 2}, 8);
  const Tensors out = bi->Apply(Tensors{x, h0, h1});
  ASSERT_EQ(out.size(), 4u);
  LayerPtr forward = bi->sub_layers()[0], backward = bi->sub_layers()[1];
  const Tensors f = forward->Apply(Tensors{x, h0});
  const Tensors b = backward->Apply(Tensors{x, h1});
  EXPECT_EQ(out[0].ToFloatVector(), f[0].ToFloatVector());
  EXPECT_EQ(out[1].ToFloatVector(), b[0].ToFloatVector());
  EXPECT_EQ(out[2].ToFloatVector(), f[1].ToFloatVector());
  EXPECT_EQ(out[3].ToFloatVector(), b[1].ToFloatVector());
  ExpectContains(ErrorOf<ValueError>([&] { bi->Apply(Tensors{x, h0}); }), {"Bidirectional", "even number", "got 1"});
}

TEST(WrapperLayers, BidirectionalErrors) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Bidirectional", BidiConfig(RnnSpec(2, true), "max")); }),
                 {"Bidirectional", "merge_mode", "max"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Bidirectional", BidiConfig(DenseSpec(2, "linear"), "sum")); }),
                 {"Bidirectional", "recurrent layer", "Dense"});
  json backward = RnnSpec(2, false);
  backward["config"]["go_backwards"] = true;
  json config = BidiConfig(RnnSpec(2, true), "sum");
  config["backward_layer"] = backward;
  ExpectContains(ErrorOf<ValueError>([&] { CreateLayer("Bidirectional", config); }),
                 {"Bidirectional", "same return_sequences"});
  config["backward_layer"] = RnnSpec(2, true);
  ExpectContains(ErrorOf<ValueError>([&] { CreateLayer("Bidirectional", config); }),
                 {"Bidirectional", "different go_backwards"});
}

TEST(WrapperLayers, BidirectionalWithABackwardLayer) {
  json backward = RnnSpec(3, true);
  backward["config"]["go_backwards"] = true;
  backward["config"]["name"] = "back";
  json config = BidiConfig(RnnSpec(2, true), "concat");
  config["backward_layer"] = backward;
  LayerPtr bi = CreateLayer("Bidirectional", config);
  EXPECT_EQ(bi->sub_layers()[1]->name(), "back");
  EXPECT_EQ(bi->Apply(Tensor::Zeros({2, 4, 5})).shape(), (Shape{2, 4, 5}));
  EXPECT_EQ(bi->ComputeOutputShape({{-1, 4, 5}})[0], (Shape{-1, 4, 5}));
  const json saved = bi->GetConfig();
  EXPECT_EQ(saved["backward_layer"]["config"]["name"], "back");
  EXPECT_EQ(CreateLayer("Bidirectional", saved)->GetConfig(), saved);
}

}  // namespace kerasm::testing
