#include "params/constraints.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <vector>

#include "core/error.h"
#include "params/config_reader.h"
#include "params/names.h"

namespace kerasm::params {
namespace {

// Keras' backend epsilon, added to the norms before dividing so an all-zero slice stays zero.
constexpr double kEpsilon = 1e-7;

// L2 norms over `axes` (kept as size-1 dims), evaluated in double. Returns one norm per element's slice,
// indexed by the element's position in the reduced (keepdims) shape, plus each element's slot.
struct SliceNorms {
  std::vector<double> norms;
  std::vector<int64_t> slot;  // per element of w: index into norms
};

SliceNorms ComputeNorms(const Tensor& w, const std::vector<int>& axes_in, const std::string& who) {
  const int rank = w.rank();
  std::vector<bool> reduced(rank, false);
  for (int a : axes_in) {
    if (a < -rank || a >= rank) {
      Fail<ValueError>(who, ": axis ", a, " is out of range for weights of shape ", ShapeToString(w.shape()));
    }
    reduced[a < 0 ? a + rank : a] = true;
  }
  Shape kept = w.shape();
  for (int d = 0; d < rank; ++d) {
    if (reduced[d]) kept[d] = 1;
  }
  const std::vector<int64_t> kept_strides = ShapeStrides(kept);
  SliceNorms out;
  out.norms.assign(static_cast<size_t>(ShapeSize(kept)), 0.0);
  out.slot.resize(static_cast<size_t>(w.size()));
  const float* p = w.f32();
  std::vector<int64_t> coord(rank, 0);
  for (int64_t i = 0; i < w.size(); ++i) {
    int64_t s = 0;
    for (int d = 0; d < rank; ++d) {
      if (!reduced[d]) s += coord[d] * kept_strides[d];
    }
    out.slot[i] = s;
    out.norms[s] += double(p[i]) * double(p[i]);
    for (int d = rank - 1; d >= 0; --d) {  // row-major odometer
      if (++coord[d] < w.shape()[d]) break;
      coord[d] = 0;
    }
  }
  for (double& n : out.norms) n = std::sqrt(n);
  return out;
}

// w * desired(norm) / (epsilon + norm), slice by slice: the form MaxNorm, UnitNorm and MinMaxNorm share.
Tensor Rescale(const Tensor& w, const std::vector<int>& axes, const std::string& who,
               const std::function<double(double)>& desired) {
  CheckDType(w, DType::kFloat32, who.c_str(), "weights");
  const SliceNorms sn = ComputeNorms(w, axes, who);
  std::vector<double> factor(sn.norms.size());
  for (size_t k = 0; k < factor.size(); ++k) factor[k] = desired(sn.norms[k]) / (kEpsilon + sn.norms[k]);
  Tensor out(w.shape());
  const float* p = w.f32();
  float* q = out.f32();
  for (int64_t i = 0; i < w.size(); ++i) q[i] = static_cast<float>(p[i] * factor[sn.slot[i]]);
  return out;
}

json AxisJson(const std::vector<int>& axes) { return axes.size() == 1 ? json(axes[0]) : json(axes); }

class MaxNorm : public Constraint {
 public:
  MaxNorm(double max_value, std::vector<int> axes) : max_value_(max_value), axes_(std::move(axes)) {}
  Tensor operator()(const Tensor& w) const override {
    return Rescale(w, axes_, "MaxNorm", [this](double n) { return std::clamp(n, 0.0, max_value_); });
  }
  std::string ClassName() const override { return "MaxNorm"; }
  json GetConfig() const override { return {{"max_value", max_value_}, {"axis", AxisJson(axes_)}}; }

 private:
  double max_value_;
  std::vector<int> axes_;
};

class UnitNorm : public Constraint {
 public:
  explicit UnitNorm(std::vector<int> axes) : axes_(std::move(axes)) {}
  Tensor operator()(const Tensor& w) const override {
    return Rescale(w, axes_, "UnitNorm", [](double) { return 1.0; });
  }
  std::string ClassName() const override { return "UnitNorm"; }
  json GetConfig() const override { return {{"axis", AxisJson(axes_)}}; }

