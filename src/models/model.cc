// Model: the graph (Keras' _map_graph_network), its execution with masks, shape inference, layer access
// and batched prediction.
#include "models/model.h"

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "layers/input_layer.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::models {

using layers::Node;

Model::Model(const SymbolicTensors& inputs, const SymbolicTensors& outputs, const std::string& name)
    : Layer("Functional", name, "model") {
  cast_inputs_ = false;  // each input is cast to its own Input's dtype instead
  InitGraph(inputs, outputs);
}

Model::Model(const std::string& class_name, const std::string& name, const std::string& name_prefix)
    : Layer(class_name, name, name_prefix) {
  cast_inputs_ = false;
}

void Model::InitGraph(const SymbolicTensors& inputs, const SymbolicTensors& outputs) {
  if (inputs.empty()) Fail<ValueError>(Who(), ": a model needs at least one input");
  if (outputs.empty()) Fail<ValueError>(Who(), ": a model needs at least one output");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const SymbolicTensor& t = inputs[i];
    if (!t.node) Fail<ValueError>(Who(), ": input ", i, " is empty");
    if (!t.node->is_input() || !dynamic_cast<layers::InputLayer*>(t.layer())) {
      Fail<ValueError>(Who(), ": model inputs must come from Input(); input ", i, " was produced by layer '",
                       t.layer()->name(), "' (", t.layer()->ClassName(), ")");
    }
    for (size_t j = 0; j < i; ++j) {
      if (inputs[j].node == t.node) Fail<ValueError>(Who(), ": input '", t.name(), "' is given twice");
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].node) Fail<ValueError>(Who(), ": output ", i, " is empty");
  }

  // Depth-first from the outputs: nodes in post-order (producers before consumers), layers numbered in the
  // order they are first reached (Keras' layer_indices, which orders layers of equal depth).
  std::vector<Node*> post_order;
  std::unordered_map<Node*, int> state;  // 1: on the stack, 2: finished
  std::unordered_map<const Layer*, int> layer_index;
  std::function<void(Node*)> visit = [&](Node* node) {
    int& s = state[node];
    if (s == 2) return;
    if (s == 1) Fail<ValueError>(Who(), ": the graph has a cycle through layer '", node->layer->name(), "'");
    s = 1;
    layer_index.emplace(node->layer.get(), static_cast<int>(layer_index.size()));
    for (const SymbolicTensor& in : node->inputs) visit(in.node.get());
    state[node] = 2;
    post_order.push_back(node);
  };
  for (const SymbolicTensor& out : outputs) visit(out.node.get());

  // Depths: outputs at 0, every producer deeper than all its consumers; a shared layer takes the largest depth
  // of its nodes so it is listed once, before everything that uses it.
  std::unordered_map<Node*, int> node_depth;
  std::unordered_map<const Layer*, int> layer_depth;
  for (auto it = post_order.rbegin(); it != post_order.rend(); ++it) {
    Node* node = *it;
    int depth = std::max(node_depth[node], layer_depth[node->layer.get()]);
    layer_depth[node->layer.get()] = depth;
    node_depth[node] = depth;
    for (const SymbolicTensor& in : node->inputs) {
      int& d = node_depth[in.node.get()];
      d = std::max(d, depth + 1);
    }
  }
  // Inputs the outputs do not use still belong to the model.
  for (const SymbolicTensor& in : inputs) {
    Node* node = in.node.get();
    if (!layer_depth.count(node->layer.get())) {
      layer_depth[node->layer.get()] = 0;
      layer_index[node->layer.get()] = -1;
      node_depth[node] = 0;
      post_order.push_back(node);
    }
  }

  // Execution order: decreasing depth, then discovery order.
  std::vector<Node*> order = post_order;
  std::stable_sort(order.begin(), order.end(), [&](Node* a, Node* b) { return node_depth[a] > node_depth[b]; });

  // Every node must be computable from the model's inputs.
  std::unordered_set<const Node*> available;
  for (const SymbolicTensor& in : inputs) available.insert(in.node.get());
  std::vector<std::string> done_layers;
  for (Node* node : order) {
    if (node->is_input()) {
      if (!available.count(node)) {
        Fail<ValueError>(Who(), ": graph disconnected: cannot obtain the value of input '", node->layer->name(),
                         "', which is not among the model's inputs");
      }
      continue;
    }
    for (const SymbolicTensor& in : node->inputs) {
      if (!available.count(in.node.get())) {
        std::ostringstream seen;
        for (size_t i = 0; i < done_layers.size(); ++i) seen << (i ? ", " : "") << done_layers[i];
        Fail<ValueError>(Who(), ": graph disconnected: cannot obtain the value of tensor '", in.name(),
                         "' at layer '", node->layer->name(),
                         "'. The following previous layers were accessed without issue: [", seen.str(), "]");
      }
    }
    available.insert(node);
    done_layers.push_back(node->layer->name());
  }

  // Layers: decreasing depth, equal depths in discovery order; each once.
  std::vector<const Layer*> layer_list;
  for (const auto& [layer, depth] : layer_depth) layer_list.push_back(layer);
  std::sort(layer_list.begin(), layer_list.end(), [&](const Layer* a, const Layer* b) {
    if (layer_depth[a] != layer_depth[b]) return layer_depth[a] > layer_depth[b];
    return layer_index[a] < layer_index[b];
  });
  std::unordered_map<const Layer*, LayerPtr> owners;
  for (Node* node : order) owners[node->layer.get()] = node->layer;
  std::vector<LayerPtr> graph_layers;
  for (const Layer* l : layer_list) graph_layers.push_back(owners.at(l));
  for (size_t i = 0; i < graph_layers.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (graph_layers[i]->name() == graph_layers[j]->name()) {
        Fail<ValueError>(Who(), ": the name \"", graph_layers[i]->name(),
                         "\" is used by 2 layers in the model; all layer names must be unique");
      }
    }
  }

  inputs_ = inputs;
  outputs_ = outputs;
  nodes_.clear();
  for (Node* node : order) nodes_.push_back(node->shared_from_this());
  node_depths_.clear();
  for (Node* node : order) node_depths_.push_back(node_depth[node]);
  layers_ = graph_layers;
  auto& tracked = mutable_sub_layers();
  tracked.erase(std::remove_if(tracked.begin(), tracked.end(),
                               [&](const LayerPtr& l) {
                                 return std::find(graph_layers.begin(), graph_layers.end(), l) == graph_layers.end();
                               }),
                tracked.end());
  for (const LayerPtr& l : graph_layers) TrackLayer(l);
  SetInputCount(static_cast<int>(inputs.size()), static_cast<int>(inputs.size()));
  set_built(true);
}

