#include "models/sequential.h"

#include "core/error.h"
#include "layers/input_layer.h"
#include "layers/registry.h"
#include "params/arguments.h"

namespace kerasm::models {

Sequential::Sequential(const std::string& name) : Model("Sequential", name, "sequential") {}

std::shared_ptr<Sequential> Sequential::Create(const std::vector<LayerPtr>& layers, const std::string& name) {
  auto model = std::make_shared<Sequential>(name);
  for (const LayerPtr& l : layers) model->Add(l);
  return model;
}

void Sequential::Add(const LayerPtr& layer) {
  if (!layer) Fail<ValueError>(Who(), ": add() needs a layer");
  if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) {
    if (input_layer_ || !layers_.empty()) {
      Fail<ValueError>(Who(), ": an InputLayer can only be the first layer of a Sequential model");
    }
    input_layer_ = input;
    inferred_input_ = false;
    const SymbolicTensor x = input->Output();
    InitGraph({x}, {x});
    layers_.clear();  // Sequential lists its layers without the InputLayer
    return;
  }
  for (const LayerPtr& l : layers_) {
    if (l->name() == layer->name()) {
      Fail<ValueError>(Who(), ": all layers added to a Sequential model should have unique names. Name \"",
                       layer->name(), "\" is already the name of a layer in this model");
    }
  }
  if (!input_layer_ && layers_.empty()) {
    // The first layer: its own input shape, or a built model's, creates the input.
    std::optional<Shape> shape = layer->batch_input_shape();
    DType dtype = layer->dtype();
    if (auto model = std::dynamic_pointer_cast<Model>(layer); !shape && model && model->has_graph()) {
      if (model->inputs().size() != 1) {
        Fail<ValueError>(Who(), ": a model added to a Sequential model must have a single input; '",
                         layer->name(), "' has ", model->inputs().size());
      }
      shape = model->inputs()[0].shape();
      dtype = model->inputs()[0].dtype();
    }
    if (shape) {
      json config = {{"batch_shape", params::ShapeToJson(*shape)}, {"dtype", DTypeName(dtype)}};
      auto input = std::static_pointer_cast<layers::InputLayer>(layers::CreateLayer("InputLayer", config));
      SymbolicTensors out = layer->Apply(SymbolicTensors{input->Output()});
      if (out.size() != 1) {
        Fail<ValueError>(Who(), ": all layers in a Sequential model should have a single output tensor; '",
                         layer->name(), "' has ", out.size());
      }
      input_layer_ = input;
      inferred_input_ = false;
      InitGraph({input->Output()}, out);
      layers_ = {layer};
      return;
    }
  }
  if (!has_graph()) {
    // Deferred: built when the model first sees data (or build() is called).
    layers_.push_back(layer);
    TrackLayer(layer);
    return;
  }
  SymbolicTensors out = layer->Apply(outputs());
  if (out.size() != 1) {
    Fail<ValueError>(Who(), ": all layers in a Sequential model should have a single output tensor; '",
                     layer->name(), "' has ", out.size());
  }
  std::vector<LayerPtr> kept = layers_;
  kept.push_back(layer);
  InitGraph(inputs(), out);
  layers_ = kept;
}

void Sequential::Pop() {
  if (layers_.empty()) Fail<ValueError>(Who(), ": there are no layers to pop");
  layers_.pop_back();
  auto& tracked = mutable_sub_layers();
  if (!tracked.empty() && !has_graph()) tracked.pop_back();
  if (has_graph()) Rebuild();
}

void Sequential::Rebuild() {
  std::vector<LayerPtr> kept = layers_;
  SymbolicTensors x{input_layer_->Output()};
  for (const LayerPtr& l : kept) x = l->Apply(x);
  InitGraph({input_layer_->Output()}, x);
  layers_ = kept;
}

void Sequential::Build(const Shapes& input_shapes) {
  if (has_graph()) return;
  if (input_shapes.size() != 1) {
    Fail<ValueError>(Who(), ": a Sequential model has one input, but build() received ", input_shapes.size(),
                     " shapes");
  }
  if (layers_.empty()) Fail<ValueError>(Who(), ": cannot build a Sequential model with no layers");
  Shape shape = input_shapes[0];
  if (!shape.empty()) shape[0] = -1;  // the batch size of the data seen first is not part of the model
  json config = {{"batch_shape", params::ShapeToJson(shape)}, {"dtype", DTypeName(layers_[0]->dtype())}};
  input_layer_ = std::static_pointer_cast<layers::InputLayer>(layers::CreateLayer("InputLayer", config));
  inferred_input_ = true;
  Rebuild();
}

int Sequential::NodeIndexOffset() const { return has_graph() && !inferred_input_ ? 1 : 0; }

json Sequential::GetConfig() const {
  json layer_configs = json::array();
  for (const LayerPtr& l : layers_) {
    layer_configs.push_back({{"class_name", l->ClassName()}, {"config", l->GetConfig()}});
  }
  json config = {{"name", name()}, {"layers", layer_configs}};
  if (has_graph() && !layers_.empty()) {
    const Shape& input_shape = inputs()[0].shape();
    if (inferred_input_) {
      config["build_input_shape"] = params::ShapeToJson(input_shape);
    } else {
      // tfjs-layers' form: the input shape rides on the first layer's config.
      json& first = layer_configs[0]["config"];
      if (!first.contains("batch_input_shape") && layer_configs[0]["class_name"] != "Sequential" &&
          layer_configs[0]["class_name"] != "Functional") {
        first["batch_input_shape"] = params::ShapeToJson(input_shape);
      }
      config["layers"] = layer_configs;
    }
  } else if (has_graph()) {
    // Only an InputLayer so far.
    config["layers"] = json::array({{{"class_name", "InputLayer"}, {"config", input_layer_->GetConfig()}}});
  }
  return config;
}

}  // namespace kerasm::models
