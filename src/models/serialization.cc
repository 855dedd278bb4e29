#include "models/serialization.h"

#include <deque>
#include <map>
#include <unordered_set>

#include "core/error.h"
#include "layers/input_layer.h"
#include "layers/registry.h"
#include "models/sequential.h"

namespace kerasm::models {

using layers::Node;

// ---- writing --------------------------------------------------------------------------------------------------

std::unordered_map<const Node*, int> SerializedNodeIndices(const Model& model) {
  std::unordered_set<const Node*> in_model;
  std::vector<const Layer*> layer_order;
  for (const auto& node : model.nodes()) {
    in_model.insert(node.get());
    if (std::find(layer_order.begin(), layer_order.end(), node->layer.get()) == layer_order.end()) {
      layer_order.push_back(node->layer.get());
    }
  }
  std::unordered_map<const Node*, int> index;
  for (const Layer* layer : layer_order) {
    int kept = layer->NodeIndexOffset();
    for (const auto& weak : layer->inbound_nodes()) {
      auto node = weak.lock();
      if (node && in_model.count(node.get())) index[node.get()] = kept++;
    }
  }
  return index;
}

json FunctionalConfig(const Model& model) {
  const auto index = SerializedNodeIndices(model);
  std::unordered_set<const Node*> in_model;
  for (const auto& node : model.nodes()) in_model.insert(node.get());

  json layer_list = json::array();
  for (const LayerPtr& layer : model.layers()) {
    json inbound = json::array();
    for (const auto& weak : layer->inbound_nodes()) {
      auto node = weak.lock();
      if (!node || !in_model.count(node.get()) || node->is_input()) continue;
      json entries = json::array();
      for (const SymbolicTensor& in : node->inputs) {
        entries.push_back({in.layer()->name(), index.at(in.node.get()), in.index, node->call_kwargs});
      }
      inbound.push_back(entries);
    }
    layer_list.push_back({{"name", layer->name()},
                          {"class_name", layer->ClassName()},
                          {"config", layer->GetConfig()},
                          {"inbound_nodes", inbound}});
  }
  auto refs = [&](const SymbolicTensors& ts) {
    json out = json::array();
    for (const SymbolicTensor& t : ts) out.push_back({t.layer()->name(), index.at(t.node.get()), t.index});
    return out;
  };
  return {{"name", model.name()},
          {"layers", layer_list},
          {"input_layers", refs(model.inputs())},
          {"output_layers", refs(model.outputs())}};
}

json Model::GetConfig() const { return FunctionalConfig(*this); }

json ModelToJson(const Model& model) {
  return {{"class_name", model.ClassName()},
          {"config", model.GetConfig()},
          {"keras_version", "kerasm"},
          {"backend", "kerasm"}};
}

// ---- reading ----------------------------------------------------------------------------------------------------

namespace {

struct TensorRef {
  std::string layer;
  int node_index;
  int tensor_index;
};

int AsIndex(const json& v, const char* what) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    Fail<ValueError>("Model config: ", what, " must be a non-negative integer. Received: ", v.dump());
  }
  return v.get<int>();
}

// ["dense", 0, 0] or ["dense", 0, 0, {kwargs}].
TensorRef ParseRef(const json& entry) {
  if (!entry.is_array() || entry.size() < 3 || !entry[0].is_string()) {
    Fail<ValueError>("Model config: a tensor reference must be [layer_name, node_index, tensor_index]. Received: ",
                     entry.dump());
  }
  return {entry[0].get<std::string>(), AsIndex(entry[1], "node_index"), AsIndex(entry[2], "tensor_index")};
}

// input_layers / output_layers: a list of references, or a single one (Keras 3 with a single input).
std::vector<TensorRef> ParseRefList(const json& v, const char* key) {
  if (!v.is_array()) Fail<ValueError>("Model config: ", key, " must be a list. Received: ", v.dump());
  if (!v.empty() && v[0].is_string()) return {ParseRef(v)};
  std::vector<TensorRef> out;
  for (const json& e : v) out.push_back(ParseRef(e));
  return out;
}

