// The Layer base class: what every Keras layer, model, wrapper and JS-defined layer shares.
//
// A layer is written the Keras way, in the same order every time: the constructor validates and stores its
// config (ConfigReader, errors quote the received value), Build creates weights with AddWeight, Call computes
// with differentiable ops, ComputeOutputShape gives shapes without data, GetConfig returns the Keras config.
// Backward passes come from the ops (the tape), never from layer code.
//
// Everything is on vectors of tensors, so multi-input layers (merge, RNN initial states passed as extra
// inputs) and multi-output layers (RNN return_state) need nothing special. The framework entry points
// (Apply on tensors or on symbolic tensors, MaybeBuild, the weight/loss bookkeeping) are non-virtual; the
// overridable hooks are Build, Call, ComputeOutputShape, ComputeMask, GetConfig and ResetStates.
//
// Masks are float32 0/1 tensors (e.g. [batch, time]); CallContext carries one per input, ComputeMask gives
// one per output. Sub-layers (wrappers, nested models) are tracked so weights, losses, trainability and
// state resets reach them; the parts a layer adopts (a wrapper's inner layer) also take it as their parent,
// which puts its path in front of their weight names. A layer defined in JS is a subclass (in the bindings)
// overriding the same hooks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "ops/variable.h"
#include "params/config_reader.h"

namespace kerasm::params {
class Initializer;
class Regularizer;
class Constraint;
}  // namespace kerasm::params

namespace kerasm::layers {

using json = nlohmann::json;
using params::ConfigReader;
using Tensors = std::vector<Tensor>;
using Shapes = std::vector<Shape>;

class Layer;
struct Node;
using LayerPtr = std::shared_ptr<Layer>;

// An output of a node in a layer graph: what km.input() and layer.apply(symbolic) return. Shapes use -1 for
// unknown dimensions (the batch, usually).
struct SymbolicTensor {
  std::shared_ptr<Node> node;
  int index = 0;

  const Shape& shape() const;
  DType dtype() const;
  Layer* layer() const;
  // The producing layer's name, with ":<index>" for outputs after the first ("lstm:1").
  std::string name() const;
};
using SymbolicTensors = std::vector<SymbolicTensor>;

// What a call needs besides its inputs.
struct CallContext {
  bool training = false;
  // One mask per input, or empty for none; an undefined entry is "no mask" for that input.
  Tensors masks;
};

struct CallResult {
  Tensors outputs;
  Tensors masks;  // one per output; undefined = no mask
};

// Keras' InputSpec for one input: checked against shapes before build and call.
struct InputSpec {
  int ndim = -1;      // exact rank, or -1
  int min_ndim = -1;  // minimal rank, or -1
  int max_ndim = -1;
  std::vector<std::pair<int, int64_t>> axes;  // (Python-style axis, required size), usually set by Build
};

// A weight as its layer created it.
struct Weight {
  std::string name;       // the short name: "kernel"
  std::string full_name;  // "<layer path>/<name>", as Keras and tfjs weight files name it
  ops::VariablePtr variable;
  std::shared_ptr<params::Regularizer> regularizer;
  std::shared_ptr<params::Constraint> constraint;
  bool trainable = true;  // as created: BatchNormalization's moving statistics are not
};

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  virtual ~Layer();
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // ---- identity -----------------------------------------------------------------------------------------
  const std::string& ClassName() const { return class_name_; }
  const std::string& name() const { return name_; }
  DType dtype() const { return dtype_; }
  bool built() const { return built_; }
  bool supports_masking() const { return supports_masking_; }
  bool trainable() const { return trainable_; }
  // Keras: also freezes / unfreezes the sub-layers and the variables' trainable flags (weights created
  // non-trainable stay so).
  virtual void SetTrainable(bool trainable);
  // The input shape (batch included) from input_shape / batch_input_shape / batch_size / input_dim, if given:
  // a Sequential's first layer creates its input from it.
  const std::optional<Shape>& batch_input_shape() const { return batch_input_shape_; }
  // "Dense 'dense_2'": the prefix of this layer's error messages.
  std::string Who() const;
  // The layer this one is a part of (a wrapper's inner layer, an RNN's cell, set by AdoptLayer), or null.
  // A model's graph layers are not parts of it: they keep their own names, as tfjs and Keras 2 weight files
  // name their weights ("dense/kernel").
  const Layer* parent() const { return parent_; }
  // The names from the outermost owner down, "bidirectional/forward_lstm", leaving out parts adopted
  // unnamed (an RNN's cell); weights created afterwards are named "<Path()>/<weight>".
  std::string Path() const;

