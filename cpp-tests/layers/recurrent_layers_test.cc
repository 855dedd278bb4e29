// Recurrent layers: generic cases (forward against the step-by-step reference of recurrent_reference.h,
// gradients by finite differences) and what the generic test cannot see: masks, stateful layers, initial
// states, dropout masks fixed across time, the CuDNN layouts, stacked cells and the errors.
#include <gtest/gtest.h>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/recurrent.h"
#include "layers/recurrent_reference.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::testing {

namespace {

RnnRefOptions Opts(const std::string& cell, int64_t units) {
  RnnRefOptions o;
  o.cell = cell;
  o.units = units;
  return o;
}

// Two cells run one after the other per step: the reference runs the first over the whole sequence, then
// the second over its outputs (the same thing for a stack).
Reference StackedReference(RnnRefOptions first, RnnRefOptions second, size_t first_weights) {
  return [=](const Tensors& in, const Tensors& weights) {
    std::vector<std::vector<double>> w1, w2;
    for (size_t i = 0; i < weights.size(); ++i) (i < first_weights ? w1 : w2).push_back(ToDoubles(weights[i]));
    const Tensor& x = in[0];
    const int64_t steps = x.rank() == 3 ? x.dim(1) : 1, features = x.dim(-1);
    RnnRefOptions a = first, b = second;
    a.return_sequences = true;
    a.return_state = true;
    b.return_state = true;
    std::vector<std::vector<double>> states_a, states_b;
    const size_t na = first.cell == "lstm" ? 2 : 1;
    for (size_t i = 1; i < in.size(); ++i) (i <= na ? states_a : states_b).push_back(ToDoubles(in[i]));
    auto ra = RnnReference(a, ToDoubles(x), x.dim(0), steps, features, w1, states_a);
    auto rb = RnnReference(b, ra[0], x.dim(0), steps, first.units, w2, states_b);
    std::vector<std::vector<double>> out{rb[0]};
    if (second.return_state) {
      out.insert(out.end(), ra.begin() + 1, ra.end());
      out.insert(out.end(), rb.begin() + 1, rb.end());
    }
    return out;
  };
}

// ConvLSTM2D from its definition: the LSTM gates of conv(x_t, kernel) + conv(h, recurrent_kernel) + bias,
// the input convolution with the layer's strides / padding, the recurrent one 'same' with stride 1;
// channels_last throughout (inputs [batch, T, rows, cols, C]).
Reference ConvLstmReference(int64_t f, int64_t k, int64_t stride, bool same, bool return_sequences) {
  return [=](const Tensors& in, const Tensors& w) {
    const Tensor& x = in[0];
    const int64_t batch = x.dim(0), steps = x.dim(1), rows = x.dim(2), cols = x.dim(3), ch = x.dim(4);
    const std::vector<double> xv = ToDoubles(x), kv = ToDoubles(w[0]), rv = ToDoubles(w[1]), bv = ToDoubles(w[2]);
    auto out_len = [&](int64_t n) { return same ? (n + stride - 1) / stride : (n - k) / stride + 1; };
    auto pad_of = [&](int64_t n, int64_t out, int64_t s) { return same ? std::max<int64_t>((out - 1) * s + k - n, 0) / 2 : 0; };
    const int64_t orow = out_len(rows), ocol = out_len(cols);
    const int64_t pr = pad_of(rows, orow, stride), pc = pad_of(cols, ocol, stride);
    const int64_t rr = (k - 1) / 2;  // 'same' with stride 1: the smaller half in front
    const int64_t g4 = 4 * f, map = orow * ocol * f;
    std::vector<double> seq, last;
    for (int64_t n = 0; n < batch; ++n) {
      std::vector<double> h(map, 0.0), c(map, 0.0), hs;
      for (int64_t t = 0; t < steps; ++t) {
        std::vector<double> z(orow * ocol * g4, 0.0);
        for (int64_t i = 0; i < orow; ++i) {
          for (int64_t j = 0; j < ocol; ++j) {
            for (int64_t q = 0; q < g4; ++q) {
              double acc = bv[q];
              for (int64_t a = 0; a < k; ++a) {
                for (int64_t b = 0; b < k; ++b) {
                  const int64_t yi = i * stride - pr + a, yj = j * stride - pc + b;
                  if (yi >= 0 && yi < rows && yj >= 0 && yj < cols) {
                    for (int64_t e = 0; e < ch; ++e) {
                      acc += xv[(((n * steps + t) * rows + yi) * cols + yj) * ch + e] * kv[((a * k + b) * ch + e) * g4 + q];
                    }
                  }
                  const int64_t hi = i - rr + a, hj = j - rr + b;
                  if (hi >= 0 && hi < orow && hj >= 0 && hj < ocol) {
                    for (int64_t e = 0; e < f; ++e) acc += h[(hi * ocol + hj) * f + e] * rv[((a * k + b) * f + e) * g4 + q];
                  }
                }
              }
              z[(i * ocol + j) * g4 + q] = acc;
            }
          }
        }
        for (int64_t p = 0; p < orow * ocol; ++p) {
          for (int64_t e = 0; e < f; ++e) {
            auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
            const double* zp = &z[p * g4];
            const double ig = sig(zp[e]), fg = sig(zp[f + e]), gg = std::tanh(zp[2 * f + e]), og = sig(zp[3 * f + e]);
            c[p * f + e] = fg * c[p * f + e] + ig * gg;
            h[p * f + e] = og * std::tanh(c[p * f + e]);
          }
        }
        hs.insert(hs.end(), h.begin(), h.end());
      }
      seq.insert(seq.end(), hs.begin(), hs.end());
      last.insert(last.end(), h.begin(), h.end());
    }
    return std::vector<std::vector<double>>{return_sequences ? seq : last};
  };
}

}  // namespace

