// ops::RnnSequence (the fused SimpleRNN / GRU / LSTM sequence op) against a step-by-step double-precision
// reference written here from the Keras 2 / tfjs formulas (rnn_ops.h), its gradients against finite
// differences, and its errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "ops/ops.h"
#include "ops/rnn_ops.h"
#include "ops/tape.h"

namespace kerasm {
namespace {
using ops::RnnCell;
using ops::RnnSequenceOptions;
using testing::RandomTensor;

double ActD(const std::string& name, double x) {
  if (name == "tanh") return std::tanh(x);
  if (name == "sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (name == "hard_sigmoid" || name == "hardSigmoid") return std::clamp((x + 3.0) / 6.0, 0.0, 1.0);
  if (name == "hard_sigmoid_keras2" || name == "hardSigmoidKeras2") return std::clamp(0.2 * x + 0.5, 0.0, 1.0);
  if (name == "relu") return std::max(x, 0.0);
  if (name == "linear") return x;
  ADD_FAILURE() << "reference has no activation " << name;
  return 0;
}

struct Problem {
  int64_t B, T, I, u;
  Tensor x, h0, c0, W, U, bias, mask;
};

int Gates(RnnCell cell) { return cell == RnnCell::kSimpleRnn ? 1 : cell == RnnCell::kGru ? 3 : 4; }

// Weights small enough that no pre-activation sits far in a saturated region, states and inputs in [-1, 1].
Problem MakeProblem(const RnnSequenceOptions& o, int64_t B, int64_t T, int64_t I, int64_t u, bool with_bias,
                    bool with_mask, uint64_t seed) {
  Problem p{B, T, I, u, {}, {}, {}, {}, {}, {}, {}};
  const int64_t gu = Gates(o.cell) * u;
  p.x = RandomTensor({B, T, I}, seed);
  p.h0 = RandomTensor({B, u}, seed + 1, -0.8f, 0.8f);
  p.c0 = RandomTensor({B, u}, seed + 2, -0.8f, 0.8f);
  const float sw = 1.0f / std::sqrt(static_cast<float>(I + u));
  p.W = RandomTensor({I, gu}, seed + 3, -sw, sw);
  p.U = RandomTensor({u, gu}, seed + 4, -sw, sw);
  if (with_bias) {
    p.bias = (o.cell == RnnCell::kGru && o.reset_after) ? RandomTensor({2, gu}, seed + 5, -0.3f, 0.3f)
                                                         : RandomTensor({gu}, seed + 5, -0.3f, 0.3f);
  }
  if (with_mask) {
    // Row 0 starts masked and alternates, row 1 is fully masked, row 2 unmasked, others start processed.
    p.mask = Tensor::Zeros({B, T});
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < T; ++t) {
        float m = 1.f;
        if (b == 0) m = (t % 3 == 0) ? 0.f : 1.f;
        if (b == 1) m = 0.f;
        if (b >= 3) m = (t % 2 == 0) ? 1.f : 0.f;
        p.mask.f32()[b * T + t] = m;
      }
    }
  }
  return p;
}

// The step-by-step reference: {output, h_T[, c_T]} as doubles.
std::vector<std::vector<double>> Reference(const Problem& p, const RnnSequenceOptions& o) {
  const int64_t B = p.B, T = p.T, I = p.I, u = p.u, g = Gates(o.cell), gu = g * u;
  auto W = [&](int64_t i, int64_t j) { return static_cast<double>(p.W.f32()[i * gu + j]); };
  auto U = [&](int64_t i, int64_t j) { return static_cast<double>(p.U.f32()[i * gu + j]); };
  const bool two_rows = o.cell == RnnCell::kGru && o.reset_after;
  auto b_in = [&](int64_t j) { return p.bias.defined() ? static_cast<double>(p.bias.f32()[j]) : 0.0; };
  auto b_rec = [&](int64_t j) { return p.bias.defined() && two_rows ? static_cast<double>(p.bias.f32()[gu + j]) : 0.0; };
  std::vector<double> h(p.h0.f32(), p.h0.f32() + B * u), c(p.c0.f32(), p.c0.f32() + B * u);
  std::vector<double> prev(B * u, 0.0), seq;
  if (o.return_sequences) seq.assign(B * T * u, 0.0);
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = o.go_backwards ? T - 1 - s : s;
    for (int64_t b = 0; b < B; ++b) {
      const bool skip = p.mask.defined() && p.mask.f32()[b * T + t] == 0.f;
      if (!skip) {
        const float* xt = p.x.f32() + (b * T + t) * I;
        std::vector<double> xw(gu), hu(gu);
        for (int64_t j = 0; j < gu; ++j) {
          double a = b_in(j), r = b_rec(j);
          for (int64_t i = 0; i < I; ++i) a += xt[i] * W(i, j);
          for (int64_t k = 0; k < u; ++k) r += h[b * u + k] * U(k, j);
          xw[j] = a;
          hu[j] = r;
        }
        std::vector<double> hn(u), cn(u);
        if (o.cell == RnnCell::kSimpleRnn) {
          for (int64_t j = 0; j < u; ++j) hn[j] = ActD(o.activation, xw[j] + hu[j]);
        } else if (o.cell == RnnCell::kLstm) {
          for (int64_t j = 0; j < u; ++j) {
            const double i = ActD(o.recurrent_activation, xw[j] + hu[j]);
            const double f = ActD(o.recurrent_activation, xw[u + j] + hu[u + j]);
            const double gg = ActD(o.activation, xw[2 * u + j] + hu[2 * u + j]);
            const double oo = ActD(o.recurrent_activation, xw[3 * u + j] + hu[3 * u + j]);
            cn[j] = f * c[b * u + j] + i * gg;
            hn[j] = oo * ActD(o.activation, cn[j]);
          }
        } else if (o.reset_after) {
          for (int64_t j = 0; j < u; ++j) {
            const double z = ActD(o.recurrent_activation, xw[j] + hu[j]);
            const double r = ActD(o.recurrent_activation, xw[u + j] + hu[u + j]);
            const double hh = ActD(o.activation, xw[2 * u + j] + r * hu[2 * u + j]);
            hn[j] = z * h[b * u + j] + (1 - z) * hh;
          }
        } else {
          std::vector<double> z(u), rh(u);
          for (int64_t j = 0; j < u; ++j) {
            z[j] = ActD(o.recurrent_activation, xw[j] + hu[j]);
            rh[j] = ActD(o.recurrent_activation, xw[u + j] + hu[u + j]) * h[b * u + j];
          }
          for (int64_t j = 0; j < u; ++j) {
            double a = xw[2 * u + j];  // (r * h) . U_h, the recurrent product taken after the reset
            for (int64_t k = 0; k < u; ++k) a += rh[k] * U(k, 2 * u + j);
            hn[j] = z[j] * h[b * u + j] + (1 - z[j]) * ActD(o.activation, a);
          }
        }
        for (int64_t j = 0; j < u; ++j) {
          h[b * u + j] = hn[j];
          if (o.cell == RnnCell::kLstm) c[b * u + j] = cn[j];
          prev[b * u + j] = hn[j];
        }
      }
      if (o.return_sequences) {
        for (int64_t j = 0; j < u; ++j) seq[(b * T + s) * u + j] = prev[b * u + j];
      }
    }
  }
  std::vector<std::vector<double>> out{o.return_sequences ? seq : prev, h};
  if (o.cell == RnnCell::kLstm) out.push_back(c);
  return out;
}

