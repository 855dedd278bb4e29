// Model training steps: compile, one training step on a batch, evaluation. The loop over epochs (shuffling,
// validation, callbacks, yielding to the event loop) is fit() in JS, which feeds batches to TrainOnBatch.
#include <cmath>

#include "core/error.h"
#include "models/model.h"
#include "ops/ops.h"
#include "ops/tape.h"
#include "params/constraints.h"

namespace kerasm::models {

void Model::Compile(const CompileOptions& options) {
  if (!options.optimizer) Fail<ValueError>(Who(), ": compile needs an optimizer");
  if (options.losses.empty()) Fail<ValueError>(Who(), ": compile needs a loss");
  const size_t n_out = has_graph() ? outputs().size() : 1;
  if (options.losses.size() != 1 && options.losses.size() != n_out) {
    Fail<ValueError>(Who(), ": compile received ", options.losses.size(), " losses for a model with ", n_out,
                     " outputs; give one loss, or one per output");
  }
  if (!options.loss_weights.empty() && options.loss_weights.size() != n_out) {
    Fail<ValueError>(Who(), ": compile received ", options.loss_weights.size(), " loss weights for a model with ",
                     n_out, " outputs");
  }
  std::vector<LossSpec> losses;
  for (const LossSpec& spec : options.losses) {
    LossSpec resolved = spec;
    if (!resolved.fn) {
      resolved.fn = GetLoss(spec.name);  // ValueError naming an unknown loss
      resolved.name = CanonicalLossName(spec.name);
    }
    if (resolved.name.empty()) resolved.name = "loss";
    losses.push_back(resolved);
  }
  losses_per_output_.assign(n_out, losses[0]);
  for (size_t i = 0; i < losses.size(); ++i) losses_per_output_[i] = losses[i];
  loss_weights_ = options.loss_weights.empty() ? std::vector<double>(n_out, 1.0) : options.loss_weights;

  metrics_per_output_.assign(n_out, {});
  for (size_t i = 0; i < n_out; ++i) {
    const int64_t units = has_graph() && !outputs()[i].shape().empty() ? outputs()[i].shape().back() : -1;
    for (const std::string& name : options.metrics) {
      metrics_per_output_[i].push_back(GetMetric(name, losses_per_output_[i].name, units));
    }
    for (const Metric& m : options.metric_fns) metrics_per_output_[i].push_back(m);
  }
  compile_options_ = options;
  compiled_for_graph_ = has_graph();
  optimizer_ = options.optimizer;
  compiled_ = true;
}

void Model::CompileForGraph() {
  // A deferred Sequential gets its graph from its first batch; per-output losses and metrics (whose kind can
  // depend on the output's width) are resolved again once it exists.
  if (compiled_ && !compiled_for_graph_ && has_graph()) Compile(compile_options_);
}

std::vector<std::string> Model::MetricsNames() const {
  std::vector<std::string> names{"loss"};
  const bool several = metrics_per_output_.size() > 1;
  const std::vector<std::string> out_names = has_graph() ? OutputNames() : std::vector<std::string>{};
  if (several) {
    for (const std::string& o : out_names) names.push_back(o + "_loss");
  }
  for (size_t i = 0; i < metrics_per_output_.size(); ++i) {
    for (const Metric& m : metrics_per_output_[i]) names.push_back(several ? out_names[i] + "_" + m.name : m.name);
  }
  return names;
}

void Model::CheckData(const Tensors& xs, const Tensors& ys, const Tensors& sample_weights, const char* what) const {
  if (!compiled_) Fail<ValueError>(Who(), ": compile() must be called before ", what);
  if (has_graph() && xs.size() != inputs().size()) {
    Fail<ValueError>(Who(), ": ", what, " expects ", inputs().size(), " input arrays, but it received ", xs.size());
  }
  const size_t n_out = has_graph() ? outputs().size() : 1;
  if (ys.size() != n_out) {
    Fail<ValueError>(Who(), ": ", what, " expects ", n_out, " target arrays, but it received ", ys.size());
  }
  if (!sample_weights.empty() && sample_weights.size() != n_out) {
    Fail<ValueError>(Who(), ": ", what, " expects ", n_out, " sample weight arrays, but it received ",
                     sample_weights.size());
  }
  if (xs.empty()) Fail<ValueError>(Who(), ": ", what, " needs input data");
  auto batch = [&](const Tensor& t, const char* kind, size_t i) {
    if (!t.defined() || t.rank() == 0) Fail<ShapeError>(Who(), ": ", what, ": ", kind, " ", i, " needs a batch axis");
    return t.dim(0);
  };
  const int64_t n = batch(xs[0], "input", 0);
  for (size_t i = 0; i < xs.size(); ++i) {
    if (batch(xs[i], "input", i) != n) {
      Fail<ValueError>(Who(), ": ", what, ": all input arrays must have the same number of samples; input 0 has ", n,
                       " and input ", i, " has ", xs[i].dim(0));
    }
  }
  for (size_t i = 0; i < ys.size(); ++i) {
    if (batch(ys[i], "target", i) != n) {
      Fail<ValueError>(Who(), ": ", what, ": input arrays have ", n, " samples, but target ", i, " has ", ys[i].dim(0));
    }
  }
  for (size_t i = 0; i < sample_weights.size(); ++i) {
    if (sample_weights[i].defined() && batch(sample_weights[i], "sample weight", i) != n) {
      Fail<ValueError>(Who(), ": ", what, ": input arrays have ", n, " samples, but sample weight ", i, " has ",
                       sample_weights[i].dim(0));
    }
  }
}

Model::StepValues Model::ComputeLosses(const Tensors& ys, const Tensors& preds, const Tensors& sample_weights,
                                       bool with_metrics) {
  StepValues v;
  Tensor total;
  for (size_t i = 0; i < preds.size(); ++i) {
    const Tensor sw = sample_weights.empty() ? Tensor() : sample_weights[i];
    Tensor loss = ReduceLoss(losses_per_output_[i].fn(ys[i], preds[i]), sw);
    v.per_output.push_back(loss);
    Tensor weighted = loss_weights_[i] == 1.0 ? loss : ops::ScaleShift(loss, static_cast<float>(loss_weights_[i]));
    total = total.defined() ? ops::Add(total, weighted) : weighted;
  }
  // Regularization: the activity penalties of this forward pass and the weight penalties, as Keras adds them.
  for (const Tensor& l : Losses()) total = ops::Add(total, l);
  v.total = ops::Reshape(total, {});
  if (with_metrics) {
    ops::NoGradScope no_grad;
    for (size_t i = 0; i < preds.size(); ++i) {
      for (const Metric& m : metrics_per_output_[i]) v.metrics.push_back(m.fn(ys[i], preds[i]));
    }
  }
  return v;
}

std::vector<double> Model::TrainOnBatch(const Tensors& xs, const Tensors& ys, const Tensors& sample_weights) {
  CheckData(xs, ys, sample_weights, "trainOnBatch");
  std::vector<ops::Variable*> vars;
  std::vector<Tensor> grads;
  StepValues v;
  Tensors preds;
  {
    ops::GradientTape tape;
    CallContext ctx;
    ctx.training = true;
    preds = Apply(xs, ctx);
    CompileForGraph();
    v = ComputeLosses(ys, preds, sample_weights, /*with_metrics=*/false);
    std::vector<Tensor> sources;
    for (const auto& var : TrainableWeights()) {
      vars.push_back(var.get());
      sources.push_back(var->value());
    }
    if (!sources.empty()) grads = tape.Gradient(v.total, sources, Tensor(), /*allow_unconnected=*/true);
  }
  // Metrics use this batch's predictions, before the update (as Keras reports them).
  std::vector<double> out{v.total.item()};
  if (preds.size() > 1) {
    for (const Tensor& l : v.per_output) out.push_back(l.item());
  }
  {
    ops::NoGradScope no_grad;
    for (size_t i = 0; i < preds.size(); ++i) {
      for (const Metric& m : metrics_per_output_[i]) out.push_back(m.fn(ys[i], preds[i]).item());
    }
  }
  if (!vars.empty()) optimizer_->ApplyGradients(vars, grads);
  ops::NoGradScope no_grad;
  for (const layers::Weight* w : WeightRecords()) {
    if (w->constraint && w->variable->trainable()) w->variable->Assign((*w->constraint)(w->variable->value()));
  }
  return out;
}

std::vector<double> Model::Evaluate(const Tensors& xs, const Tensors& ys, int64_t batch_size,
                                    const Tensors& sample_weights) {
  CheckData(xs, ys, sample_weights, "evaluate");
  if (batch_size <= 0) Fail<ValueError>(Who(), ": batchSize must be a positive integer. Received: ", batch_size);
  ops::NoGradScope no_grad;
  const int64_t n = xs[0].dim(0);
  if (n == 0) Fail<ValueError>(Who(), ": evaluate needs at least one sample");
  std::vector<double> sums;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t size = std::min(batch_size, n - begin);
    Tensors bx = SliceBatch(xs, begin, size), by = SliceBatch(ys, begin, size);
    Tensors bw;
    for (const Tensor& w : sample_weights) bw.push_back(w.defined() ? SliceBatch({w}, begin, size)[0] : Tensor());
    Tensors preds = Apply(bx, CallContext{});
    CompileForGraph();
    StepValues v = ComputeLosses(by, preds, bw, /*with_metrics=*/true);
    std::vector<double> values{v.total.item()};
    if (preds.size() > 1) {
      for (const Tensor& l : v.per_output) values.push_back(l.item());
    }
    for (const Tensor& m : v.metrics) values.push_back(m.item());
    if (sums.empty()) sums.assign(values.size(), 0.0);
    for (size_t k = 0; k < values.size(); ++k) sums[k] += values[k] * static_cast<double>(size);
  }
  for (double& s : sums) s /= static_cast<double>(n);
  return sums;
}

}  // namespace kerasm::models
