// Layer base: weights (creation, order, get/set, counts) and losses.
#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "layers/layer.h"
#include "ops/tape.h"
#include "params/constraints.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {

ops::VariablePtr Layer::AddWeight(const std::string& name, const Shape& shape,
                                  std::shared_ptr<params::Initializer> initializer,
                                  std::shared_ptr<params::Regularizer> regularizer,
                                  std::shared_ptr<params::Constraint> constraint, bool trainable, DType dtype) {
  if (name.empty() || name.find('/') != std::string::npos) {
    Fail<ValueError>(Who(), ": a weight name must be a non-empty string without '/'. Received: name=",
                     params::ReceivedValue(name));
  }
  for (int64_t d : shape) {
    if (d < 0) Fail<ShapeError>(Who(), ": weight '", name, "' needs a fully known shape, got ", ShapeToString(shape));
  }
  for (const Weight& w : weights_) {
    if (w.name == name) Fail<ValueError>(Who(), ": already has a weight named '", name, "'");
  }
  if (!initializer) {
    initializer = params::CreateInitializer(dtype == DType::kFloat32 ? "glorot_uniform" : "zeros");
  }
  Tensor value;
  {
    ops::NoGradScope no_grad;
    value = (*initializer)(shape, dtype);
  }
  if (value.shape() != shape) {
    Fail<ShapeError>(Who(), ": the initializer of weight '", name, "' returned shape ", ShapeToString(value.shape()),
                     " instead of ", ShapeToString(shape));
  }
  Weight w;
  w.name = name;
  w.full_name = Path() + "/" + name;
  w.variable = std::make_shared<ops::Variable>(value, trainable && trainable_, w.full_name);
  w.regularizer = std::move(regularizer);
  w.constraint = std::move(constraint);
  w.trainable = trainable;
  weights_.push_back(std::move(w));
  return weights_.back().variable;
}

ops::VariablePtr Layer::AddWeight(const std::string& name, const Shape& shape, const json& initializer,
                                  const json& regularizer, const json& constraint, bool trainable) {
  // Specs are parsed here so that a bad one is reported against this layer and weight.
  auto parse = [&](const char* what, auto&& make) {
    try {
      return make();
    } catch (const Error& e) {
      Fail<ValueError>(Who(), ": bad ", what, " for weight '", name, "': ", e.what());
    }
  };
  std::shared_ptr<params::Initializer> init;
  std::shared_ptr<params::Regularizer> reg;
  std::shared_ptr<params::Constraint> con;
  if (!initializer.is_null()) init = parse("initializer", [&] { return std::shared_ptr<params::Initializer>(params::CreateInitializer(initializer)); });
  if (!regularizer.is_null()) reg = parse("regularizer", [&] { return std::shared_ptr<params::Regularizer>(params::CreateRegularizer(regularizer)); });
  if (!constraint.is_null()) con = parse("constraint", [&] { return std::shared_ptr<params::Constraint>(params::CreateConstraint(constraint)); });
  return AddWeight(name, shape, std::move(init), std::move(reg), std::move(con), trainable);
}

void Layer::CollectWeights(std::vector<const Weight*>* out, std::vector<const Layer*>* seen) const {
  if (std::find(seen->begin(), seen->end(), this) != seen->end()) return;
  seen->push_back(this);
  for (const Weight& w : weights_) {
    if (w.trainable) out->push_back(&w);
  }
  for (const Weight& w : weights_) {
    if (!w.trainable) out->push_back(&w);
  }
  for (const LayerPtr& l : sub_layers_) l->CollectWeights(out, seen);
}

std::vector<const Weight*> Layer::WeightRecords() const {
  std::vector<const Weight*> out;
  std::vector<const Layer*> seen;
  CollectWeights(&out, &seen);
  // A variable shared by two sub-layers is listed once.
  std::vector<const Weight*> unique;
  for (const Weight* w : out) {
    bool dup = false;
    for (const Weight* u : unique) dup = dup || u->variable == w->variable;
    if (!dup) unique.push_back(w);
  }
  return unique;
}

