// Reading Keras / tfjs configs for the training vocabulary (optimizers, initializers, regularizers,
// constraints). The same object arrives as a Keras file's snake_case config ({"learning_rate": ...,
// "beta_1": ...}) or as a tfjs camelCase one ({learningRate, beta1}), so keys are compared after
// NormalizeName: lower case, underscores dropped ("beta_1", "beta1" and "Beta1" are one key).
#pragma once

#include <initializer_list>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace kerasm::models {

// "glorot_uniform", "glorotUniform" and "GlorotUniform" all become "glorotuniform".
std::string NormalizeName(const std::string& name);

// Pulls values out of a config object by normalised key; null values count as absent, as Keras writes
// `"seed": null`. Every read marks the key used, so CheckAllUsed can reject a key nobody understood
// (a typo in `learningRat` is an error, not a silent default).
class ConfigReader {
 public:
  // `owner` prefixes messages: "Adam: learningRate must be > 0, got -1".
  ConfigReader(const nlohmann::json& config, std::string owner);

  // The value under any of `keys` (normalised spellings), or nullptr. Two spellings of one key given
  // with different values is an error.
  const nlohmann::json* Find(std::initializer_list<const char*> keys);

  std::optional<double> Number(std::initializer_list<const char*> keys);
  double Number(std::initializer_list<const char*> keys, double fallback);
  bool Bool(std::initializer_list<const char*> keys, bool fallback);
  std::optional<std::string> String(std::initializer_list<const char*> keys);
  // An integer seed, or nothing for null / absent.
  std::optional<uint64_t> Seed();

  // Keys that carry bookkeeping only (Keras' "name", "dtype" ...) and are accepted without effect.
  void Ignore(std::initializer_list<const char*> keys);
  // ValueError naming the first key that no read or Ignore claimed.
  void CheckAllUsed() const;

  const std::string& owner() const { return owner_; }

 private:
  const nlohmann::json& config_;
  std::string owner_;
  std::set<std::string> used_;  // normalised keys
};

// Messages quote the value as given: 'foo' for strings, the JSON text otherwise.
std::string QuoteJson(const nlohmann::json& value);

// The class name and config of a serialized spec: a string ("adam", "glorotUniform") with an empty
// config, or an object {"class_name" | "className": ..., "config": {...}}. `what` names the kind for
// messages ("initializer").
struct ParsedSpec {
  std::string class_name;
  nlohmann::json config = nlohmann::json::object();
};
ParsedSpec ParseSpec(const nlohmann::json& spec, const char* what);

}  // namespace kerasm::models
