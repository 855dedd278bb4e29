// Layers as Embind handles: shared_ptr<Layer>, so JS, models and graph nodes hold one layer together.
// Creation from the registry by (Keras class name, snake_case config), calls on tensors and on symbolic
// tensors, shapes, configs, weights and losses. Configs and shapes cross as JSON text (null for an unknown
// dimension): they are small and passed once per layer, not per step; tensors cross as handles.
#include <emscripten/bind.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "guard.h"
#include "json_util.h"
#include "layers/input_layer.h"
#include "layers/node.h"
#include "layers/recurrent.h"
#include "layers/registry.h"
#include "models/model.h"
#include "models/sequential.h"
#include "ops/activation_list.h"
#include "params/arguments.h"

namespace kerasm::bindings {
namespace {

using layers::Layer;
using layers::LayerPtr;
using layers::SymbolicTensor;
using json = nlohmann::json;
using LayerList = std::vector<LayerPtr>;
using SymbolicList = std::vector<SymbolicTensor>;
using TensorList = std::vector<Tensor>;
using VariableList = std::vector<ops::VariablePtr>;

void CheckLayer(const LayerPtr& layer) {
  if (!layer) Fail<ValueError>("the layer handle is empty");
}

// ---- the registry ----------------------------------------------------------------------------------------

// The built-in layers in registry order, as JSON [["Dense", "dense"], ...]: web/ makes one factory per entry.
std::string LayerClassList() {
  json out = json::array();
  for (const layers::LayerClass& c : layers::LayerClasses()) out.push_back({c.class_name, c.js_name});
  return out.dump();
}

// The activation list (ops/activation_list.h) as JSON [["hardSigmoid", "hard_sigmoid"], ...]: web/ names
// activations from it instead of keeping its own list.
std::string ActivationList() {
  json out = json::array();
  for (const ops::ActivationName& a : ops::ActivationNames()) out.push_back({a.js, a.keras});
  return out.dump();
}

// A Keras config as tfjs' getConfig() writes it (params::ToTfjsConfig), JSON text both ways.
std::string ToTfjsConfig(const std::string& config) {
  return Guard([&] { return params::ToTfjsConfig(ParseJson(config, "getConfig")).dump(); });
}

// The config may use camelCase (from JS) or snake_case keys: the layers read both, and their messages spell
// each key as it was given.
LayerPtr CreateLayer(const std::string& class_name, const std::string& config) {
  return Guard([&] { return layers::CreateLayer(class_name, ParseJson(config, class_name)); });
}

// The same with the layers a JS config held: web/ put a placeholder ({"__kerasm_live_layer__": i}) where
// each was, and DeserializeLayer resolves placeholder i to live[i] itself while the scope lasts.
LayerPtr CreateLayerWithLive(const std::string& class_name, const std::string& config, const LayerList& live) {
  return Guard([&] {
    layers::LiveLayerScope scope(live);
    return layers::CreateLayer(class_name, ParseJson(config, class_name));
  });
}

// ---- identity -------------------------------------------------------------------------------------------

// The C++ object's address: web/ keeps one JS wrapper per layer, keyed by it.
double LayerId(const LayerPtr& layer) { return static_cast<double>(reinterpret_cast<uintptr_t>(layer.get())); }

// 0 a layer, 1 a functional model, 2 a Sequential: which JS class wraps it.
int LayerKind(const LayerPtr& layer) {
  if (std::dynamic_pointer_cast<models::Sequential>(layer)) return 2;
  if (std::dynamic_pointer_cast<models::Model>(layer)) return 1;
  return 0;
}

std::string LayerName(const LayerPtr& layer) { return layer ? layer->name() : std::string(); }
std::string LayerClassName(const LayerPtr& layer) { return layer ? layer->ClassName() : std::string(); }
bool LayerBuilt(const LayerPtr& layer) { return layer && layer->built(); }
bool LayerTrainable(const LayerPtr& layer) { return layer && layer->trainable(); }
std::string LayerDType(const LayerPtr& layer) { return layer ? DTypeName(layer->dtype()) : std::string(); }

void LayerSetTrainable(const LayerPtr& layer, bool trainable) {
  Guard([&] {
    CheckLayer(layer);
    layer->SetTrainable(trainable);
  });
}

// ---- calls ------------------------------------------------------------------------------------------------

// masks: empty (none) or one per input.
TensorList LayerApply(const LayerPtr& layer, const TensorList& inputs, bool training, const TensorList& masks) {
  return Guard([&] {
    CheckLayer(layer);
    layers::CallContext ctx;
    ctx.training = training;
    ctx.masks = masks;
    return layer->Apply(inputs, ctx);
  });
}

// The output masks for these inputs and input masks (entries without a mask come back undefined).
TensorList LayerComputeMask(const LayerPtr& layer, const TensorList& inputs, const TensorList& masks) {
  return Guard([&] {
    CheckLayer(layer);
    TensorList m = masks;
    m.resize(inputs.size());
    return layer->ComputeMask(inputs, m);
  });
}

// kwargs: {"training": bool} fixes the mode at the node created.
SymbolicList LayerApplySymbolic(const LayerPtr& layer, const SymbolicList& inputs, const std::string& kwargs) {
  return Guard([&] {
    CheckLayer(layer);
    return layer->Apply(inputs, ParseJson(kwargs, layer->Who()));
  });
}

void LayerBuild(const LayerPtr& layer, const std::string& shapes) {
  Guard([&] {
    CheckLayer(layer);
    layer->MaybeBuild(ShapesFromJson(shapes, layer->Who()));
  });
}

std::string LayerComputeOutputShape(const LayerPtr& layer, const std::string& shapes) {
  return Guard([&] {
    CheckLayer(layer);
    return ShapesToJson(layer->ComputeOutputShape(ShapesFromJson(shapes, layer->Who())));
  });
}

std::string LayerConfig(const LayerPtr& layer) {
  return Guard([&] {
    CheckLayer(layer);
    return layer->GetConfig().dump();
  });
}

// ---- weights and losses -----------------------------------------------------------------------------------

TensorList LayerGetWeights(const LayerPtr& layer) {
  return Guard([&] {
    CheckLayer(layer);
    return layer->GetWeights();
  });
}

void LayerSetWeights(const LayerPtr& layer, const TensorList& values) {
  Guard([&] {
    CheckLayer(layer);
    layer->SetWeights(values);
  });
}

double LayerCountParams(const LayerPtr& layer) {
  return Guard([&] {
    CheckLayer(layer);
    return static_cast<double>(layer->CountParams());
  });
}

// which: 0 every weight, 1 the trainable ones, 2 the non-trainable ones (Keras order within each).
VariableList LayerVariables(const LayerPtr& layer, int which) {
  return Guard([&] {
    CheckLayer(layer);
    if (which == 1) return layer->TrainableWeights();
    if (which == 2) return layer->NonTrainableWeights();
    return layer->Weights();
  });
}

// The losses of the latest call plus the weights' regularization penalties (scalars).
TensorList LayerLosses(const LayerPtr& layer) {
  return Guard([&] {
    CheckLayer(layer);
    return layer->Losses();
  });
}

void LayerResetStates(const LayerPtr& layer) {
  Guard([&] {
    CheckLayer(layer);
    layer->ResetStates();
  });
}

void LayerResetStatesTo(const LayerPtr& layer, const TensorList& states) {
  Guard([&] {
    CheckLayer(layer);
    auto* rnn = dynamic_cast<layers::RNN*>(layer.get());
    if (rnn == nullptr) Fail<ValueError>(layer->Who(), ": resetStates(states) needs a stateful RNN layer");
    rnn->ResetStates(states);
  });
}

// ---- symbolic tensors -------------------------------------------------------------------------------------

SymbolicTensor Input(const std::string& config) {
  return Guard([&] { return layers::Input(ParseJson(config, "input")); });
}

// {"shape": [null, 3], "dtype": "float32", "name": "dense", "index": 0}
std::string SymbolicInfo(const SymbolicTensor& t) {
  return Guard([&] {
    if (!t.node) Fail<ValueError>("the symbolic tensor is empty");
    return json{{"shape", params::ShapeToJson(t.shape())},
                {"dtype", DTypeName(t.dtype())},
                {"name", t.name()},
                {"index", t.index}}
        .dump();
  });
}

LayerPtr SymbolicLayer(const SymbolicTensor& t) {
  return Guard([&] {
    if (!t.node) Fail<ValueError>("the symbolic tensor is empty");
    return t.node->layer;
  });
}

// The outputs of a layer's node_index-th node (tfjs' layer.output / layer.input for single-node layers):
// which 0 its outputs, 1 its inputs.
SymbolicList LayerNodeTensors(const LayerPtr& layer, int node_index, int which) {
  return Guard([&] {
    CheckLayer(layer);
    const auto& nodes = layer->inbound_nodes();
    if (node_index < 0 || node_index >= static_cast<int>(nodes.size())) {
      Fail<ValueError>(layer->Who(), ": has ", nodes.size(), " node", nodes.size() == 1 ? "" : "s",
                       "; it must be applied to a symbolic tensor before its ", which == 0 ? "output" : "input",
                       " exists");
    }
    auto node = nodes[node_index].lock();
    if (!node) Fail<ValueError>(layer->Who(), ": node ", node_index, " no longer exists");
    if (which == 0) return node->Outputs();
    return node->is_input() ? node->Outputs() : node->inputs;
  });
}

int LayerNodeCount(const LayerPtr& layer) { return layer ? static_cast<int>(layer->inbound_nodes().size()) : 0; }

// A variable's address: web/ keeps one JS LayerVariable per variable and layer wrapper, keyed by it.
double VariableId(const ops::VariablePtr& v) { return static_cast<double>(reinterpret_cast<uintptr_t>(v.get())); }

}  // namespace
}  // namespace kerasm::bindings

