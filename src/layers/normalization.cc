// Normalization layers: BatchNormalization.
//
// Training calls (fit, apply with training=true, on a trainable layer) normalise with the statistics of the
// batch and move the moving statistics towards them; every other call uses the moving statistics. The
// normalisation is a composition of differentiable ops, so in training mode the gradient also flows
// through the batch mean and variance.
#include <algorithm>
#include <vector>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/tape.h"
#include "params/arguments.h"
#include "params/constraints.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {
namespace {

using params::ReadConstraint;
using params::ReadInitializer;
using params::ReadRegularizer;
using params::ToConfig;

// Keras' backend epsilon, which Keras 3 adds to the mask weight sums of masked moments.
constexpr float kMaskEpsilon = 1e-7f;

// ---- BatchNormalization: gamma * (x - mean) / sqrt(var + epsilon) + beta over the feature axis ------------
class BatchNormalization : public Layer {
 public:
  explicit BatchNormalization(ConfigReader& config) : Layer(config) {
    ReadAxis(config);
    momentum_ = config.Number("momentum", 0.99);
    epsilon_ = config.Number("epsilon", 1e-3);
    if (!(epsilon_ >= 0)) config.Invalid("epsilon", "must be a non-negative number");
    center_ = config.Bool("center", true);
    scale_ = config.Bool("scale", true);
    beta_initializer_ = ReadInitializer(config, "beta_initializer", "zeros");
    gamma_initializer_ = ReadInitializer(config, "gamma_initializer", "ones");
    moving_mean_initializer_ = ReadInitializer(config, "moving_mean_initializer", "zeros");
    moving_variance_initializer_ = ReadInitializer(config, "moving_variance_initializer", "ones");
    beta_regularizer_ = ReadRegularizer(config, "beta_regularizer");
    gamma_regularizer_ = ReadRegularizer(config, "gamma_regularizer");
    beta_constraint_ = ReadConstraint(config, "beta_constraint");
    gamma_constraint_ = ReadConstraint(config, "gamma_constraint");
    // Keras 3 writes `synchronized` (cross-device statistics); Keras 2 configs carry batch renormalization,
    // ghost batches and `adjustment`. Only their "off" values describe this computation.
    if (config.Bool("synchronized", false)) {
      config.Reject("synchronized", "synchronized (cross-replica) batch statistics are not supported");
    }
    if (config.Bool("renorm", false)) config.Reject("renorm", "batch renormalization is not supported");
    config.Get("renorm_clipping");  // only meaningful with renorm
    config.Get("renorm_momentum");
    if (config.Get("virtual_batch_size")) {
      config.Reject("virtual_batch_size", "ghost batch normalization (virtual_batch_size) is not supported");
    }
    if (config.Get("adjustment")) config.Reject("adjustment", "an adjustment function is not supported");
    config.Bool("fused", false);  // an implementation choice in Keras 2, same result either way
    supports_masking_ = true;
  }

  void Build(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    const int rank = static_cast<int>(s.size());
    axes_.clear();
    for (int64_t a : axis_) {
      const int64_t n = a < 0 ? a + rank : a;
      if (n < 0 || n >= rank) {
        Fail<ValueError>(Who(), ": axis ", a, " is out of range for an input of rank ", rank, ", shape ",
                         ShapeToString(s));
      }
      if (std::find(axes_.begin(), axes_.end(), static_cast<int>(n)) != axes_.end()) {
        Fail<ValueError>(Who(), ": axis ", params::ReceivedValue(axis_json_), " names axis ", n, " twice");
      }
      if (s[n] < 0) {
        Fail<ShapeError>(Who(), ": axis ", a, " of the input must have a defined dimension. Received input shape ",
                         ShapeToString(s));
      }
      axes_.push_back(static_cast<int>(n));
    }
    std::sort(axes_.begin(), axes_.end());
    broadcast_shape_ = Shape(rank, 1);
    for (int a : axes_) broadcast_shape_[a] = s[a];
    // One axis: a vector of its size (Keras 3). Several (Keras 2 configs): Keras 2 keeps the input's rank,
    // with 1 on the other axes.
    const Shape param = axes_.size() == 1 ? Shape{s[axes_[0]]} : broadcast_shape_;
    reduction_axes_.clear();
    for (int d = 0; d < rank; ++d) {
      if (std::find(axes_.begin(), axes_.end(), d) == axes_.end()) reduction_axes_.push_back(d);
    }
    if (scale_) gamma_ = AddWeight("gamma", param, gamma_initializer_, gamma_regularizer_, gamma_constraint_);
    if (center_) beta_ = AddWeight("beta", param, beta_initializer_, beta_regularizer_, beta_constraint_);
    moving_mean_ = AddWeight("moving_mean", param, moving_mean_initializer_, nullptr, nullptr, /*trainable=*/false);
    moving_variance_ = AddWeight("moving_variance", param, moving_variance_initializer_, nullptr, nullptr,
                                 /*trainable=*/false);
    InputSpec spec;
    spec.ndim = rank;
    for (int a : axes_) spec.axes.push_back({a, s[a]});
    input_spec_ = {spec};
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    const Tensor mask = ctx.masks.empty() ? Tensor() : ctx.masks.front();
    if (mask.defined() && mask.rank() != x.rank() - 1) {
      Fail<ValueError>(Who(), ": the mask must have one dimension less than the inputs. Received: mask.shape=",
                       ShapeToString(mask.shape()), ", inputs.shape=", ShapeToString(x.shape()));
    }
    Tensor mean, variance;  // of broadcast_shape_
    // Keras: a frozen layer (trainable=false) normalises with its moving statistics even inside fit.
    if (ctx.training && trainable()) {
      Moments(x, mask, &mean, &variance);
      UpdateMovingStatistics(mean, variance);
    } else {
      mean = ops::Reshape(moving_mean_->value(), broadcast_shape_);
      variance = ops::Reshape(moving_variance_->value(), broadcast_shape_);
    }
    // y = x * inv + (beta - mean * inv), inv = gamma / sqrt(variance + epsilon): the per-feature factors
    // are computed once at the small broadcast shape, so the full-size input is touched by two ops.
    const Tensor denom = ops::Sqrt(ops::ScaleShift(variance, 1.f, static_cast<float>(epsilon_)));
    const Tensor inv = scale_ ? ops::Div(ops::Reshape(gamma_->value(), broadcast_shape_), denom)
                              : ops::Div(Tensor::Scalar(1.f), denom);
    Tensor shift = ops::Neg(ops::Mul(mean, inv));
    if (center_) shift = ops::Add(shift, ops::Reshape(beta_->value(), broadcast_shape_));
    return {ops::Add(ops::Mul(x, inv), shift)};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["axis"] = axis_json_;
    c["momentum"] = momentum_;
    c["epsilon"] = epsilon_;
    c["center"] = center_;
    c["scale"] = scale_;
    c["beta_initializer"] = ToConfig(beta_initializer_);
    c["gamma_initializer"] = ToConfig(gamma_initializer_);
    c["moving_mean_initializer"] = ToConfig(moving_mean_initializer_);
    c["moving_variance_initializer"] = ToConfig(moving_variance_initializer_);
    c["beta_regularizer"] = ToConfig(beta_regularizer_);
    c["gamma_regularizer"] = ToConfig(gamma_regularizer_);
    c["beta_constraint"] = ToConfig(beta_constraint_);
    c["gamma_constraint"] = ToConfig(gamma_constraint_);
    c["synchronized"] = false;
    return c;
  }

