// Reading a layer's Keras config (snake_case keys, as Keras and tfjs model files hold them; the JS factories
// convert camelCase before calling in) and the argument parsers layers share: activations, initializers,
// regularizers, constraints, data formats, shapes.
//
// Errors follow Keras' wording and name the layer: "Dense 'dense_2': units must be a positive integer.
// Received: units=-3". A key the layer did not read is an error too ("unrecognized argument"), so that a typo
// in a config is reported rather than silently ignored.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/shape.h"
#include "core/tensor.h"

namespace kerasm::models {
class Initializer;
class Regularizer;
class Constraint;
}  // namespace kerasm::models

namespace kerasm::layers {

using json = nlohmann::json;

class ConfigReader {
 public:
  ConfigReader(const json& config, std::string class_name);

  const std::string& class_name() const { return class_name_; }
  // Set as soon as the name is known, so later messages name the layer.
  void set_layer_name(const std::string& name) { layer_name_ = name; }
  // "Dense 'dense_2'" (or just "Dense" before the name is known): the prefix of every message.
  std::string Who() const;

  // Present and not null.
  bool Has(const std::string& key) const;
  // Whether some reader already took `key` (the base class leaves keys a layer consumed itself alone).
  bool WasRead(const std::string& key) const { return read_.count(key) != 0; }
  // Marks `key` as read; returns its value, or nullptr when it is absent or null.
  const json* Get(const std::string& key);

  int64_t Int(const std::string& key, int64_t default_value);
  int64_t RequiredInt(const std::string& key);
  std::optional<int64_t> OptionalInt(const std::string& key);
  double Number(const std::string& key, double default_value);
  bool Bool(const std::string& key, bool default_value);
  std::string String(const std::string& key, const std::string& default_value);
  // A list of integers, null entries read as -1 (unknown); nullopt when absent or null.
  std::optional<Shape> OptionalShape(const std::string& key);
  // An arbitrary value (nullptr when absent).
  json Raw(const std::string& key);

  // Throws ValueError "<Who>: <expectation>. Received: <key>=<value>".
  [[noreturn]] void Invalid(const std::string& key, const std::string& expectation) const;
  // Throws ValueError for any key no one read.
  void Finish() const;

 private:
  json config_;
  std::string class_name_;
  std::string layer_name_;
  std::set<std::string> read_;
};

// A JSON value as it appears in "Received: key=value" messages (compact JSON).
std::string ReceivedValue(const json& value);

// "relu", "hardSigmoid", "hard_sigmoid" ... -> the Keras snake_case name ("hard_sigmoid"); a serialized
// {"class_name": "function", "config": "relu"} (Keras 3) is accepted too. ValueError naming the layer and the
// received value when ops::Activation does not know it.
std::string ReadActivation(ConfigReader& config, const std::string& key, const std::string& default_name);

// Keras initializer / regularizer / constraint arguments: a name or a {"class_name", "config"} spec.
// Absent or null means the default for initializers and "none" for the others.
std::shared_ptr<models::Initializer> ReadInitializer(ConfigReader& config, const std::string& key,
                                                     const std::string& default_name);
std::shared_ptr<models::Regularizer> ReadRegularizer(ConfigReader& config, const std::string& key);
std::shared_ptr<models::Constraint> ReadConstraint(ConfigReader& config, const std::string& key);

// "channels_last" (default) | "channels_first"; tfjs' "channelsLast" / "channelsFirst" accepted.
std::string ReadDataFormat(ConfigReader& config);

// Serialized forms for get_config: a {"class_name", "config"} object, or null for an absent one.
json ToConfig(const std::shared_ptr<models::Initializer>& initializer);
json ToConfig(const std::shared_ptr<models::Regularizer>& regularizer);
json ToConfig(const std::shared_ptr<models::Constraint>& constraint);

// Shapes in configs: [null, 3] <-> {-1, 3}.
json ShapeToJson(const Shape& shape);

// Keras' generic_utils.to_snake_case: "Conv2D" -> "conv2d", "BatchNormalization" -> "batch_normalization",
// "SimpleRNN" -> "simple_rnn". Default layer names are built from it.
std::string ToSnakeCase(const std::string& class_name);

}  // namespace kerasm::layers