std::vector<LayerCase> RecurrentLayerCases() {
  std::vector<LayerCase> cases;
  const Shape x{2, 4, 3};
  {
    RnnRefOptions o = Opts("simple", 3);
    o.return_sequences = true;
    cases.push_back({"SimpleRNN/sequences", "SimpleRNN", {{"units", 3}, {"return_sequences", true}}, {x},
                     {{3, 3}, {3, 3}, {3}}, RnnCaseReference(o)});
    RnnRefOptions b = Opts("simple", 2);
    b.go_backwards = true;
    b.use_bias = false;
    b.activation = "sigmoid";
    cases.push_back({"SimpleRNN/backwards_nobias_sigmoid", "SimpleRNN",
                     {{"units", 2}, {"go_backwards", true}, {"use_bias", false}, {"activation", "sigmoid"}}, {x},
                     {{3, 2}, {2, 2}}, RnnCaseReference(b)});
  }
  {
    RnnRefOptions o = Opts("gru", 3);
    o.return_sequences = true;
    cases.push_back({"GRU/reset_after_sequences", "GRU", {{"units", 3}, {"return_sequences", true}}, {x},
                     {{3, 9}, {3, 9}, {2, 9}}, RnnCaseReference(o)});
    RnnRefOptions b = Opts("gru", 2);
    b.reset_after = false;
    b.return_state = true;
    b.go_backwards = true;
    cases.push_back({"GRU/reset_before_state_backwards", "GRU",
                     {{"units", 2}, {"reset_after", false}, {"return_state", true}, {"go_backwards", true}}, {x},
                     {{3, 6}, {2, 6}, {6}}, RnnCaseReference(b)});
    RnnRefOptions s = Opts("gru", 2);
    s.return_state = true;
    // An initial state passed as a second input.
    cases.push_back({"GRU/initial_state", "GRU", {{"units", 2}, {"return_state", true}}, {x, {2, 2}},
                     {{3, 6}, {2, 6}, {2, 6}}, RnnCaseReference(s)});
  }
  {
    RnnRefOptions o = Opts("lstm", 3);
    o.return_state = true;
    cases.push_back({"LSTM/state", "LSTM", {{"units", 3}, {"return_state", true}}, {x}, {{3, 12}, {3, 12}, {12}},
                     RnnCaseReference(o)});
    RnnRefOptions b = Opts("lstm", 2);
    b.return_sequences = true;
    b.go_backwards = true;
    b.activation = "softsign";
    b.recurrent_activation = "hard_sigmoid";
    LayerCase hs{"LSTM/sequences_backwards_hard_sigmoid", "LSTM",
                 {{"units", 2}, {"return_sequences", true}, {"go_backwards", true}, {"activation", "softsign"},
                  {"recurrent_activation", "hard_sigmoid"}, {"implementation", 1}},
                 {x}, {{3, 8}, {2, 8}, {8}}, RnnCaseReference(b)};
    hs.check_gradients = false;  // hard_sigmoid's kinks
    cases.push_back(hs);
    RnnRefOptions s = Opts("lstm", 2);
    cases.push_back({"LSTM/initial_states", "LSTM", {{"units", 2}}, {x, {2, 2}, {2, 2}}, {{3, 8}, {2, 8}, {8}},
                     RnnCaseReference(s)});
  }
  {
    RnnRefOptions o = Opts("gru", 2);
    o.cudnn = true;
    o.return_sequences = true;
    cases.push_back({"CuDNNGRU/sequences", "CuDNNGRU", {{"units", 2}, {"return_sequences", true}}, {x},
                     {{3, 6}, {2, 6}, {12}}, RnnCaseReference(o)});
    RnnRefOptions l = Opts("lstm", 3);
    l.cudnn = true;
    l.return_state = true;
    cases.push_back({"CuDNNLSTM/state", "CuDNNLSTM", {{"units", 3}, {"return_state", true}}, {{2, 3, 2}},
                     {{2, 12}, {3, 12}, {24}}, RnnCaseReference(l)});
  }
  {
    // Cells on one step: {output, states...}; the reference is a one-step sequence.
    RnnRefOptions s = Opts("simple", 3);
    s.return_state = true;
    cases.push_back({"SimpleRNNCell/step", "SimpleRNNCell", {{"units", 3}}, {{2, 4}, {2, 3}}, {{4, 3}, {3, 3}, {3}},
                     RnnCaseReference(s)});
    RnnRefOptions g = Opts("gru", 2);
    g.return_state = true;
    g.reset_after = false;
    cases.push_back({"GRUCell/step_reset_before", "GRUCell", {{"units", 2}, {"reset_after", false}}, {{3, 4}, {3, 2}},
                     {{4, 6}, {2, 6}, {6}}, RnnCaseReference(g)});
    RnnRefOptions l = Opts("lstm", 2);
    l.return_state = true;
    cases.push_back({"LSTMCell/step", "LSTMCell", {{"units", 2}}, {{3, 4}, {3, 2}, {3, 2}}, {{4, 8}, {2, 8}, {8}},
                     RnnCaseReference(l)});
  }
  {
    RnnRefOptions o = Opts("lstm", 3);
    o.return_sequences = true;
    cases.push_back({"RNN/lstm_cell", "RNN",
                     {{"cell", {{"class_name", "LSTMCell"}, {"config", {{"units", 3}}}}}, {"return_sequences", true}},
                     {x}, {{3, 12}, {3, 12}, {12}}, RnnCaseReference(o)});
    RnnRefOptions a = Opts("simple", 3), b = Opts("gru", 2);
    b.return_state = true;
    cases.push_back({"RNN/stacked_list_state", "RNN",
                     {{"cell", json::array({{{"class_name", "SimpleRNNCell"}, {"config", {{"units", 3}}}},
                                            {{"class_name", "GRUCell"}, {"config", {{"units", 2}}}}})},
                      {"return_state", true}},
                     {x}, {{3, 3}, {3, 3}, {3}, {3, 6}, {2, 6}, {2, 6}}, StackedReference(a, b, 3)});
    RnnRefOptions c = Opts("lstm", 2), d = Opts("simple", 2);
    d.return_state = true;
    cases.push_back({"StackedRNNCells/step", "StackedRNNCells",
                     {{"cells", json::array({{{"class_name", "LSTMCell"}, {"config", {{"units", 2}}}},
                                             {{"class_name", "SimpleRNNCell"}, {"config", {{"units", 2}}}}})}},
                     {{2, 3}, {2, 2}, {2, 2}, {2, 2}}, {{3, 8}, {2, 8}, {8}, {2, 2}, {2, 2}, {2}},
                     StackedReference(c, d, 3)});
  }
  cases.push_back({"ConvLSTM2D/valid_sequences", "ConvLSTM2D",
                   {{"filters", 2}, {"kernel_size", {2, 2}}, {"return_sequences", true}}, {{2, 3, 4, 3, 2}},
                   {{2, 2, 2, 8}, {2, 2, 2, 8}, {8}}, ConvLstmReference(2, 2, 1, false, true)});
  cases.push_back({"ConvLSTM2D/same_stride2_last", "ConvLSTM2D",
                   {{"filters", 3}, {"kernel_size", {3, 3}}, {"strides", {2, 2}}, {"padding", "same"}}, {{1, 2, 5, 4, 1}},
                   {{3, 3, 1, 12}, {3, 3, 3, 12}, {12}}, ConvLstmReference(3, 3, 2, true, false)});
  return cases;
}

