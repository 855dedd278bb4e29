// Every loss against a scalar double-precision formula written here from the Keras / tfjs definitions,
// on random data and on edge values, and its gradient against central finite differences.
#include "models/losses.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "core/error.h"
#include "gradcheck.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm {
namespace {

using models::GetLoss;
using testing::RandomTensor;
using Row = std::vector<double>;
using RowLoss = std::function<double(const Row& t, const Row& p)>;

constexpr double kEps = 1e-7;
// The upper clip bound as float32 holds it: 1 - 1e-7 is not representable and rounds to 1 - 2^-23.
const double kHi = static_cast<double>(1.0f - 1e-7f);

double Clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }
double MeanOf(const Row& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}
template <typename F>
Row Map2(const Row& t, const Row& p, F f) {
  Row out(t.size());
  for (size_t i = 0; i < t.size(); ++i) out[i] = f(t[i], p[i]);
  return out;
}

// Hinge losses map {0, 1} labels to {-1, 1} when every label in the batch is 0 or 1 (Keras).
bool AllZeroOne(const Tensor& t) {
  for (int64_t i = 0; i < t.size(); ++i) {
    if (t.f32()[i] != 0.f && t.f32()[i] != 1.f) return false;
  }
  return true;
}

// Per-row reference formulas (the last axis is the row).
std::map<std::string, RowLoss> References() {
  std::map<std::string, RowLoss> r;
  r["meanSquaredError"] = [](const Row& t, const Row& p) {
    return MeanOf(Map2(t, p, [](double a, double b) { return (b - a) * (b - a); }));
  };
  r["meanAbsoluteError"] = [](const Row& t, const Row& p) {
    return MeanOf(Map2(t, p, [](double a, double b) { return std::fabs(b - a); }));
  };
  r["meanAbsolutePercentageError"] = [](const Row& t, const Row& p) {
    return 100.0 * MeanOf(Map2(t, p, [](double a, double b) { return std::fabs(a - b) / std::max(std::fabs(a), kEps); }));
  };
  r["meanSquaredLogarithmicError"] = [](const Row& t, const Row& p) {
    return MeanOf(Map2(t, p, [](double a, double b) {
      const double d = std::log(std::max(b, kEps) + 1) - std::log(std::max(a, kEps) + 1);
      return d * d;
    }));
  };
  r["binaryCrossentropy"] = [](const Row& t, const Row& p) {
    return MeanOf(Map2(t, p, [](double a, double b) {
      const double q = Clip(b, kEps, kHi);
      return -(a * std::log(q) + (1 - a) * std::log(1 - q));
    }));
  };
  r["categoricalCrossentropy"] = [](const Row& t, const Row& p) {
    double sum = 0, loss = 0;
    for (double x : p) sum += x;
    for (size_t i = 0; i < t.size(); ++i) loss -= t[i] * std::log(Clip(p[i] / sum, kEps, kHi));
    return loss;
  };
  r["categoricalHinge"] = [](const Row& t, const Row& p) {
    double pos = 0, neg = -INFINITY;
    for (size_t i = 0; i < t.size(); ++i) {
      pos += t[i] * p[i];
      neg = std::max(neg, (1 - t[i]) * p[i]);
    }
    return std::max(0.0, neg - pos + 1);
  };
  r["logcosh"] = [](const Row& t, const Row& p) {
    return MeanOf(Map2(t, p, [](double a, double b) { return std::log(std::cosh(b - a)); }));
  };
  r["huber"] = [](const Row& t, const Row& p) {
    return MeanOf(Map2(t, p, [](double a, double b) {
      const double d = std::fabs(b - a);
      return d <= 1 ? 0.5 * d * d : d - 0.5;
    }));
  };
  r["kullbackLeiblerDivergence"] = [](const Row& t, const Row& p) {
    double s = 0;
    for (size_t i = 0; i < t.size(); ++i) s += t[i] * std::log(Clip(t[i], kEps, 1) / Clip(p[i], kEps, 1));
    return s;
  };
  r["poisson"] = [](const Row& t, const Row& p) {
    return MeanOf(Map2(t, p, [](double a, double b) { return b - a * std::log(b + kEps); }));
  };
  r["cosineProximity"] = [](const Row& t, const Row& p) {
    double tt = 0, pp = 0, tp = 0;
    for (size_t i = 0; i < t.size(); ++i) tt += t[i] * t[i], pp += p[i] * p[i], tp += t[i] * p[i];
    return -tp / (std::sqrt(std::max(tt, 1e-12)) * std::sqrt(std::max(pp, 1e-12)));
  };
  return r;
}

