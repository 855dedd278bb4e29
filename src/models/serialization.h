// Keras JSON for models: model.to_json() / tfjs' modelTopology, and back.
//
// Written in the Keras 2 / tfjs-layers form: {"class_name": "Sequential" | "Functional", "config": {...}} where a
// functional config lists "layers" (each with "name", "class_name", "config" and "inbound_nodes" as
// [[["input_1", 0, 0, {}]]]), "input_layers" and "output_layers" ([["name", node_index, tensor_index]]).
// Read in that form, in Keras 3's (inbound_nodes as {"args": [keras tensors], "kwargs": {...}}), and with
// class_name "Model" (tfjs, older Keras). Sequential configs may be a bare list of layers (Keras 2.0) or
// start with an InputLayer (Keras 3).
#pragma once

#include <memory>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "models/model.h"

namespace kerasm::models {

class Sequential;

// {"class_name", "config", "keras_version", "backend"} as Keras' model.to_json() (parsed).
json ModelToJson(const Model& model);
// From model.to_json() output, a bare {"class_name", "config"}, or a tfjs model.json object (its
// "modelTopology", possibly wrapping "model_config"). ValueError naming what is wrong otherwise.
std::shared_ptr<Model> ModelFromJson(const json& json_value);

// Puts Sequential, Functional and Model into the layer registry (layers::RegisterModelClass), so that
// layers::DeserializeLayer makes models like any layer. Called once at start-up (the bindings' init, the
// tests' main); calling it again changes nothing.
void RegisterModelClasses();

std::shared_ptr<Model> FunctionalFromConfig(const json& config);
std::shared_ptr<Sequential> SequentialFromConfig(const json& config);
// The functional config of a model's graph (Model::GetConfig).
json FunctionalConfig(const Model& model);

// Keras' node indices within a model: a node's position among its layer's nodes that belong to the model,
// after the layer's NodeIndexOffset. What inbound_nodes and the summary's "connected to" refer to.
std::unordered_map<const layers::Node*, int> SerializedNodeIndices(const Model& model);

}  // namespace kerasm::models
