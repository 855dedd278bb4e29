// Optimizer state (GetWeights / SetWeights): tfjs' names and order, and that a copy restored into a fresh
// optimizer continues exactly as the original does; then the errors, which leave the optimizer as it was.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "models/optimizers.h"
#include "ops/variable.h"

namespace kerasm {
namespace {

using models::CreateOptimizer;
using models::json;
using models::Optimizer;
using testing::ExpectValueError;
using testing::RandomTensor;

std::vector<Tensor> Grads(int step) {
  return {RandomTensor({2, 3}, 100 + step, -1.f, 1.f), RandomTensor({4}, 200 + step, -0.5f, 0.5f)};
}

struct Case {
  const char* name;
  json config;
  std::vector<std::string> slots;  // tfjs' suffixes in getWeights() order
};

std::vector<Case> Cases() {
  return {
      {"sgd", {{"learningRate", 0.1}}, {}},
      {"momentum", {{"learningRate", 0.1}, {"momentum", 0.9}}, {"momentum"}},
      {"SGD", {{"learning_rate", 0.1}, {"momentum", 0.5}, {"nesterov", true}}, {"momentum"}},
      {"rmsprop", {{"learningRate", 0.01}}, {"rms", "momentum"}},
      {"rmsprop", {{"learningRate", 0.01}, {"centered", true}, {"momentum", 0.3}}, {"rms", "momentum", "mg"}},
      {"adam", {{"learningRate", 0.01}}, {"m", "v"}},
      {"adam", {{"learningRate", 0.01}, {"amsgrad", true}}, {"m", "v", "vhat"}},
      {"adamax", {{"learningRate", 0.01}}, {"m", "v"}},
      {"adagrad", {{"learningRate", 0.1}}, {"accumulator"}},
      {"adadelta", {{"learningRate", 1.0}}, {"accum_grad", "accum_var"}},
      {"nadam", {{"learningRate", 0.01}}, {"m", "v"}},
  };
}

void ExpectClose(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (int64_t i = 0; i < a.size(); ++i) {
    // Adam and Adamax restore beta^t with one pow where the original multiplied (as tfjs does): a few
    // float32 roundings apart.
    ASSERT_NEAR(a.f32()[i], b.f32()[i], 1e-6 + 1e-5 * std::fabs(a.f32()[i])) << what << " element " << i;
  }
}

TEST(OptimizerState, NamesAndOrderAreTfjs) {
  for (const Case& c : Cases()) {
    auto opt = CreateOptimizer(c.name, c.config);
    ops::Variable a(RandomTensor({2, 3}, 1), true, "a"), b(RandomTensor({4}, 2), true, "b");
    EXPECT_TRUE(opt->GetWeights().empty()) << c.name << ": no slots before the first step";
    opt->ApplyGradients({&a, &b}, Grads(1));
    const auto weights = opt->GetWeights();
    ASSERT_EQ(weights.size(), 2 * c.slots.size()) << c.name;
    EXPECT_EQ(opt->SlotNames(), c.slots) << c.name;
    for (size_t k = 0; k < c.slots.size(); ++k) {
      EXPECT_EQ(weights[2 * k].name, a.name() + "/" + c.slots[k]) << c.name;
      EXPECT_EQ(weights[2 * k + 1].name, b.name() + "/" + c.slots[k]) << c.name;
      EXPECT_EQ(weights[2 * k].value.shape(), a.shape());
      EXPECT_EQ(weights[2 * k + 1].value.shape(), b.shape());
    }
  }
}

// Three steps on one optimizer, its state into a fresh one on copies of the variables, three more steps on
// both: the same values. Both ways of restoring: bound to named variables, and by position on the next step.
TEST(OptimizerState, RestoredOptimizerContinuesTheSame) {
  for (bool bind_now : {true, false}) {
    for (const Case& c : Cases()) {
      const std::string what = std::string(c.name) + " " + c.config.dump() + (bind_now ? " bound" : " pending");
      auto first = CreateOptimizer(c.name, c.config);
      ops::Variable a(RandomTensor({2, 3}, 1), true, "a"), b(RandomTensor({4}, 2), true, "b");
      for (int t = 1; t <= 3; ++t) first->ApplyGradients({&a, &b}, Grads(t));
      ops::Variable a2(a.value().Clone(), true, "a"), b2(b.value().Clone(), true, "b");
      auto second = CreateOptimizer(c.name, c.config);
      std::vector<Tensor> slots;
      for (const auto& w : first->GetWeights()) slots.push_back(w.value);
      second->SetWeights(first->iterations(), slots,
                         bind_now ? std::vector<ops::Variable*>{&a2, &b2} : std::vector<ops::Variable*>{});
      EXPECT_EQ(second->iterations(), 3) << what;
      for (int t = 4; t <= 6; ++t) {
        first->ApplyGradients({&a, &b}, Grads(t));
        second->ApplyGradients({&a2, &b2}, Grads(t));
        ExpectClose(a.value(), a2.value(), what + " a step " + std::to_string(t));
        ExpectClose(b.value(), b2.value(), what + " b step " + std::to_string(t));
      }
      EXPECT_EQ(second->iterations(), 6) << what;
      const auto w2 = second->GetWeights();
      ASSERT_EQ(w2.size(), slots.size());
      if (!w2.empty()) EXPECT_EQ(w2[0].name, a2.name() + "/" + c.slots[0]) << what;
    }
  }
}

TEST(OptimizerState, SlotsAreCopiesBothWays) {
  auto opt = CreateOptimizer("adam", {{"learningRate", 0.01}});
  ops::Variable a(RandomTensor({2, 3}, 1), true, "a");
  Tensor m = Tensor::Full({2, 3}, 0.5f), v = Tensor::Full({2, 3}, 0.25f);
  opt->SetWeights(2, {m, v}, {&a});
  opt->ApplyGradients({&a}, {RandomTensor({2, 3}, 7)});
  EXPECT_EQ(m.f32()[0], 0.5f) << "the caller's tensor must not be updated in place";
  auto got = opt->GetWeights();
  got[0].value.f32()[0] = 123.f;
  EXPECT_NE(opt->GetWeights()[0].value.f32()[0], 123.f);
}

TEST(OptimizerState, ADeadVariableLeavesTheWeights) {
  auto opt = CreateOptimizer("momentum", {{"learningRate", 0.1}});
  ops::Variable a(RandomTensor({2, 3}, 1), true, "a");
  {
    ops::Variable b(RandomTensor({4}, 2), true, "b");
    opt->ApplyGradients({&a, &b}, Grads(1));
    EXPECT_EQ(opt->GetWeights().size(), 2u);
  }
  const auto weights = opt->GetWeights();
  ASSERT_EQ(weights.size(), 1u);
  EXPECT_EQ(weights[0].name, a.name() + "/momentum");
}

TEST(OptimizerState, Errors) {
  ops::Variable a(RandomTensor({2, 3}, 1), true, "a"), b(RandomTensor({4}, 2), true, "b");
  auto adam = CreateOptimizer("adam", {{"learningRate", 0.01}});
  adam->ApplyGradients({&a, &b}, Grads(1));
  const auto before = adam->GetWeights();

  ExpectValueError([&] { adam->SetWeights(1, {Tensor::Zeros({2, 3})}, {&a, &b}); },
                   "Adam.setWeights: got 1 slot weights (after 'iter') but the 2 variables need 4");
  ExpectValueError([&] { adam->SetWeights(1, {Tensor::Zeros({2, 3}), Tensor::Zeros({4}), Tensor::Zeros({2, 3}), Tensor::Zeros({5})}, {&a, &b}); },
                   "slot weight '" + b.name() + "/v' has shape [5] but variable '" + b.name() + "' has shape [4]");
  ExpectValueError([&] { adam->SetWeights(1, {Tensor::Zeros({2, 3}), Tensor::Zeros({4}), Tensor::Zeros({2, 3})}, {}); },
                   "expected a multiple of 2 (m, v for each variable)");
  ExpectValueError([&] { adam->SetWeights(-1, {}, {}); }, "iterations must be >= 0, got -1");
  EXPECT_EQ(adam->iterations(), 1);
  const auto after = adam->GetWeights();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) ExpectClose(after[i].value, before[i].value, after[i].name);

