// Initializers: shapes, sample statistics against the distribution each one promises (Keras' formulas),
// bounds, fan computation, seeded determinism, orthogonality, configs and errors.
#include "params/initializers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include <Eigen/Dense>

#include "core/error.h"
#include "expect_error.h"

namespace kerasm {
namespace {

using params::CreateInitializer;
using params::json;

struct Stats {
  double mean = 0, var = 0, min = INFINITY, max = -INFINITY;
};

Stats StatsOf(const Tensor& t) {
  Stats s;
  for (int64_t i = 0; i < t.size(); ++i) {
    const double x = t.f32()[i];
    s.mean += x;
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
  }
  s.mean /= double(t.size());
  for (int64_t i = 0; i < t.size(); ++i) s.var += (t.f32()[i] - s.mean) * (t.f32()[i] - s.mean);
  s.var /= double(t.size() - 1);
  return s;
}

// Mean within 5 standard errors, variance within 6 % (samples of >= 10^4 values, fixed seeds).
void ExpectMoments(const Tensor& t, double mean, double var, const std::string& what) {
  const Stats s = StatsOf(t);
  EXPECT_NEAR(s.mean, mean, 5 * std::sqrt(var / double(t.size()))) << what;
  EXPECT_NEAR(s.var, var, 0.06 * var) << what;
}

// Variance of a standard normal truncated to [-2, 2]: 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2)).
double TruncatedUnitVariance() {
  const double phi2 = std::exp(-2.0) / std::sqrt(2 * M_PI);
  const double mass = std::erf(2 / std::sqrt(2.0));
  return 1 - 4 * phi2 / mass;
}

Tensor Draw(const json& spec, const Shape& shape) { return (*CreateInitializer(spec))(shape); }

TEST(Initializers, Constants) {
  const Tensor z = Draw("zeros", {3, 4}), o = Draw("ones", {5}), c = Draw({{"class_name", "Constant"}, {"config", {{"value", 2.5}}}}, {2, 2});
  EXPECT_EQ(z.shape(), (Shape{3, 4}));
  for (int64_t i = 0; i < z.size(); ++i) EXPECT_EQ(z.f32()[i], 0.f);
  for (int64_t i = 0; i < o.size(); ++i) EXPECT_EQ(o.f32()[i], 1.f);
  for (int64_t i = 0; i < c.size(); ++i) EXPECT_EQ(c.f32()[i], 2.5f);
  const Tensor oi = (*CreateInitializer("ones"))({4}, DType::kInt32);
  EXPECT_EQ(oi.dtype(), DType::kInt32);
  EXPECT_EQ(oi.i32()[3], 1);
  EXPECT_THROW((*CreateInitializer("glorotUniform"))({4, 4}, DType::kInt32), DTypeError);
}

TEST(Initializers, RandomDistributions) {
  const Shape shape = {100, 200};
  const Tensor n = Draw({{"className", "RandomNormal"}, {"config", {{"mean", 1.0}, {"stddev", 0.5}, {"seed", 1}}}}, shape);
  ExpectMoments(n, 1.0, 0.25, "randomNormal");
  const Tensor nd = Draw({{"class_name", "RandomNormal"}, {"config", {{"seed", 2}}}}, shape);
  ExpectMoments(nd, 0.0, 0.05 * 0.05, "randomNormal defaults");

  const Tensor u = Draw({{"class_name", "RandomUniform"}, {"config", {{"minval", -1.0}, {"maxval", 3.0}, {"seed", 3}}}}, shape);
  ExpectMoments(u, 1.0, 16.0 / 12.0, "randomUniform");
  const Stats su = StatsOf(u);
  EXPECT_GE(su.min, -1.0);
  EXPECT_LT(su.max, 3.0);
  const Stats sud = StatsOf(Draw("random_uniform", shape));
  EXPECT_GE(sud.min, -0.05);
  EXPECT_LT(sud.max, 0.05);

  // Truncated normal: redrawn outside two standard deviations, so bounded and with the truncated variance.
  const Tensor t = Draw({{"class_name", "TruncatedNormal"}, {"config", {{"mean", -1.0}, {"stddev", 2.0}, {"seed", 4}}}}, shape);
  const Stats st = StatsOf(t);
  EXPECT_GE(st.min, -5.0);
  EXPECT_LE(st.max, 3.0);
  EXPECT_LT(st.min, -4.9);  // the bounds are reached, not a narrower range
  EXPECT_GT(st.max, 2.9);
  ExpectMoments(t, -1.0, 4.0 * TruncatedUnitVariance(), "truncatedNormal");
}

// Keras' fans: [in, out] for matrices, receptive field * channels for conv kernels, n for vectors.
struct FanCase {
  Shape shape;
  double fan_in, fan_out;
};

TEST(Initializers, VarianceScalingModesAndDistributions) {
  const std::vector<FanCase> fans = {
      {{120, 80}, 120, 80}, {{3, 3, 16, 32}, 144, 288}, {{5, 24, 40}, 120, 200}, {{12000}, 12000, 12000}};
  for (const FanCase& fc : fans) {
    for (const char* mode : {"fan_in", "fan_out", "fan_avg"}) {
      const double fan = std::string(mode) == "fan_in" ? fc.fan_in : std::string(mode) == "fan_out" ? fc.fan_out
                                                                                                      : (fc.fan_in + fc.fan_out) / 2;
      const double var = 1.5 / fan;
      const std::string what = std::string(mode) + " " + ShapeToString(fc.shape);
      auto spec = [&](const char* dist) {
        return json{{"class_name", "VarianceScaling"},
                    {"config", {{"scale", 1.5}, {"mode", mode}, {"distribution", dist}, {"seed", 7}}}};
      };
      const Tensor u = Draw(spec("uniform"), fc.shape);
      const double limit = std::sqrt(3 * var);
      EXPECT_LE(StatsOf(u).max, limit) << what;
      EXPECT_GE(StatsOf(u).min, -limit) << what;
      ExpectMoments(u, 0, var, "uniform " + what);
      // truncated_normal: stddev divided by 0.8796... so the truncated draws keep the variance scale/fan.
      const Tensor tn = Draw(spec("truncated_normal"), fc.shape);
      ExpectMoments(tn, 0, var, "truncated_normal " + what);
      EXPECT_LE(StatsOf(tn).max, 2 * std::sqrt(var) / 0.87962566103423978 * (1 + 1e-6)) << what;
      ExpectMoments(Draw(spec("untruncated_normal"), fc.shape), 0, var, "untruncated_normal " + what);
    }
  }
}

TEST(Initializers, NamedPresets) {
  const Shape conv = {3, 3, 40, 64};  // fan_in 360, fan_out 576
  const double fan_in = 360, fan_out = 576, fan_avg = (fan_in + fan_out) / 2;
  const std::vector<std::pair<const char*, double>> presets = {
      {"glorotUniform", 1 / fan_avg}, {"glorot_normal", 1 / fan_avg}, {"heNormal", 2 / fan_in},
      {"he_uniform", 2 / fan_in},     {"leCunNormal", 1 / fan_in},    {"lecun_uniform", 1 / fan_in}};
  for (const auto& [name, var] : presets) {
    const Tensor w = Draw({{"class_name", name}, {"config", {{"seed", 9}}}}, conv);
    EXPECT_EQ(w.shape(), conv);
    ExpectMoments(w, 0, var, name);
    if (std::string(name).find("niform") != std::string::npos) EXPECT_LE(StatsOf(w).max, std::sqrt(3 * var)) << name;
  }
  EXPECT_EQ(CreateInitializer("glorot_uniform")->ClassName(), "GlorotUniform");
  EXPECT_EQ(CreateInitializer("leCunNormal")->ClassName(), "LecunNormal");
  EXPECT_EQ(CreateInitializer("HeUniform")->ClassName(), "HeUniform");
}

TEST(Initializers, SeededDrawsAreReproducible) {
  const json spec = {{"class_name", "GlorotUniform"}, {"config", {{"seed", 42}}}};
  auto a = CreateInitializer(spec), b = CreateInitializer(spec);
  const Tensor x = (*a)({7, 5}), y = (*b)({7, 5}), z = (*a)({7, 5});
  const Tensor other = Draw({{"class_name", "GlorotUniform"}, {"config", {{"seed", 43}}}}, {7, 5});
  bool differs = false;
  for (int64_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x.f32()[i], y.f32()[i]);
    EXPECT_EQ(x.f32()[i], z.f32()[i]);
    differs |= x.f32()[i] != other.f32()[i];
  }
  EXPECT_TRUE(differs);
  // Unseeded: successive draws differ.
  auto u = CreateInitializer("glorotUniform");
  const Tensor u1 = (*u)({7, 5}), u2 = (*u)({7, 5});
  EXPECT_NE(u1.f32()[0], u2.f32()[0]);
}

TEST(Initializers, OrthogonalHasOrthonormalRowsOrColumns) {
  for (const Shape& shape : {Shape{6, 4}, Shape{4, 6}, Shape{5, 5}, Shape{3, 3, 2, 5}, Shape{2, 9}}) {
    const double gain = 1.7;
    const Tensor w = Draw({{"class_name", "Orthogonal"}, {"config", {{"gain", gain}, {"seed", 3}}}}, shape);
    ASSERT_EQ(w.shape(), shape);
    const int64_t cols = shape.back(), rows = w.size() / cols;
    Eigen::MatrixXd m(rows, cols);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) m(i, j) = w.f32()[i * cols + j];
    // Tall: W^T W = gain^2 I; wide: W W^T = gain^2 I.
    const Eigen::MatrixXd gram = rows >= cols ? Eigen::MatrixXd(m.transpose() * m) : Eigen::MatrixXd(m * m.transpose());
    const Eigen::MatrixXd want = gain * gain * Eigen::MatrixXd::Identity(gram.rows(), gram.cols());
    EXPECT_LT((gram - want).cwiseAbs().maxCoeff(), 1e-5) << ShapeToString(shape);
  }
  // Sign correction makes the distribution uniform: across seeds the diagonal of a square draw takes both
  // signs (without it Householder QR fixes the signs of R's diagonal and biases Q).
  int positive = 0;
  for (int seed = 0; seed < 40; ++seed) {
    positive += Draw({{"class_name", "Orthogonal"}, {"config", {{"seed", seed}}}}, {4, 4}).f32()[0] > 0;
  }
  EXPECT_GT(positive, 8);
  EXPECT_LT(positive, 32);
  EXPECT_THROW(Draw("orthogonal", {5}), ValueError);
}

