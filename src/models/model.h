// Models: a graph of layer nodes between symbolic inputs and outputs (Keras' functional Model), which is
// itself a Layer, so models nest; Sequential (sequential.h) is a Model that grows its graph one layer at a
// time. Inference (Predict), weights across layers, Summary, Keras JSON (GetConfig / ModelFromJson in
// serialization.h) and training steps (Compile, TrainOnBatch, Evaluate) live here; fit's loop over epochs,
// shuffling, validation and callbacks is driven from JS batch by batch.
//
// Files: model.cc (graph and execution), summary.cc, training.cc, serialization.cc, sequential.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/layer.h"
#include "layers/node.h"
#include "models/losses.h"
#include "models/metrics.h"
#include "models/optimizers.h"

namespace kerasm::models {

using layers::CallContext;
using layers::CallResult;
using layers::Layer;
using layers::LayerPtr;
using layers::Shapes;
using layers::SymbolicTensor;
using layers::SymbolicTensors;
using layers::Tensors;

// A loss as compile() receives it: a built-in name, or any function (a JS loss) with the name to report.
struct LossSpec {
  std::string name;
  LossFn fn;  // empty: looked up by name
};

struct CompileOptions {
  std::shared_ptr<Optimizer> optimizer;
  // One loss for every output, or one per output.
  std::vector<LossSpec> losses;
  // Per-output multipliers of the losses in the total (Keras' loss_weights); empty = all 1.
  std::vector<double> loss_weights;
  // Metric names ("accuracy", "mse", a loss name ...), computed for every output.
  std::vector<std::string> metrics;
  // Metrics given as functions (JS metrics), computed for every output after the named ones.
  std::vector<Metric> metric_fns;
};

class Model : public layers::Layer {
 public:
  // A functional model. Inputs must be the outputs of Input(); every output must be computable from them.
  Model(const SymbolicTensors& inputs, const SymbolicTensors& outputs, const std::string& name = "");

  // ---- structure ----------------------------------------------------------------------------------------
  // Functional: every layer of the graph in Keras' order (inputs first, then by depth). Sequential: the
  // added layers, without the InputLayer.
  const std::vector<LayerPtr>& layers() const { return layers_; }
  // By name or by index into layers(); ValueError naming what was asked for and what exists.
  LayerPtr GetLayer(const std::string& name) const;
  LayerPtr GetLayer(int index) const;
  const SymbolicTensors& inputs() const { return inputs_; }
  const SymbolicTensors& outputs() const { return outputs_; }
  std::vector<std::string> InputNames() const;
  std::vector<std::string> OutputNames() const;
  // Every node of the graph in execution order (inputs first), with its depth (outputs are at depth 0).
  const std::vector<std::shared_ptr<layers::Node>>& nodes() const { return nodes_; }
  const std::vector<int>& node_depths() const { return node_depths_; }
  // Whether the graph exists (a Sequential without an input shape has none until it first sees data).
  bool has_graph() const { return !outputs_.empty(); }

  // ---- the Layer hooks ----------------------------------------------------------------------------------
  Tensors Call(const Tensors& inputs, const CallContext& ctx) override;
  Shapes ComputeOutputShape(const Shapes& input_shapes) override;
  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override;
  json GetConfig() const override;  // the functional config (serialization.cc)
  int NodeIndexOffset() const override { return has_graph() ? 1 : 0; }

  // ---- inference ----------------------------------------------------------------------------------------
  // In batches of batch_size along axis 0 (inference mode), outputs concatenated. Inputs must agree on their
  // batch size.
  Tensors Predict(const Tensors& xs, int64_t batch_size = 32);
  // A text table like Keras' model.summary(): layer (type), output shape, params (and "connected to" for
  // functional graphs), then total / trainable / non-trainable counts. line_length 0 = Keras' default.
  std::string Summary(int line_length = 0) const;

  // ---- training (training.cc) --------------------------------------------------------------------------
  void Compile(const CompileOptions& options);
  bool compiled() const { return compiled_; }
  Optimizer* optimizer() const { return optimizer_.get(); }
  // One step: forward in training mode under a tape, the losses (plus regularization losses), gradients of
  // the trainable weights, the optimizer update, then the weights' constraints. Returns the values named by
  // MetricsNames(), computed on this batch's forward pass.
  std::vector<double> TrainOnBatch(const Tensors& xs, const Tensors& ys, const Tensors& sample_weights = {});
  // The same values in inference mode over batches, averaged weighted by batch size.
  std::vector<double> Evaluate(const Tensors& xs, const Tensors& ys, int64_t batch_size = 32,
                               const Tensors& sample_weights = {});
  // "loss", then "<output>_loss" per output when there are several, then each metric ("acc", "mse", or
  // "<output>_acc" ... with several outputs), as Keras 2 / tfjs name them.
  std::vector<std::string> MetricsNames() const;

 protected:
  // For Sequential: a model whose graph is set later with InitGraph.
  Model(const std::string& class_name, const std::string& name, const std::string& name_prefix);
  // Builds the node order, layer list and checks (disconnected graph, duplicate names).
  void InitGraph(const SymbolicTensors& inputs, const SymbolicTensors& outputs);
  CallResult CallWithMasks(const Tensors& inputs, const CallContext& ctx) override;
  std::vector<LayerPtr> layers_;

 private:
  // Runs the graph on concrete inputs.
  CallResult RunGraph(const Tensors& inputs, const CallContext& ctx);
  void CheckData(const Tensors& xs, const Tensors& ys, const Tensors& sample_weights, const char* what) const;
  // Loss values per output and metric values for a forward pass (training.cc).
  struct StepValues {
    Tensor total;
    std::vector<Tensor> per_output;
    std::vector<Tensor> metrics;
  };
  StepValues ComputeLosses(const Tensors& ys, const Tensors& preds, const Tensors& sample_weights,
                           bool with_metrics);

  SymbolicTensors inputs_;
  SymbolicTensors outputs_;
  // Every node of the graph in execution order (decreasing depth: inputs first).
  std::vector<std::shared_ptr<layers::Node>> nodes_;
  std::vector<int> node_depths_;

  void CompileForGraph();

  // compile() state
  bool compiled_ = false;
  bool compiled_for_graph_ = false;
  CompileOptions compile_options_;
  std::shared_ptr<Optimizer> optimizer_;
  std::vector<LossSpec> losses_per_output_;
  std::vector<double> loss_weights_;
  std::vector<std::vector<Metric>> metrics_per_output_;
};

// Slices rows [begin, begin + size) of each tensor along axis 0: the batches fit() feeds to TrainOnBatch.
Tensors SliceBatch(const Tensors& xs, int64_t begin, int64_t size);
// The rows of each tensor picked by int32 indices (shuffled batches).
Tensors GatherBatch(const Tensors& xs, const Tensor& indices);

}  // namespace kerasm::models