std::vector<Tensor> States(const Problem& p, const RnnSequenceOptions& o) {
  return o.cell == RnnCell::kLstm ? std::vector<Tensor>{p.h0, p.c0} : std::vector<Tensor>{p.h0};
}

std::string Describe(const RnnSequenceOptions& o, const Problem& p) {
  const char* cell = o.cell == RnnCell::kLstm ? "lstm" : o.cell == RnnCell::kGru ? "gru" : "simple";
  return std::string(cell) + (o.cell == RnnCell::kGru ? (o.reset_after ? " reset_after" : " reset_before") : "") +
         " act=" + o.activation + " rec=" + o.recurrent_activation + (o.go_backwards ? " backwards" : "") +
         (o.return_sequences ? " seq" : "") + (p.mask.defined() ? " masked" : "") + (p.bias.defined() ? "" : " no-bias") +
         " B=" + std::to_string(p.B) + " T=" + std::to_string(p.T) + " I=" + std::to_string(p.I) +
         " u=" + std::to_string(p.u);
}

void ExpectMatchesReference(const Problem& p, const RnnSequenceOptions& o) {
  const std::vector<Tensor> got = ops::RnnSequence(p.x, States(p, o), p.W, p.U, p.bias, p.mask, o);
  const auto want = Reference(p, o);
  ASSERT_EQ(got.size(), want.size()) << Describe(o, p);
  const Shape out_shape = o.return_sequences ? Shape{p.B, p.T, p.u} : Shape{p.B, p.u};
  EXPECT_EQ(got[0].shape(), out_shape) << Describe(o, p);
  for (size_t k = 1; k < got.size(); ++k) EXPECT_EQ(got[k].shape(), (Shape{p.B, p.u})) << Describe(o, p);
  for (size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(static_cast<size_t>(got[k].size()), want[k].size());
    for (int64_t i = 0; i < got[k].size(); ++i) {
      // Float products of up to I + u terms and 3-ulp activations, carried over T steps.
      ASSERT_NEAR(got[k].f32()[i], want[k][i], 2e-5 + 1e-4 * std::fabs(want[k][i]))
          << Describe(o, p) << " output " << k << " element " << i;
    }
  }
}