namespace {

using layers::CallContext;
using layers::CreateLayer;
using layers::LayerPtr;

std::vector<std::vector<double>> WeightsOf(const LayerPtr& layer) {
  std::vector<std::vector<double>> w;
  for (const Tensor& t : layer->GetWeights()) w.push_back(ToDoubles(t));
  return w;
}

void ExpectNear(const Tensor& got, const std::vector<double>& want, const std::string& what) {
  const std::vector<double> g = ToDoubles(got);
  ASSERT_EQ(g.size(), want.size()) << what;
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], 1e-5 + 1e-4 * std::fabs(want[i])) << what << " [" << i << "]";
}

// Random weights, as the generic test sets them.
LayerPtr Built(const std::string& cls, const json& config, const Shape& x) {
  LayerPtr layer = CreateLayer(cls, config);
  layer->MaybeBuild({x});
  Tensors w;
  uint64_t seed = 300;
  for (const Tensor& t : layer->GetWeights()) w.push_back(RandomTensor(t.shape(), seed++));
  layer->SetWeights(w);
  return layer;
}

TEST(Recurrent, MaskedStepsCarryStatesAndRepeatTheOutput) {
  const Shape shape{3, 5, 2};
  const Tensor x = RandomTensor(shape, 1);
  // Row 0: a gap; row 1: masked from the start; row 2: fully masked.
  const std::vector<float> m = {1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0};
  const Tensor mask = Tensor::FromVector({3, 5}, m);
  const std::vector<double> md(m.begin(), m.end());
  for (const char* cell : {"SimpleRNN", "GRU", "LSTM"}) {
    for (bool backwards : {false, true}) {
      for (bool zero_output : {false, true}) {
        SCOPED_TRACE(std::string(cell) + (backwards ? " backwards" : "") + (zero_output ? " zero_output" : ""));
        const json config = {{"units", 3}, {"return_sequences", true}, {"return_state", true},
                             {"go_backwards", backwards}, {"zero_output_for_mask", zero_output}};
        LayerPtr layer = Built(cell, config, shape);
        CallContext ctx;
        ctx.masks = {mask};
        const Tensors out = layer->Apply(Tensors{x}, ctx);
        RnnRefOptions o = Opts(std::string(cell) == "SimpleRNN" ? "simple" : std::string(cell) == "GRU" ? "gru" : "lstm", 3);
        o.return_sequences = o.return_state = true;
        o.go_backwards = backwards;
        o.zero_output_for_mask = zero_output;
        const auto want = RnnReference(o, ToDoubles(x), 3, 5, 2, WeightsOf(layer), {}, md);
        ASSERT_EQ(out.size(), want.size());
        for (size_t i = 0; i < out.size(); ++i) ExpectNear(out[i], want[i], "output " + std::to_string(i));
        // The output mask is the input mask when the sequence is returned.
        const layers::CallResult r = layer->ApplyWithMasks({x}, ctx);
        EXPECT_EQ(r.masks[0].ToFloatVector(), m);
      }
    }
  }
}

