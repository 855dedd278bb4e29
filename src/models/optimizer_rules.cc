// The update rules. Each follows tfjs-core's optimizer (src/optimizers/*_optimizer.ts) operation by
// operation in float32, so a step here matches a tfjs step to rounding; where tfjs has no such optimizer
// (Nadam, Adam's amsgrad) the rule is Keras'. Two places depart from tfjs on purpose, both noted below.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "kernels/optimizer_update.h"
#include "models/optimizer_base.h"

namespace kerasm::models {
namespace {

constexpr double kInf = INFINITY;

// Hyper-parameters are kept in double (for getConfig) and enter the arithmetic as float32 constants,
// the way tfjs turns a JS number into a scalar tensor: 1 - beta is formed in double, then rounded.
float F(double x) { return static_cast<float>(x); }
// tfjs' pow(beta, n) on float32 scalars: both operands rounded to float32, the result too.
float PowF(double base, int64_t exponent) { return F(std::pow(double(F(base)), double(F(double(exponent))))); }

// tfjs SGD and Momentum. Keras' SGD(momentum, nesterov) is the same rule written with a velocity
// v = -lr * accumulation, so both spellings land here.
class Sgd : public OptimizerBase {
 public:
  Sgd(const char* class_name, const CommonOptions& c, double momentum, bool nesterov)
      : OptimizerBase(class_name, c, momentum > 0 || std::string(class_name) == "Momentum"
                                         ? std::vector<std::string>{"momentum"}
                                         : std::vector<std::string>{}),
        momentum_(momentum),
        m_(static_cast<float>(momentum)),
        nesterov_(nesterov),
        with_momentum_(momentum > 0 || std::string(class_name) == "Momentum") {}

 protected:
  void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) override {
    const float c = -lr;
    if (!with_momentum_) {
      for (int64_t i = 0; i < n; ++i) out[i] = c * g[i] + w[i];
      return;
    }
    float* acc = slots[0];
    for (int64_t i = 0; i < n; ++i) {
      acc[i] = m_ * acc[i] + g[i];
      out[i] = nesterov_ ? c * (g[i] + acc[i] * m_) + w[i] : c * acc[i] + w[i];
    }
  }
  json RuleConfig() const override {
    if (!with_momentum_) return json::object();
    return {{"momentum", momentum_}, {"useNesterov", nesterov_}};
  }

 private:
  double momentum_;
  float m_;
  bool nesterov_;
  bool with_momentum_;
};

// tfjs RMSProp: slots are the mean square, the momentum accumulator and (centered) the mean gradient.
// Centered departs from tfjs, which computes sqrt(ms - (mg^2 + eps)) -- NaN as soon as the gradient
// variance falls below eps (a zero gradient is enough); this uses TensorFlow's sqrt(ms - mg^2 + eps).
class RmsProp : public OptimizerBase {
 public:
  RmsProp(const CommonOptions& c, double rho, double momentum, double epsilon, bool centered)
      : OptimizerBase("RMSProp", c, centered ? std::vector<std::string>{"rms", "momentum", "mg"}
                                             : std::vector<std::string>{"rms", "momentum"}),
        rho_(rho),
        momentum_(momentum),
        epsilon_(epsilon),
        centered_(centered) {}

 protected:
  void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) override {
    const kernels::RmsPropParams p{F(rho_), F(1 - rho_), F(momentum_), F(epsilon_), lr};
    kernels::RmsPropUpdate(w, g, slots[0], slots[1], centered_ ? slots[2] : nullptr, out, n, p);
  }
  json RuleConfig() const override {
    json config = {{"momentum", momentum_}, {"epsilon", epsilon_}, {"centered", centered_}};
    // tfjs names rho `decay`; with a learning-rate decay set, `decay` is taken and rho keeps its name.
    config[common().lr_decay != 0 ? "rho" : "decay"] = rho_;
    return config;
  }

 private:
  double rho_, momentum_, epsilon_;
  bool centered_;
};

// tfjs Adam: bias correction through running products beta^t kept in float32 as tfjs keeps them, and
// epsilon added to sqrt(v_hat). amsgrad (Keras only) replaces v_hat by the running maximum of v, bias
// corrected the same way.
class Adam : public OptimizerBase {
 public:
  Adam(const CommonOptions& c, double beta1, double beta2, double epsilon, bool amsgrad)
      : OptimizerBase("Adam", c, amsgrad ? std::vector<std::string>{"m", "v", "vhat"} : std::vector<std::string>{"m", "v"}),
        beta1_(beta1), beta2_(beta2), epsilon_(epsilon), amsgrad_(amsgrad) {}

