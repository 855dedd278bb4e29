#include "params/initializers.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include <Eigen/Dense>

#include "core/error.h"
#include "core/rng.h"
#include "params/config_reader.h"
#include "params/names.h"

namespace kerasm::params {
namespace {

// Keras' correction for a normal truncated at two standard deviations: the stddev of a unit normal
// truncated to [-2, 2], so that the drawn values end up with the requested variance.
constexpr double kTruncatedStddev = 0.87962566103423978;

json SeedJson(const std::optional<uint64_t>& seed) {
  return seed ? json(static_cast<int64_t>(*seed)) : json(nullptr);
}

// A seeded initializer gives the same values on every call (Keras >= 2.7 behaviour); an unseeded one
// takes a fresh seed from the process-wide stream each call.
Rng MakeRng(const std::optional<uint64_t>& seed) { return Rng(seed ? *seed : NextAutoSeed()); }

void RequireFloat(DType dtype, const char* who) {
  if (dtype != DType::kFloat32) Fail<DTypeError>(who, " initializer draws float32 values only, got dtype ", DTypeName(dtype));
}

class Filled : public Initializer {
 public:
  Filled(std::string class_name, float value) : class_name_(std::move(class_name)), value_(value) {}
  Tensor operator()(const Shape& shape, DType dtype) override {
    Tensor t(shape, dtype);
    if (dtype == DType::kInt32) {
      std::fill_n(t.i32(), t.size(), static_cast<int32_t>(value_));
    } else {
      std::fill_n(t.f32(), t.size(), value_);
    }
    return t;
  }
  std::string ClassName() const override { return class_name_; }
  json GetConfig() const override {
    if (class_name_ == "Constant") return {{"value", value_}};
    return json::object();
  }

 private:
  std::string class_name_;
  float value_;
};

class RandomNormal : public Initializer {
 public:
  RandomNormal(std::string class_name, double mean, double stddev, std::optional<uint64_t> seed)
      : class_name_(std::move(class_name)), mean_(mean), stddev_(stddev), seed_(seed) {}
  Tensor operator()(const Shape& shape, DType dtype) override {
    RequireFloat(dtype, class_name_.c_str());
    Tensor t(shape);
    Rng rng = MakeRng(seed_);
    float* p = t.f32();
    const bool truncated = class_name_ == "TruncatedNormal";
    for (int64_t i = 0; i < t.size(); ++i) {
      p[i] = truncated ? rng.TruncatedNormal(static_cast<float>(mean_), static_cast<float>(stddev_))
                       : rng.Normal(static_cast<float>(mean_), static_cast<float>(stddev_));
    }
    return t;
  }
  std::string ClassName() const override { return class_name_; }
  json GetConfig() const override { return {{"mean", mean_}, {"stddev", stddev_}, {"seed", SeedJson(seed_)}}; }

 private:
  std::string class_name_;
  double mean_, stddev_;
  std::optional<uint64_t> seed_;
};

class RandomUniform : public Initializer {
 public:
  RandomUniform(double minval, double maxval, std::optional<uint64_t> seed)
      : minval_(minval), maxval_(maxval), seed_(seed) {}
  Tensor operator()(const Shape& shape, DType dtype) override {
    RequireFloat(dtype, "RandomUniform");
    Tensor t(shape);
    Rng rng = MakeRng(seed_);
    float* p = t.f32();
    for (int64_t i = 0; i < t.size(); ++i) p[i] = rng.Uniform(static_cast<float>(minval_), static_cast<float>(maxval_));
    return t;
  }
  std::string ClassName() const override { return "RandomUniform"; }
  json GetConfig() const override { return {{"minval", minval_}, {"maxval", maxval_}, {"seed", SeedJson(seed_)}}; }

