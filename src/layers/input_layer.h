// InputLayer and Input(): the entry points of a layer graph. An InputLayer owns exactly one node, with no
// inbound tensors, whose output is the symbolic tensor km.input() returns.
#pragma once

#include <string>

#include "layers/layer.h"
#include "layers/node.h"

namespace kerasm::layers {

class InputLayer : public Layer {
 public:
  explicit InputLayer(ConfigReader& config);

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override;
  Shapes ComputeOutputShape(const Shapes& input_shapes) override;
  json GetConfig() const override;

  // The full shape, batch first (-1 where unknown).
  const Shape& batch_shape() const { return batch_shape_; }
  // The symbolic tensor this layer feeds (its node is made on first use).
  SymbolicTensor Output();

 private:
  Shape batch_shape_;
};

// Keras' Input(shape=..., batch_size=..., dtype=..., name=...) from an InputLayer config (shape / batch_shape
// / batch_input_shape ...), returning the symbolic tensor.
SymbolicTensor Input(const json& config);
// The common case: the shape without the batch dimension.
SymbolicTensor Input(const Shape& shape, DType dtype = DType::kFloat32, const std::string& name = "");

}  // namespace kerasm::layers
