#include "params/arguments.h"

#include "ops/activation_list.h"
#include "params/names.h"

namespace kerasm::params {

std::string ReadActivation(ConfigReader& config, const Keys& keys, const std::string& default_name) {
  const json* v = config.Get(keys);
  if (!v) return default_name;
  std::string name;
  if (v->is_string()) {
    name = v->get<std::string>();
  } else if (v->is_object() && v->contains("config") && (*v)["config"].is_string()) {
    name = (*v)["config"].get<std::string>();  // Keras 3: {"class_name": "function", "config": "relu", ...}
  } else {
    config.Invalid(keys, "must be the name of an activation");
  }
  const ops::ActivationName* found = ops::FindActivationName(name);
  if (!found) config.Reject(keys, "unknown activation '" + name + "' (known: " + ops::KnownActivations() + ")");
  return found->keras;
}

std::string ActivationJsName(const std::string& name) {
  const ops::ActivationName* found = ops::FindActivationName(name);
  return found ? found->js : name;
}

std::string ReadDataFormat(ConfigReader& config) {
  const std::string f = config.String("data_format", "channels_last");
  if (SameSpelling(f, "channels_last")) return "channels_last";
  if (SameSpelling(f, "channels_first")) return "channels_first";
  config.Invalid("data_format", "must be 'channels_last' or 'channels_first'");
}

namespace {

// Keys whose values are serialized specs: kernel_initializer, bias_regularizer, kernel_constraint ...
bool IsSpecKey(const std::string& key) {
  const std::string k = SpellingKey(key);
  for (const char* suffix : {"initializer", "regularizer", "constraint"}) {
    const std::string s = suffix;
    if (k.size() >= s.size() && k.compare(k.size() - s.size(), s.size(), s) == 0) return true;
  }
  return false;
}

json SpecToTfjs(const json& spec) {
  if (!spec.is_object() || !spec.contains("class_name")) return spec;
  json config = spec.value("config", json(nullptr));
  if (config.is_object()) {
    json camel = json::object();
    for (auto it = config.begin(); it != config.end(); ++it) camel[ToCamelCase(it.key())] = it.value();
    config = camel;
  }
  return {{"className", spec["class_name"]}, {"config", config}};
}

// Keys whose values are serialized layers (an RNN's cell, a stack's cells, a wrapper's layer).
bool IsLayerKey(const std::string& key) {
  for (const char* k : {"cell", "cells", "layer", "backward_layer"}) {
    if (SameSpelling(key, k)) return true;
  }
  return false;
}

}  // namespace

// A serialized layer (or a list of them) with its config in tfjs' form, as tfjs' getConfig nests them.
json LayerSpecToTfjs(const json& spec) {
  if (spec.is_array()) {
    json out = json::array();
    for (const json& s : spec) out.push_back(LayerSpecToTfjs(s));
    return out;
  }
  if (!spec.is_object() || !spec.contains("class_name")) return spec;
  return {{"className", spec["class_name"]}, {"config", ToTfjsConfig(spec.value("config", json::object()))}};
}

json ToTfjsConfig(const json& config) {
  if (!config.is_object()) return config;
  json out = json::object();
  for (auto it = config.begin(); it != config.end(); ++it) {
    const std::string& key = it.key();
    const json& value = it.value();
    json converted = value;
    if (IsSpecKey(key)) {
      converted = SpecToTfjs(value);
    } else if (IsLayerKey(key)) {
      converted = LayerSpecToTfjs(value);
    } else if (SameSpelling(key, "data_format") && value.is_string()) {
      converted = ToCamelCase(value.get<std::string>());
    } else if ((SameSpelling(key, "activation") || SameSpelling(key, "recurrent_activation")) && value.is_string()) {
      converted = ActivationJsName(value.get<std::string>());
    }
    out[ToCamelCase(key)] = converted;
  }
  return out;
}

json ShapeToJson(const Shape& shape) {
  json out = json::array();
  for (int64_t d : shape) out.push_back(d < 0 ? json(nullptr) : json(d));
  return out;
}

}  // namespace kerasm::params