// The fused sequence op (the default) and the step loop over ordinary ops (unroll) give the same outputs
// and gradients, with masks, go_backwards and initial states.
TEST(Recurrent, FusedOpAndStepLoopAgree) {
  const Tensor mask = Tensor::FromVector({3, 5}, {1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0});
  struct Variant {
    const char* cls;
    json extra;
  };
  const std::vector<Variant> variants = {
      {"SimpleRNN", {{"activation", "relu"}}},
      {"GRU", json::object()},
      {"GRU", {{"reset_after", false}, {"recurrent_activation", "hard_sigmoid"}}},
      {"LSTM", json::object()},
      {"LSTM", {{"use_bias", false}}},
      {"CuDNNGRU", json::object()},
      {"CuDNNLSTM", json::object()},
  };
  for (const Variant& v : variants) {
    for (bool backwards : {false, true}) {
      for (bool sequences : {false, true}) {
        SCOPED_TRACE(std::string(v.cls) + " " + v.extra.dump() + (backwards ? " backwards" : "") + (sequences ? " sequences" : ""));
        json config = v.extra;
        config["units"] = 3;
        config["go_backwards"] = backwards;
        config["return_sequences"] = sequences;
        config["return_state"] = true;
        LayerPtr fused = Built(v.cls, config, {3, 5, 2});
        config["unroll"] = true;
        LayerPtr loop = CreateLayer(v.cls, config);
        loop->MaybeBuild({{3, 5, 2}});
        loop->SetWeights(fused->GetWeights());
        const Tensor x = RandomTensor({3, 5, 2}, 21);
        const size_t nstates = std::string(v.cls).find("LSTM") != std::string::npos ? 2 : 1;
        Tensors inputs{x};
        for (size_t i = 0; i < nstates; ++i) inputs.push_back(RandomTensor({3, 3}, 30 + i));
        CallContext ctx;
        ctx.masks = Tensors(inputs.size());
        ctx.masks[0] = mask;
        const Tensors a = fused->Apply(inputs, ctx), b = loop->Apply(inputs, ctx);
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) ExpectNear(a[i], ToDoubles(b[i]), "output " + std::to_string(i));
        // Gradients of a weighted sum of every output with respect to x, the states and the weights.
        auto grads = [&](const LayerPtr& layer) {
          ops::GradientTape tape;
          const Tensors out = layer->Apply(inputs, ctx);
          Tensor total = Tensor::Scalar(0.f);
          for (size_t i = 0; i < out.size(); ++i) {
            total = ops::Add(total, ops::Sum(ops::Mul(out[i], RandomTensor(out[i].shape(), 50 + i))));
          }
          std::vector<Tensor> sources = inputs;
          for (const auto& w : layer->TrainableWeights()) sources.push_back(w->value());
          return tape.Gradient(total, sources);
        };
        const std::vector<Tensor> ga = grads(fused), gb = grads(loop);
        ASSERT_EQ(ga.size(), gb.size());
        for (size_t i = 0; i < ga.size(); ++i) ExpectNear(ga[i], ToDoubles(gb[i]), "gradient " + std::to_string(i));
      }
    }
  }
}

