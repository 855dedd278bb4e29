// Each optimizer for several steps on small variables against a double-precision re-implementation of its
// published update rule (tfjs-core's optimizers; Keras' for Nadam and amsgrad), plus config parsing and errors.
#include "models/optimizers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "core/error.h"
#include "expect_error.h"
#include "core/rng.h"
#include "gradcheck.h"
#include "ops/variable.h"

namespace kerasm {
namespace {

using models::CreateOptimizer;
using models::json;
using testing::RandomTensor;
using Vec = std::vector<double>;

// One reference step: updates w (and the rule's own state) from g at 1-based step t.
using RefStep = std::function<void(Vec& w, const Vec& g, int t)>;

Vec ToVec(const Tensor& t) { return Vec(t.f32(), t.f32() + t.size()); }

// Runs `steps` updates of two variables (shapes [2, 3] and [4]) with fresh random gradients each step and
// compares every value after every step with the reference, which keeps separate state per variable.
void ExpectMatchesReference(const std::string& name, const json& config, const std::function<RefStep()>& make_ref,
                            int steps = 6, double rtol = 2e-5) {
  auto opt = CreateOptimizer(name, config);
  ops::Variable a(RandomTensor({2, 3}, 1), true, "a"), b(RandomTensor({4}, 2), true, "b");
  std::vector<ops::Variable*> vars = {&a, &b};
  std::vector<Vec> ref_w = {ToVec(a.value()), ToVec(b.value())};
  std::vector<RefStep> refs = {make_ref(), make_ref()};
  for (int t = 1; t <= steps; ++t) {
    std::vector<Tensor> grads = {RandomTensor({2, 3}, 100 + t, -1.f, 1.f), RandomTensor({4}, 200 + t, -0.5f, 0.5f)};
    opt->ApplyGradients(vars, grads);
    for (size_t v = 0; v < vars.size(); ++v) {
      refs[v](ref_w[v], ToVec(grads[v]), t);
      const Vec got = ToVec(vars[v]->value());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(got[i], ref_w[v][i], 1e-6 + rtol * std::fabs(ref_w[v][i]))
            << name << " " << config.dump() << " step " << t << " variable " << v << " element " << i;
      }
    }
  }
  EXPECT_EQ(opt->iterations(), steps);
}

RefStep Sgd(double lr) {
  return [lr](Vec& w, const Vec& g, int) {
    for (size_t i = 0; i < w.size(); ++i) w[i] -= lr * g[i];
  };
}

// tfjs Momentum: a <- m a + g; w <- w - lr a, or w - lr (g + m a) with Nesterov.
RefStep Momentum(double lr, double m, bool nesterov) {
  return [=, acc = Vec()](Vec& w, const Vec& g, int) mutable {
    acc.resize(w.size(), 0.0);
    for (size_t i = 0; i < w.size(); ++i) {
      acc[i] = m * acc[i] + g[i];
      w[i] -= lr * (nesterov ? g[i] + m * acc[i] : acc[i]);
    }
  };
}

// RMSProp with momentum; centered subtracts the squared mean gradient inside the root.
RefStep RmsProp(double lr, double rho, double momentum, double eps, bool centered) {
  return [=, ms = Vec(), mg = Vec(), mom = Vec()](Vec& w, const Vec& g, int) mutable {
    ms.resize(w.size(), 0.0), mg.resize(w.size(), 0.0), mom.resize(w.size(), 0.0);
    for (size_t i = 0; i < w.size(); ++i) {
      ms[i] = rho * ms[i] + (1 - rho) * g[i] * g[i];
      mg[i] = rho * mg[i] + (1 - rho) * g[i];
      const double denom = centered ? ms[i] - mg[i] * mg[i] : ms[i];
      mom[i] = momentum * mom[i] + lr * g[i] / std::sqrt(denom + eps);
      w[i] -= mom[i];
    }
  };
}

// Adam (Kingma & Ba, epsilon added to sqrt(v_hat)); amsgrad uses the running maximum of v.
RefStep Adam(double lr, double b1, double b2, double eps, bool amsgrad) {
  return [=, m = Vec(), v = Vec(), vmax = Vec()](Vec& w, const Vec& g, int t) mutable {
    m.resize(w.size(), 0.0), v.resize(w.size(), 0.0), vmax.resize(w.size(), 0.0);
    for (size_t i = 0; i < w.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      vmax[i] = std::max(vmax[i], v[i]);
      const double m_hat = m[i] / (1 - std::pow(b1, t));
      const double v_hat = (amsgrad ? vmax[i] : v[i]) / (1 - std::pow(b2, t));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  };
}

RefStep Adagrad(double lr, double initial, double eps) {
  return [=, acc = Vec()](Vec& w, const Vec& g, int) mutable {
    acc.resize(w.size(), initial);
    for (size_t i = 0; i < w.size(); ++i) {
      acc[i] += g[i] * g[i];
      w[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
    }
  };
}

// tfjs' Adadelta: the step is scaled by the gradient accumulator as it was before this step.
RefStep Adadelta(double lr, double rho, double eps) {
  return [=, ag = Vec(), au = Vec()](Vec& w, const Vec& g, int) mutable {
    ag.resize(w.size(), 0.0), au.resize(w.size(), 0.0);
    for (size_t i = 0; i < w.size(); ++i) {
      const double update = std::sqrt(au[i] + eps) / std::sqrt(ag[i] + eps) * g[i];
      ag[i] = rho * ag[i] + (1 - rho) * g[i] * g[i];
      au[i] = rho * au[i] + (1 - rho) * update * update;
      w[i] -= lr * update;
    }
  };
}

// Adamax (Kingma & Ba section 7.1) with tfjs' learning-rate decay lr / (1 + decay (t - 1)).
RefStep Adamax(double lr, double b1, double b2, double eps, double decay) {
  return [=, m = Vec(), u = Vec()](Vec& w, const Vec& g, int t) mutable {
    m.resize(w.size(), 0.0), u.resize(w.size(), 0.0);
    const double lr_t = lr / (1 + decay * (t - 1));
    for (size_t i = 0; i < w.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      u[i] = std::max(b2 * u[i], std::fabs(g[i]));
      w[i] -= lr_t / (1 - std::pow(b1, t)) * m[i] / (u[i] + eps);
    }
  };
}

// Nadam (Dozat 2015, as Keras implements it): momentum schedule mu_t = b1 (1 - 0.5 * 0.96^t).
RefStep Nadam(double lr, double b1, double b2, double eps) {
  return [=, m = Vec(), v = Vec(), prod = 1.0](Vec& w, const Vec& g, int t) mutable {
    m.resize(w.size(), 0.0), v.resize(w.size(), 0.0);
    const double mu_t = b1 * (1 - 0.5 * std::pow(0.96, t));
    const double mu_next = b1 * (1 - 0.5 * std::pow(0.96, t + 1));
    prod *= mu_t;
    for (size_t i = 0; i < w.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const double m_hat = mu_next * m[i] / (1 - prod * mu_next) + (1 - mu_t) * g[i] / (1 - prod);
      const double v_hat = v[i] / (1 - std::pow(b2, t));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  };
}

TEST(Optimizers, SgdAndMomentum) {
  ExpectMatchesReference("sgd", {{"learningRate", 0.1}}, [] { return Sgd(0.1); });
  ExpectMatchesReference("SGD", json::object(), [] { return Sgd(0.01); });
  ExpectMatchesReference("momentum", {{"learningRate", 0.05}, {"momentum", 0.8}}, [] { return Momentum(0.05, 0.8, false); });
  ExpectMatchesReference("Momentum", {{"learningRate", 0.05}, {"momentum", 0.8}, {"useNesterov", true}},
                         [] { return Momentum(0.05, 0.8, true); });
  // Keras' SGD(momentum, nesterov) spelling of the same rule.
  ExpectMatchesReference("SGD", {{"learning_rate", 0.05}, {"momentum", 0.7}, {"nesterov", true}},
                         [] { return Momentum(0.05, 0.7, true); });
}

TEST(Optimizers, RmsProp) {
  ExpectMatchesReference("rmsprop", json::object(), [] { return RmsProp(0.001, 0.9, 0, 1e-7, false); });
  ExpectMatchesReference("RMSProp", {{"learningRate", 0.01}, {"decay", 0.8}, {"momentum", 0.5}, {"epsilon", 1e-2}},
                         [] { return RmsProp(0.01, 0.8, 0.5, 1e-2, false); });
  ExpectMatchesReference("RMSprop",
                         {{"learning_rate", 0.01}, {"rho", 0.8}, {"momentum", 0.5}, {"epsilon", 1e-2}, {"centered", true}},
                         [] { return RmsProp(0.01, 0.8, 0.5, 1e-2, true); });
}

TEST(Optimizers, Adam) {
  ExpectMatchesReference("adam", json::object(), [] { return Adam(0.001, 0.9, 0.999, 1e-7, false); });
  // Large epsilon and unusual betas so a misplaced epsilon or swapped beta shows.
  ExpectMatchesReference("Adam", {{"learningRate", 0.1}, {"beta1", 0.7}, {"beta2", 0.9}, {"epsilon", 0.05}},
                         [] { return Adam(0.1, 0.7, 0.9, 0.05, false); });
  ExpectMatchesReference("adam",
                         {{"learning_rate", 0.1}, {"beta_1", 0.7}, {"beta_2", 0.9}, {"epsilon", 0.05}, {"amsgrad", true}},
                         [] { return Adam(0.1, 0.7, 0.9, 0.05, true); });
}

TEST(Optimizers, AdagradAdadeltaAdamaxNadam) {
  ExpectMatchesReference("adagrad", json::object(), [] { return Adagrad(0.01, 0.1, 1e-7); });
  ExpectMatchesReference("Adagrad", {{"learningRate", 0.2}, {"initialAccumulatorValue", 0.5}},
                         [] { return Adagrad(0.2, 0.5, 1e-7); });
  ExpectMatchesReference("adadelta", json::object(), [] { return Adadelta(1.0, 0.95, 1e-7); });
  ExpectMatchesReference("Adadelta", {{"learningRate", 0.5}, {"rho", 0.8}, {"epsilon", 1e-3}},
                         [] { return Adadelta(0.5, 0.8, 1e-3); });
  ExpectMatchesReference("adamax", json::object(), [] { return Adamax(0.002, 0.9, 0.999, 1e-7, 0); });
  ExpectMatchesReference("Adamax", {{"learningRate", 0.1}, {"beta1", 0.7}, {"beta2", 0.9}, {"epsilon", 0.05}, {"decay", 0.3}},
                         [] { return Adamax(0.1, 0.7, 0.9, 0.05, 0.3); });
  ExpectMatchesReference("nadam", json::object(), [] { return Nadam(0.001, 0.9, 0.999, 1e-7); });
  ExpectMatchesReference("Nadam", {{"learning_rate", 0.1}, {"beta_1", 0.7}, {"beta_2", 0.9}, {"epsilon", 0.05}},
                         [] { return Nadam(0.1, 0.7, 0.9, 0.05); });
}

// Keras' clipping and decays wrap any rule; SGD shows them most directly.
TEST(Optimizers, ClippingAndDecay) {
  // clipnorm: each variable's gradient rescaled to norm <= c.
  ExpectMatchesReference("sgd", {{"learningRate", 0.1}, {"clipnorm", 0.3}}, [] {
    return RefStep([](Vec& w, const Vec& g, int) {
      double n = 0;
      for (double x : g) n += x * x;
      n = std::sqrt(n);
      const double s = n > 0.3 ? 0.3 / n : 1.0;
      for (size_t i = 0; i < w.size(); ++i) w[i] -= 0.1 * g[i] * s;
    });
  });
  ExpectMatchesReference("sgd", {{"learningRate", 0.1}, {"clipvalue", 0.2}}, [] {
    return RefStep([](Vec& w, const Vec& g, int) {
      for (size_t i = 0; i < w.size(); ++i) w[i] -= 0.1 * std::min(0.2, std::max(-0.2, g[i]));
    });
  });
  // Legacy learning-rate decay and Keras 3 weight decay.
  ExpectMatchesReference("sgd", {{"learningRate", 0.1}, {"decay", 0.5}}, [] {
    return RefStep([](Vec& w, const Vec& g, int t) {
      for (size_t i = 0; i < w.size(); ++i) w[i] -= 0.1 / (1 + 0.5 * (t - 1)) * g[i];
    });
  });
  ExpectMatchesReference("sgd", {{"learningRate", 0.1}, {"weight_decay", 0.2}}, [] {
    return RefStep([](Vec& w, const Vec& g, int) {
      for (size_t i = 0; i < w.size(); ++i) w[i] = w[i] - 0.1 * 0.2 * w[i] - 0.1 * g[i];
    });
  });
}

TEST(Optimizers, GlobalClipnormScalesAllGradientsTogether) {
  auto opt = CreateOptimizer("sgd", {{"learningRate", 1.0}, {"global_clipnorm", 1.0}});
  ops::Variable a(Tensor::Zeros({2}), true, "a"), b(Tensor::Zeros({1}), true, "b");
  opt->ApplyGradients({&a, &b}, {Tensor::FromVector({2}, {3.f, 0.f}), Tensor::FromVector({1}, {4.f})});
  // Global norm 5: every gradient scaled by 1/5.
  EXPECT_FLOAT_EQ(a.value().f32()[0], -0.6f);
  EXPECT_FLOAT_EQ(b.value().f32()[0], -0.8f);
}

TEST(Optimizers, UndefinedGradientSkipsItsVariable) {
  auto opt = CreateOptimizer("adam", {{"learningRate", 0.1}});
  ops::Variable a(Tensor::Full({3}, 1.f), true, "a"), b(Tensor::Full({3}, 1.f), true, "b");
  const Tensor before = b.value();
  opt->ApplyGradients({&a, &b}, {Tensor::Full({3}, 0.5f), Tensor()});
  EXPECT_EQ(b.value().id(), before.id());
  EXPECT_NE(a.value().f32()[0], 1.f);
  // The variable's old value is replaced, never written into.
  opt->ApplyGradients({&a, &b}, {Tensor::Full({3}, 0.5f), Tensor::Full({3}, 0.5f)});
  EXPECT_EQ(before.f32()[0], 1.f);
  EXPECT_EQ(opt->iterations(), 2);
}

TEST(Optimizers, NamesDefaultsAndConfigs) {
  const std::vector<std::pair<std::string, std::string>> names = {
      {"sgd", "SGD"},         {"SGD", "SGD"},       {"momentum", "Momentum"}, {"rmsprop", "RMSProp"},
      {"RMSProp", "RMSProp"}, {"RMSprop", "RMSProp"}, {"adam", "Adam"},       {"Adam", "Adam"},
      {"adagrad", "Adagrad"}, {"adadelta", "Adadelta"}, {"adamax", "Adamax"}, {"nadam", "Nadam"}};
  for (const auto& [name, cls] : names) EXPECT_EQ(CreateOptimizer(name)->ClassName(), cls) << name;

  // tfjs-layers' string-name defaults.
  EXPECT_EQ(CreateOptimizer("adam")->GetConfig(),
            (json{{"learningRate", 0.001}, {"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-7}}));
  EXPECT_EQ(CreateOptimizer("sgd")->GetConfig(), (json{{"learningRate", 0.01}}));
  EXPECT_EQ(CreateOptimizer("adagrad")->GetConfig()["learningRate"], 0.01);
  EXPECT_EQ(CreateOptimizer("adagrad")->GetConfig()["initialAccumulatorValue"], 0.1);
  EXPECT_EQ(CreateOptimizer("adadelta")->GetConfig()["learningRate"], 1.0);
  EXPECT_EQ(CreateOptimizer("adamax")->GetConfig()["learningRate"], 0.002);
  EXPECT_EQ(CreateOptimizer("rmsprop")->GetConfig(),
            (json{{"learningRate", 0.001}, {"decay", 0.9}, {"momentum", 0.0}, {"epsilon", 1e-7}, {"centered", false}}));

  // camelCase and snake_case configs are the same optimizer; getConfig round-trips.
  const json keras = {{"name", "Adam"}, {"learning_rate", 0.01}, {"beta_1", 0.8}, {"beta_2", 0.99},
                      {"epsilon", 1e-6}, {"amsgrad", false}, {"clipnorm", nullptr}, {"weight_decay", nullptr},
                      {"is_legacy_optimizer", false}, {"use_ema", false}, {"jit_compile", true}};
  const json tfjs = {{"learningRate", 0.01}, {"beta1", 0.8}, {"beta2", 0.99}, {"epsilon", 1e-6}};
  EXPECT_EQ(CreateOptimizer("Adam", keras)->GetConfig(), CreateOptimizer("Adam", tfjs)->GetConfig());
  for (const auto& [name, cls] : names) {
    const json config = CreateOptimizer(name)->GetConfig();
    EXPECT_EQ(CreateOptimizer(cls, config)->GetConfig(), config) << name;
  }
  // Keras' RMSprop names rho `rho` and uses `decay` for the learning rate; tfjs calls rho `decay`.
  EXPECT_EQ(CreateOptimizer("RMSprop", {{"rho", 0.8}, {"decay", 0.0}})->GetConfig()["decay"], 0.8);
  const json with_lr_decay = CreateOptimizer("RMSprop", {{"rho", 0.8}, {"decay", 0.1}})->GetConfig();
  EXPECT_EQ(with_lr_decay["rho"], 0.8);
  EXPECT_EQ(with_lr_decay["decay"], 0.1);
  EXPECT_EQ(CreateOptimizer("RMSProp", with_lr_decay)->GetConfig(), with_lr_decay);
}

using testing::ExpectValueError;

TEST(Optimizers, BadNamesAndValues) {
  ExpectValueError([] { CreateOptimizer("adamw"); }, "unknown optimizer 'adamw'");
  ExpectValueError([] { CreateOptimizer("adam", {{"learningRate", -1}}); }, "Adam: learningRate must be > 0, got -1");
  ExpectValueError([] { CreateOptimizer("adam", {{"learning_rate", 0}}); }, "learning_rate must be > 0, got 0");
  ExpectValueError([] { CreateOptimizer("adam", {{"beta1", 1.0}}); }, "Adam: beta1 must be in [0, 1), got 1");
  ExpectValueError([] { CreateOptimizer("adam", {{"learningRat", 0.1}}); }, "Adam: unrecognized argument 'learningRat'");
  ExpectValueError([] { CreateOptimizer("adam", {{"learningRate", "fast"}}); }, "Adam: learningRate must be a number. Received: learningRate=\"fast\"");
  ExpectValueError([] { CreateOptimizer("adam", {{"learningRate", 0.1}, {"learning_rate", 0.2}}); }, "disagree");
  ExpectValueError([] { CreateOptimizer("sgd", {{"momentum", -0.5}}); }, "SGD: momentum must be >= 0, got -0.5");
  ExpectValueError([] { CreateOptimizer("rmsprop", {{"decay", 1.5}}); }, "RMSProp: decay must be in [0, 1], got 1.5");
  ExpectValueError([] { CreateOptimizer("sgd", {{"clipnorm", 1}, {"clipvalue", 1}}); }, "only one of");
  ExpectValueError([] { CreateOptimizer("adam", {{"use_ema", true}}); }, "use_ema is not supported");
  ExpectValueError([] { CreateOptimizer("adam", json::array()); }, "a config must be an object");

  auto opt = CreateOptimizer("sgd");
  ops::Variable a(Tensor::Zeros({2, 3}), true, "a");
  EXPECT_THROW(opt->ApplyGradients({&a}, {Tensor::Zeros({3, 2})}), ShapeError);
  EXPECT_THROW(opt->ApplyGradients({&a}, {}), ValueError);
  EXPECT_THROW(opt->ApplyGradients({&a}, {Tensor::Zeros({2, 3}, DType::kInt32)}), DTypeError);
}

// One optimizer reused for a succession of variables, each destroyed before the next is made (so the
// allocator tends to hand the next one the same address): every new variable starts with fresh moments,
// and the slots of destroyed variables are released.
TEST(Optimizers, SlotsFollowTheVariableNotItsAddress) {
  auto shared = CreateOptimizer("momentum", {{"learningRate", 0.1}, {"momentum", 0.9}});
  const Tensor g = RandomTensor({3, 5}, 7, -1.f, 1.f);
  const int64_t buffers_before = Storage::LiveCount();
  for (int round = 0; round < 4; ++round) {
    auto var = std::make_unique<ops::Variable>(RandomTensor({3, 5}, 40 + round), true, "w");
    const Vec start = ToVec(var->value());
    // A fresh momentum slot makes the first step w - lr * g exactly; a stale one adds lr * m * a_old.
    shared->ApplyGradients({var.get()}, {g});
    const Vec got = ToVec(var->value());
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_FLOAT_EQ(got[i], float(start[i] - 0.1 * g.f32()[i])) << "round " << round << " element " << i;
    }
    shared->ApplyGradients({var.get()}, {g});  // a second step, so the slot is no longer zero
  }
  // Only the last variable's slot may still be held (it goes at the next step); none of the earlier ones.
  auto probe = std::make_unique<ops::Variable>(RandomTensor({1}, 9), true, "probe");
  shared->ApplyGradients({probe.get()}, {RandomTensor({1}, 10)});
  probe.reset();
  EXPECT_LE(Storage::LiveCount() - buffers_before, 2) << "slots of destroyed variables are still held";
}

}  // namespace
}  // namespace kerasm
