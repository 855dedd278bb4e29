// Sequential: a Model grown one layer at a time. With an input shape (an InputLayer first, or a first layer
// configured with input_shape / batch_input_shape / input_dim, or a built model) the graph is extended at
// each Add and shape errors surface there; without one the layers wait, and the graph is built from the
// first data the model sees (batch dimension left unknown), as Keras defers it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/input_layer.h"
#include "models/model.h"

namespace kerasm::models {

class Sequential : public Model {
 public:
  explicit Sequential(const std::string& name = "");
  static std::shared_ptr<Sequential> Create(const std::vector<LayerPtr>& layers, const std::string& name = "");

  // Appends a layer (ValueError for a second InputLayer, a duplicate name, or a layer with several
  // outputs; ShapeError from the layer when it does not accept the current output).
  void Add(const LayerPtr& layer);
  // Removes the last layer (ValueError when empty).
  void Pop();

  // Builds the deferred graph from an input shape (batch dimension included; it is made unknown).
  void Build(const Shapes& input_shapes) override;
  json GetConfig() const override;
  int NodeIndexOffset() const override;

 private:
  void Rebuild();  // re-applies every layer to the input, after Pop

  std::shared_ptr<layers::InputLayer> input_layer_;
  // The input was inferred from data (deferred build) rather than given: Keras then writes
  // build_input_shape instead of the first layer's batch_input_shape, and counts no node of its own.
  bool inferred_input_ = false;
};

}  // namespace kerasm::models
