// Layer base: identity, the call path and its checks. Weights and losses are in layer_weights.cc, symbolic
// calls in node.cc.
#include "layers/layer.h"

#include <map>

#include "core/error.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/names.h"
#include "params/regularizers.h"
#include "ops/tape.h"

namespace kerasm::layers {

// ---- names --------------------------------------------------------------------------------------------------

namespace {

std::map<std::string, int64_t>& NameCounters() {
  static std::map<std::string, int64_t> counters;
  return counters;
}

// Depth of nested Apply calls: the outermost one (depth 0) starts a fresh list of losses.
thread_local int g_call_depth = 0;

struct CallDepthGuard {
  CallDepthGuard() { ++g_call_depth; }
  ~CallDepthGuard() { --g_call_depth; }
};

DType ReadDType(ConfigReader& config) {
  const json* v = config.Get("dtype");
  if (!v) return DType::kFloat32;
  std::string name;
  if (v->is_string()) {
    name = v->get<std::string>();
  } else if (v->is_object() && v->contains("config") && (*v)["config"].is_object() &&
             (*v)["config"].contains("name") && (*v)["config"]["name"].is_string()) {
    name = (*v)["config"]["name"].get<std::string>();  // Keras 3's DTypePolicy
  } else {
    config.Invalid("dtype", "must be 'float32' or 'int32'");
  }
  if (name != "float32" && name != "int32") config.Invalid("dtype", "must be 'float32' or 'int32'");
  return DTypeFromName(name);
}

void CheckName(const std::string& name, const std::string& who) {
  if (name.empty() || name.find('/') != std::string::npos) {
    Fail<ValueError>(who, ": a layer name must be a non-empty string without '/'. Received: name=",
                     params::ReceivedValue(name));
  }
}

}  // namespace

void FailMalformedConfig(const ConfigReader& reader, const std::exception& e) {
  Fail<ValueError>(reader.Who(), ": ", reader.last_path().empty() ? std::string("config") : reader.last_path(),
                   " is malformed: ", e.what());
}

std::string UniqueLayerName(const std::string& prefix, bool one_based) {
  int64_t& n = NameCounters()[prefix];
  if (one_based) return prefix + "_" + std::to_string(++n);
  const int64_t k = n++;
  return k == 0 ? prefix : prefix + "_" + std::to_string(k);
}

void ResetLayerNames() { NameCounters().clear(); }

// ---- construction -----------------------------------------------------------------------------------------

Layer::Layer(ConfigReader& config, const std::string& name_prefix, bool one_based_names)
    : class_name_(config.Who()) {
  std::string name = config.String("name", "");
  if (config.Has("name")) {
    CheckName(name, config.Who());
  } else {
    name = UniqueLayerName(name_prefix.empty() ? params::ToSnakeCase(class_name_) : name_prefix, one_based_names);
  }
  name_ = name;
  config.set_who(Who());
  trainable_ = config.Bool("trainable", true);
  dtype_ = ReadDType(config);
}

Layer::Layer(std::string class_name, const std::string& name, const std::string& name_prefix)
    : class_name_(std::move(class_name)) {
  if (name.empty()) {
    name_ = UniqueLayerName(name_prefix);
  } else {
    CheckName(name, class_name_);
    name_ = name;
  }
}

Layer::~Layer() {
  for (const LayerPtr& l : sub_layers_) {
    if (l->parent_ == this) l->parent_ = nullptr;
  }
}

std::string Layer::Path() const {
  if (!parent_) return name_;
  return named_in_paths_ ? parent_->Path() + "/" + name_ : parent_->Path();
}

void Layer::ReadInputShapeArgs(ConfigReader& config) {
  std::optional<Shape> batch_input_shape, input_shape;
  std::optional<int64_t> batch_size, input_dim;
  if (!config.WasRead("batch_input_shape")) batch_input_shape = config.OptionalShape("batch_input_shape");
  if (!config.WasRead("input_shape")) input_shape = config.OptionalShape("input_shape");
  if (!config.WasRead("batch_size")) batch_size = config.OptionalInt("batch_size");
  if (!config.WasRead("input_dim")) input_dim = config.OptionalInt("input_dim");
  if (batch_size && *batch_size <= 0) config.Invalid("batch_size", "must be a positive integer");
  if (input_dim && *input_dim <= 0) config.Invalid("input_dim", "must be a positive integer");
  const int64_t batch = batch_size ? *batch_size : -1;
  // Keras' precedence: batch_input_shape, then input_shape, then input_dim.
  if (batch_input_shape) {
    batch_input_shape_ = *batch_input_shape;
  } else if (input_shape) {
    Shape s{batch};
    s.insert(s.end(), input_shape->begin(), input_shape->end());
    batch_input_shape_ = s;
  } else if (input_dim) {
    batch_input_shape_ = Shape{batch, *input_dim};
  }
}

std::string Layer::Who() const { return class_name_ + " '" + name_ + "'"; }

void Layer::SetTrainable(bool trainable) {
  trainable_ = trainable;
  for (Weight& w : weights_) w.variable->set_trainable(trainable && w.trainable);
  for (const LayerPtr& l : sub_layers_) l->SetTrainable(trainable);
}

void Layer::SetInputCount(int min_inputs, int max_inputs) {
  min_inputs_ = min_inputs;
  max_inputs_ = max_inputs;
}

void Layer::TrackLayer(LayerPtr layer) {
  for (const LayerPtr& l : sub_layers_) {
    if (l == layer) return;
  }
  if (!trainable_) layer->SetTrainable(false);
  sub_layers_.push_back(std::move(layer));
}

void Layer::AdoptLayer(LayerPtr layer, bool named_in_paths) {
  if (layer->parent_ && layer->parent_ != this) {
    Fail<ValueError>(Who(), ": layer '", layer->name(), "' is already a part of '", layer->parent_->Path(), "'");
  }
  layer->parent_ = this;
  layer->named_in_paths_ = named_in_paths;
  TrackLayer(std::move(layer));
}

// ---- checks -----------------------------------------------------------------------------------------------

void Layer::CheckInputCount(size_t n) const {
  const bool ok = static_cast<int>(n) >= min_inputs_ && (max_inputs_ < 0 || static_cast<int>(n) <= max_inputs_);
  if (ok) return;
  std::string expected = std::to_string(min_inputs_);
  if (max_inputs_ != min_inputs_) {
    expected = max_inputs_ < 0 ? "at least " + expected : expected + " to " + std::to_string(max_inputs_);
  }
  Fail<ValueError>(Who(), ": expects ", expected, " input", (min_inputs_ == 1 && max_inputs_ == 1) ? "" : "s",
                   ", but it received ", n, " input tensor", n == 1 ? "" : "s");
}

void Layer::CheckInputSpecs(const Shapes& shapes) const {
  if (input_spec_.empty()) return;
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (input_spec_.size() > 1 && i >= input_spec_.size()) break;
    const InputSpec& spec = input_spec_.size() == 1 ? input_spec_[0] : input_spec_[i];
    const Shape& s = shapes[i];
    const int rank = static_cast<int>(s.size());
    auto fail = [&](const std::string& what) {
      Fail<ShapeError>(Who(), ": input ", i, " is incompatible with the layer: ", what,
                       ", but received input with shape ", ShapeToString(s));
    };
    if (spec.ndim >= 0 && rank != spec.ndim) fail("expected ndim=" + std::to_string(spec.ndim) + ", found ndim=" + std::to_string(rank));
    if (spec.min_ndim >= 0 && rank < spec.min_ndim) fail("expected min_ndim=" + std::to_string(spec.min_ndim) + ", found ndim=" + std::to_string(rank));
    if (spec.max_ndim >= 0 && rank > spec.max_ndim) fail("expected max_ndim=" + std::to_string(spec.max_ndim) + ", found ndim=" + std::to_string(rank));
    for (const auto& [axis, size] : spec.axes) {
      const int a = axis < 0 ? axis + rank : axis;
      if (a < 0 || a >= rank) fail("expected axis " + std::to_string(axis) + " to exist");
      if (s[a] >= 0 && s[a] != size) {
        fail("expected axis " + std::to_string(axis) + " of input shape to have value " + std::to_string(size));
      }
    }
  }
}