std::vector<ops::VariablePtr> Layer::Weights() const {
  std::vector<ops::VariablePtr> out;
  for (const Weight* w : WeightRecords()) out.push_back(w->variable);
  return out;
}

std::vector<ops::VariablePtr> Layer::TrainableWeights() const {
  std::vector<ops::VariablePtr> out;
  for (const Weight* w : WeightRecords()) {
    if (w->variable->trainable()) out.push_back(w->variable);
  }
  return out;
}

std::vector<ops::VariablePtr> Layer::NonTrainableWeights() const {
  std::vector<ops::VariablePtr> out;
  for (const Weight* w : WeightRecords()) {
    if (!w->variable->trainable()) out.push_back(w->variable);
  }
  return out;
}

std::vector<std::string> Layer::WeightNames() const {
  std::vector<std::string> out;
  for (const Weight* w : WeightRecords()) out.push_back(w->full_name);
  return out;
}

Tensors Layer::GetWeights() const {
  Tensors out;
  for (const Weight* w : WeightRecords()) out.push_back(w->variable->value());
  return out;
}

void Layer::SetWeights(const Tensors& values) {
  const std::vector<const Weight*> records = WeightRecords();
  if (values.size() != records.size()) {
    std::ostringstream expected;
    for (size_t i = 0; i < records.size(); ++i) {
      expected << (i ? ", " : "") << records[i]->full_name << " " << ShapeToString(records[i]->variable->shape());
    }
    Fail<ValueError>(Who(), ": setWeights expects ", records.size(), " weight", records.size() == 1 ? "" : "s",
                     " (", expected.str(), "), but received ", values.size());
  }
  // Every value is checked before any is assigned, so a failed call leaves the layer unchanged.
  for (size_t i = 0; i < values.size(); ++i) {
    const Weight& w = *records[i];
    if (!values[i].defined()) Fail<ValueError>(Who(), ": setWeights value ", i, " for ", w.full_name, " is empty");
    if (values[i].shape() != w.variable->shape()) {
      Fail<ShapeError>(Who(), ": weight ", w.full_name, " has shape ", ShapeToString(w.variable->shape()),
                       ", but the value given for it has shape ", ShapeToString(values[i].shape()));
    }
    if (values[i].dtype() != w.variable->value().dtype()) {
      Fail<DTypeError>(Who(), ": weight ", w.full_name, " has dtype ", DTypeName(w.variable->value().dtype()),
                       ", but the value given for it has dtype ", DTypeName(values[i].dtype()));
    }
  }
  for (size_t i = 0; i < values.size(); ++i) records[i]->variable->Assign(values[i]);
}

int64_t Layer::CountParams() const {
  if (!built_) {
    Fail<ValueError>(Who(), ": countParams needs the layer built; call it on data or build(inputShape) first");
  }
  int64_t n = 0;
  for (const Weight* w : WeightRecords()) n += ShapeSize(w->variable->shape());
  return n;
}

// ---- losses -------------------------------------------------------------------------------------------------

void Layer::AddLoss(const Tensor& loss) {
  if (!loss.defined() || loss.size() != 1) {
    Fail<ShapeError>(Who(), ": addLoss takes a scalar tensor, got shape ",
                     ShapeToString(loss.defined() ? loss.shape() : Shape{}));
  }
  losses_.push_back(loss);
}

void Layer::CollectLosses(Tensors* out, std::vector<const Layer*>* seen) const {
  if (std::find(seen->begin(), seen->end(), this) != seen->end()) return;
  seen->push_back(this);
  out->insert(out->end(), losses_.begin(), losses_.end());
  for (const Weight& w : weights_) {
    if (w.regularizer) out->push_back((*w.regularizer)(w.variable->value()));
  }
  for (const LayerPtr& l : sub_layers_) l->CollectLosses(out, seen);
}

Tensors Layer::Losses() const {
  Tensors out;
  std::vector<const Layer*> seen;
  CollectLosses(&out, &seen);
  return out;
}

void Layer::ClearLosses() {
  losses_.clear();
  for (const LayerPtr& l : sub_layers_) l->ClearLosses();
}

}  // namespace kerasm::layers