// Hinge references need the batch-wide label conversion, so they take the whole tensors.
double HingeRow(const Row& t, const Row& p, bool convert, bool squared) {
  return MeanOf(Map2(t, p, [&](double a, double b) {
    const double label = convert ? 2 * a - 1 : a;
    const double h = std::max(0.0, 1 - label * b);
    return squared ? h * h : h;
  }));
}

// Per-sample reference: rows of the last axis, averaged over every axis but the first.
std::vector<double> PerSample(const std::function<double(const Row&, const Row&)>& row_loss, const Tensor& t,
                              const Tensor& p) {
  const int64_t d = p.rank() == 1 ? 1 : p.shape().back();
  const int64_t batch = p.shape()[0];
  const int64_t rows_per_sample = p.size() / d / batch;
  std::vector<double> out(batch, 0.0);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t r = 0; r < rows_per_sample; ++r) {
      const int64_t off = (b * rows_per_sample + r) * d;
      Row tr(t.f32() + off, t.f32() + off + d), pr(p.f32() + off, p.f32() + off + d);
      out[b] += row_loss(tr, pr) / double(rows_per_sample);
    }
  }
  return out;
}

void ExpectPerSample(const Tensor& got, const std::vector<double>& want, const std::string& what, double rtol = 2e-5) {
  ASSERT_EQ(got.shape(), Shape{static_cast<int64_t>(want.size())}) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    const double tol = 1e-6 + rtol * std::fabs(want[i]);
    EXPECT_NEAR(got.f32()[i], want[i], tol) << what << " sample " << i;
  }
}

// Data suited to each loss: probabilities where the loss expects them, signed labels for hinge.
std::pair<Tensor, Tensor> DataFor(const std::string& name, const Shape& shape, uint64_t seed) {
  if (name == "binaryCrossentropy") return {RandomTensor(shape, seed, 0, 1), RandomTensor(shape, seed + 1, 0.05f, 0.95f)};
  if (name == "categoricalCrossentropy" || name == "kullbackLeiblerDivergence") {
    return {RandomTensor(shape, seed, 0, 1), RandomTensor(shape, seed + 1, 0.05f, 1.f)};
  }
  if (name == "poisson") return {RandomTensor(shape, seed, 0, 3), RandomTensor(shape, seed + 1, 0.2f, 3.f)};
  if (name == "meanSquaredLogarithmicError") return {RandomTensor(shape, seed, 0, 4), RandomTensor(shape, seed + 1, 0, 4)};
  if (name == "meanAbsolutePercentageError") return {RandomTensor(shape, seed, 0.5f, 2), RandomTensor(shape, seed + 1, -2, 2)};
  if (name == "huber") return {RandomTensor(shape, seed, -2, 2), RandomTensor(shape, seed + 1, -2, 2)};
  return {RandomTensor(shape, seed, -1, 1), RandomTensor(shape, seed + 1, -1, 1)};
}

TEST(Losses, ValuesMatchScalarFormulas) {
  const auto refs = References();
  for (const auto& [name, row_loss] : refs) {
    for (const Shape& shape : {Shape{4, 5}, Shape{3, 2, 4}, Shape{6}, Shape{1, 1}}) {
      auto [t, p] = DataFor(name, shape, 11);
      const Tensor got = GetLoss(name)(t, p);
      ExpectPerSample(got, PerSample(row_loss, t, p), name + " " + ShapeToString(shape));
    }
  }
}