bool IsKerasTensor(const json& v) {
  return v.is_object() && v.value("class_name", "") == "__keras_tensor__";
}

// Keras 3 node arguments: keras tensors anywhere in nested lists, in order.
void CollectKerasTensors(const json& v, std::vector<TensorRef>* out) {
  if (IsKerasTensor(v)) {
    const json& history = v.at("config").at("keras_history");
    out->push_back(ParseRef(history));
  } else if (v.is_array()) {
    for (const json& e : v) CollectKerasTensors(e, out);
  }
}

// One serialized node: Keras 2 / tfjs [[name, node, tensor, kwargs], ...] or Keras 3 {"args", "kwargs"}.
void ParseNode(const json& node_data, std::vector<TensorRef>* refs, json* kwargs) {
  *kwargs = json::object();
  if (node_data.is_object()) {
    CollectKerasTensors(node_data.value("args", json::array()), refs);
    const json call_kwargs = node_data.value("kwargs", json::object());
    if (!call_kwargs.is_object()) Fail<ValueError>("Model config: node kwargs must be an object");
    for (const auto& [k, v] : call_kwargs.items()) {
      std::vector<TensorRef> nested;
      CollectKerasTensors(v, &nested);
      if (!nested.empty()) {
        Fail<ValueError>("Model config: tensors passed as the call argument '", k, "' are not supported");
      }
      (*kwargs)[k] = v;
    }
    return;
  }
  if (!node_data.is_array()) Fail<ValueError>("Model config: malformed inbound node ", node_data.dump());
  if (!node_data.empty() && node_data[0].is_string()) {  // a single entry not wrapped in a list
    refs->push_back(ParseRef(node_data));
    if (node_data.size() > 3 && node_data[3].is_object()) *kwargs = node_data[3];
    return;
  }
  for (const json& entry : node_data) {
    refs->push_back(ParseRef(entry));
    if (entry.size() > 3 && entry[3].is_object() && kwargs->empty()) *kwargs = entry[3];
  }
}

class GraphBuilder {
 public:
  LayerPtr Layer(const std::string& name, const std::string& context) const {
    auto it = created_.find(name);
    if (it == created_.end()) {
      Fail<ValueError>("Model config: ", context, " refers to an unknown layer '", name, "'");
    }
    return it->second;
  }

  // The tensor a reference names, or nullopt when its node has not been created yet.
  std::optional<SymbolicTensor> Resolve(const TensorRef& ref, const std::string& context) const {
    LayerPtr layer = Layer(ref.layer, context);
    const int k = ref.node_index - layer->NodeIndexOffset();
    if (k < 0) Fail<ValueError>("Model config: ", context, " refers to node ", ref.node_index, " of '", ref.layer, "', which is not part of a config");
    if (k >= static_cast<int>(layer->inbound_nodes().size())) return std::nullopt;
    auto node = layer->inbound_nodes()[k].lock();
    if (!node) Fail<ValueError>("Model config: node ", ref.node_index, " of layer '", ref.layer, "' no longer exists");
    if (ref.tensor_index >= static_cast<int>(node->output_shapes.size())) {
      Fail<ValueError>("Model config: ", context, " asks for output ", ref.tensor_index, " of layer '", ref.layer,
                       "', which has ", node->output_shapes.size());
    }
    return SymbolicTensor{node, ref.tensor_index};
  }

  std::map<std::string, LayerPtr> created_;
  std::vector<std::shared_ptr<Node>> keep_alive_;  // layers list their nodes weakly
};

}  // namespace