 private:
  // An integer (Keras 3, tfjs) or a list of integers (Keras 2); written back as given.
  void ReadAxis(ConfigReader& config) {
    const json* v = config.Get("axis");
    if (!v) {
      axis_ = {-1};
      axis_json_ = -1;
      return;
    }
    auto is_int = [](const json& e) {
      return e.is_number_integer() || (e.is_number_float() && e.get<double>() == static_cast<int64_t>(e.get<double>()));
    };
    if (is_int(*v)) {
      axis_ = {static_cast<int64_t>(v->get<double>())};
      axis_json_ = axis_[0];
      return;
    }
    if (!v->is_array() || v->empty()) config.Invalid("axis", "must be an integer or a non-empty list of integers");
    for (const json& e : *v) {
      if (!is_int(e)) config.Invalid("axis", "must be an integer or a non-empty list of integers");
      axis_.push_back(static_cast<int64_t>(e.get<double>()));
    }
    axis_json_ = axis_;
  }

  // Mean and biased variance over the reduction axes (kept as 1s). With a mask (one dimension less than
  // the input, expanded on the last axis) Keras 3 weights the samples by it and divides by the weight sum
  // plus its backend epsilon; the same formula here.
  void Moments(const Tensor& x, const Tensor& mask, Tensor* mean, Tensor* variance) const {
    if (!mask.defined()) {
      *mean = ops::Mean(x, reduction_axes_, /*keepdims=*/true);
      *variance = ops::Mean(ops::Square(ops::Sub(x, *mean)), reduction_axes_, true);
      return;
    }
    const Tensor w = ops::ExpandDims(ops::Cast(mask, DType::kFloat32), -1);
    const Tensor weighted = ops::Mul(w, x);
    const Tensor count = ops::ScaleShift(ops::Sum(w, reduction_axes_, true), 1.f, kMaskEpsilon);
    *mean = ops::Div(ops::Sum(weighted, reduction_axes_, true), count);
    const Tensor dist = ops::Sum(ops::Mul(w, ops::Square(ops::Sub(weighted, *mean))), reduction_axes_, true);
    *variance = ops::Div(dist, count);
  }

  // moving = moving * momentum + batch * (1 - momentum), outside any tape: the statistics are state, not a
  // function the gradient goes through.
  void UpdateMovingStatistics(const Tensor& mean, const Tensor& variance) {
    ops::NoGradScope no_grad;
    const float m = static_cast<float>(momentum_);
    auto update = [&](const ops::VariablePtr& v, const Tensor& batch) {
      v->Assign(ops::Add(ops::ScaleShift(v->value(), m), ops::ScaleShift(ops::Reshape(batch, v->shape()), 1.f - m)));
    };
    update(moving_mean_, mean);
    update(moving_variance_, variance);
  }

  std::vector<int64_t> axis_;  // as configured (may be negative)
  json axis_json_;
  double momentum_;
  double epsilon_;
  bool center_;
  bool scale_;
  std::shared_ptr<params::Initializer> beta_initializer_, gamma_initializer_, moving_mean_initializer_,
      moving_variance_initializer_;
  std::shared_ptr<params::Regularizer> beta_regularizer_, gamma_regularizer_;
  std::shared_ptr<params::Constraint> beta_constraint_, gamma_constraint_;
  std::vector<int> axes_;            // normalised, sorted
  std::vector<int> reduction_axes_;  // every other axis
  Shape broadcast_shape_;            // the input's rank, feature sizes on axes_, 1 elsewhere
  ops::VariablePtr gamma_, beta_, moving_mean_, moving_variance_;
};

}  // namespace

LayerPtr CreateBatchNormalization(const json& config) {
  return MakeLayer<BatchNormalization>(config, "BatchNormalization");
}

}  // namespace kerasm::layers