EMSCRIPTEN_BINDINGS(kerasm_layers) {
  using namespace emscripten;
  using namespace kerasm;
  using namespace kerasm::bindings;

  class_<layers::Layer>("Layer").smart_ptr<layers::LayerPtr>("LayerPtr");
  register_vector<layers::LayerPtr>("LayerList");
  class_<layers::SymbolicTensor>("SymbolicTensor");
  register_vector<layers::SymbolicTensor>("SymbolicList");
  register_vector<ops::VariablePtr>("VariableList");

  function("layerClassList", &LayerClassList);
  function("createLayer", &CreateLayer);
  function("createLayerWithLive", &CreateLayerWithLive);
  function("activationList", &ActivationList);
  function("toTfjsConfig", &ToTfjsConfig);

  function("layerId", &LayerId);
  function("layerKind", &LayerKind);
  function("layerName", &LayerName);
  function("layerClassName", &LayerClassName);
  function("layerBuilt", &LayerBuilt);
  function("layerTrainable", &LayerTrainable);
  function("layerSetTrainable", &LayerSetTrainable);
  function("layerDType", &LayerDType);

  function("layerApply", &LayerApply);
  function("layerComputeMask", &LayerComputeMask);
  function("layerApplySymbolic", &LayerApplySymbolic);
  function("layerBuild", &LayerBuild);
  function("layerComputeOutputShape", &LayerComputeOutputShape);
  function("layerConfig", &LayerConfig);

  function("layerGetWeights", &LayerGetWeights);
  function("layerSetWeights", &LayerSetWeights);
  function("layerCountParams", &LayerCountParams);
  function("layerVariables", &LayerVariables);
  function("layerLosses", &LayerLosses);
  function("layerResetStates", &LayerResetStates);
  function("layerResetStatesTo", &LayerResetStatesTo);

  function("input", &Input);
  function("symbolicInfo", &SymbolicInfo);
  function("symbolicLayer", &SymbolicLayer);
  function("layerNodeTensors", &LayerNodeTensors);
  function("layerNodeCount", &LayerNodeCount);
  function("variableId", &VariableId);
}