 private:
  double minval_, maxval_;
  std::optional<uint64_t> seed_;
};

enum class FanMode { kIn, kOut, kAvg };
enum class Distribution { kTruncatedNormal, kUntruncatedNormal, kUniform };

const char* FanModeName(FanMode m) { return m == FanMode::kIn ? "fan_in" : m == FanMode::kOut ? "fan_out" : "fan_avg"; }
const char* DistributionName(Distribution d) {
  return d == Distribution::kTruncatedNormal ? "truncated_normal"
         : d == Distribution::kUntruncatedNormal ? "untruncated_normal"
                                                 : "uniform";
}

// VarianceScaling and the named presets (glorot*, he*, lecun*), which serialise under their own class
// name with only a seed, as Keras does.
class VarianceScaling : public Initializer {
 public:
  VarianceScaling(std::string class_name, double scale, FanMode mode, Distribution dist, std::optional<uint64_t> seed)
      : class_name_(std::move(class_name)), scale_(scale), mode_(mode), dist_(dist), seed_(seed) {}
  Tensor operator()(const Shape& shape, DType dtype) override {
    RequireFloat(dtype, class_name_.c_str());
    const auto [fan_in, fan_out] = ComputeFans(shape);
    const double fan = mode_ == FanMode::kIn ? fan_in : mode_ == FanMode::kOut ? fan_out : (fan_in + fan_out) / 2.0;
    const double scale = scale_ / std::max(1.0, fan);
    Tensor t(shape);
    Rng rng = MakeRng(seed_);
    float* p = t.f32();
    if (dist_ == Distribution::kUniform) {
      const float limit = static_cast<float>(std::sqrt(3.0 * scale));
      for (int64_t i = 0; i < t.size(); ++i) p[i] = rng.Uniform(-limit, limit);
    } else if (dist_ == Distribution::kTruncatedNormal) {
      const float stddev = static_cast<float>(std::sqrt(scale) / kTruncatedStddev);
      for (int64_t i = 0; i < t.size(); ++i) p[i] = rng.TruncatedNormal(0.f, stddev);
    } else {
      const float stddev = static_cast<float>(std::sqrt(scale));
      for (int64_t i = 0; i < t.size(); ++i) p[i] = rng.Normal(0.f, stddev);
    }
    return t;
  }
  std::string ClassName() const override { return class_name_; }
  json GetConfig() const override {
    if (class_name_ != "VarianceScaling") return {{"seed", SeedJson(seed_)}};
    return {{"scale", scale_}, {"mode", FanModeName(mode_)}, {"distribution", DistributionName(dist_)},
            {"seed", SeedJson(seed_)}};
  }

  // Keras' _compute_fans: scalars count as 1, vectors as their length in both directions, matrices
  // as [in, out], and rank >= 3 kernels ([..., in, out], channels-last) multiply by the receptive field.
  static std::pair<double, double> ComputeFans(const Shape& shape) {
    if (shape.empty()) return {1.0, 1.0};
    if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
    double receptive = 1.0;
    for (size_t i = 0; i + 2 < shape.size(); ++i) receptive *= double(shape[i]);
    return {double(shape[shape.size() - 2]) * receptive, double(shape.back()) * receptive};
  }

 private:
  std::string class_name_;
  double scale_;
  FanMode mode_;
  Distribution dist_;
  std::optional<uint64_t> seed_;
};

// Keras' Orthogonal: QR of a [max(r, c), min(r, c)] standard normal matrix, Q's columns multiplied by
// the signs of R's diagonal so the result is uniformly distributed over orthogonal matrices (not just
// over those the Householder sign convention produces), transposed back when rows < cols.
class Orthogonal : public Initializer {
 public:
  Orthogonal(double gain, std::optional<uint64_t> seed) : gain_(gain), seed_(seed) {}
  Tensor operator()(const Shape& shape, DType dtype) override {
    RequireFloat(dtype, "Orthogonal");
    if (shape.size() < 2) {
      Fail<ValueError>("Orthogonal initializer needs a shape of rank >= 2, got ", ShapeToString(shape));
    }
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < shape.size(); ++i) rows *= shape[i];
    const int64_t cols = shape.back();
    Tensor t(shape);
    if (t.size() == 0) return t;
    const int64_t m = std::max(rows, cols), n = std::min(rows, cols);
    using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Matrix a(m, n);
    Rng rng = MakeRng(seed_);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) a(i, j) = rng.Normal();
    }
    Eigen::HouseholderQR<Matrix> qr(a);
    Matrix q = qr.householderQ() * Matrix::Identity(m, n);
    const Matrix& r = qr.matrixQR();
    for (int64_t j = 0; j < n; ++j) {
      if (r(j, j) < 0) q.col(j) *= -1.0;
    }
    float* p = t.f32();
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        const double v = rows >= cols ? q(i, j) : q(j, i);
        p[i * cols + j] = static_cast<float>(gain_ * v);
      }
    }
    return t;
  }
  std::string ClassName() const override { return "Orthogonal"; }
  json GetConfig() const override { return {{"gain", gain_}, {"seed", SeedJson(seed_)}}; }

 private:
  double gain_;
  std::optional<uint64_t> seed_;
};

