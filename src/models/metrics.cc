// Metrics. Accuracies are counted directly on the values (they have no gradient and need comparisons,
// which are not differentiable ops); loss-valued metrics reuse the losses under a NoGradScope.
#include "models/metrics.h"

#include <vector>

#include "core/error.h"
#include "models/losses.h"
#include "ops/ops.h"
#include "ops/tape.h"
#include "params/names.h"

namespace kerasm::models {
namespace {

void CheckPair(const char* name, const Tensor& y_true, const Tensor& y_pred) {
  CheckDefined(y_true, name, "y_true");
  CheckDefined(y_pred, name, "y_pred");
  CheckDType(y_pred, DType::kFloat32, name, "y_pred");
}

void CheckSameShape(const char* name, const Tensor& y_true, const Tensor& y_pred) {
  if (y_true.shape() != y_pred.shape()) {
    Fail<ShapeError>(name, ": y_true and y_pred must have the same shape, got ", ShapeToString(y_true.shape()), " and ",
                     ShapeToString(y_pred.shape()));
  }
}

Tensor Fraction(int64_t hits, int64_t total) {
  return Tensor::Scalar(total ? static_cast<float>(double(hits) / double(total)) : 0.f);
}

// Index of the first maximum of row r (tfjs' and numpy's argmax tie rule).
int64_t RowArgMax(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j) {
    if (row[j] > row[best]) best = j;
  }
  return best;
}

// Keras' binary_accuracy: y_true == (y_pred > 0.5), averaged over every element.
Tensor BinaryAccuracy(const Tensor& y_true, const Tensor& y_pred) {
  CheckPair("binaryAccuracy", y_true, y_pred);
  CheckSameShape("binaryAccuracy", y_true, y_pred);
  const std::vector<float> t = y_true.ToFloatVector();
  const float* p = y_pred.f32();
  int64_t hits = 0;
  for (int64_t i = 0; i < y_pred.size(); ++i) hits += t[i] == (p[i] > 0.5f ? 1.f : 0.f);
  return Fraction(hits, y_pred.size());
}

// argmax(y_true) == argmax(y_pred) along the last axis.
Tensor CategoricalAccuracy(const Tensor& y_true, const Tensor& y_pred) {
  CheckPair("categoricalAccuracy", y_true, y_pred);
  CheckSameShape("categoricalAccuracy", y_true, y_pred);
  if (y_pred.rank() == 0) Fail<ShapeError>("categoricalAccuracy: needs a class axis, got scalars");
  const std::vector<float> t = y_true.ToFloatVector();
  const int64_t n = y_pred.shape().back();
  const int64_t rows = n ? y_pred.size() / n : 0;
  int64_t hits = 0;
  for (int64_t r = 0; r < rows; ++r) hits += RowArgMax(t.data() + r * n, n) == RowArgMax(y_pred.f32() + r * n, n);
  return Fraction(hits, rows);
}

// y_true holds class indices, shaped like y_pred without its last axis (or with a last axis of 1).
Tensor SparseCategoricalAccuracy(const Tensor& y_true, const Tensor& y_pred) {
  CheckPair("sparseCategoricalAccuracy", y_true, y_pred);
  const Shape& ps = y_pred.shape();
  if (ps.empty()) Fail<ShapeError>("sparseCategoricalAccuracy: needs a class axis, got scalars");
  Shape without_last(ps.begin(), ps.end() - 1);
  Shape with_one = without_last;
  with_one.push_back(1);
  if (y_true.shape() != without_last && y_true.shape() != with_one) {
    Fail<ShapeError>("sparseCategoricalAccuracy: y_true must have shape ", ShapeToString(without_last), " or ",
                     ShapeToString(with_one), " for y_pred of shape ", ShapeToString(ps), ", got ",
                     ShapeToString(y_true.shape()));
  }
  const std::vector<float> t = y_true.ToFloatVector();
  const int64_t n = ps.back();
  const int64_t rows = static_cast<int64_t>(t.size());
  int64_t hits = 0;
  for (int64_t r = 0; r < rows && n > 0; ++r) hits += t[r] == static_cast<float>(RowArgMax(y_pred.f32() + r * n, n));
  return Fraction(hits, rows);
}

MetricFn FromLoss(const std::string& loss_name) {
  LossFn loss = GetLoss(loss_name);
  return [loss](const Tensor& y_true, const Tensor& y_pred) {
    ops::NoGradScope no_grad;
    return ops::Mean(loss(y_true, y_pred));
  };
}

// The canonical name of a known loss; a custom loss name comes back unchanged (it is neither binary nor
// sparse for the accuracy rule below).
std::string CanonicalOrSelf(const std::string& loss_name) {
  try {
    return CanonicalLossName(loss_name);
  } catch (const ValueError&) {
    return loss_name;
  }
}

enum class AccuracyKind { kBinary, kCategorical, kSparse };

// tfjs-layers' (and Keras 2's) rule: one output unit or a binary cross-entropy loss means binary;
// otherwise a sparse loss means sparse; otherwise categorical.
AccuracyKind PickAccuracy(const std::string& loss_name, int64_t output_units) {
  const std::string loss = CanonicalOrSelf(loss_name);
  if (output_units == 1 || loss == "binaryCrossentropy") return AccuracyKind::kBinary;
  if (loss == "sparseCategoricalCrossentropy") return AccuracyKind::kSparse;
  return AccuracyKind::kCategorical;
}

}  // namespace

Metric GetMetric(const std::string& name, const std::string& loss_name, int64_t output_units) {
  const std::string key = params::SpellingKey(name);
  if (key == "accuracy" || key == "acc") {
    switch (PickAccuracy(loss_name, output_units)) {
      case AccuracyKind::kBinary: return {"acc", BinaryAccuracy};
      case AccuracyKind::kSparse: return {"acc", SparseCategoricalAccuracy};
      case AccuracyKind::kCategorical: return {"acc", CategoricalAccuracy};
    }
  }
  // tfjs' "crossentropy" / "ce": the cross-entropy matching the accuracy rule above.
  if (key == "crossentropy" || key == "ce") {
    switch (PickAccuracy(loss_name, output_units)) {
      case AccuracyKind::kBinary: return {"ce", FromLoss("binaryCrossentropy")};
      case AccuracyKind::kSparse: return {"ce", FromLoss("sparseCategoricalCrossentropy")};
      case AccuracyKind::kCategorical: return {"ce", FromLoss("categoricalCrossentropy")};
    }
  }
  if (key == "binaryaccuracy") return {name, BinaryAccuracy};
  if (key == "categoricalaccuracy") return {name, CategoricalAccuracy};
  if (key == "sparsecategoricalaccuracy") return {name, SparseCategoricalAccuracy};
  try {
    return {name, FromLoss(name)};
  } catch (const ValueError&) {
    Fail<ValueError>("unknown metric '", name, "'");
  }
}

}  // namespace kerasm::models