std::vector<RnnSequenceOptions> Cells() {
  std::vector<RnnSequenceOptions> cells(4);
  cells[0].cell = RnnCell::kSimpleRnn;
  cells[1].cell = RnnCell::kLstm;
  cells[2].cell = RnnCell::kGru;
  cells[2].reset_after = true;
  cells[3].cell = RnnCell::kGru;
  cells[3].reset_after = false;
  return cells;
}

TEST(RnnSequence, MatchesReferenceAcrossShapesMasksAndDirections) {
  struct Size {
    int64_t B, T, I, u;
  };
  const std::vector<Size> sizes = {{1, 1, 2, 1}, {3, 2, 5, 3}, {3, 7, 4, 17}, {4, 3, 3, 33}, {1, 7, 3, 17}};
  uint64_t seed = 10;
  for (const RnnSequenceOptions& base : Cells()) {
    for (const Size& sz : sizes) {
      for (int variant = 0; variant < 8; ++variant) {
        RnnSequenceOptions o = base;
        o.go_backwards = variant & 1;
        o.return_sequences = variant & 2;
        const bool with_mask = variant & 4;
        const bool with_bias = (variant % 3) != 2;
        const Problem p = MakeProblem(o, sz.B, sz.T, sz.I, sz.u, with_bias, with_mask, seed++);
        ExpectMatchesReference(p, o);
      }
    }
  }
}

TEST(RnnSequence, ActivationsTanhReluHardSigmoidLinear) {
  const std::vector<std::pair<std::string, std::string>> acts = {
      {"relu", "hard_sigmoid"}, {"tanh", "hardSigmoid"}, {"linear", "hard_sigmoid_keras2"},
      {"relu", "hardSigmoidKeras2"}, {"tanh", "sigmoid"}};
  uint64_t seed = 500;
  for (const RnnSequenceOptions& base : Cells()) {
    for (const auto& [act, rec] : acts) {
      for (bool masked : {false, true}) {
        RnnSequenceOptions o = base;
        o.activation = act;
        o.recurrent_activation = rec;
        o.return_sequences = masked;
        const Problem p = MakeProblem(o, 3, 5, 4, 9, true, masked, seed++);
        ExpectMatchesReference(p, o);
      }
    }
  }
}

// Under a tape the op keeps its history in other buffers; the numbers must not change.
TEST(RnnSequence, RecordingGivesTheSameValues) {
  for (const RnnSequenceOptions& base : Cells()) {
    RnnSequenceOptions o = base;
    o.return_sequences = true;
    const Problem p = MakeProblem(o, 3, 4, 3, 5, true, true, 77);
    const auto plain = ops::RnnSequence(p.x, States(p, o), p.W, p.U, p.bias, p.mask, o);
    ops::GradientTape tape;
    const auto recorded = ops::RnnSequence(p.x, States(p, o), p.W, p.U, p.bias, p.mask, o);
    ASSERT_EQ(plain.size(), recorded.size());
    for (size_t k = 0; k < plain.size(); ++k) {
      EXPECT_EQ(plain[k].ToFloatVector(), recorded[k].ToFloatVector()) << Describe(o, p) << " output " << k;
    }
  }
}

// Every output flattened into one tensor, so the finite differences see all of them.
Tensor AllOutputs(const std::vector<Tensor>& outs) {
  std::vector<Tensor> flat;
  for (const Tensor& t : outs) flat.push_back(ops::Reshape(t, {-1}));
  return ops::Concat(flat, 0);
}