std::shared_ptr<Model> FunctionalFromConfig(const json& config) {
  if (!config.is_object() || !config.contains("layers") || !config["layers"].is_array()) {
    Fail<ValueError>("Model config: a functional config needs a \"layers\" list");
  }
  GraphBuilder g;
  std::vector<std::pair<LayerPtr, std::deque<json>>> pending;
  for (const json& layer_data : config["layers"]) {
    LayerPtr layer = layers::DeserializeLayer(layer_data);
    const std::string name = layer_data.value("name", layer->name());
    if (g.created_.count(name)) Fail<ValueError>("Model config: two layers are named '", name, "'");
    g.created_[name] = layer;
    if (auto input = std::dynamic_pointer_cast<layers::InputLayer>(layer)) {
      g.keep_alive_.push_back(input->Output().node);
    }
    const json inbound = layer_data.value("inbound_nodes", json::array());
    if (!inbound.is_array()) Fail<ValueError>("Model config: inbound_nodes of '", name, "' must be a list");
    pending.push_back({layer, std::deque<json>(inbound.begin(), inbound.end())});
  }

  // Keras' reconstruction: nodes are created as soon as the nodes they read exist, sweeping the layer list
  // until every node is made (shared layers and nested models can need several sweeps).
  for (bool remaining = true; remaining;) {
    remaining = false;
    bool progress = false;
    std::string stuck;
    for (auto& [layer, queue] : pending) {
      while (!queue.empty()) {
        std::vector<TensorRef> refs;
        json kwargs;
        ParseNode(queue.front(), &refs, &kwargs);
        SymbolicTensors inputs;
        bool ready = true;
        for (const TensorRef& ref : refs) {
          auto t = g.Resolve(ref, "an inbound node of '" + layer->name() + "'");
          if (!t) {
            ready = false;
            stuck = "layer '" + layer->name() + "' needs node " + std::to_string(ref.node_index) + " of '" +
                    ref.layer + "'";
            break;
          }
          inputs.push_back(*t);
        }
        if (!ready) break;
        if (inputs.empty()) Fail<ValueError>("Model config: an inbound node of '", layer->name(), "' has no inputs");
        SymbolicTensors outs = layer->Apply(inputs, kwargs);
        g.keep_alive_.push_back(outs.front().node);
        queue.pop_front();
        progress = true;
      }
      remaining = remaining || !queue.empty();
    }
    if (remaining && !progress) Fail<ValueError>("Model config: cannot reconstruct the graph: ", stuck);
  }

  auto tensors = [&](const char* key) {
    if (!config.contains(key)) Fail<ValueError>("Model config: a functional config needs \"", key, "\"");
    SymbolicTensors out;
    for (const TensorRef& ref : ParseRefList(config[key], key)) {
      auto t = g.Resolve(ref, key);
      if (!t) Fail<ValueError>("Model config: ", key, " refers to node ", ref.node_index, " of '", ref.layer, "', which does not exist");
      out.push_back(*t);
    }
    return out;
  };
  auto model = std::make_shared<Model>(tensors("input_layers"), tensors("output_layers"), config.value("name", ""));
  if (config.contains("trainable") && config["trainable"].is_boolean()) model->SetTrainable(config["trainable"].get<bool>());
  return model;
}

std::shared_ptr<Sequential> SequentialFromConfig(const json& config) {
  json layer_list;
  std::string name;
  if (config.is_array()) {
    layer_list = config;  // Keras 2.0 wrote the bare list
  } else if (config.is_object() && config.contains("layers") && config["layers"].is_array()) {
    layer_list = config["layers"];
    name = config.value("name", "");
  } else {
    Fail<ValueError>("Model config: a Sequential config needs a \"layers\" list");
  }
  auto model = std::make_shared<Sequential>(name);
  for (const json& spec : layer_list) model->Add(layers::DeserializeLayer(spec));
  if (config.is_object() && config.contains("build_input_shape") && !config["build_input_shape"].is_null() &&
      !model->has_graph()) {
    Shape shape;
    for (const json& d : config["build_input_shape"]) shape.push_back(d.is_null() ? -1 : d.get<int64_t>());
    model->MaybeBuild({shape});
  }
  if (config.is_object() && config.contains("trainable") && config["trainable"].is_boolean()) {
    model->SetTrainable(config["trainable"].get<bool>());
  }
  return model;
}

void RegisterModelClasses() {
  layers::RegisterModelClass("Sequential", [](const json& config) { return SequentialFromConfig(config); });
  // "Model": what tfjs and Keras before 2.4 call a functional model.
  for (const char* name : {"Functional", "Model"}) {
    layers::RegisterModelClass(name, [](const json& config) { return FunctionalFromConfig(config); });
  }
}