class Identity : public Initializer {
 public:
  explicit Identity(double gain) : gain_(gain) {}
  Tensor operator()(const Shape& shape, DType dtype) override {
    RequireFloat(dtype, "Identity");
    if (shape.size() != 2) {
      Fail<ValueError>("Identity initializer needs a 2-D shape, got ", ShapeToString(shape));
    }
    Tensor t = Tensor::Zeros(shape);
    float* p = t.f32();
    for (int64_t i = 0; i < std::min(shape[0], shape[1]); ++i) p[i * shape[1] + i] = static_cast<float>(gain_);
    return t;
  }
  std::string ClassName() const override { return "Identity"; }
  json GetConfig() const override { return {{"gain", gain_}}; }

 private:
  double gain_;
};

FanMode ReadFanMode(ConfigReader& r) {
  const std::string s = r.String("mode", "fan_in");
  const std::string n = SpellingKey(s);
  if (n == "fanin") return FanMode::kIn;
  if (n == "fanout") return FanMode::kOut;
  if (n == "fanavg") return FanMode::kAvg;
  r.Invalid("mode", "must be one of 'fan_in', 'fan_out', 'fan_avg'");
}

Distribution ReadDistribution(ConfigReader& r) {
  const std::string s = r.String("distribution", "truncated_normal");
  const std::string n = SpellingKey(s);
  // "normal" is the pre-2.3 Keras spelling (and tfjs'); Keras maps it to the truncated normal.
  if (n == "truncatednormal" || n == "normal") return Distribution::kTruncatedNormal;
  if (n == "untruncatednormal") return Distribution::kUntruncatedNormal;
  if (n == "uniform") return Distribution::kUniform;
  r.Invalid("distribution", "must be one of 'truncated_normal', 'untruncated_normal', 'uniform'");
}

double Positive(ConfigReader& r, const char* key, double fallback) {
  const double v = r.Number(key, fallback);
  if (!(v > 0)) r.Invalid(key, "must be > 0");
  return v;
}

double NonNegative(ConfigReader& r, const char* key, double fallback) {
  const double v = r.Number(key, fallback);
  if (!(v >= 0)) r.Invalid(key, "must be >= 0");
  return v;
}

using Factory = std::function<std::unique_ptr<Initializer>(ConfigReader&)>;

std::unique_ptr<Initializer> Preset(const char* name, double scale, FanMode mode, Distribution dist, ConfigReader& r) {
  return std::make_unique<VarianceScaling>(name, scale, mode, dist, r.Seed());
}