TEST(Losses, HingeMapsZeroOneLabelsToSigned) {
  for (bool squared : {false, true}) {
    const char* name = squared ? "squaredHinge" : "hinge";
    const Tensor p = RandomTensor({4, 3}, 5, -2, 2);
    // {-1, 1} labels are used as they are.
    Tensor signed_t = RandomTensor({4, 3}, 6, -1, 1);
    for (int64_t i = 0; i < signed_t.size(); ++i) signed_t.f32()[i] = signed_t.f32()[i] < 0 ? -1.f : 1.f;
    ExpectPerSample(GetLoss(name)(signed_t, p),
                    PerSample([&](const Row& a, const Row& b) { return HingeRow(a, b, false, squared); }, signed_t, p),
                    std::string(name) + " signed");
    // {0, 1} labels become {-1, 1}: the same loss as the signed labels they stand for.
    const Tensor zero_one = ops::ScaleShift(signed_t, 0.5f, 0.5f);
    ASSERT_TRUE(AllZeroOne(zero_one));
    ExpectPerSample(GetLoss(name)(zero_one, p),
                    PerSample([&](const Row& a, const Row& b) { return HingeRow(a, b, true, squared); }, zero_one, p),
                    std::string(name) + " zero-one");
    for (int64_t i = 0; i < 4; ++i) {
      EXPECT_FLOAT_EQ(GetLoss(name)(zero_one, p).f32()[i], GetLoss(name)(signed_t, p).f32()[i]);
    }
  }
}

TEST(Losses, EdgeValues) {
  const auto refs = References();
  // Exact 0 / 1 probabilities and labels, zeros everywhere, ones everywhere.
  const std::vector<float> probs = {0, 1, 1, 0, 0.5f, 0, 1, 0};
  const std::vector<float> labels = {0, 1, 0, 1, 1, 0, 1, 0};
  const Tensor p01 = Tensor::FromVector({2, 4}, probs), t01 = Tensor::FromVector({2, 4}, labels);
  const Tensor zeros = Tensor::Zeros({2, 4}), ones = Tensor::Full({2, 4}, 1.f);
  for (const auto& [name, row_loss] : refs) {
    for (const auto& [t, p, what] : std::vector<std::tuple<Tensor, Tensor, const char*>>{
             {t01, p01, "exact 0/1"}, {zeros, zeros, "zeros"}, {ones, ones, "ones"}, {ones, zeros, "ones vs zeros"}}) {
      // The categorical cross-entropy renormalises by the row sum: an all-zero prediction row is 0/0 in
      // both references, so it is left out.
      if (name == "categoricalCrossentropy" && p.f32()[0] == 0 && p.f32()[1] == 0 && what != std::string("exact 0/1")) {
        continue;
      }
      const Tensor got = GetLoss(name)(t, p);
      for (int64_t i = 0; i < got.size(); ++i) EXPECT_TRUE(std::isfinite(got.f32()[i])) << name << " " << what;
      ExpectPerSample(got, PerSample(row_loss, t, p), name + " " + what, 1e-4);
    }
  }
}

TEST(Losses, GradientsAtClippedProbabilitiesAreFiniteAndZero) {
  const Tensor p = Tensor::FromVector({2, 2}, {0.f, 1.f, 1.f, 0.f});
  const Tensor t = Tensor::FromVector({2, 2}, {1.f, 0.f, 1.f, 0.f});
  for (const char* name : {"binaryCrossentropy", "categoricalCrossentropy", "kullbackLeiblerDivergence", "poisson",
                           "meanSquaredLogarithmicError"}) {
    ops::GradientTape tape;
    const Tensor loss = models::ReduceLoss(GetLoss(name)(t, p));
    const Tensor g = tape.Gradient(loss, {p})[0];
    for (int64_t i = 0; i < g.size(); ++i) EXPECT_TRUE(std::isfinite(g.f32()[i])) << name << " element " << i;
    // Binary cross-entropy clips every one of these to [eps, 1 - eps], and the clip passes no gradient
    // outside its range (tfjs and TensorFlow alike).
    if (std::string(name) == "binaryCrossentropy") {
      for (int64_t i = 0; i < g.size(); ++i) EXPECT_EQ(g.f32()[i], 0.f) << name << " element " << i;
    }
  }
}

// Nudges values so that finite differences never straddle a kink of |x| or max(0, x).
Tensor AwayFrom(const Tensor& x, const Tensor& from, float margin) {
  Tensor out = x.Clone();
  for (int64_t i = 0; i < x.size(); ++i) {
    float& v = out.f32()[i];
    const float f = from.f32()[i];
    if (std::fabs(v - f) < margin) v = f + (v >= f ? margin : -margin);
  }
  return out;
}