 protected:
  void BeginStep(int64_t t) override {
    // tfjs keeps beta^t as float32 variables multiplied once per step.
    if (restored_) {
      restored_ = false;
      return;
    }
    acc_beta1_ = t == 1 ? F(beta1_) : acc_beta1_ * F(beta1_);
    acc_beta2_ = t == 1 ? F(beta2_) : acc_beta2_ * F(beta2_);
  }
  // tfjs' setWeights recomputes beta^(iterations + 1) with one float32 pow instead of the product.
  void RestoreStep(int64_t iterations) override {
    acc_beta1_ = PowF(beta1_, iterations + 1);
    acc_beta2_ = PowF(beta2_, iterations + 1);
    restored_ = true;
  }
  void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) override {
    const kernels::AdamParams p{F(beta1_),        F(1 - beta1_),    F(beta2_),   F(1 - beta2_),
                                1.f - acc_beta1_, 1.f - acc_beta2_, F(epsilon_), lr};
    kernels::AdamUpdate(w, g, slots[0], slots[1], amsgrad_ ? slots[2] : nullptr, out, n, p);
  }
  json RuleConfig() const override {
    json config = {{"beta1", beta1_}, {"beta2", beta2_}, {"epsilon", epsilon_}};
    if (amsgrad_) config["amsgrad"] = true;
    return config;
  }

 private:
  double beta1_, beta2_, epsilon_;
  bool amsgrad_;
  float acc_beta1_ = 1.f, acc_beta2_ = 1.f;
  bool restored_ = false;  // the next step uses the restored acc_beta* as they are
};

// tfjs Adagrad: the accumulator starts at initialAccumulatorValue; epsilon inside the square root.
class Adagrad : public OptimizerBase {
 public:
  Adagrad(const CommonOptions& c, double initial, double epsilon)
      : OptimizerBase("Adagrad", c, {"accumulator"}), initial_(initial), epsilon_(epsilon) {}

 protected:
  float SlotInit(int) const override { return F(initial_); }
  void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) override {
    kernels::AdagradUpdate(w, g, slots[0], out, n, F(epsilon_), lr);
  }
  json RuleConfig() const override { return {{"initialAccumulatorValue", initial_}, {"epsilon", epsilon_}}; }

 private:
  double initial_, epsilon_;
};

// tfjs Adadelta. As in tfjs (and unlike Keras, which uses the freshly updated one), the step is scaled
// by the gradient accumulator from *before* this step; kept so training matches tfjs step for step.
// A consequence worth knowing: both accumulators start at 0, the first step is exactly g, and from then
// on they stay equal, so every step is exactly lr * g -- tfjs' Adadelta behaves as plain SGD.
class Adadelta : public OptimizerBase {
 public:
  Adadelta(const CommonOptions& c, double rho, double epsilon)
      : OptimizerBase("Adadelta", c, {"accum_grad", "accum_var"}), rho_(rho), epsilon_(epsilon) {}

 protected:
  void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) override {
    kernels::AdadeltaUpdate(w, g, slots[0], slots[1], out, n, F(rho_), F(1 - rho_), F(epsilon_), lr);
  }
  json RuleConfig() const override { return {{"rho", rho_}, {"epsilon", epsilon_}}; }

 private:
  double rho_, epsilon_;
};

// tfjs Adamax: infinity-norm second moment, bias correction of the first moment only.
class Adamax : public OptimizerBase {
 public:
  Adamax(const CommonOptions& c, double beta1, double beta2, double epsilon)
      : OptimizerBase("Adamax", c, {"m", "v"}), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}

 protected:
  void BeginStep(int64_t t) override {
    if (restored_) {
      restored_ = false;
      return;
    }
    acc_beta1_ = t == 1 ? F(beta1_) : acc_beta1_ * F(beta1_);
  }
  // As Adam's (tfjs' Adamax has no setWeights).
  void RestoreStep(int64_t iterations) override {
    acc_beta1_ = PowF(beta1_, iterations + 1);
    restored_ = true;
  }
  void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) override {
    const float step = -lr / (1.f - acc_beta1_);
    kernels::AdamaxUpdate(w, g, slots[0], slots[1], out, n, F(beta1_), F(1 - beta1_), F(beta2_), F(epsilon_), step);
  }
  json RuleConfig() const override { return {{"beta1", beta1_}, {"beta2", beta2_}, {"epsilon", epsilon_}}; }

 private:
  double beta1_, beta2_, epsilon_;
  float acc_beta1_ = 1.f;
  bool restored_ = false;
};

