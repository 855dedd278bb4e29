// Metrics against their formulas, the accuracy variant Keras / tfjs pick from the loss and output size,
// and that computing a metric records nothing on a live tape.
#include "models/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "gradcheck.h"
#include "models/losses.h"
#include "ops/tape.h"

namespace kerasm {
namespace {

using models::GetMetric;
using testing::RandomTensor;

int64_t ArgMaxRow(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j)
    if (row[j] > row[best]) best = j;
  return best;
}

TEST(Metrics, AccuracyVariantsMatchFormulas) {
  // Binary: labels 0/1 against predictions thresholded at 0.5.
  const Tensor bt = Tensor::FromVector({3, 2}, {1, 0, 0, 1, 1, 1});
  const Tensor bp = Tensor::FromVector({3, 2}, {0.7f, 0.2f, 0.6f, 0.5f, 0.51f, 0.1f});
  double hits = 0;
  for (int i = 0; i < 6; ++i) hits += bt.f32()[i] == (bp.f32()[i] > 0.5f ? 1.f : 0.f);
  EXPECT_FLOAT_EQ(GetMetric("binaryAccuracy", "", 2).fn(bt, bp).item(), hits / 6);

  // Categorical: argmax of labels against argmax of predictions.
  const Tensor cp = RandomTensor({6, 4}, 3, 0, 1);
  Tensor ct = Tensor::Zeros({6, 4});
  const std::vector<int> cls = {0, 1, 2, 3, 1, 2};
  for (int i = 0; i < 6; ++i) ct.f32()[i * 4 + cls[i]] = 1.f;
  hits = 0;
  for (int i = 0; i < 6; ++i) hits += ArgMaxRow(cp.f32() + i * 4, 4) == cls[i];
  ASSERT_GT(hits, 0);
  ASSERT_LT(hits, 6);
  EXPECT_FLOAT_EQ(GetMetric("categorical_accuracy", "", 4).fn(ct, cp).item(), hits / 6);
  // Sparse: the same classes as indices, [6] or [6, 1].
  const Tensor st = Tensor::FromVector({6}, {0, 1, 2, 3, 1, 2});
  EXPECT_FLOAT_EQ(GetMetric("sparseCategoricalAccuracy", "", 4).fn(st, cp).item(), hits / 6);
  EXPECT_FLOAT_EQ(GetMetric("sparse_categorical_accuracy", "", 4).fn(st.Reshaped({6, 1}), cp).item(), hits / 6);
  EXPECT_THROW(GetMetric("sparseCategoricalAccuracy", "", 4).fn(Tensor::Zeros({5}), cp), ShapeError);
  EXPECT_THROW(GetMetric("binaryAccuracy", "", 4).fn(Tensor::Zeros({6, 3}), cp), ShapeError);
}

TEST(Metrics, AccuracyIsPickedFromTheLossAndOutputSize) {
  const Tensor p = RandomTensor({6, 4}, 3, 0, 1);
  const Tensor onehot = [] {
    Tensor t = Tensor::Zeros({6, 4});
    for (int i = 0; i < 6; ++i) t.f32()[i * 4 + i % 4] = 1.f;
    return t;
  }();
  const Tensor sparse = Tensor::FromVector({6}, {0, 1, 2, 3, 0, 1});
  const auto binary = GetMetric("binaryAccuracy", "", 4).fn, categorical = GetMetric("categoricalAccuracy", "", 4).fn,
             sparse_fn = GetMetric("sparseCategoricalAccuracy", "", 4).fn;

  const auto acc_cce = GetMetric("accuracy", "categoricalCrossentropy", 4);
  EXPECT_EQ(acc_cce.name, "acc");
  EXPECT_FLOAT_EQ(acc_cce.fn(onehot, p).item(), categorical(onehot, p).item());
  const auto acc_sparse = GetMetric("acc", "sparse_categorical_crossentropy", 4);
  EXPECT_FLOAT_EQ(acc_sparse.fn(sparse, p).item(), sparse_fn(sparse, p).item());
  const auto acc_bce = GetMetric("accuracy", "binary_crossentropy", 4);
  EXPECT_FLOAT_EQ(acc_bce.fn(onehot, p).item(), binary(onehot, p).item());
  // One output unit means binary whatever the loss.
  const Tensor p1 = RandomTensor({6, 1}, 4, 0, 1), t1 = Tensor::FromVector({6, 1}, {1, 0, 1, 1, 0, 0});
  EXPECT_FLOAT_EQ(GetMetric("accuracy", "mse", 1).fn(t1, p1).item(), GetMetric("binaryAccuracy", "", 1).fn(t1, p1).item());
  // And a regression loss with several units means categorical.
  EXPECT_FLOAT_EQ(GetMetric("accuracy", "mse", 4).fn(onehot, p).item(), categorical(onehot, p).item());
  // A custom loss name is neither binary nor sparse.
  EXPECT_FLOAT_EQ(GetMetric("accuracy", "myCustomLoss", 4).fn(onehot, p).item(), categorical(onehot, p).item());
  EXPECT_EQ(GetMetric("crossentropy", "categoricalCrossentropy", 4).name, "ce");
}

TEST(Metrics, LossMetricsAreBatchMeansAndRecordNothing) {
  const Tensor t = RandomTensor({5, 3}, 1), p = RandomTensor({5, 3}, 2);
  double mse = 0, mae = 0;
  for (int64_t i = 0; i < t.size(); ++i) {
    const double d = double(p.f32()[i]) - t.f32()[i];
    mse += d * d / 15;
    mae += std::fabs(d) / 15;
  }
  ops::GradientTape tape;
  const auto m1 = GetMetric("mse", "mse", 3), m2 = GetMetric("mae", "mse", 3);
  EXPECT_EQ(m1.name, "mse");
  EXPECT_NEAR(m1.fn(t, p).item(), mse, 1e-6);
  EXPECT_NEAR(m2.fn(t, p).item(), mae, 1e-6);
  const auto m3 = GetMetric("meanAbsolutePercentageError", "mse", 3);
  EXPECT_EQ(m3.name, "meanAbsolutePercentageError");
  EXPECT_NEAR(m3.fn(t, p).item(), models::ReduceLoss(models::GetLoss("mape")(t, p)).item(), 1e-3);
  GetMetric("accuracy", "categoricalCrossentropy", 3).fn(t, p);
  // Everything above ran on a live tape; only the explicit ReduceLoss call recorded.
  const size_t recorded = tape.size();
  GetMetric("mse", "mse", 3).fn(t, p);
  EXPECT_EQ(tape.size(), recorded);
}

TEST(Metrics, UnknownNames) {
  try {
    GetMetric("foo", "mse", 1);
    FAIL() << "no throw";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown metric 'foo'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kerasm
