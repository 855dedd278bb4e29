// The wrappers: layers made of another layer. TimeDistributed applies its layer to every time step;
// Bidirectional runs a recurrent layer forwards and a copy of it backwards and merges the two.
//
// A wrapper's layer arrives in its config as a serialized {class_name, config} or, from a JS factory, as a
// live layer (registry.h's LiveLayerScope). TimeDistributed adopts that very layer; Bidirectional, as Keras
// and tfjs do, builds its forward and backward layers from the layer's config, so the given layer stays
// apart (unless it is the backward_layer, which is used as it is).
#include <string>
#include <tuple>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/recurrent.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::layers {
namespace {

// The layer under `key`: a live layer or a serialized one; a clear error for anything else (a plain config
// of the inner layer, a number), naming the wrapper and the key.
LayerPtr ReadLayerArg(ConfigReader& config, const char* key) {
  if (!config.Has(key)) config.Missing(key);
  const json spec = config.Raw(key);
  const bool serialized = spec.is_object() && (spec.contains("class_name") || spec.contains("className"));
  if (!IsLiveLayerRef(spec) && !serialized) {
    config.Invalid(key, "must be a layer (a km layer object or a serialized {className, config})");
  }
  return DeserializeLayer(spec);
}

// [batch, T, rest...] -> {batch, T} and the check that there is a time axis.
void CheckTimeAxis(const Layer& wrapper, const Shape& shape) {
  if (shape.size() < 3) {
    Fail<ShapeError>(wrapper.Who(), ": expects an input of rank >= 3 ([batch, time, ...]), got shape ",
                     ShapeToString(shape));
  }
}

class TimeDistributed : public Layer {
 public:
  explicit TimeDistributed(ConfigReader& config) : Layer(config) {
    layer_ = ReadLayerArg(config, "layer");
    // Its weights are the wrapper's by name too ("time_distributed/kernel"), as tfjs and Keras 2 name them.
    AdoptLayer(layer_, /*named_in_paths=*/false);
    supports_masking_ = true;
  }

  void Build(const Shapes& input_shapes) override { layer_->MaybeBuild({ChildShape(OnlyShape(input_shapes))}); }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    CheckTimeAxis(*this, x.shape());
    const int64_t batch = x.dim(0), steps = x.dim(1);
    // The steps become rows of one batch: one call of the inner layer instead of T, the way Keras 2 and
    // tfjs run it (Keras 3 loops over the steps; the values are the same).
    Shape rows = ChildShape(x.shape());
    rows[0] = batch * steps;
    CallContext inner;
    inner.training = ctx.training;
    const Tensor mask = ctx.masks.empty() ? Tensor() : ctx.masks[0];
    if (mask.defined()) {
      if (mask.rank() < 2 || mask.dim(0) != batch || mask.dim(1) != steps) {
        Fail<ShapeError>(Who(), ": the mask must have shape [batch, time, ...] = [", batch, ",", steps,
                         ",...], got ", ShapeToString(mask.shape()));
      }
      if (layer_->supports_masking()) {
        // [batch, T, rest...] -> [batch * T, rest...]: a [batch, T] mask becomes one entry per row.
        Shape m(mask.shape().begin() + 1, mask.shape().end());
        m[0] = batch * steps;
        inner.masks = {ops::Reshape(mask, m)};
      }
    }
    Tensors out = layer_->Apply(Tensors{ops::Reshape(x, rows)}, inner);
    for (Tensor& y : out) {
      Shape s = y.shape();
      s[0] = steps;
      s.insert(s.begin(), batch);
      y = ops::Reshape(y, s);
    }
    return out;
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& x = OnlyShape(input_shapes);
    Shapes out = layer_->ComputeOutputShape({ChildShape(x)});
    for (Shape& s : out) s.insert(s.begin() + 1, x[1]);
    return out;
  }

  // Keras: the input mask, for every output (the steps stay where they were).
  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override {
    const size_t n = layer_->ComputeOutputShape({ChildShape(OnlyInput(inputs).shape())}).size();
    return Tensors(n, masks.empty() ? Tensor() : masks[0]);
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["layer"] = SerializeLayer(*layer_);
    return c;
  }

 private:
  // [batch, T, rest...] -> [batch, rest...]: what the inner layer sees per step.
  Shape ChildShape(const Shape& x) const {
    CheckTimeAxis(*this, x);
    Shape child{x[0]};
    child.insert(child.end(), x.begin() + 2, x.end());
    return child;
  }

  LayerPtr layer_;
};

// ---- Bidirectional ------------------------------------------------------------------------------------

enum class MergeMode { kConcat, kSum, kMul, kAve, kNone };