  // ---- calling ------------------------------------------------------------------------------------------
  // Keras' __call__ on tensors: checks the input count and specs, builds on first use, calls, applies the
  // activity regularizer. The outermost call clears the losses of the previous one.
  Tensors Apply(const Tensors& inputs, const CallContext& ctx = {});
  Tensor Apply(const Tensor& input, const CallContext& ctx = {});
  // Apply plus the output masks (what a model executing its graph needs).
  CallResult ApplyWithMasks(const Tensors& inputs, const CallContext& ctx = {});
  // On symbolic tensors: builds if needed, infers output shapes, records a node. `call_kwargs` is stored in
  // the node (and its serialized form); {"training": bool} fixes the mode for this node.
  SymbolicTensors Apply(const SymbolicTensors& inputs, const json& call_kwargs = json::object());

  // Build once (Keras' _maybe_build): checks the input specs, creates weights, marks the layer built.
  void MaybeBuild(const Shapes& input_shapes);

  // ---- the hooks a layer overrides ----------------------------------------------------------------------
  // Creates weights for these input shapes (batch dimension may be -1). Default: nothing.
  virtual void Build(const Shapes& input_shapes);
  virtual Tensors Call(const Tensors& inputs, const CallContext& ctx) = 0;
  // Default: each output shape equals the input's (tfjs' default), for shape-preserving layers.
  virtual Shapes ComputeOutputShape(const Shapes& input_shapes);
  // Default: the input masks pass through if the layer supports masking (and has as many outputs as
  // inputs), otherwise no masks.
  virtual Tensors ComputeMask(const Tensors& inputs, const Tensors& masks);
  // Keras config, snake_case. The base writes name, trainable, dtype and batch_input_shape when set.
  virtual json GetConfig() const;
  // Stateful layers (RNN with stateful=true) clear their states; the default resets the sub-layers.
  virtual void ResetStates();
  // For the models' node indices in Keras JSON: a functional model owns a node linking its own inputs to
  // its outputs, which Keras counts as node 0 of that model.
  virtual int NodeIndexOffset() const { return 0; }

  // ---- weights ------------------------------------------------------------------------------------------
  // Creates a variable named "<Path()>/<name>" from the initializer (Keras' default glorot_uniform when
  // null). Shapes must be fully known. The regularizer's penalty joins Losses(); the constraint is applied
  // after each optimizer step.
  ops::VariablePtr AddWeight(const std::string& name, const Shape& shape,
                             std::shared_ptr<params::Initializer> initializer,
                             std::shared_ptr<params::Regularizer> regularizer = nullptr,
                             std::shared_ptr<params::Constraint> constraint = nullptr, bool trainable = true,
                             DType dtype = DType::kFloat32);
  // The same from serialized specs: a name ("zeros", "l2", "nonNeg") or {"class_name", "config"}; null = none.
  ops::VariablePtr AddWeight(const std::string& name, const Shape& shape, const json& initializer,
                             const json& regularizer = nullptr, const json& constraint = nullptr,
                             bool trainable = true);

  // Own weights (trainable ones first, each group in creation order, as Keras orders them), then the
  // sub-layers' in order; each variable once.
  std::vector<const Weight*> WeightRecords() const;
  std::vector<ops::VariablePtr> Weights() const;
  std::vector<ops::VariablePtr> TrainableWeights() const;
  std::vector<ops::VariablePtr> NonTrainableWeights() const;
  // "<path>/<weight>" for each of Weights(), with each weight's own layer's path.
  std::vector<std::string> WeightNames() const;
  Tensors GetWeights() const;
  // Same count, order and shapes as GetWeights(), else ValueError / ShapeError naming the layer and weight.
  void SetWeights(const Tensors& values);
  int64_t CountParams() const;

  // ---- losses -------------------------------------------------------------------------------------------
  // A scalar loss added during Call (activity regularization, custom layers' addLoss).
  void AddLoss(const Tensor& loss);
  // The losses added during the latest outermost call (own and sub-layers'), then the weights' regularizer
  // penalties computed now from the current values: call it under a tape to differentiate them.
  Tensors Losses() const;
  void ClearLosses();

  // ---- structure ----------------------------------------------------------------------------------------
  const std::vector<LayerPtr>& sub_layers() const { return sub_layers_; }
  // The nodes created by symbolic calls, in call order (expired ones stay as placeholders so indices hold).
  const std::vector<std::weak_ptr<Node>>& inbound_nodes() const { return inbound_nodes_; }
  int min_inputs() const { return min_inputs_; }
  int max_inputs() const { return max_inputs_; }

  // Reads the input-shape keys Keras accepts on every layer (input_shape, batch_input_shape, batch_size,
  // input_dim) once the layer has read its own (Embedding reads input_dim itself). Called by the factories.
  void ReadInputShapeArgs(ConfigReader& config);