TEST(Recurrent, GradientsThroughMasksAndInitialStates) {
  LayerPtr layer = Built("LSTM", {{"units", 2}, {"go_backwards", true}}, {2, 4, 3});
  const Tensor mask = Tensor::FromVector({2, 4}, {1, 0, 1, 1, 0, 1, 1, 0});
  const auto vars = layer->TrainableWeights();
  std::vector<Tensor> args = {RandomTensor({2, 4, 3}, 5), RandomTensor({2, 2}, 6), RandomTensor({2, 2}, 7)};
  for (const auto& v : vars) args.push_back(v->value());
  auto f = [&](const std::vector<Tensor>& a) {
    for (size_t i = 0; i < vars.size(); ++i) vars[i]->Assign(a[3 + i]);
    CallContext ctx;
    ctx.masks = {mask, Tensor(), Tensor()};
    return layer->Apply({a[0], a[1], a[2]}, ctx)[0];
  };
  ExpectGradientsMatch(f, args, "masked LSTM with initial states");
}

TEST(Recurrent, StatefulLayersContinueFromTheirStates) {
  const Shape shape{2, 3, 4};
  LayerPtr layer = Built("GRU", {{"units", 3}, {"stateful", true}, {"batch_input_shape", {2, 3, 4}}}, shape);
  const Tensor x1 = RandomTensor(shape, 11), x2 = RandomTensor(shape, 12);
  RnnRefOptions o = Opts("gru", 3);
  o.return_state = true;
  const auto w = WeightsOf(layer);
  const auto first = RnnReference(o, ToDoubles(x1), 2, 3, 4, w);
  const auto second = RnnReference(o, ToDoubles(x2), 2, 3, 4, w, {first[1]});
  ExpectNear(layer->Apply(x1), first[0], "first call");
  ExpectNear(layer->Apply(x2), second[0], "second call continues");
  layer->ResetStates();
  ExpectNear(layer->Apply(x2), RnnReference(o, ToDoubles(x2), 2, 3, 4, w)[0], "after resetStates");
  const Tensor h = RandomTensor({2, 3}, 13);
  static_cast<layers::RNN&>(*layer).ResetStates({h});
  ExpectNear(layer->Apply(x1), RnnReference(o, ToDoubles(x1), 2, 3, 4, w, {ToDoubles(h)})[0], "resetStates(states)");
  ExpectContains(ErrorOf<ValueError>([&] { layer->Apply(RandomTensor({3, 3, 4}, 14)); }), {"batch size 2", "batch size 3"});
  ExpectContains(ErrorOf<ShapeError>([&] { static_cast<layers::RNN&>(*layer).ResetStates({RandomTensor({2, 4}, 1)}); }),
                 {"[2,3]", "[2,4]"});
  // Without a batch size a stateful layer cannot build.
  LayerPtr unknown = CreateLayer("LSTM", {{"units", 2}, {"stateful", true}});
  ExpectContains(ErrorOf<ValueError>([&] { unknown->MaybeBuild({{-1, 3, 4}}); }), {"stateful", "batch size"});
}

