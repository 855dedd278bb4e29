// Arguments many layers share, read through the one ConfigReader: activations, data formats, and shapes
// as configs write them.
#pragma once

#include <string>

#include "core/shape.h"
#include "params/config_reader.h"

namespace kerasm::params {

// An activation by either spelling of ops/activation_list.h ("hardSigmoid", "hard_sigmoid"), or Keras 3's
// serialized {"class_name": "function", "config": "relu", ...}; returns the Keras spelling ("hard_sigmoid").
// The message for an unknown name lists the known ones.
std::string ReadActivation(ConfigReader& config, const Keys& keys, const std::string& default_name);
// The tfjs spelling of an activation name ("hard_sigmoid" -> "hardSigmoid"); unknown names unchanged.
std::string ActivationJsName(const std::string& name);

// "channels_last" (default) | "channels_first"; tfjs' "channelsLast" / "channelsFirst" accepted.
std::string ReadDataFormat(ConfigReader& config);

// A Keras config (snake_case, as the C++ writes it) in tfjs' getConfig() form: camelCase keys, the nested
// initializer / regularizer / constraint specs as {className, config} with camelCase keys, tfjs' spellings of
// data formats and activations, nested layers (cell, cells, layer, backward_layer) likewise. Other values
// are unchanged.
json ToTfjsConfig(const json& config);
// A serialized layer {class_name, config} (or a list) as tfjs nests one: {className, config in tfjs' form}.
json LayerSpecToTfjs(const json& spec);

// Shapes in configs: [null, 3] <-> {-1, 3}.
json ShapeToJson(const Shape& shape);

}  // namespace kerasm::params