 private:
  std::vector<int> axes_;
};

class MinMaxNorm : public Constraint {
 public:
  MinMaxNorm(double min_value, double max_value, double rate, std::vector<int> axes)
      : min_value_(min_value), max_value_(max_value), rate_(rate), axes_(std::move(axes)) {}
  Tensor operator()(const Tensor& w) const override {
    return Rescale(w, axes_, "MinMaxNorm", [this](double n) {
      return rate_ * std::clamp(n, min_value_, max_value_) + (1.0 - rate_) * n;
    });
  }
  std::string ClassName() const override { return "MinMaxNorm"; }
  json GetConfig() const override {
    return {{"min_value", min_value_}, {"max_value", max_value_}, {"rate", rate_}, {"axis", AxisJson(axes_)}};
  }

 private:
  double min_value_, max_value_, rate_;
  std::vector<int> axes_;
};

class NonNeg : public Constraint {
 public:
  Tensor operator()(const Tensor& w) const override {
    CheckDType(w, DType::kFloat32, "NonNeg", "weights");
    Tensor out(w.shape());
    const float* p = w.f32();
    float* q = out.f32();
    // Keras' w * (w >= 0): a NaN weight stays NaN (visible) instead of being silently zeroed.
    for (int64_t i = 0; i < w.size(); ++i) q[i] = p[i] * (p[i] >= 0.f ? 1.f : 0.f);
    return out;
  }
  std::string ClassName() const override { return "NonNeg"; }
  json GetConfig() const override { return json::object(); }
};

// Keras takes an int or a list of ints.
std::vector<int> ReadAxes(ConfigReader& r) {
  const json* v = r.Get("axis");
  if (!v) return {0};
  auto as_int = [&](const json& x) {
    if (!x.is_number_integer() && !(x.is_number_float() && x.get<double>() == std::floor(x.get<double>()))) {
      r.Invalid("axis", "must be an integer or a list of integers");
    }
    return static_cast<int>(x.get<double>());
  };
  if (v->is_array()) {
    std::vector<int> axes;
    for (const json& x : *v) axes.push_back(as_int(x));
    if (axes.empty()) r.Invalid("axis", "must not be an empty list");
    return axes;
  }
  return {as_int(*v)};
}

using Factory = std::function<std::unique_ptr<Constraint>(ConfigReader&)>;

const std::map<std::string, Factory>& Factories() {
  static const std::map<std::string, Factory> table = {
      {"maxnorm",
       [](ConfigReader& r) {
         const double max_value = r.Number("max_value", 2.0);
         if (!(max_value >= 0)) r.Invalid("max_value", "must be >= 0");
         return std::make_unique<MaxNorm>(max_value, ReadAxes(r));
       }},
      {"nonneg", [](ConfigReader&) { return std::make_unique<NonNeg>(); }},
      {"unitnorm", [](ConfigReader& r) { return std::make_unique<UnitNorm>(ReadAxes(r)); }},
      {"minmaxnorm",
       [](ConfigReader& r) {
         const double lo = r.Number("min_value", 0.0);
         const double hi = r.Number("max_value", 1.0);
         const double rate = r.Number("rate", 1.0);
         if (!(lo >= 0 && lo <= hi)) {
           r.Invalid("min_value", "must be in [0, " + r.PathOf("max_value") + " (" + ReceivedValue(hi) + ")]");
         }
         if (!(rate >= 0 && rate <= 1)) r.Invalid("rate", "must be in [0, 1]");
         return std::make_unique<MinMaxNorm>(lo, hi, rate, ReadAxes(r));
       }},
  };
  return table;
}

std::unique_ptr<Constraint> Create(Spec& spec) {
  const auto& table = Factories();
  auto it = table.find(SpellingKey(spec.class_name));
  if (it == table.end()) spec.Unknown("constraint");
  std::unique_ptr<Constraint> c = it->second(spec.config);
  spec.config.Finish();
  return c;
}

}  // namespace

std::unique_ptr<Constraint> CreateConstraint(const json& spec) {
  Spec parsed = ParseSpec(spec, "constraint");
  return Create(parsed);
}

std::shared_ptr<Constraint> ReadConstraint(ConfigReader& config, const Keys& keys) {
  std::optional<Spec> spec = ReadSpec(config, keys, "constraint");
  if (!spec) return nullptr;
  return Create(*spec);
}

json SerializeConstraint(const Constraint& c) { return {{"class_name", c.ClassName()}, {"config", c.GetConfig()}}; }

json ToConfig(const std::shared_ptr<Constraint>& c) { return c ? SerializeConstraint(*c) : json(nullptr); }

}  // namespace kerasm::params