// ---- calling ----------------------------------------------------------------------------------------------

void Layer::MaybeBuild(const Shapes& input_shapes) {
  if (built_) return;
  CheckInputCount(input_shapes.size());
  CheckInputSpecs(input_shapes);
  ops::NoGradScope no_grad;  // initial values are constants, not part of any gradient
  Build(input_shapes);
  built_ = true;
}

Tensors Layer::Apply(const Tensors& inputs, const CallContext& ctx) { return ApplyWithMasks(inputs, ctx).outputs; }

Tensor Layer::Apply(const Tensor& input, const CallContext& ctx) {
  Tensors out = Apply(Tensors{input}, ctx);
  if (out.size() != 1) Fail<ValueError>(Who(), ": has ", out.size(), " outputs; call it with a list of inputs");
  return out.front();
}

CallResult Layer::ApplyWithMasks(const Tensors& inputs, const CallContext& ctx) {
  CheckInputCount(inputs.size());
  if (!ctx.masks.empty() && ctx.masks.size() != inputs.size()) {
    Fail<ValueError>(Who(), ": got ", ctx.masks.size(), " masks for ", inputs.size(), " inputs");
  }
  if (g_call_depth == 0) ClearLosses();
  CallDepthGuard depth;

  Tensors x = inputs;
  Shapes shapes;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!x[i].defined()) Fail<ValueError>(Who(), ": input ", i, " is an empty tensor");
    if (cast_inputs_ && dtype_ == DType::kFloat32 && x[i].dtype() == DType::kInt32) {
      x[i] = ops::Cast(x[i], DType::kFloat32);
    }
    shapes.push_back(x[i].shape());
  }
  MaybeBuild(shapes);
  CheckInputSpecs(shapes);

  CallResult result = CallWithMasks(x, ctx);
  if (result.masks.size() != result.outputs.size()) result.masks.resize(result.outputs.size());
  if (activity_regularizer_) {
    // Keras divides the activity penalty by the batch size, so it does not grow with the batch.
    for (const Tensor& y : result.outputs) {
      const float batch = y.rank() > 0 && y.dim(0) > 0 ? static_cast<float>(y.dim(0)) : 1.f;
      AddLoss(ops::ScaleShift((*activity_regularizer_)(y), 1.f / batch));
    }
  }
  return result;
}

CallResult Layer::CallWithMasks(const Tensors& inputs, const CallContext& ctx) {
  CallResult r;
  r.outputs = Call(inputs, ctx);
  Tensors masks = ctx.masks;
  masks.resize(inputs.size());
  r.masks = ComputeMask(inputs, masks);
  return r;
}

// ---- default hooks ------------------------------------------------------------------------------------------

void Layer::Build(const Shapes&) {}

Shapes Layer::ComputeOutputShape(const Shapes& input_shapes) { return input_shapes; }

Tensors Layer::ComputeMask(const Tensors&, const Tensors& masks) {
  if (!supports_masking_) return {};
  return masks;
}

json Layer::GetConfig() const {
  json c = {{"name", name_}, {"trainable", trainable_}, {"dtype", DTypeName(dtype_)}};
  if (batch_input_shape_) c["batch_input_shape"] = params::ShapeToJson(*batch_input_shape_);
  return c;
}

void Layer::ResetStates() {
  for (const LayerPtr& l : sub_layers_) l->ResetStates();
}

}  // namespace kerasm::layers