TEST(Recurrent, DropoutMasksAreFixedAcrossTimeAndOnlyInTraining) {
  // Linear SimpleRNN with a zero recurrent kernel: each step's output is (x_t * mask) W + b, so a constant
  // input gives the same output at every step exactly when the mask is fixed across time.
  LayerPtr layer = CreateLayer("SimpleRNN", {{"units", 2}, {"activation", "linear"}, {"return_sequences", true},
                                             {"dropout", 0.5}, {"recurrent_dropout", 0.3}, {"seed", 3}});
  const int64_t batch = 64, steps = 4, features = 50;
  layer->MaybeBuild({{batch, steps, features}});
  layer->SetWeights({Tensor::Full({features, 2}, 1.f), Tensor::Zeros({2, 2}), Tensor::Zeros({2})});
  const Tensor x = Tensor::Full({batch, steps, features}, 1.f);
  CallContext train;
  train.training = true;
  const std::vector<float> y = layer->Apply(Tensors{x}, train)[0].ToFloatVector();
  double sum = 0;
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t t = 1; t < steps; ++t) EXPECT_EQ(y[(n * steps + t) * 2], y[(n * steps) * 2]) << n << " " << t;
    sum += y[n * steps * 2];
  }
  // Kept inputs are scaled by 1 / (1 - 0.5): the mean stays at the inference value, 50.
  EXPECT_NEAR(sum / batch, 50.0, 4.0);
  const std::vector<float> inference = layer->Apply(x).ToFloatVector();
  for (float v : inference) EXPECT_FLOAT_EQ(v, 50.f);
  // A new call draws new masks.
  EXPECT_NE(layer->Apply(Tensors{x}, train)[0].ToFloatVector(), y);
}

TEST(Recurrent, LstmForgetBiasStartsAtOneAndGruBiasShapesFollowResetAfter) {
  LayerPtr lstm = CreateLayer("LSTM", {{"units", 2}});
  lstm->MaybeBuild({{1, 2, 3}});
  EXPECT_EQ(lstm->GetWeights()[2].ToFloatVector(), (std::vector<float>{0, 0, 1, 1, 0, 0, 0, 0}));
  LayerPtr no_forget = CreateLayer("LSTM", {{"units", 1}, {"unit_forget_bias", false}});
  no_forget->MaybeBuild({{1, 2, 3}});
  EXPECT_EQ(no_forget->GetWeights()[2].ToFloatVector(), (std::vector<float>(4, 0.f)));
  // Named as tfjs and Keras 2 files name them: the cell is not a path segment.
  EXPECT_EQ(lstm->WeightNames()[0], lstm->name() + "/kernel");
  LayerPtr cudnn = CreateLayer("CuDNNLSTM", {{"units", 2}});
  cudnn->MaybeBuild({{1, 2, 3}});
  EXPECT_EQ(cudnn->GetWeights()[2].shape(), (Shape{16}));
  EXPECT_EQ(cudnn->GetWeights()[2].ToFloatVector()[2], 1.f);
  LayerPtr before = CreateLayer("GRU", {{"units", 2}, {"reset_after", false}});
  before->MaybeBuild({{1, 2, 3}});
  EXPECT_EQ(before->GetWeights()[2].shape(), (Shape{6}));
}

