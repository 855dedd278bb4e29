// The one reader of configs: layer configs, and the initializer / regularizer / constraint / optimizer
// configs nested in them or given on their own. The same object arrives as a Keras file's snake_case config
// ({"kernel_initializer": ..., "beta_1": ...}) or as a tfjs / JS camelCase one ({kernelInitializer, beta1}),
// so keys are compared by SpellingKey (params/names.h) and never converted first.
//
// Every value read has a path, spelled as the user spelled its keys ("kernelInitializer.config.seed" from JS,
// "kernel_initializer.config.seed" from a Keras file), and every message names the owner and that path, in
// Keras' wording: "Dense 'd': kernelInitializer.config.seed must be an integer or null.
// Received: kernelInitializer.config.seed="x"". A key nobody read is an error too ("unrecognized argument"),
// so that a typo is reported rather than silently ignored. Null counts as absent, as Keras writes
// `"seed": null` for "not given".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/shape.h"

namespace kerasm::params {

using json = nlohmann::json;

// The spellings of one argument a reader looks for. Keras' and tfjs' spellings compare equal anyway, so
// most arguments have one; aliases that differ in letters ("lr" for "learning_rate") are listed after it.
class Keys {
 public:
  Keys(const char* key) : keys_{key} {}                     // NOLINT: a key is a Keys
  Keys(const std::string& key) : keys_{key} {}              // NOLINT
  Keys(std::initializer_list<const char*> keys) : keys_(keys.begin(), keys.end()) {}
  const std::vector<std::string>& all() const { return keys_; }
  const std::string& first() const { return keys_.front(); }

 private:
  std::vector<std::string> keys_;
};

class ConfigReader {
 public:
  // `who` prefixes every message ("Dense", "Adam"); `path` is where this object sits in who's config
  // ("kernelInitializer.config"), empty at the top. A null config reads as {}.
  ConfigReader(const json& config, std::string who, std::string path = "");

  // Layers name themselves once their name is read: later messages say "Dense 'dense_2'".
  void set_who(std::string who) { who_ = std::move(who); }
  const std::string& Who() const { return who_; }
  const std::string& path() const { return path_; }
  const json& config() const { return config_; }

  // The path of an argument as the user spelled it: the key found in the config, else the first spelling
  // in the config's style (camelCase when the config uses camelCase keys).
  std::string PathOf(const Keys& keys) const;

  // Present and not null.
  bool Has(const Keys& keys) const;
  // Whether some reader already took the argument (the base class leaves keys a layer consumed alone).
  bool WasRead(const Keys& keys) const;
  // Marks the argument read; its value, or nullptr when absent or null. Two spellings of one argument with
  // different values are an error.
  const json* Get(const Keys& keys);
  // Marks arguments read without using them (bookkeeping keys such as Keras' "dtype" of an initializer).
  void Ignore(const Keys& keys);

  int64_t Int(const Keys& keys, int64_t default_value);
  int64_t RequiredInt(const Keys& keys);
  std::optional<int64_t> OptionalInt(const Keys& keys);
  double Number(const Keys& keys, double default_value);
  std::optional<double> OptionalNumber(const Keys& keys);
  bool Bool(const Keys& keys, bool default_value);
  std::string String(const Keys& keys, const std::string& default_value);
  std::optional<std::string> OptionalString(const Keys& keys);
  // An integer seed; nullopt for null / absent.
  std::optional<uint64_t> Seed(const Keys& keys = "seed");
  // A list of integers, null entries read as -1 (unknown), a single integer as a one-entry list; nullopt
  // when absent or null.
  std::optional<Shape> OptionalShape(const Keys& keys);
  // An arbitrary value (null when absent).
  json Raw(const Keys& keys);
  // A reader over the object under `keys` (an empty one when absent or null), with this reader's owner and
  // the path extended; reading it marks the argument read.
  ConfigReader Child(const Keys& keys);

  // "<who>: <path> <requirement>. Received: <path>=<value>", e.g. Invalid("units", "must be a positive integer").
  [[noreturn]] void Invalid(const Keys& keys, const std::string& requirement) const;
  // "<who>: <sentence>. Received: <path>=<value>", for messages that do not start with the argument.
  [[noreturn]] void Reject(const Keys& keys, const std::string& sentence) const;
  // "<who>: the argument <path> is required".
  [[noreturn]] void Missing(const Keys& keys) const;
  // ValueError naming the first key no read or Ignore claimed.
  void Finish() const;

  // The path of the latest value read: where a JSON type error found later happened.
  const std::string& last_path() const { return last_path_; }

 private:
  // The entry matching the argument, or end(); sets *spelled to the key as written.
  json::const_iterator Find(const Keys& keys, std::string* spelled) const;
  std::string Join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  std::string Received(const Keys& keys) const;

  json config_;
  std::string who_;
  std::string path_;
  bool camel_style_ = false;  // some key has a capital letter: missing keys are named in camelCase
  std::set<std::string> read_;  // SpellingKeys
  std::string last_path_;
};

// A JSON value as it appears in "Received: key=value" messages (compact JSON).
std::string ReceivedValue(const json& value);

// A serialized object as Keras and tfjs write them: a name ("glorotUniform", "l2") or
// {"class_name" | "className": ..., "config": {...}} (Keras 3 adds "module" and "registered_name", which say
// where Python finds the class and are not needed here).
struct Spec {
  std::string class_name;
  ConfigReader config;  // over the "config" object; {} for a name
  json value;           // the spec as given
  std::string path;     // where it sits in its owner's config; empty for a standalone spec

  // "<who>: unknown <what> '<name>'. Received: <path>=<spec>" (standalone: "unknown <what> '<name>'").
  [[noreturn]] void Unknown(const char* what) const;
};

// The spec under `keys` of `owner`, or nullopt when absent or null.
std::optional<Spec> ReadSpec(ConfigReader& owner, const Keys& keys, const char* what);
// A standalone spec: messages start with its class name. `what` names the kind ("initializer").
Spec ParseSpec(const json& spec, const char* what);

}  // namespace kerasm::params
