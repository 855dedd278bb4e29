#include "layers/node.h"

#include "core/error.h"

namespace kerasm::layers {

const Shape& SymbolicTensor::shape() const { return node->output_shapes.at(index); }
DType SymbolicTensor::dtype() const { return node->output_dtypes.at(index); }
Layer* SymbolicTensor::layer() const { return node->layer.get(); }

std::string SymbolicTensor::name() const {
  return index == 0 ? node->layer->name() : node->layer->name() + ":" + std::to_string(index);
}

SymbolicTensors Node::Outputs() {
  SymbolicTensors out;
  for (size_t i = 0; i < output_shapes.size(); ++i) out.push_back({shared_from_this(), static_cast<int>(i)});
  return out;
}

int Node::IndexInLayer() const {
  const auto& nodes = layer->inbound_nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].lock().get() == this) return static_cast<int>(i);
  }
  return -1;
}

std::shared_ptr<Node> CreateNode(const LayerPtr& layer, SymbolicTensors inputs, Shapes output_shapes,
                                 json call_kwargs) {
  auto node = std::make_shared<Node>();
  node->layer = layer;
  node->inputs = std::move(inputs);
  node->output_dtypes.assign(output_shapes.size(), layer->dtype());
  node->output_shapes = std::move(output_shapes);
  node->call_kwargs = call_kwargs.is_null() ? json::object() : std::move(call_kwargs);
  layer->inbound_nodes_.push_back(node);
  return node;
}

std::optional<bool> TrainingKwarg(const Node& node) {
  auto it = node.call_kwargs.find("training");
  if (it == node.call_kwargs.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    Fail<ValueError>(node.layer->Who(), ": the call argument training must be true or false. Received: training=",
                     it->dump());
  }
  return it->get<bool>();
}

// Layer::Apply on symbolic tensors lives here, next to the node it creates.
SymbolicTensors Layer::Apply(const SymbolicTensors& inputs, const json& call_kwargs) {
  CheckInputCount(inputs.size());
  Shapes shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].node) Fail<ValueError>(Who(), ": symbolic input ", i, " is empty");
    shapes.push_back(inputs[i].shape());
  }
  if (!call_kwargs.is_null() && !call_kwargs.is_object()) {
    Fail<ValueError>(Who(), ": call arguments must be an object. Received: ", call_kwargs.dump());
  }
  LayerPtr self = weak_from_this().lock();
  if (!self) Fail<Error>(Who(), ": a layer must be owned by a shared_ptr (made by a factory) to be applied");
  MaybeBuild(shapes);
  CheckInputSpecs(shapes);
  Shapes out = ComputeOutputShape(shapes);
  if (out.empty()) Fail<Error>(Who(), ": computeOutputShape returned no shapes");
  auto node = CreateNode(self, inputs, std::move(out), call_kwargs);
  TrainingKwarg(*node);  // validates
  return node->Outputs();
}

}  // namespace kerasm::layers