TEST(Recurrent, ErrorsNameTheLayerAndShapes) {
  LayerPtr lstm = CreateLayer("LSTM", {{"units", 2}, {"name", "enc"}});
  ExpectContains(ErrorOf<ShapeError>([&] { lstm->Apply(RandomTensor({2, 3}, 1)); }), {"LSTM 'enc'", "rank >= 3", "[2,3]"});
  ExpectContains(ErrorOf<ValueError>([&] { lstm->Apply({RandomTensor({2, 3, 4}, 1), RandomTensor({2, 2}, 2)}); }),
                 {"LSTM 'enc'", "2 state(s)", "got 1"});
  ExpectContains(ErrorOf<ShapeError>([&] {
                   lstm->Apply({RandomTensor({2, 3, 4}, 1), RandomTensor({2, 3}, 2), RandomTensor({2, 2}, 3)});
                 }),
                 {"initial state 0", "[2,2]", "[2,3]"});
  ExpectContains(ErrorOf<ShapeError>([&] { lstm->Apply(RandomTensor({2, 0, 4}, 1)); }), {"no time steps"});
  CallContext ctx;
  ctx.masks = {Tensor::Zeros({2, 4})};
  ExpectContains(ErrorOf<ShapeError>([&] { lstm->Apply(Tensors{RandomTensor({2, 3, 4}, 1)}, ctx); }), {"mask", "[2,3]", "[2,4]"});
  ExpectValueError([] { CreateLayer("LSTM", {{"units", 0}}); }, "units");
  ExpectValueError([] { CreateLayer("GRU", {{"units", 2}, {"dropout", 1.5}}); }, "dropout");
  ExpectValueError([] { CreateLayer("RNN", {{"return_sequences", true}}); }, "cell");
  ExpectContains(ErrorOf<ValueError>([] {
                   CreateLayer("RNN", {{"cell", {{"class_name", "Dense"}, {"config", {{"units", 2}}}}}});
                 }),
                 {"RNN cell", "Dense"});
  ExpectValueError([] { CreateLayer("LSTM", {{"units", 2}, {"recurrent_activation", "nope"}}); }, "nope");
}

TEST(Recurrent, Keras2ConfigsKeepTheirInputShapeArguments) {
  LayerPtr layer = CreateLayer("SimpleRNN", {{"units", 2}, {"input_dim", 5}, {"input_length", 7}});
  ASSERT_TRUE(layer->batch_input_shape().has_value());
  EXPECT_EQ(*layer->batch_input_shape(), (Shape{-1, 7, 5}));
}

TEST(Recurrent, TimeMajorInputsAreTransposed) {
  LayerPtr layer = Built("SimpleRNN", {{"units", 2}, {"time_major", true}, {"return_sequences", true}}, {4, 2, 3});
  LayerPtr batch_major = CreateLayer("SimpleRNN", {{"units", 2}, {"return_sequences", true}});
  batch_major->MaybeBuild({{2, 4, 3}});
  batch_major->SetWeights(layer->GetWeights());
  const Tensor x = RandomTensor({2, 4, 3}, 9);
  const Tensor y = layer->Apply(ops::Transpose(x, {1, 0, 2}));
  EXPECT_EQ(y.shape(), (Shape{4, 2, 2}));
  ExpectNear(ops::Transpose(y, {1, 0, 2}), ToDoubles(batch_major->Apply(x)), "time major");
}

}  // namespace
}  // namespace kerasm::testing