  auto sgd = CreateOptimizer("sgd", {{"learningRate", 0.1}});
  ExpectValueError([&] { sgd->SetWeights(3, {Tensor::Zeros({4})}, {}); }, "SGD.setWeights: got 1 slot weights after 'iter' but SGD keeps none");
  sgd->SetWeights(3, {}, {});
  EXPECT_EQ(sgd->iterations(), 3);

  // Restored by position, then a step over a different number of variables, or of other shapes.
  auto pending = CreateOptimizer("momentum", {{"learningRate", 0.1}});
  pending->SetWeights(4, {Tensor::Zeros({2, 3})}, {});
  ExpectValueError([&] { pending->ApplyGradients({&a, &b}, Grads(2)); },
                   "Momentum.applyGradients: the weights given to setWeights hold slots for 1 variables but this step updates 2");
  ExpectValueError([&] { pending->ApplyGradients({&b}, {Tensor::Zeros({4})}); },
                   "has shape [2,3] but variable '" + b.name() + "' has shape [4]");
  EXPECT_EQ(pending->iterations(), 4) << "a refused step changes nothing";
  pending->ApplyGradients({&a}, {Tensor::Zeros({2, 3})});
  EXPECT_EQ(pending->iterations(), 5);
}

}  // namespace
}  // namespace kerasm