// A recurrent layer's flags as its config states them (the lead's RNN layers and any layer that writes
// these keys, as Keras reads them by attribute).
struct RecurrentFlags {
  bool return_sequences = false, return_state = false, go_backwards = false, stateful = false;
};

RecurrentFlags FlagsOf(const Layer& wrapper, const Layer& layer, const char* role) {
  const json c = layer.GetConfig();
  if (!c.contains("go_backwards") || !c.contains("return_sequences")) {
    Fail<ValueError>(wrapper.Who(), ": the ", role, " must be a recurrent layer (RNN, SimpleRNN, GRU, LSTM, ...), got ",
                     layer.Who());
  }
  RecurrentFlags f;
  f.return_sequences = c.value("return_sequences", false);
  f.return_state = c.value("return_state", false);
  f.go_backwards = c.value("go_backwards", false);
  f.stateful = c.value("stateful", false);
  return f;
}

std::string WithoutPrefix(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

class Bidirectional : public Layer {
 public:
  explicit Bidirectional(ConfigReader& config) : Layer(config) {
    const LayerPtr layer = ReadLayerArg(config, "layer");
    // null (not absent: absent is concat) keeps the two outputs apart.
    // The reader treats null as absent, so look at the config itself.
    const json& raw = config.config();
    bool null_mode = false;
    for (const char* key : {"merge_mode", "mergeMode"}) null_mode |= raw.contains(key) && raw[key].is_null();
    if (null_mode) {
      config.Ignore("merge_mode");
      merge_ = MergeMode::kNone;
    } else {
      const std::string mode = config.String("merge_mode", "concat");
      if (mode == "concat") merge_ = MergeMode::kConcat;
      else if (mode == "sum") merge_ = MergeMode::kSum;
      else if (mode == "mul") merge_ = MergeMode::kMul;
      else if (mode == "ave") merge_ = MergeMode::kAve;
      else config.Invalid("merge_mode", "must be one of 'concat', 'sum', 'mul', 'ave' or null");
    }
    if (config.Has("weights") && !config.Raw("weights").is_null()) {
      config.Invalid("weights", "is not supported: build the layer, then call setWeights (forward weights first)");
    }
    inner_name_ = layer->name();
    FlagsOf(*this, *layer, "layer");

    // Keras: the forward layer is a copy of `layer` from its config, named forward_<name>; the backward
    // one a copy with go_backwards flipped, unless backward_layer is given.
    json forward_config = layer->GetConfig();
    forward_config["name"] = "forward_" + WithoutPrefix(inner_name_, "forward_");
    forward_ = CreateLayer(layer->ClassName(), forward_config);
    if (config.Has("backward_layer") && !config.Raw("backward_layer").is_null()) {
      backward_ = ReadLayerArg(config, "backward_layer");
      backward_given_ = true;
    } else {
      json backward_config = layer->GetConfig();
      backward_config["go_backwards"] = !backward_config.value("go_backwards", false);
      backward_config["name"] = "backward_" + WithoutPrefix(inner_name_, "backward_");
      backward_ = CreateLayer(layer->ClassName(), backward_config);
    }
    const RecurrentFlags f = FlagsOf(*this, *forward_, "layer");
    const RecurrentFlags b = FlagsOf(*this, *backward_, "backward_layer");
    if (f.go_backwards == b.go_backwards) {
      Fail<ValueError>(Who(), ": the forward and backward layers must have different go_backwards values, both have ",
                       f.go_backwards ? "true" : "false");
    }
    for (auto [what, fv, bv] : {std::tuple<const char*, bool, bool>{"stateful", f.stateful, b.stateful},
                                {"return_sequences", f.return_sequences, b.return_sequences},
                                {"return_state", f.return_state, b.return_state}}) {
      if (fv != bv) {
        Fail<ValueError>(Who(), ": the forward and backward layers must have the same ", what, ", got ",
                         fv ? "true" : "false", " for the forward layer and ", bv ? "true" : "false",
                         " for the backward layer");
      }
    }
    return_sequences_ = f.return_sequences;
    return_state_ = f.return_state;
    AdoptLayer(forward_);
    AdoptLayer(backward_);
    // Initial states come as extra inputs after x: half for each direction.
    const auto* rnn = dynamic_cast<const RNN*>(forward_.get());
    const auto* back_rnn = dynamic_cast<const RNN*>(backward_.get());
    SetInputCount(1, rnn && back_rnn ? 1 + static_cast<int>(rnn->state_count() + back_rnn->state_count()) : -1);
    supports_masking_ = true;
  }

  void Build(const Shapes& input_shapes) override {
    forward_->MaybeBuild({input_shapes[0]});
    backward_->MaybeBuild({input_shapes[0]});
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const size_t n_states = inputs.size() - 1;
    if (n_states % 2 != 0) {
      Fail<ValueError>(Who(), ": initial states are split half to the forward and half to the backward layer: "
                       "expected an even number of them, got ", n_states);
    }
    Tensors fwd_in{inputs[0]}, bwd_in{inputs[0]};
    fwd_in.insert(fwd_in.end(), inputs.begin() + 1, inputs.begin() + 1 + n_states / 2);
    bwd_in.insert(bwd_in.end(), inputs.begin() + 1 + n_states / 2, inputs.end());
    const Tensor mask = ctx.masks.empty() ? Tensor() : ctx.masks[0];
    const Tensors y = forward_->Apply(fwd_in, ContextFor(ctx, mask, fwd_in.size()));
    const Tensors y_rev = backward_->Apply(bwd_in, ContextFor(ctx, mask, bwd_in.size()));
    Tensor a = y[0], b = y_rev[0];
    // The backward layer's sequence runs from the last step to the first: flip it so step t of both
    // outputs is the same time step.
    if (return_sequences_) b = Flip(b);
    Tensors out;
    switch (merge_) {
      case MergeMode::kConcat: out = {ops::Concat({a, b}, a.rank() - 1)}; break;
      case MergeMode::kSum: out = {ops::Add(a, b)}; break;
      case MergeMode::kMul: out = {ops::Mul(a, b)}; break;
      case MergeMode::kAve: out = {ops::ScaleShift(ops::Add(a, b), 0.5f)}; break;
      case MergeMode::kNone: out = {a, b}; break;
    }
    if (return_state_) {
      out.insert(out.end(), y.begin() + 1, y.end());
      out.insert(out.end(), y_rev.begin() + 1, y_rev.end());
    }
    return out;
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shapes f = forward_->ComputeOutputShape({input_shapes[0]});
    const Shapes b = backward_->ComputeOutputShape({input_shapes[0]});
    Shapes out;
    if (merge_ == MergeMode::kNone) {
      out = {f[0], b[0]};
    } else {
      Shape y = f[0];
      if (merge_ == MergeMode::kConcat) y.back() = y.back() < 0 || b[0].back() < 0 ? -1 : y.back() + b[0].back();
      out = {y};
    }
    if (return_state_) {
      out.insert(out.end(), f.begin() + 1, f.end());
      out.insert(out.end(), b.begin() + 1, b.end());
    }
    return out;
  }

  // Keras: the input mask for the merged output(s) when they are sequences, none otherwise and for states.
  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override {
    const Tensor mask = return_sequences_ && !masks.empty() ? masks[0] : Tensor();
    Tensors out(merge_ == MergeMode::kNone ? 2 : 1, mask);
    if (return_state_) {
      const size_t n_states = forward_->ComputeOutputShape({inputs[0].shape()}).size() - 1 +
                              backward_->ComputeOutputShape({inputs[0].shape()}).size() - 1;
      out.resize(out.size() + n_states);
    }
    return out;
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    // tfjs and Keras 2 write the layer they were given: the forward layer under its original name.
    json layer = SerializeLayer(*forward_);
    layer["config"]["name"] = inner_name_;
    c["layer"] = layer;
    c["merge_mode"] = merge_ == MergeMode::kConcat ? json("concat")
                      : merge_ == MergeMode::kSum  ? json("sum")
                      : merge_ == MergeMode::kMul  ? json("mul")
                      : merge_ == MergeMode::kAve  ? json("ave")
                                                   : json(nullptr);
    if (backward_given_) c["backward_layer"] = SerializeLayer(*backward_);
    return c;
  }

 private:
  static CallContext ContextFor(const CallContext& ctx, const Tensor& mask, size_t n_inputs) {
    CallContext c;
    c.training = ctx.training;
    if (mask.defined()) {
      c.masks.resize(n_inputs);
      c.masks[0] = mask;
    }
    return c;
  }

  // Reverses axis 1 (time).
  static Tensor Flip(const Tensor& x) {
    const int64_t steps = x.dim(1);
    Tensor idx({steps}, DType::kInt32);
    for (int64_t t = 0; t < steps; ++t) idx.i32()[t] = static_cast<int32_t>(steps - 1 - t);
    return ops::Gather(x, idx, 1);
  }

  LayerPtr forward_, backward_;
  std::string inner_name_;
  bool backward_given_ = false;
  bool return_sequences_ = false, return_state_ = false;
  MergeMode merge_ = MergeMode::kConcat;
};

}  // namespace

LayerPtr CreateTimeDistributed(const json& config) { return MakeLayer<TimeDistributed>(config, "TimeDistributed"); }
LayerPtr CreateBidirectional(const json& config) { return MakeLayer<Bidirectional>(config, "Bidirectional"); }

}  // namespace kerasm::layers