void CheckGradients(RnnSequenceOptions o, const Problem& p) {
  const bool lstm = o.cell == RnnCell::kLstm;
  std::vector<Tensor> inputs{p.x, p.h0};
  if (lstm) inputs.push_back(p.c0);
  inputs.push_back(p.W);
  inputs.push_back(p.U);
  if (p.bias.defined()) inputs.push_back(p.bias);
  const Tensor mask = p.mask;
  const bool has_bias = p.bias.defined();
  testing::ExpectGradientsMatch(
      [o, mask, lstm, has_bias](const std::vector<Tensor>& v) {
        size_t k = 0;
        const Tensor x = v[k++];
        std::vector<Tensor> states{v[k++]};
        if (lstm) states.push_back(v[k++]);
        const Tensor W = v[k++];
        const Tensor U = v[k++];
        const Tensor b = has_bias ? v[k++] : Tensor();
        return AllOutputs(ops::RnnSequence(x, states, W, U, b, mask, o));
      },
      inputs, Describe(o, p));
}

TEST(RnnSequence, GradientsMatchFiniteDifferences) {
  uint64_t seed = 900;
  for (const RnnSequenceOptions& base : Cells()) {
    for (int variant = 0; variant < 4; ++variant) {
      RnnSequenceOptions o = base;
      o.return_sequences = variant & 1;
      o.go_backwards = variant & 2;
      const bool masked = variant >= 1;
      const Problem p = MakeProblem(o, 3, 4, 3, 3, variant != 3, masked, seed++);
      CheckGradients(o, p);
    }
  }
}

TEST(RnnSequence, GradientsWithOtherActivationsAndBatchOne) {
  uint64_t seed = 1300;
  for (const RnnSequenceOptions& base : Cells()) {
    RnnSequenceOptions o = base;
    // Pre-activations stay inside (-2.5, 2.5) with these weights: away from hard_sigmoid_keras2's kinks.
    o.recurrent_activation = "hard_sigmoid_keras2";
    o.return_sequences = true;
    CheckGradients(o, MakeProblem(o, 1, 5, 2, 4, true, false, seed++));
    o.go_backwards = true;
    CheckGradients(o, MakeProblem(o, 4, 3, 2, 3, true, true, seed++));
  }
}

// W and U are packed once per value (kept with their buffers), whatever the batch; batch 1 reads U in place.
TEST(RnnSequence, PacksTheWeightsOncePerValue) {
  for (const RnnSequenceOptions& base : Cells()) {
    RnnSequenceOptions o = base;
    const Problem p = MakeProblem(o, 3, 4, 3, 5, true, false, 31);
    const int64_t before = Storage::DerivedMade();
    const auto first = ops::RnnSequence(p.x, States(p, o), p.W, p.U, p.bias, Tensor(), o);
    EXPECT_EQ(Storage::DerivedMade(), before + 2) << Describe(o, p) << ": W and U packed on the first call";
    for (int i = 0; i < 3; ++i) {
      const auto again = ops::RnnSequence(p.x, States(p, o), p.W, p.U, p.bias, Tensor(), o);
      EXPECT_EQ(again[0].ToFloatVector(), first[0].ToFloatVector());
    }
    const Problem q = MakeProblem(o, 1, 4, 3, 5, true, false, 32);
    ops::RnnSequence(q.x, States(q, o), p.W, p.U, p.bias, Tensor(), o);
    EXPECT_EQ(Storage::DerivedMade(), before + 2) << Describe(o, p) << ": repacked on a later call";
  }
}

// An empty batch gives empty outputs and gradients of the weights that are zero.
TEST(RnnSequence, EmptyBatch) {
  for (const RnnSequenceOptions& base : Cells()) {
    RnnSequenceOptions o = base;
    o.return_sequences = true;
    const Problem p = MakeProblem(o, 0, 3, 2, 4, true, false, 40);
    ops::GradientTape tape;
    const auto out = ops::RnnSequence(p.x, States(p, o), p.W, p.U, p.bias, Tensor(), o);
    EXPECT_EQ(out[0].shape(), (Shape{0, 3, 4}));
    EXPECT_EQ(out[1].shape(), (Shape{0, 4}));
    const auto g = tape.Gradient(ops::Sum(out[0]), {p.W, p.U, p.bias});
    for (const Tensor& t : g) {
      for (float v : t.ToFloatVector()) EXPECT_EQ(v, 0.f) << Describe(o, p);
    }
  }
}

