// Each loss is written the way tfjs-layers' losses.ts and Keras' losses.py write it (same clipping, same
// epsilon 1e-7), as a reduction over the last axis; PerSample then averages what is left over every axis
// but the batch axis. Differences between the two references are resolved in the comments where they
// occur.
#include "models/losses.h"

#include <cfloat>
#include <cmath>
#include <map>

#include "core/error.h"
#include "ops/ops.h"
#include "params/names.h"

namespace kerasm::models {
namespace {

using ops::ScaleShift;

// Keras' backend epsilon (tfjs-layers' epsilon()).
constexpr float kEps = 1e-7f;

// 1 - x, as a scalar affine map rather than a broadcast subtraction.
Tensor OneMinus(const Tensor& x) { return ScaleShift(x, -1.f, 1.f); }
Tensor MeanLast(const Tensor& x) { return ops::Mean(x, {-1}); }
Tensor SumLast(const Tensor& x) { return ops::Sum(x, {-1}); }

Tensor MeanSquaredError(const Tensor& t, const Tensor& p) { return MeanLast(ops::SquaredDifference(p, t)); }

Tensor MeanAbsoluteError(const Tensor& t, const Tensor& p) { return MeanLast(ops::Abs(ops::Sub(p, t))); }

Tensor MeanAbsolutePercentageError(const Tensor& t, const Tensor& p) {
  const Tensor denom = ops::ClipByValue(ops::Abs(t), kEps, FLT_MAX);
  return ScaleShift(MeanLast(ops::Abs(ops::Div(ops::Sub(t, p), denom))), 100.f);
}

Tensor MeanSquaredLogarithmicError(const Tensor& t, const Tensor& p) {
  const Tensor log_p = ops::Log(ScaleShift(ops::ClipByValue(p, kEps, FLT_MAX), 1.f, 1.f));
  const Tensor log_t = ops::Log(ScaleShift(ops::ClipByValue(t, kEps, FLT_MAX), 1.f, 1.f));
  return MeanLast(ops::SquaredDifference(log_p, log_t));
}

// -(t log p + (1 - t) log(1 - p)) with p clipped to [eps, 1 - eps]. tfjs reaches the same value through
// logits (log(p / (1 - p)) fed to a sigmoid cross-entropy); the direct form has the same value and
// gradient and fewer ops.
Tensor BinaryCrossentropy(const Tensor& t, const Tensor& p) {
  const Tensor pc = ops::ClipByValue(p, kEps, 1.f - kEps);
  const Tensor ll = ops::Add(ops::Mul(t, ops::Log(pc)), ops::Mul(OneMinus(t), ops::Log(OneMinus(pc))));
  return ops::Neg(MeanLast(ll));
}

// Probabilities are renormalised to sum to 1 along the last axis before clipping, as both references do.
Tensor CategoricalCrossentropy(const Tensor& t, const Tensor& p) {
  const Tensor normalised = ops::Div(p, ops::Sum(p, {-1}, true));
  const Tensor pc = ops::ClipByValue(normalised, kEps, 1.f - kEps);
  return ops::Neg(SumLast(ops::Mul(t, ops::Log(pc))));
}

// Integer class labels -> one-hot rows (a constant: labels get no gradient). Labels are floored as tfjs
// does; one outside [0, classes) is an error rather than tfjs' silent all-zero row.
Tensor OneHotLabels(const Tensor& labels, const Shape& pred_shape) {
  const int64_t classes = pred_shape.back();
  Tensor out = Tensor::Zeros(pred_shape);
  float* q = out.f32();
  const std::vector<float> v = labels.ToFloatVector();
  for (size_t i = 0; i < v.size(); ++i) {
    const double k = std::floor(double(v[i]));
    if (!(k >= 0 && k < double(classes))) {
      Fail<IndexError>("sparseCategoricalCrossentropy: label ", v[i], " at position ", i, " is outside [0, ", classes,
                       ") for predictions of shape ", ShapeToString(pred_shape));
    }
    q[i * classes + static_cast<int64_t>(k)] = 1.f;
  }
  return out;
}

// Keras' hinge losses expect labels in {-1, 1}; labels given as {0, 1} are mapped to them first (tfjs
// skips this, which makes a 0 label contribute a constant 1 whatever the prediction).
Tensor SignedLabels(const Tensor& t) {
  const float* p = t.f32();
  for (int64_t i = 0; i < t.size(); ++i) {
    if (p[i] != 0.f && p[i] != 1.f) return t;
  }
  return ScaleShift(t, 2.f, -1.f);
}

Tensor Hinge(const Tensor& t, const Tensor& p) {
  return MeanLast(ops::Relu(OneMinus(ops::Mul(SignedLabels(t), p))));
}

Tensor SquaredHinge(const Tensor& t, const Tensor& p) {
  return MeanLast(ops::Square(ops::Relu(OneMinus(ops::Mul(SignedLabels(t), p)))));
}

Tensor CategoricalHinge(const Tensor& t, const Tensor& p) {
  const Tensor pos = SumLast(ops::Mul(t, p));
  const Tensor neg = ops::Max(ops::Mul(OneMinus(t), p), {-1});
  return ops::Relu(ScaleShift(ops::Sub(neg, pos), 1.f, 1.f));
}

// log(cosh(d)) = d + softplus(-2d) - log 2, which neither overflows nor loses precision for large |d|.
Tensor Logcosh(const Tensor& t, const Tensor& p) {
  const Tensor d = ops::Sub(p, t);
  const Tensor softplus = ops::Unary(kernels::UnaryOp::kSoftplus, ScaleShift(d, -2.f));
  return MeanLast(ScaleShift(ops::Add(d, softplus), 1.f, -static_cast<float>(std::log(2.0))));
}

// Keras' huber with delta 1: 0.5 d^2 where |d| <= delta, delta (|d| - 0.5 delta) beyond. Written as
// 0.5 q^2 + delta (|d| - q) with q = min(|d|, delta), which is the same piecewise function with a
// continuous gradient and no select.
Tensor Huber(const Tensor& t, const Tensor& p) {
  constexpr float kDelta = 1.f;
  const Tensor a = ops::Abs(ops::Sub(p, t));
  const Tensor q = ops::ClipByValue(a, 0.f, kDelta);
  return MeanLast(ops::Add(ScaleShift(ops::Square(q), 0.5f), ScaleShift(ops::Sub(a, q), kDelta)));
}

// sum(t * log(clip(t) / clip(p))). Keras multiplies by the clipped t and tfjs by t itself; this follows
// tfjs, so a zero-probability class contributes exactly 0 (KL's 0 log 0 = 0) instead of about -1e-6.
Tensor KullbackLeiblerDivergence(const Tensor& t, const Tensor& p) {
  const Tensor tc = ops::ClipByValue(t, kEps, 1.f);
  const Tensor pc = ops::ClipByValue(p, kEps, 1.f);
  return SumLast(ops::Mul(t, ops::Log(ops::Div(tc, pc))));
}

Tensor Poisson(const Tensor& t, const Tensor& p) {
  return MeanLast(ops::Sub(p, ops::Mul(t, ops::Log(ScaleShift(p, 1.f, kEps)))));
}

// -sum(l2n(t) * l2n(p)): negative cosine similarity, so minimising it aligns the vectors. tfjs'
// cosineProximity and Keras' cosine_similarity loss share this sign (Keras' CosineSimilarity *metric*
// is the positive one).
Tensor CosineProximity(const Tensor& t, const Tensor& p) {
  return ops::Neg(SumLast(ops::Mul(ops::L2Normalize(t, {-1}), ops::L2Normalize(p, {-1}))));
}

using LastAxisLoss = Tensor (*)(const Tensor&, const Tensor&);

struct LossEntry {
  const char* name;
  LastAxisLoss fn;
  std::vector<const char*> aliases;  // extra spellings, compared by SpellingKey
};

const std::vector<LossEntry>& Entries() {
  static const std::vector<LossEntry> table = {
      {"meanSquaredError", MeanSquaredError, {"mse"}},
      {"meanAbsoluteError", MeanAbsoluteError, {"mae"}},
      {"meanAbsolutePercentageError", MeanAbsolutePercentageError, {"mape"}},
      {"meanSquaredLogarithmicError", MeanSquaredLogarithmicError, {"msle"}},
      {"binaryCrossentropy", BinaryCrossentropy, {}},
      {"categoricalCrossentropy", CategoricalCrossentropy, {}},
      {"sparseCategoricalCrossentropy", nullptr, {}},
      {"hinge", Hinge, {}},
      {"squaredHinge", SquaredHinge, {}},
      {"categoricalHinge", CategoricalHinge, {}},
      {"logcosh", Logcosh, {"log_cosh"}},
      {"huber", Huber, {"huber_loss"}},
      {"kullbackLeiblerDivergence", KullbackLeiblerDivergence, {"kld", "kl_divergence"}},
      {"poisson", Poisson, {}},
      {"cosineProximity", CosineProximity, {"cosine", "cosine_similarity"}},
  };
  return table;
}

const LossEntry& FindEntry(const std::string& name) {
  const std::string key = params::SpellingKey(name);
  for (const LossEntry& e : Entries()) {
    if (params::SpellingKey(e.name) == key) return e;
    for (const char* alias : e.aliases) {
      if (params::SpellingKey(alias) == key) return e;
    }
  }
  Fail<ValueError>("unknown loss '", name, "'");
}

Tensor AsFloat(const Tensor& t) { return t.dtype() == DType::kFloat32 ? t : ops::Cast(t, DType::kFloat32); }

// Averages a [batch, ...] loss over every axis but the first.
Tensor MeanOverNonBatch(const Tensor& x) {
  if (x.rank() <= 1) return x;
  std::vector<int> axes;
  for (int a = 1; a < x.rank(); ++a) axes.push_back(a);
  return ops::Mean(x, axes);
}

Tensor ApplyDense(const char* name, LastAxisLoss fn, const Tensor& y_true, const Tensor& y_pred) {
  CheckDefined(y_true, name, "y_true");
  CheckDefined(y_pred, name, "y_pred");
  CheckDType(y_pred, DType::kFloat32, name, "y_pred");
  if (y_true.shape() != y_pred.shape()) {
    Fail<ShapeError>(name, ": y_true and y_pred must have the same shape, got ", ShapeToString(y_true.shape()), " and ",
                     ShapeToString(y_pred.shape()));
  }
  if (y_pred.rank() == 0) Fail<ShapeError>(name, ": needs a batch axis, got scalars");
  Tensor t = AsFloat(y_true), p = y_pred;
  // A [batch] vector is a batch of one-value samples, not one sample of `batch` values.
  if (p.rank() == 1) {
    t = ops::ExpandDims(t, -1);
    p = ops::ExpandDims(p, -1);
  }
  return MeanOverNonBatch(fn(t, p));
}

Tensor ApplySparse(const Tensor& y_true, const Tensor& y_pred) {
  const char* name = "sparseCategoricalCrossentropy";
  CheckDefined(y_true, name, "y_true");
  CheckDefined(y_pred, name, "y_pred");
  CheckDType(y_pred, DType::kFloat32, name, "y_pred");
  const Shape& ps = y_pred.shape();
  if (ps.size() < 2) Fail<ShapeError>(name, ": y_pred must have a batch and a class axis, got ", ShapeToString(ps));
  const Shape without_last(ps.begin(), ps.end() - 1);
  Shape with_one = without_last;
  with_one.push_back(1);
  if (y_true.shape() != without_last && y_true.shape() != with_one) {
    Fail<ShapeError>(name, ": y_true must have shape ", ShapeToString(without_last), " or ", ShapeToString(with_one),
                     " (class indices) for y_pred of shape ", ShapeToString(ps), ", got ", ShapeToString(y_true.shape()));
  }
  const Tensor one_hot = OneHotLabels(y_true, ps);
  // tfjs clips before the categorical cross-entropy (which renormalises and clips again).
  const Tensor pc = ops::ClipByValue(y_pred, kEps, 1.f - kEps);
  return MeanOverNonBatch(CategoricalCrossentropy(one_hot, pc));
}

}  // namespace

LossFn GetLoss(const std::string& name) {
  const LossEntry& e = FindEntry(name);
  if (!e.fn) return ApplySparse;
  const char* canonical = e.name;
  LastAxisLoss fn = e.fn;
  return [canonical, fn](const Tensor& y_true, const Tensor& y_pred) { return ApplyDense(canonical, fn, y_true, y_pred); };
}

std::string CanonicalLossName(const std::string& name) { return FindEntry(name).name; }

std::vector<std::string> LossNames() {
  std::vector<std::string> names;
  for (const LossEntry& e : Entries()) names.push_back(e.name);
  return names;
}

Tensor ReduceLoss(const Tensor& per_sample, const Tensor& sample_weight) {
  CheckDefined(per_sample, "reduceLoss", "per-sample loss");
  if (!sample_weight.defined()) return ops::Mean(per_sample);
  if (sample_weight.shape() != per_sample.shape()) {
    Fail<ShapeError>("reduceLoss: sample weights must have shape ", ShapeToString(per_sample.shape()), ", got ",
                     ShapeToString(sample_weight.shape()));
  }
  // Keras' "sum_over_batch_size": the weighted sum divided by the batch size, not by the weights' sum.
  return ops::Mean(ops::Mul(per_sample, AsFloat(sample_weight)));
}

}  // namespace kerasm::models