// Keras Nadam (Dozat 2015): Adam with a Nesterov-style look-ahead on the first moment, whose momentum
// schedule u_t = beta1 * (1 - 0.5 * 0.96^t) is accumulated into a running product.
class Nadam : public OptimizerBase {
 public:
  Nadam(const CommonOptions& c, double beta1, double beta2, double epsilon)
      : OptimizerBase("Nadam", c, {"m", "v"}), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}

 protected:
  // The momentum product up to the restored step, as the steps themselves would have formed it.
  void RestoreStep(int64_t iterations) override {
    u_product_ = 1.0;
    for (int64_t t = 1; t <= iterations; ++t) u_product_ *= beta1_ * (1.0 - 0.5 * std::pow(0.96, double(t)));
  }
  void BeginStep(int64_t t) override {
    if (t == 1) u_product_ = 1.0;
    u_t_ = beta1_ * (1.0 - 0.5 * std::pow(0.96, double(t)));
    u_t1_ = beta1_ * (1.0 - 0.5 * std::pow(0.96, double(t + 1)));
    u_product_ *= u_t_;
    beta2_power_ = std::pow(beta2_, double(t));
  }
  void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) override {
    const kernels::NadamParams p{F(1 - beta1_),
                                 F(1 - beta2_),
                                 static_cast<float>(u_t1_ / (1.0 - u_product_ * u_t1_)),
                                 static_cast<float>((1.0 - u_t_) / (1.0 - u_product_)),
                                 static_cast<float>(1.0 - beta2_power_),
                                 F(epsilon_),
                                 lr};
    kernels::NadamUpdate(w, g, slots[0], slots[1], out, n, p);
  }
  json RuleConfig() const override { return {{"beta1", beta1_}, {"beta2", beta2_}, {"epsilon", epsilon_}}; }

 private:
  double beta1_, beta2_, epsilon_;
  double u_t_ = 0, u_t1_ = 0, u_product_ = 1, beta2_power_ = 1;
};

double Epsilon(ConfigReader& r) { return ReadInRange(r, {"epsilon"}, 1e-7, 0, false, kInf, false); }
double Beta(ConfigReader& r, std::initializer_list<const char*> keys, double fallback) {
  return ReadInRange(r, keys, fallback, 0, false, 1, true);
}

}  // namespace

std::unique_ptr<Optimizer> MakeSgd(ConfigReader& r, const CommonOptions& c, bool momentum_class) {
  const double momentum = ReadInRange(r, {"momentum"}, momentum_class ? 0.9 : 0.0, 0, false, kInf, false);
  const bool nesterov = r.Bool({"useNesterov", "nesterov"}, false);
  return std::make_unique<Sgd>(momentum_class ? "Momentum" : "SGD", c, momentum, nesterov);
}

std::unique_ptr<Optimizer> MakeRmsprop(ConfigReader& r, const CommonOptions& c) {
  // rho is `rho` in Keras and `decay` in tfjs (ReadCommon leaves `decay` unread when it means rho).
  const double rho = r.Has("rho") ? ReadInRange(r, {"rho"}, 0.9, 0, false, 1, false)
                                     : ReadInRange(r, {"decay"}, 0.9, 0, false, 1, false);
  const double momentum = ReadInRange(r, {"momentum"}, 0.0, 0, false, kInf, false);
  const double epsilon = Epsilon(r);
  return std::make_unique<RmsProp>(c, rho, momentum, epsilon, r.Bool({"centered"}, false));
}

std::unique_ptr<Optimizer> MakeAdam(ConfigReader& r, const CommonOptions& c) {
  const double beta1 = Beta(r, {"beta1", "beta_1"}, 0.9);
  const double beta2 = Beta(r, {"beta2", "beta_2"}, 0.999);
  const double epsilon = Epsilon(r);
  return std::make_unique<Adam>(c, beta1, beta2, epsilon, r.Bool({"amsgrad"}, false));
}

std::unique_ptr<Optimizer> MakeAdagrad(ConfigReader& r, const CommonOptions& c) {
  const double initial =
      ReadInRange(r, {"initialAccumulatorValue", "initial_accumulator_value"}, 0.1, 0, false, kInf, false);
  return std::make_unique<Adagrad>(c, initial, Epsilon(r));
}

std::unique_ptr<Optimizer> MakeAdadelta(ConfigReader& r, const CommonOptions& c) {
  const double rho = ReadInRange(r, {"rho"}, 0.95, 0, false, 1, false);
  return std::make_unique<Adadelta>(c, rho, Epsilon(r));
}

std::unique_ptr<Optimizer> MakeAdamax(ConfigReader& r, const CommonOptions& c) {
  const double beta1 = Beta(r, {"beta1", "beta_1"}, 0.9);
  const double beta2 = Beta(r, {"beta2", "beta_2"}, 0.999);
  return std::make_unique<Adamax>(c, beta1, beta2, Epsilon(r));
}

std::unique_ptr<Optimizer> MakeNadam(ConfigReader& r, const CommonOptions& c) {
  const double beta1 = Beta(r, {"beta1", "beta_1"}, 0.9);
  const double beta2 = Beta(r, {"beta2", "beta_2"}, 0.999);
  return std::make_unique<Nadam>(c, beta1, beta2, Epsilon(r));
}

}  // namespace kerasm::models
