#include "layers/input_layer.h"

#include "core/error.h"
#include "layers/registry.h"
#include "params/arguments.h"

namespace kerasm::layers {

InputLayer::InputLayer(ConfigReader& config) : Layer(config, "input", /*one_based_names=*/true) {
  // Keras 3 spells the arguments shape / batch_shape, Keras 2 and tfjs input_shape / batch_input_shape.
  std::optional<Shape> batch_shape = config.OptionalShape("batch_shape");
  if (!batch_shape) batch_shape = config.OptionalShape("batch_input_shape");
  std::optional<Shape> shape = config.OptionalShape("shape");
  if (!shape) shape = config.OptionalShape("input_shape");
  const std::optional<int64_t> batch_size = config.OptionalInt("batch_size");
  if (batch_size && *batch_size <= 0) config.Invalid("batch_size", "must be a positive integer");
  if (batch_shape) {
    batch_shape_ = *batch_shape;
  } else if (shape) {
    batch_shape_ = {batch_size ? *batch_size : -1};
    batch_shape_.insert(batch_shape_.end(), shape->begin(), shape->end());
  } else {
    config.Reject("shape", "a shape is required: pass shape (without the batch dimension) or batch_shape");
  }
  if (config.Bool("sparse", false)) config.Reject("sparse", "sparse inputs are not supported");
  if (config.Bool("ragged", false)) config.Reject("ragged", "ragged inputs are not supported");
  if (config.Bool("optional", false)) config.Reject("optional", "optional inputs are not supported");
  cast_inputs_ = false;
  set_batch_input_shape(batch_shape_);
  set_built(true);
}

Tensors InputLayer::Call(const Tensors& inputs, const CallContext&) { return inputs; }

// Its own node has no inputs; applied to a tensor, an InputLayer is the identity.
Shapes InputLayer::ComputeOutputShape(const Shapes& input_shapes) {
  return input_shapes.empty() ? Shapes{batch_shape_} : input_shapes;
}

json InputLayer::GetConfig() const {
  return {{"batch_input_shape", params::ShapeToJson(batch_shape_)},
          {"dtype", DTypeName(dtype())},
          {"sparse", false},
          {"name", name()}};
}

SymbolicTensor InputLayer::Output() {
  auto& nodes = mutable_inbound_nodes();
  if (!nodes.empty()) {
    if (auto node = nodes.front().lock()) return {node, 0};
    nodes.clear();  // the node was released with every tensor that used it: make it again as node 0
  }
  return CreateNode(shared_from_this(), {}, {batch_shape_}, json::object())->Outputs().front();
}

SymbolicTensor Input(const json& config) {
  LayerPtr layer = CreateLayer("InputLayer", config);
  return static_cast<InputLayer&>(*layer).Output();
}

SymbolicTensor Input(const Shape& shape, DType dtype, const std::string& name) {
  json config = {{"shape", params::ShapeToJson(shape)}, {"dtype", DTypeName(dtype)}};
  if (!name.empty()) config["name"] = name;
  return Input(config);
}

}  // namespace kerasm::layers

namespace kerasm::layers {

LayerPtr CreateInputLayer(const json& config) { return MakeLayer<InputLayer>(config, "InputLayer"); }

}  // namespace kerasm::layers