namespace {

// Keras 1/2 and tfjs-layers meant clip(0.2 x + 0.5, 0, 1) by hard_sigmoid; Keras 3 (and kerasm) mean
// relu6(x + 3) / 6. A model is read with its writer's formula, so the older writers' spelling becomes
// hard_sigmoid_keras2 wherever an activation is named (Keras 2's LSTM and GRU default to it), and the
// defaults Keras 3 changed are written out with the older values.
bool WrittenBeforeKeras3(const json& model) {
  const auto it = model.find("keras_version");
  if (it == model.end() || !it->is_string()) return false;
  const std::string v = it->get<std::string>();
  return v.rfind("1.", 0) == 0 || v.rfind("2.", 0) == 0 || v.rfind("tfjs", 0) == 0;
}

// The defaults that changed in Keras 3, as the older writers had them, for configs that leave them out
// (tfjs writes no reset_after: its GRU is the reset-before one).
void UseKeras2Defaults(json& layer) {
  const auto cls = layer.find(layer.contains("class_name") ? "class_name" : "className");
  const auto config = layer.find("config");
  if (cls == layer.end() || !cls->is_string() || config == layer.end() || !config->is_object()) return;
  const std::string c = cls->get<std::string>();
  const bool gated = c == "GRU" || c == "GRUCell" || c == "LSTM" || c == "LSTMCell" || c == "ConvLSTM2D";
  if (gated && !config->contains("recurrent_activation") && !config->contains("recurrentActivation")) {
    (*config)["recurrent_activation"] = "hard_sigmoid";
  }
  if ((c == "GRU" || c == "GRUCell") && !config->contains("reset_after") && !config->contains("resetAfter")) {
    (*config)["reset_after"] = false;
  }
}

void UseKeras2HardSigmoid(json& value) {
  if (value.is_array()) {
    for (json& v : value) UseKeras2HardSigmoid(v);
    return;
  }
  if (!value.is_object()) return;
  UseKeras2Defaults(value);
  for (auto it = value.begin(); it != value.end(); ++it) {
    const bool names_activation = it.key() == "activation" || it.key() == "recurrent_activation" ||
                                  it.key() == "recurrentActivation";
    if (names_activation && it->is_string() && (*it == "hard_sigmoid" || *it == "hardSigmoid")) {
      *it = "hard_sigmoid_keras2";
    } else {
      UseKeras2HardSigmoid(*it);
    }
  }
}

}  // namespace

std::shared_ptr<Model> ModelFromJson(const json& value) {
  if (value.is_string()) {
    json parsed;
    try {
      parsed = json::parse(value.get<std::string>());
    } catch (const json::exception& e) {
      Fail<ValueError>("A model JSON could not be parsed: ", e.what());
    }
    return ModelFromJson(parsed);
  }
  if (!value.is_object()) Fail<ValueError>("A model JSON must be an object. Received: ", value.dump());
  if (value.contains("modelTopology")) return ModelFromJson(value["modelTopology"]);
  if (value.contains("model_config")) return ModelFromJson(value["model_config"]);
  const std::string class_name = value.value("class_name", value.value("className", ""));
  if (class_name != "Sequential" && class_name != "Functional" && class_name != "Model") {
    Fail<ValueError>("A model JSON needs class_name Sequential, Functional or Model. Received: class_name=",
                     json(class_name).dump());
  }
  // A program that skipped the start-up call would otherwise fail on the first nested model.
  RegisterModelClasses();
  try {
    if (WrittenBeforeKeras3(value)) {
      json legacy = value;
      UseKeras2HardSigmoid(legacy);
      return std::static_pointer_cast<Model>(layers::DeserializeLayer(legacy));
    }
    return std::static_pointer_cast<Model>(layers::DeserializeLayer(value));
  } catch (const json::exception& e) {
    // A field of the wrong JSON type deep in the config.
    Fail<ValueError>("Model config: malformed: ", e.what());
  }
}

}  // namespace kerasm::models