TEST(Initializers, Identity) {
  const Tensor w = Draw({{"class_name", "Identity"}, {"config", {{"gain", 0.5}}}}, {3, 5});
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 5; ++j) EXPECT_EQ(w.f32()[i * 5 + j], i == j ? 0.5f : 0.f);
  EXPECT_THROW(Draw("identity", {3, 3, 3}), ValueError);
}

using testing::ExpectValueError;

TEST(Initializers, ConfigsAndErrors) {
  // Serialised form round-trips, with the same draws for the same seed.
  for (const json& spec : {json("heNormal"), json({{"class_name", "VarianceScaling"},
                                                    {"config", {{"scale", 2.0}, {"mode", "fan_out"},
                                                                {"distribution", "uniform"}, {"seed", 5}}}}),
                           json({{"class_name", "Orthogonal"}, {"config", {{"gain", 2.0}, {"seed", 1}}}}),
                           json({{"className", "RandomUniform"}, {"config", {{"minval", 0}, {"maxval", 1}, {"seed", 8}}}})}) {
    auto a = CreateInitializer(spec);
    const json serial = params::SerializeInitializer(*a);
    auto b = CreateInitializer(serial);
    EXPECT_EQ(b->ClassName(), a->ClassName());
    EXPECT_EQ(b->GetConfig(), a->GetConfig());
  }
  EXPECT_EQ(params::SerializeInitializer(*CreateInitializer("glorot_uniform")),
            (json{{"class_name", "GlorotUniform"}, {"config", {{"seed", nullptr}}}}));
  // tfjs writes the fan mode in camelCase and the truncated normal as "normal".
  const auto tfjs = CreateInitializer(
      {{"className", "VarianceScaling"}, {"config", {{"scale", 1}, {"mode", "fanAvg"}, {"distribution", "normal"}}}});
  EXPECT_EQ(tfjs->GetConfig()["mode"], "fan_avg");
  EXPECT_EQ(tfjs->GetConfig()["distribution"], "truncated_normal");

  ExpectValueError([] { CreateInitializer("foo"); }, "unknown initializer 'foo'");
  ExpectValueError([] { CreateInitializer(3); }, "unknown initializer 3");
  ExpectValueError([] { CreateInitializer({{"config", json::object()}}); }, "class_name");
  ExpectValueError([] { CreateInitializer({{"class_name", "VarianceScaling"}, {"config", {{"scale", -1}}}}); },
                   "VarianceScaling: scale must be > 0. Received: scale=-1");
  ExpectValueError([] { CreateInitializer({{"class_name", "VarianceScaling"}, {"config", {{"mode", "fan_x"}}}}); },
                   "mode must be one of");
  ExpectValueError([] { CreateInitializer({{"class_name", "VarianceScaling"}, {"config", {{"distribution", "gauss"}}}}); },
                   "distribution=\"gauss\"");
  ExpectValueError([] { CreateInitializer({{"class_name", "RandomUniform"}, {"config", {{"minval", 1}, {"maxval", 0}}}}); },
                   "minval must be < maxval");
  ExpectValueError([] { CreateInitializer({{"class_name", "Zeros"}, {"config", {{"value", 1}}}}); },
                   "Zeros: unrecognized argument 'value'");
  ExpectValueError([] { CreateInitializer({{"class_name", "HeNormal"}, {"config", {{"seed", 1.5}}}}); }, "seed");
}

}  // namespace
}  // namespace kerasm
