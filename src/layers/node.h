// Nodes of a layer graph. Applying a layer to symbolic tensors records a Node: the layer, the symbolic
// tensors it was applied to, and the inferred output shapes. A functional model is the set of nodes between
// its inputs and outputs. A layer applied at several places (a shared layer) has several nodes; a node's
// index among its layer's nodes is the node_index of Keras' serialized inbound_nodes.
//
// Ownership: a node holds its layer and its input tensors (so their nodes) strongly; a layer lists its nodes
// weakly. Symbolic tensors and models therefore keep alive exactly the graph they can reach.
#pragma once

#include <memory>
#include <vector>

#include "layers/layer.h"

namespace kerasm::layers {

struct Node : std::enable_shared_from_this<Node> {
  LayerPtr layer;
  SymbolicTensors inputs;  // empty for an InputLayer's node
  Shapes output_shapes;
  std::vector<DType> output_dtypes;
  json call_kwargs = json::object();  // {"training": bool} fixes the mode at this node

  bool is_input() const { return inputs.empty(); }
  SymbolicTensors Outputs();
  // Position among layer->inbound_nodes(); -1 if the layer no longer lists it.
  int IndexInLayer() const;
};

// Creates a node of `layer` and appends it to the layer's node list.
std::shared_ptr<Node> CreateNode(const LayerPtr& layer, SymbolicTensors inputs, Shapes output_shapes,
                                 json call_kwargs);

// The "training" entry of a node's call_kwargs, if any (ValueError when it is not a bool).
std::optional<bool> TrainingKwarg(const Node& node);

}  // namespace kerasm::layers