TEST(Losses, GradientsMatchFiniteDifferences) {
  testing::GradCheckOptions opt;
  opt.step = 1e-3f;
  for (const std::string& name : models::LossNames()) {
    if (name == "sparseCategoricalCrossentropy" || name == "hinge" || name == "squaredHinge" ||
        name == "categoricalHinge") {
      continue;  // below, with data placed away from their kinks
    }
    for (const Shape& shape : {Shape{3, 4}, Shape{2, 2, 3}}) {
      Tensor t, p;
      std::tie(t, p) = DataFor(name, shape, 21);
      if (name == "meanAbsoluteError" || name == "meanAbsolutePercentageError") p = AwayFrom(p, t, 0.05f);
      const auto loss = GetLoss(name);
      testing::ExpectGradientMatches([&](const Tensor& x) { return loss(t, x); }, p, name + " d/dy_pred", opt);
      if (name == "meanSquaredError" || name == "meanAbsoluteError" || name == "logcosh" || name == "huber" ||
          name == "cosineProximity") {
        testing::ExpectGradientMatches([&](const Tensor& x) { return loss(x, p); }, t, name + " d/dy_true", opt);
      }
    }
  }
}

TEST(Losses, HingeGradientsMatchFiniteDifferences) {
  testing::GradCheckOptions opt;
  opt.step = 1e-3f;
  Tensor t = RandomTensor({3, 4}, 31, -1, 1);
  for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = t.f32()[i] < 0 ? -1.f : 1.f;
  Tensor p = RandomTensor({3, 4}, 32, -2, 2);
  // Keep 1 - t * p away from 0 (the hinge's kink).
  for (int64_t i = 0; i < p.size(); ++i) {
    float& v = p.f32()[i];
    if (std::fabs(1 - t.f32()[i] * v) < 0.05f) v -= 0.1f * t.f32()[i];
  }
  for (const char* name : {"hinge", "squaredHinge"}) {
    const auto loss = GetLoss(name);
    testing::ExpectGradientMatches([&](const Tensor& x) { return loss(t, x); }, p, name, opt);
  }
  // Categorical hinge: one-hot labels, row values spaced apart so the max over the wrong classes and the
  // outer max(0, .) both sit away from ties.
  Tensor onehot = Tensor::Zeros({3, 4}), q({3, 4});
  for (int64_t b = 0; b < 3; ++b) {
    onehot.f32()[b * 4 + (b + 1) % 4] = 1.f;
    for (int64_t j = 0; j < 4; ++j) q.f32()[b * 4 + j] = float((b * 3 + j * 5) % 4) * 0.37f - 0.6f + 0.01f * b;
  }
  const auto cat = GetLoss("categoricalHinge");
  const Tensor value = cat(onehot, q);
  for (int64_t b = 0; b < 3; ++b) ASSERT_GT(std::fabs(value.f32()[b]), 0.05f);
  testing::ExpectGradientMatches([&](const Tensor& x) { return cat(onehot, x); }, q, "categoricalHinge", opt);
}

TEST(Losses, SparseCategoricalMatchesOneHot) {
  const Tensor p = RandomTensor({5, 4}, 41, 0.05f, 1.f);
  const std::vector<int32_t> labels = {0, 3, 1, 2, 3};
  Tensor onehot = Tensor::Zeros({5, 4});
  for (int i = 0; i < 5; ++i) onehot.f32()[i * 4 + labels[i]] = 1.f;
  // tfjs clips the predictions before the categorical cross-entropy renormalises them.
  const auto ref = References()["categoricalCrossentropy"];
  const Tensor clipped = ops::ClipByValue(p, 1e-7f, 1.f - 1e-7f);
  const std::vector<double> want = PerSample(ref, onehot, clipped);
  const Tensor as_int = Tensor::FromData({5}, labels.data());
  const Tensor as_float = ops::Cast(as_int, DType::kFloat32);
  const auto loss = GetLoss("sparse_categorical_crossentropy");
  ExpectPerSample(loss(as_int, p), want, "int32 labels [5]");
  ExpectPerSample(loss(as_float, p), want, "float labels [5]");
  ExpectPerSample(loss(as_float.Reshaped({5, 1}), p), want, "float labels [5, 1]");

  testing::GradCheckOptions opt;
  opt.step = 1e-3f;
  testing::ExpectGradientMatches([&](const Tensor& x) { return loss(as_float, x); }, p, "sparse d/dy_pred", opt);

  // Rank-3 predictions: a label per (sample, step), averaged over steps.
  const Tensor p3 = RandomTensor({2, 3, 4}, 42, 0.05f, 1.f);
  const std::vector<float> l3 = {0, 1, 2, 3, 2, 1};
  Tensor oh3 = Tensor::Zeros({2, 3, 4});
  for (int i = 0; i < 6; ++i) oh3.f32()[i * 4 + int(l3[i])] = 1.f;
  ExpectPerSample(loss(Tensor::FromVector({2, 3}, l3), p3),
                  PerSample(ref, oh3, ops::ClipByValue(p3, 1e-7f, 1.f - 1e-7f)), "rank 3");

  EXPECT_THROW(loss(Tensor::FromVector({5}, {0, 1, 2, 4, 0}), p), IndexError);
  EXPECT_THROW(loss(Tensor::FromVector({5}, {0, 1, -1, 0, 0}), p), IndexError);
  EXPECT_THROW(loss(Tensor::FromVector({4}, {0, 1, 2, 3}), p), ShapeError);
}