// ---- structure ----------------------------------------------------------------------------------------------

LayerPtr Model::GetLayer(const std::string& name) const {
  for (const LayerPtr& l : layers_) {
    if (l->name() == name) return l;
  }
  std::ostringstream names;
  for (size_t i = 0; i < layers_.size(); ++i) names << (i ? ", " : "") << layers_[i]->name();
  Fail<ValueError>(Who(), ": no such layer: '", name, "'. Existing layers are: [", names.str(), "]");
}

LayerPtr Model::GetLayer(int index) const {
  if (index < 0 || index >= static_cast<int>(layers_.size())) {
    Fail<IndexError>(Who(), ": was asked to retrieve layer at index ", index, " but the model only has ",
                     layers_.size(), " layer", layers_.size() == 1 ? "" : "s");
  }
  return layers_[index];
}

std::vector<std::string> Model::InputNames() const {
  std::vector<std::string> out;
  for (const SymbolicTensor& t : inputs_) out.push_back(t.layer()->name());
  return out;
}

std::vector<std::string> Model::OutputNames() const {
  std::vector<std::string> out;
  for (const SymbolicTensor& t : outputs_) out.push_back(t.layer()->name());
  return out;
}

// ---- execution ----------------------------------------------------------------------------------------------

CallResult Model::RunGraph(const Tensors& inputs, const CallContext& ctx) {
  if (inputs.size() != inputs_.size()) {
    Fail<ValueError>(Who(), ": expects ", inputs_.size(), " inputs, but it received ", inputs.size());
  }
  std::unordered_map<const Node*, CallResult> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Shape& want = inputs_[i].shape();
    const Shape& got = inputs[i].shape();
    bool ok = want.size() == got.size();
    for (size_t d = 0; ok && d < want.size(); ++d) ok = want[d] < 0 || want[d] == got[d];
    if (!ok) {
      Fail<ShapeError>(Who(), ": input ", i, " ('", inputs_[i].name(), "') expects shape ", ShapeToString(want),
                       ", but it received shape ", ShapeToString(got));
    }
    CallResult& r = values[inputs_[i].node.get()];
    r.outputs = {ops::Cast(inputs[i], inputs_[i].dtype())};
    r.masks = {i < ctx.masks.size() ? ctx.masks[i] : Tensor()};
  }

  // Intermediate results are released once their last consumer has run, which bounds memory in inference.
  std::unordered_map<const Node*, int> uses;
  for (const auto& node : nodes_) {
    for (const SymbolicTensor& in : node->inputs) ++uses[in.node.get()];
  }
  for (const SymbolicTensor& out : outputs_) ++uses[out.node.get()];

  for (const auto& node : nodes_) {
    if (node->is_input()) continue;
    Tensors in_tensors, in_masks;
    bool any_mask = false;
    for (const SymbolicTensor& in : node->inputs) {
      const CallResult& r = values.at(in.node.get());
      in_tensors.push_back(r.outputs.at(in.index));
      in_masks.push_back(r.masks.at(in.index));
      any_mask = any_mask || in_masks.back().defined();
    }
    CallContext c;
    c.training = layers::TrainingKwarg(*node).value_or(ctx.training);
    if (any_mask) c.masks = in_masks;
    CallResult r = node->layer->ApplyWithMasks(in_tensors, c);
    if (r.outputs.size() != node->output_shapes.size()) {
      Fail<Error>(node->layer->Who(), ": returned ", r.outputs.size(), " outputs where its computeOutputShape gave ",
                  node->output_shapes.size());
    }
    values[node.get()] = std::move(r);
    for (const SymbolicTensor& in : node->inputs) {
      if (--uses[in.node.get()] == 0) values.erase(in.node.get());
    }
  }

  CallResult result;
  for (const SymbolicTensor& out : outputs_) {
    const CallResult& r = values.at(out.node.get());
    result.outputs.push_back(r.outputs.at(out.index));
    result.masks.push_back(r.masks.at(out.index));
  }
  return result;
}