// Keyed by SpellingKey of the Keras class name; the tfjs identifiers ("leCunNormal") and Keras
// function names ("lecun_normal") normalise to the same keys.
const std::map<std::string, Factory>& Factories() {
  static const std::map<std::string, Factory> table = {
      {"zeros", [](ConfigReader&) { return std::make_unique<Filled>("Zeros", 0.f); }},
      {"ones", [](ConfigReader&) { return std::make_unique<Filled>("Ones", 1.f); }},
      {"constant",
       [](ConfigReader& r) { return std::make_unique<Filled>("Constant", static_cast<float>(r.Number("value", 0.0))); }},
      {"randomnormal",
       [](ConfigReader& r) {
         const double mean = r.Number("mean", 0.0);
         return std::make_unique<RandomNormal>("RandomNormal", mean, NonNegative(r, "stddev", 0.05), r.Seed());
       }},
      {"truncatednormal",
       [](ConfigReader& r) {
         const double mean = r.Number("mean", 0.0);
         return std::make_unique<RandomNormal>("TruncatedNormal", mean, NonNegative(r, "stddev", 0.05), r.Seed());
       }},
      {"randomuniform",
       [](ConfigReader& r) {
         const double lo = r.Number("minval", -0.05), hi = r.Number("maxval", 0.05);
         if (!(lo < hi)) r.Invalid("minval", "must be < maxval (" + ReceivedValue(hi) + ")");
         return std::make_unique<RandomUniform>(lo, hi, r.Seed());
       }},
      {"variancescaling",
       [](ConfigReader& r) {
         const double scale = Positive(r, "scale", 1.0);
         const FanMode mode = ReadFanMode(r);
         const Distribution dist = ReadDistribution(r);
         return std::make_unique<VarianceScaling>("VarianceScaling", scale, mode, dist, r.Seed());
       }},
      {"glorotnormal", [](ConfigReader& r) { return Preset("GlorotNormal", 1, FanMode::kAvg, Distribution::kTruncatedNormal, r); }},
      {"glorotuniform", [](ConfigReader& r) { return Preset("GlorotUniform", 1, FanMode::kAvg, Distribution::kUniform, r); }},
      {"henormal", [](ConfigReader& r) { return Preset("HeNormal", 2, FanMode::kIn, Distribution::kTruncatedNormal, r); }},
      {"heuniform", [](ConfigReader& r) { return Preset("HeUniform", 2, FanMode::kIn, Distribution::kUniform, r); }},
      {"lecunnormal", [](ConfigReader& r) { return Preset("LecunNormal", 1, FanMode::kIn, Distribution::kTruncatedNormal, r); }},
      {"lecununiform", [](ConfigReader& r) { return Preset("LecunUniform", 1, FanMode::kIn, Distribution::kUniform, r); }},
      {"orthogonal", [](ConfigReader& r) { return std::make_unique<Orthogonal>(r.Number("gain", 1.0), r.Seed()); }},
      {"identity", [](ConfigReader& r) { return std::make_unique<Identity>(r.Number("gain", 1.0)); }},
  };
  return table;
}

// Keras' short aliases ("normal", "uniform", "one", "zero") and the old module names.
std::string ResolveAlias(const std::string& normalized) {
  static const std::map<std::string, std::string> aliases = {
      {"zero", "zeros"},         {"one", "ones"},           {"normal", "randomnormal"},
      {"uniform", "randomuniform"}, {"orthogonalinitializer", "orthogonal"},
  };
  auto it = aliases.find(normalized);
  return it == aliases.end() ? normalized : it->second;
}

std::unique_ptr<Initializer> Create(Spec& spec) {
  const auto& table = Factories();
  auto it = table.find(ResolveAlias(SpellingKey(spec.class_name)));
  if (it == table.end()) spec.Unknown("initializer");
  spec.config.Ignore("dtype");
  std::unique_ptr<Initializer> init = it->second(spec.config);
  spec.config.Finish();
  return init;
}

}  // namespace

std::unique_ptr<Initializer> CreateInitializer(const json& spec) {
  Spec parsed = ParseSpec(spec, "initializer");
  return Create(parsed);
}

std::shared_ptr<Initializer> ReadInitializer(ConfigReader& config, const Keys& keys, const std::string& default_name) {
  std::optional<Spec> spec = ReadSpec(config, keys, "initializer");
  if (!spec) return CreateInitializer(default_name);
  return Create(*spec);
}

json SerializeInitializer(const Initializer& init) {
  return {{"class_name", init.ClassName()}, {"config", init.GetConfig()}};
}

json ToConfig(const std::shared_ptr<Initializer>& init) { return init ? SerializeInitializer(*init) : json(nullptr); }

}  // namespace kerasm::params
