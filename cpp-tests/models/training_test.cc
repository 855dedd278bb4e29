// Training steps: compile, trainOnBatch (loss against a hand-computed value, convergence on a small
// regression, regularization and constraints, frozen layers), evaluate, and their errors.
#include "models/model_test_util.h"
#include "models/optimizers.h"

namespace kerasm::testing {
namespace {

using models::CompileOptions;
using models::Model;
using models::Sequential;

CompileOptions Options(const std::string& loss, double lr, std::vector<std::string> metrics = {}) {
  CompileOptions o;
  o.optimizer = models::CreateOptimizer("sgd", {{"learning_rate", lr}});
  o.losses = {{loss, nullptr}};
  o.metrics = std::move(metrics);
  return o;
}

// y = x . w_true + 0.5 for a fixed w_true: a Dense(1) can fit it exactly.
void RegressionData(int64_t n, Tensor* x, Tensor* y) {
  *x = RandomTensor({n, 3}, 11);
  *y = Tensor({n, 1});
  const double w[] = {0.7, -1.2, 0.4};
  for (int64_t i = 0; i < n; ++i) {
    double s = 0.5;
    for (int j = 0; j < 3; ++j) s += w[j] * x->f32()[i * 3 + j];
    y->f32()[i] = static_cast<float>(s);
  }
}

double Mse(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (int64_t i = 0; i < a.size(); ++i) s += (double(a.f32()[i]) - b.f32()[i]) * (double(a.f32()[i]) - b.f32()[i]);
  return s / a.size();
}

TEST(Training, TrainOnBatchReportsThePreUpdateLossAndConverges) {
  auto model = Sequential::Create({MakeDense(1, "linear", "", {{"input_shape", {3}}})});
  model->Compile(Options("meanSquaredError", 0.2, {"mae"}));
  EXPECT_EQ(model->MetricsNames(), (std::vector<std::string>{"loss", "mae"}));
  Tensor x, y;
  RegressionData(32, &x, &y);
  const double before = Mse(model->Predict({x})[0], y);
  const std::vector<double> first = model->TrainOnBatch({x}, {y});
  ASSERT_EQ(first.size(), 2u);
  EXPECT_NEAR(first[0], before, 1e-5 * (1 + before));
  double last = first[0];
  for (int step = 0; step < 150; ++step) last = model->TrainOnBatch({x}, {y})[0];
  EXPECT_LT(last, 1e-3 * before);
  EXPECT_NEAR(model->Evaluate({x}, {y})[0], Mse(model->Predict({x})[0], y), 1e-6);
}

TEST(Training, GradientStepIsPlainSgd) {
  // With SGD the first step moves each weight by -lr * dLoss/dw; dMSE/dkernel = 2/n X^T (pred - y).
  auto model = Sequential::Create({MakeDense(1, "linear", "", {{"input_shape", {3}}})});
  model->Compile(Options("meanSquaredError", 0.1));
  Tensor x, y;
  RegressionData(8, &x, &y);
  const Tensor pred = model->Predict({x})[0];
  const Tensors w0 = model->GetWeights();
  model->TrainOnBatch({x}, {y});
  const Tensors w1 = model->GetWeights();
  for (int j = 0; j < 3; ++j) {
    double g = 0;
    for (int i = 0; i < 8; ++i) g += 2.0 / 8 * x.f32()[i * 3 + j] * (pred.f32()[i] - y.f32()[i]);
    EXPECT_NEAR(w1[0].f32()[j], w0[0].f32()[j] - 0.1 * g, 1e-5);
  }
  double gb = 0;
  for (int i = 0; i < 8; ++i) gb += 2.0 / 8 * (pred.f32()[i] - y.f32()[i]);
  EXPECT_NEAR(w1[1].f32()[0], w0[1].f32()[0] - 0.1 * gb, 1e-5);
}

TEST(Training, SampleWeightsScaleEachSamplesLossOverTheBatchSize) {
  // Keras 2 / tfjs: loss = mean_i(w_i * l_i) = sum(w * l) / n (not divided by sum(w)), so with SGD
  // dLoss/dkernel_j = 2/n sum_i w_i x_ij (pred_i - y_i) for MSE.
  auto model = Sequential::Create({MakeDense(1, "linear", "", {{"input_shape", {3}}})});
  model->Compile(Options("meanSquaredError", 0.1, {"mse"}));
  Tensor x, y;
  RegressionData(8, &x, &y);
  Tensor w({8});
  for (int i = 0; i < 8; ++i) w.f32()[i] = 0.25f * static_cast<float>(i % 5);
  const Tensor pred = model->Predict({x})[0];
  double want = 0, plain = 0;
  for (int i = 0; i < 8; ++i) {
    const double d = pred.f32()[i] - y.f32()[i];
    want += w.f32()[i] * d * d / 8;
    plain += d * d / 8;
  }
  const std::vector<double> eval = model->Evaluate({x}, {y}, 3, {w});
  EXPECT_NEAR(eval[0], want, 1e-5 * (1 + want));
  EXPECT_NEAR(eval[1], plain, 1e-5 * (1 + plain));  // metrics are not weighted, as in tfjs
  // An undefined weight tensor leaves that output unweighted.
  EXPECT_NEAR(model->Evaluate({x}, {y}, 8, {Tensor()})[0], plain, 1e-5 * (1 + plain));
  const Tensors w0 = model->GetWeights();
  const std::vector<double> step = model->TrainOnBatch({x}, {y}, {w});
  EXPECT_NEAR(step[0], want, 1e-5 * (1 + want));
  const Tensors w1 = model->GetWeights();
  for (int j = 0; j < 3; ++j) {
    double g = 0;
    for (int i = 0; i < 8; ++i) g += 2.0 / 8 * w.f32()[i] * x.f32()[i * 3 + j] * (pred.f32()[i] - y.f32()[i]);
    EXPECT_NEAR(w1[0].f32()[j], w0[0].f32()[j] - 0.1 * g, 1e-5);
  }
  double gb = 0;
  for (int i = 0; i < 8; ++i) gb += 2.0 / 8 * w.f32()[i] * (pred.f32()[i] - y.f32()[i]);
  EXPECT_NEAR(w1[1].f32()[0], w0[1].f32()[0] - 0.1 * gb, 1e-5);
  ExpectContains(ErrorOf<ShapeError>([&] { model->TrainOnBatch({x}, {y}, {Tensor({8, 1})}); }), {"[8]", "[8,1]"});
  ExpectContains(ErrorOf<ValueError>([&] { model->TrainOnBatch({x}, {y}, {Tensor({5})}); }), {"8 samples", "5"});
}

TEST(Training, AFunctionLossTrainsLikeTheNamedOne) {
  // compile() with a loss given as a function (how JS losses arrive) runs the same step as the built-in.
  auto named = Sequential::Create({MakeDense(2, "tanh", "", {{"input_shape", {3}}}), MakeDense(1)});
  auto custom = Sequential::Create({MakeDense(2, "tanh", "", {{"input_shape", {3}}}), MakeDense(1)});
  custom->SetWeights(named->GetWeights());
  named->Compile(Options("meanSquaredError", 0.1));
  CompileOptions o = Options("", 0.1);
  o.losses = {{"myMse", [](const Tensor& t, const Tensor& p) { return ops::Mean(ops::Square(ops::Sub(p, t)), {1}); }}};
  custom->Compile(o);
  EXPECT_EQ(custom->MetricsNames(), (std::vector<std::string>{"loss"}));
  Tensor x, y;
  RegressionData(8, &x, &y);
  Tensor w({8});
  for (int i = 0; i < 8; ++i) w.f32()[i] = 0.5f + 0.1f * static_cast<float>(i);
  for (int step = 0; step < 3; ++step) {
    const double a = named->TrainOnBatch({x}, {y}, {w})[0], b = custom->TrainOnBatch({x}, {y}, {w})[0];
    EXPECT_NEAR(a, b, 1e-6 * (1 + a));
  }
  const Tensors wa = named->GetWeights(), wb = custom->GetWeights();
  for (size_t i = 0; i < wa.size(); ++i) ExpectAllClose(wb[i], wa[i], 1e-6);
}

TEST(Training, RegularizationJoinsTheLossAndConstraintsProject) {
  LayerPtr dense = MakeDense(2, "linear", "", {{"input_shape", {3}},
                                               {"kernel_regularizer", {{"class_name", "L1L2"}, {"config", {{"l1", 0.0}, {"l2", 0.1}}}}},
                                               {"kernel_constraint", "nonNeg"}});
  auto model = Sequential::Create({dense});
  model->Compile(Options("meanSquaredError", 0.5));
  Tensor x = RandomTensor({4, 3}, 12), y = RandomTensor({4, 2}, 13);
  const Tensor pred = model->Predict({x})[0];
  double penalty = 0;
  for (float v : dense->GetWeights()[0].ToFloatVector()) penalty += 0.1 * double(v) * v;
  const double loss = model->TrainOnBatch({x}, {y})[0];
  EXPECT_NEAR(loss, Mse(pred, y) + penalty, 1e-5);
  for (int i = 0; i < 5; ++i) model->TrainOnBatch({x}, {y});
  for (float v : dense->GetWeights()[0].ToFloatVector()) EXPECT_GE(v, 0.f);
}

TEST(Training, FrozenLayersDoNotMove) {
  LayerPtr frozen = MakeDense(3, "tanh", "", {{"input_shape", {2}}, {"trainable", false}});
  LayerPtr head = MakeDense(1);
  auto model = Sequential::Create({frozen, head});
  model->Compile(Options("meanSquaredError", 0.1));
  const Tensors before = frozen->GetWeights();
  const Tensor head_before = head->GetWeights()[0];
  model->TrainOnBatch({RandomTensor({4, 2}, 14)}, {RandomTensor({4, 1}, 15)});
  EXPECT_EQ(frozen->GetWeights()[0].id(), before[0].id());
  EXPECT_NE(head->GetWeights()[0].ToFloatVector(), head_before.ToFloatVector());
}

TEST(Training, SeveralOutputsWeightTheirLosses) {
  SymbolicTensor in = layers::Input(Shape{3});
  SymbolicTensor h = Apply1(MakeDense(4, "tanh"), in);
  SymbolicTensor o1 = Apply1(MakeDense(2, "linear", "out_a"), h);
  SymbolicTensor o2 = Apply1(MakeDense(1, "linear", "out_b"), h);
  auto model = std::make_shared<Model>(SymbolicTensors{in}, SymbolicTensors{o1, o2});
  CompileOptions o = Options("meanSquaredError", 0.01, {"mae"});
  o.losses = {{"meanSquaredError", nullptr}, {"meanAbsoluteError", nullptr}};
  o.loss_weights = {1.0, 0.5};
  model->Compile(o);
  EXPECT_EQ(model->MetricsNames(),
            (std::vector<std::string>{"loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_mae"}));
  Tensor x = RandomTensor({5, 3}, 16), ya = RandomTensor({5, 2}, 17), yb = RandomTensor({5, 1}, 18);
  const Tensors pred = model->Predict({x});
  double mae_b = 0;
  for (int i = 0; i < 5; ++i) mae_b += std::fabs(double(pred[1].f32()[i]) - yb.f32()[i]) / 5;
  const std::vector<double> v = model->Evaluate({x}, {ya, yb});
  ASSERT_EQ(v.size(), 5u);
  EXPECT_NEAR(v[1], Mse(pred[0], ya), 1e-6);
  EXPECT_NEAR(v[2], mae_b, 1e-6);
  EXPECT_NEAR(v[0], v[1] + 0.5 * v[2], 1e-6);
  EXPECT_NEAR(v[4], mae_b, 1e-6);
  const std::vector<double> t = model->TrainOnBatch({x}, {ya, yb});
  EXPECT_NEAR(t[0], v[0], 1e-5);
}

TEST(Training, EvaluateAveragesBatchesBySize) {
  auto model = Sequential::Create({MakeDense(2, "relu", "", {{"input_shape", {3}}})});
  model->Compile(Options("meanSquaredError", 0.1, {"mse"}));
  Tensor x = RandomTensor({10, 3}, 19), y = RandomTensor({10, 2}, 20);
  const std::vector<double> whole = model->Evaluate({x}, {y}, 100), parts = model->Evaluate({x}, {y}, 3);
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_NEAR(parts[0], whole[0], 1e-6);
  EXPECT_NEAR(parts[1], whole[1], 1e-6);
  EXPECT_NEAR(whole[0], Mse(model->Predict({x})[0], y), 1e-6);
}

TEST(Training, DeferredSequentialTrains) {
  auto model = Sequential::Create({MakeDense(4, "tanh"), MakeDense(1)});
  model->Compile(Options("meanSquaredError", 0.1, {"accuracy"}));
  Tensor x, y;
  RegressionData(16, &x, &y);
  const std::vector<double> v = model->TrainOnBatch({x}, {y});
  EXPECT_EQ(v.size(), 2u);
  EXPECT_TRUE(model->has_graph());
  EXPECT_EQ(model->MetricsNames(), (std::vector<std::string>{"loss", "acc"}));
}

TEST(Training, ErrorsNameTheModelAndCounts) {
  auto model = Sequential::Create({MakeDense(1, "linear", "", {{"input_shape", {2}}})}, "err_model");
  ExpectContains(ErrorOf<ValueError>([&] { model->TrainOnBatch({Tensor::Zeros({2, 2})}, {Tensor::Zeros({2, 1})}); }),
                 {"err_model", "compile"});
  model->Compile(Options("meanSquaredError", 0.1));
  ExpectContains(ErrorOf<ValueError>([&] { model->TrainOnBatch({Tensor::Zeros({2, 2})}, {}); }),
                 {"err_model", "1 target", "received 0"});
  ExpectContains(ErrorOf<ValueError>([&] { model->TrainOnBatch({Tensor::Zeros({3, 2})}, {Tensor::Zeros({2, 1})}); }),
                 {"err_model", "3 samples", "2"});
  ExpectContains(ErrorOf<ValueError>([&] { model->Compile(Options("meanSquaredErrorr", 0.1)); }), {"meanSquaredErrorr"});
  CompileOptions two = Options("mse", 0.1);
  two.losses.push_back({"mae", nullptr});
  ExpectContains(ErrorOf<ValueError>([&] { model->Compile(two); }), {"err_model", "2 losses", "1 outputs"});
}

}  // namespace
}  // namespace kerasm::testing