 protected:
  // From a config: reads name (default: unique, from `name_prefix` or else the snake_case class name),
  // trainable and dtype.
  explicit Layer(ConfigReader& config, const std::string& name_prefix = "", bool one_based_names = false);
  // Programmatic construction (models, wrappers): an empty name means a unique default from `name_prefix`.
  Layer(std::string class_name, const std::string& name, const std::string& name_prefix);

  // The body of ApplyWithMasks after the checks; models override it to run their graph once for both.
  virtual CallResult CallWithMasks(const Tensors& inputs, const CallContext& ctx);

  // Inputs accepted by count: [min, max], max -1 = any number.
  void SetInputCount(int min_inputs, int max_inputs);
  void TrackLayer(LayerPtr layer);
  // Tracks `layer` as a part of this one: its parent becomes this layer, so its Path() (and the names of
  // the weights it creates from then on) start with this layer's path. ValueError if it is already a part
  // of another layer.
  // `named_in_paths` false leaves the part's name out of the paths (an RNN's cell: tfjs and Keras 2 name
  // an LSTM's weights "lstm/kernel", not "lstm/lstm_cell/kernel").
  void AdoptLayer(LayerPtr layer, bool named_in_paths = true);
  std::vector<LayerPtr>& mutable_sub_layers() { return sub_layers_; }
  // Single-input layers: the one input (Apply has checked the count).
  static const Tensor& OnlyInput(const Tensors& inputs) { return inputs.front(); }
  static const Shape& OnlyShape(const Shapes& shapes) { return shapes.front(); }
  void set_built(bool built) { built_ = built; }
  void set_batch_input_shape(std::optional<Shape> shape) { batch_input_shape_ = std::move(shape); }
  // For layers that own their one node (InputLayer): the node list itself.
  std::vector<std::weak_ptr<Node>>& mutable_inbound_nodes() { return inbound_nodes_; }

  std::vector<InputSpec> input_spec_;  // empty: no checks; one entry: applies to every input
  bool supports_masking_ = false;
  bool cast_inputs_ = true;            // int32 inputs are cast to float32 (false: Embedding, InputLayer)
  std::shared_ptr<params::Regularizer> activity_regularizer_;

 private:
  friend std::shared_ptr<Node> CreateNode(const LayerPtr& layer, SymbolicTensors inputs, Shapes output_shapes,
                                          json call_kwargs);
  void CheckInputCount(size_t n) const;
  void CheckInputSpecs(const Shapes& shapes) const;
  void CollectWeights(std::vector<const Weight*>* out, std::vector<const Layer*>* seen) const;
  void CollectLosses(Tensors* out, std::vector<const Layer*>* seen) const;

  std::string class_name_;
  std::string name_;
  // Not owning: the parent owns this layer through sub_layers_ and clears the pointer when it goes first.
  const Layer* parent_ = nullptr;
  bool named_in_paths_ = true;
  DType dtype_ = DType::kFloat32;
  bool trainable_ = true;
  bool built_ = false;
  int min_inputs_ = 1;
  int max_inputs_ = 1;
  std::optional<Shape> batch_input_shape_;
  std::vector<Weight> weights_;
  std::vector<LayerPtr> sub_layers_;
  Tensors losses_;
  std::vector<std::weak_ptr<Node>> inbound_nodes_;
};

// Default layer names, unique per prefix as Keras makes them: "dense", "dense_1", ... (one_based: "input_1",
// "input_2", as Keras names inputs). Explicit names do not advance the counters.
std::string UniqueLayerName(const std::string& prefix, bool one_based = false);
// Restarts the counters (Keras' clear_session), for tests and km.disposeVariables-style resets.
void ResetLayerNames();

// Constructs a layer from its config: T(ConfigReader&), then the input-shape keys, then the check that every
// key was understood. The registry's factories are MakeLayer<T>.
template <typename T>
LayerPtr MakeLayer(const json& config, const char* class_name);

}  // namespace kerasm::layers

namespace kerasm::layers {

// A JSON type error from a layer's own use of a raw config value: a ValueError naming the layer and the
// path read last, as the reader's own messages do.
[[noreturn]] void FailMalformedConfig(const ConfigReader& reader, const std::exception& e);

template <typename T>
LayerPtr MakeLayer(const json& config, const char* class_name) {
  ConfigReader reader(config, class_name);
  try {
    auto layer = std::make_shared<T>(reader);
    layer->ReadInputShapeArgs(reader);
    reader.Finish();
    return layer;
  } catch (const nlohmann::json::exception& e) {
    FailMalformedConfig(reader, e);
  }
}

}  // namespace kerasm::layers
