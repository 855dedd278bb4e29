#include "params/regularizers.h"

#include "core/error.h"
#include "params/config_reader.h"
#include "params/names.h"
#include "ops/ops.h"

namespace kerasm::params {
namespace {

// One class covers L1, L2 and L1L2; they differ only in which coefficients they own and print.
class Penalty : public Regularizer {
 public:
  Penalty(std::string class_name, double l1, double l2) : class_name_(std::move(class_name)), l1_(l1), l2_(l2) {}

  Tensor operator()(const Tensor& w) const override {
    CheckDefined(w, class_name_.c_str(), "weights");
    Tensor total;
    if (l1_ != 0) total = ops::ScaleShift(ops::Sum(ops::Abs(w)), static_cast<float>(l1_));
    if (l2_ != 0) {
      Tensor sq = ops::ScaleShift(ops::Sum(ops::Square(w)), static_cast<float>(l2_));
      total = total.defined() ? ops::Add(total, sq) : sq;
    }
    // Both coefficients zero: Keras returns a constant 0, which contributes no gradient.
    return total.defined() ? total : Tensor::Scalar(0.f);
  }
  std::string ClassName() const override { return class_name_; }
  json GetConfig() const override {
    if (class_name_ == "L1") return {{"l1", l1_}};
    if (class_name_ == "L2") return {{"l2", l2_}};
    return {{"l1", l1_}, {"l2", l2_}};
  }

 private:
  std::string class_name_;
  double l1_, l2_;
};

double Coefficient(ConfigReader& r, const char* key) {
  // 0.01 is Keras' default for l1() / l2() / l1_l2() and tfjs' for every class.
  const double v = r.Number(key, 0.01);
  if (!(v >= 0)) r.Invalid(key, "must be >= 0");
  return v;
}

std::unique_ptr<Regularizer> Create(Spec& spec) {
  const std::string name = SpellingKey(spec.class_name);
  ConfigReader& r = spec.config;
  std::unique_ptr<Regularizer> reg;
  if (name == "l1") {
    reg = std::make_unique<Penalty>("L1", Coefficient(r, "l1"), 0.0);
  } else if (name == "l2") {
    reg = std::make_unique<Penalty>("L2", 0.0, Coefficient(r, "l2"));
  } else if (name == "l1l2") {
    const double l1 = Coefficient(r, "l1");
    reg = std::make_unique<Penalty>("L1L2", l1, Coefficient(r, "l2"));
  } else {
    spec.Unknown("regularizer");
  }
  r.Finish();
  return reg;
}

}  // namespace

std::unique_ptr<Regularizer> CreateRegularizer(const json& spec) {
  Spec parsed = ParseSpec(spec, "regularizer");
  return Create(parsed);
}

std::shared_ptr<Regularizer> ReadRegularizer(ConfigReader& config, const Keys& keys) {
  std::optional<Spec> spec = ReadSpec(config, keys, "regularizer");
  if (!spec) return nullptr;
  return Create(*spec);
}

json SerializeRegularizer(const Regularizer& reg) {
  return {{"class_name", reg.ClassName()}, {"config", reg.GetConfig()}};
}

json ToConfig(const std::shared_ptr<Regularizer>& reg) { return reg ? SerializeRegularizer(*reg) : json(nullptr); }

}  // namespace kerasm::params