TEST(RnnSequence, SupportedActivations) {
  RnnSequenceOptions o;
  EXPECT_TRUE(ops::RnnSequenceSupported(o));
  for (const char* ok : {"tanh", "sigmoid", "hard_sigmoid", "hardSigmoid", "hard_sigmoid_keras2", "relu", "linear"}) {
    o.activation = ok;
    o.recurrent_activation = ok;
    EXPECT_TRUE(ops::RnnSequenceSupported(o)) << ok;
  }
  o = RnnSequenceOptions();
  for (const char* bad : {"elu", "softmax", "selu", "no_such_activation"}) {
    o.activation = bad;
    EXPECT_FALSE(ops::RnnSequenceSupported(o)) << bad;
    const Problem p = MakeProblem(o, 2, 2, 2, 2, true, false, 3);
    testing::ExpectValueError([&] { ops::RnnSequence(p.x, States(p, o), p.W, p.U, p.bias, Tensor(), o); },
                              std::string("'") + bad + "'");
  }
  o = RnnSequenceOptions();
  o.recurrent_activation = "softplus";
  EXPECT_FALSE(ops::RnnSequenceSupported(o));
  // SimpleRNN has no recurrent activation: its value does not matter.
  o.cell = RnnCell::kSimpleRnn;
  EXPECT_TRUE(ops::RnnSequenceSupported(o));
}

TEST(RnnSequence, ShapeErrorsNameTheOpAndShapes) {
  RnnSequenceOptions o;  // LSTM
  const Problem p = MakeProblem(o, 2, 3, 4, 5, true, false, 8);
  const std::vector<Tensor> st{p.h0, p.c0};
  auto shape_error = [](auto f, std::initializer_list<const char*> parts) {
    const std::string m = testing::ErrorOf<ShapeError>(f);
    testing::ExpectContains(m, parts);
  };
  shape_error([&] { ops::RnnSequence(ops::Reshape(p.x, {6, 4}), st, p.W, p.U, p.bias, Tensor(), o); },
              {"rnnSequence", "[6,4]"});
  shape_error([&] { ops::RnnSequence(Tensor::Zeros({2, 0, 4}), st, p.W, p.U, p.bias, Tensor(), o); },
              {"rnnSequence", "timesteps", "[2,0,4]"});
  shape_error([&] { ops::RnnSequence(p.x, st, p.W, RandomTensor({5, 15}, 1), p.bias, Tensor(), o); },
              {"rnnSequence", "recurrent_kernel", "[5,15]"});
  shape_error([&] { ops::RnnSequence(p.x, st, RandomTensor({3, 20}, 1), p.U, p.bias, Tensor(), o); },
              {"rnnSequence", "kernel", "[3,20]"});
  shape_error([&] { ops::RnnSequence(p.x, {p.h0, RandomTensor({2, 4}, 1)}, p.W, p.U, p.bias, Tensor(), o); },
              {"rnnSequence", "state", "[2,5]", "[2,4]"});
  shape_error([&] { ops::RnnSequence(p.x, st, p.W, p.U, RandomTensor({19}, 1), Tensor(), o); },
              {"rnnSequence", "bias", "[20]", "[19]"});
  shape_error([&] { ops::RnnSequence(p.x, st, Tensor::Zeros({4, 0}), Tensor::Zeros({0, 0}), Tensor(), Tensor(), o); },
              {"rnnSequence", "units must be positive", "[0,0]"});
  shape_error([&] { ops::RnnSequence(p.x, st, p.W, p.U, p.bias, Tensor::Zeros({2, 4}), o); },
              {"rnnSequence", "mask", "[2,3]", "[2,4]"});
  testing::ExpectValueError([&] { ops::RnnSequence(p.x, {p.h0}, p.W, p.U, p.bias, Tensor(), o); }, "2 state(s), got 1");
  // GRU with reset_after wants the two-row bias.
  RnnSequenceOptions gru;
  gru.cell = RnnCell::kGru;
  const Problem q = MakeProblem(gru, 2, 3, 4, 5, false, false, 9);
  shape_error([&] { ops::RnnSequence(q.x, {q.h0}, q.W, q.U, RandomTensor({15}, 1), Tensor(), gru); },
              {"rnnSequence", "bias", "[2,15]", "[15]"});
  gru.reset_after = false;
  EXPECT_NO_THROW(ops::RnnSequence(q.x, {q.h0}, q.W, q.U, RandomTensor({15}, 1), Tensor(), gru));
}

}  // namespace
}  // namespace kerasm