CallResult Model::CallWithMasks(const Tensors& inputs, const CallContext& ctx) { return RunGraph(inputs, ctx); }

Tensors Model::Call(const Tensors& inputs, const CallContext& ctx) { return RunGraph(inputs, ctx).outputs; }

Tensors Model::ComputeMask(const Tensors& inputs, const Tensors& masks) {
  CallContext ctx;
  ctx.masks = masks;
  return RunGraph(inputs, ctx).masks;
}

Shapes Model::ComputeOutputShape(const Shapes& input_shapes) {
  if (input_shapes.size() != inputs_.size()) {
    Fail<ValueError>(Who(), ": expects ", inputs_.size(), " input shapes, but it received ", input_shapes.size());
  }
  std::unordered_map<const Node*, Shapes> shapes;
  for (size_t i = 0; i < inputs_.size(); ++i) shapes[inputs_[i].node.get()] = {input_shapes[i]};
  for (const auto& node : nodes_) {
    if (node->is_input()) continue;
    Shapes in;
    for (const SymbolicTensor& t : node->inputs) in.push_back(shapes.at(t.node.get()).at(t.index));
    shapes[node.get()] = node->layer->ComputeOutputShape(in);
  }
  Shapes out;
  for (const SymbolicTensor& t : outputs_) out.push_back(shapes.at(t.node.get()).at(t.index));
  return out;
}

// ---- inference ----------------------------------------------------------------------------------------------

Tensors Model::Predict(const Tensors& xs, int64_t batch_size) {
  if (batch_size <= 0) Fail<ValueError>(Who(), ": batchSize must be a positive integer. Received: ", batch_size);
  if (has_graph() && xs.size() != inputs_.size()) {
    Fail<ValueError>(Who(), ": predict expects ", inputs_.size(), " input arrays, but it received ", xs.size());
  }
  if (xs.empty()) Fail<ValueError>(Who(), ": predict needs input data");
  for (const Tensor& x : xs) {
    if (!x.defined() || x.rank() == 0) Fail<ShapeError>(Who(), ": predict inputs need a batch axis");
  }
  const int64_t n = xs[0].dim(0);
  for (size_t i = 1; i < xs.size(); ++i) {
    if (xs[i].dim(0) != n) {
      Fail<ValueError>(Who(), ": all input arrays must have the same number of samples; input 0 has ", n,
                       " and input ", i, " has ", xs[i].dim(0));
    }
  }
  ops::NoGradScope no_grad;
  CallContext ctx;
  if (n <= batch_size) return Apply(xs, ctx);
  std::vector<Tensors> chunks;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    chunks.push_back(Apply(SliceBatch(xs, begin, std::min(batch_size, n - begin)), ctx));
  }
  Tensors out;
  for (size_t k = 0; k < chunks[0].size(); ++k) {
    Tensors parts;
    for (const Tensors& c : chunks) parts.push_back(c[k]);
    out.push_back(ops::Concat(parts, 0));
  }
  return out;
}

Tensors SliceBatch(const Tensors& xs, int64_t begin, int64_t size) {
  Tensors out;
  for (const Tensor& x : xs) {
    std::vector<int64_t> b(x.rank(), 0), s(x.rank(), -1);
    b[0] = begin;
    s[0] = size;
    out.push_back(ops::Slice(x, b, s));
  }
  return out;
}

Tensors GatherBatch(const Tensors& xs, const Tensor& indices) {
  Tensors out;
  for (const Tensor& x : xs) out.push_back(ops::Gather(x, indices, 0));
  return out;
}

}  // namespace kerasm::models