TEST(Losses, NamesAndAliases) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"mse", "meanSquaredError"},         {"MSE", "meanSquaredError"},
      {"mean_squared_error", "meanSquaredError"}, {"MeanSquaredError", "meanSquaredError"},
      {"mae", "meanAbsoluteError"},        {"mape", "meanAbsolutePercentageError"},
      {"msle", "meanSquaredLogarithmicError"}, {"binary_crossentropy", "binaryCrossentropy"},
      {"categorical_crossentropy", "categoricalCrossentropy"},
      {"sparse_categorical_crossentropy", "sparseCategoricalCrossentropy"},
      {"squared_hinge", "squaredHinge"},   {"categorical_hinge", "categoricalHinge"},
      {"log_cosh", "logcosh"},             {"huber_loss", "huber"},
      {"kld", "kullbackLeiblerDivergence"}, {"KLD", "kullbackLeiblerDivergence"},
      {"kl_divergence", "kullbackLeiblerDivergence"}, {"kullback_leibler_divergence", "kullbackLeiblerDivergence"},
      {"cosine_similarity", "cosineProximity"}, {"cosine", "cosineProximity"}, {"poisson", "poisson"},
  };
  for (const auto& [alias, canonical] : cases) EXPECT_EQ(models::CanonicalLossName(alias), canonical) << alias;
  EXPECT_EQ(models::LossNames().size(), 15u);
  try {
    GetLoss("foo");
    FAIL() << "no throw";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown loss 'foo'"), std::string::npos) << e.what();
  }
}

TEST(Losses, ShapeAndDTypeErrors) {
  const auto mse = GetLoss("mse");
  EXPECT_THROW(mse(Tensor::Zeros({2, 3}), Tensor::Zeros({3, 2})), ShapeError);
  EXPECT_THROW(mse(Tensor::Zeros({}), Tensor::Zeros({})), ShapeError);
  EXPECT_THROW(mse(Tensor::Zeros({2, 3}), Tensor::Zeros({2, 3}, DType::kInt32)), DTypeError);
  // Integer labels are accepted and read as floats.
  const Tensor p = RandomTensor({2, 3}, 3);
  const Tensor t_int = Tensor::Zeros({2, 3}, DType::kInt32);
  EXPECT_FLOAT_EQ(mse(t_int, p).f32()[0], mse(Tensor::Zeros({2, 3}), p).f32()[0]);
}

TEST(Losses, ReduceLossAveragesOverTheBatch) {
  const Tensor per = Tensor::FromVector({4}, {1.f, 2.f, 3.f, 6.f});
  EXPECT_FLOAT_EQ(models::ReduceLoss(per).item(), 3.f);
  // Weighted: sum(l * w) / batch size, Keras' sum_over_batch_size.
  const Tensor w = Tensor::FromVector({4}, {1.f, 0.f, 2.f, 0.5f});
  EXPECT_FLOAT_EQ(models::ReduceLoss(per, w).item(), (1 + 0 + 6 + 3) / 4.f);
  EXPECT_THROW(models::ReduceLoss(per, Tensor::Zeros({3})), ShapeError);

  // Gradient of the reduced, weighted loss through the tape.
  const Tensor t = RandomTensor({4, 3}, 7), p = RandomTensor({4, 3}, 8);
  testing::ExpectGradientMatches(
      [&](const Tensor& x) { return models::ReduceLoss(GetLoss("mse")(t, x), w); }, p, "weighted mse");
}

}  // namespace
}  // namespace kerasm
