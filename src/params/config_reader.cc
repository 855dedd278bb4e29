#include "params/config_reader.h"

#include <cctype>
#include <cmath>

#include "core/error.h"
#include "params/names.h"

namespace kerasm::params {
namespace {

// JS numbers arrive as doubles; an integral double is accepted where Keras wants an int.
bool AsInt(const json& v, int64_t* out) {
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      *out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

bool HasCapital(const std::string& s) {
  for (char c : s) {
    if (std::isupper(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

}  // namespace

std::string ReceivedValue(const json& value) { return value.dump(); }

ConfigReader::ConfigReader(const json& config, std::string who, std::string path)
    : config_(config.is_null() ? json::object() : config), who_(std::move(who)), path_(std::move(path)) {
  if (!config_.is_object()) {
    if (path_.empty()) Fail<ValueError>(who_, ": a config must be an object. Received: ", ReceivedValue(config));
    Fail<ValueError>(who_, ": ", path_, " must be an object. Received: ", path_, "=", ReceivedValue(config));
  }
  for (auto it = config_.begin(); it != config_.end(); ++it) camel_style_ = camel_style_ || HasCapital(it.key());
}

json::const_iterator ConfigReader::Find(const Keys& keys, std::string* spelled) const {
  json::const_iterator found = config_.cend();
  for (const std::string& key : keys.all()) {
    const std::string want = SpellingKey(key);
    for (auto it = config_.cbegin(); it != config_.cend(); ++it) {
      if (SpellingKey(it.key()) != want || it->is_null()) continue;
      if (found != config_.cend() && *found != *it) {
        Fail<ValueError>(who_, ": '", Join(found.key()), "' and '", Join(it.key()),
                         "' are one argument and disagree. Received: ", Join(found.key()), "=",
                         ReceivedValue(*found), ", ", Join(it.key()), "=", ReceivedValue(*it));
      }
      if (found == config_.cend()) found = it;
    }
  }
  if (spelled) *spelled = found != config_.cend() ? found.key() : std::string();
  return found;
}

std::string ConfigReader::PathOf(const Keys& keys) const {
  std::string spelled;
  if (Find(keys, &spelled) != config_.cend()) return Join(spelled);
  // Also a key given as null: name it as written.
  for (auto it = config_.cbegin(); it != config_.cend(); ++it) {
    if (SameSpelling(it.key(), keys.first())) return Join(it.key());
  }
  return Join(camel_style_ ? ToCamelCase(keys.first()) : keys.first());
}

bool ConfigReader::Has(const Keys& keys) const { return Find(keys, nullptr) != config_.cend(); }

bool ConfigReader::WasRead(const Keys& keys) const {
  for (const std::string& key : keys.all()) {
    if (read_.count(SpellingKey(key))) return true;
  }
  return false;
}

void ConfigReader::Ignore(const Keys& keys) {
  for (const std::string& key : keys.all()) read_.insert(SpellingKey(key));
}

const json* ConfigReader::Get(const Keys& keys) {
  Ignore(keys);
  auto it = Find(keys, nullptr);
  last_path_ = PathOf(keys);
  return it == config_.cend() ? nullptr : &*it;
}

int64_t ConfigReader::Int(const Keys& keys, int64_t default_value) {
  const json* v = Get(keys);
  if (!v) return default_value;
  int64_t out;
  if (!AsInt(*v, &out)) Invalid(keys, "must be an integer");
  return out;
}

int64_t ConfigReader::RequiredInt(const Keys& keys) {
  if (!Has(keys)) Missing(keys);
  return Int(keys, 0);
}

std::optional<int64_t> ConfigReader::OptionalInt(const Keys& keys) {
  if (!Has(keys)) {
    Ignore(keys);
    return std::nullopt;
  }
  return Int(keys, 0);
}

std::optional<double> ConfigReader::OptionalNumber(const Keys& keys) {
  const json* v = Get(keys);
  if (!v) return std::nullopt;
  if (!v->is_number()) Invalid(keys, "must be a number");
  const double d = v->get<double>();
  if (!std::isfinite(d)) Invalid(keys, "must be finite");
  return d;
}

double ConfigReader::Number(const Keys& keys, double default_value) {
  return OptionalNumber(keys).value_or(default_value);
}

bool ConfigReader::Bool(const Keys& keys, bool default_value) {
  const json* v = Get(keys);
  if (!v) return default_value;
  if (!v->is_boolean()) Invalid(keys, "must be true or false");
  return v->get<bool>();
}

std::optional<std::string> ConfigReader::OptionalString(const Keys& keys) {
  const json* v = Get(keys);
  if (!v) return std::nullopt;
  if (!v->is_string()) Invalid(keys, "must be a string");
  return v->get<std::string>();
}

std::string ConfigReader::String(const Keys& keys, const std::string& default_value) {
  return OptionalString(keys).value_or(default_value);
}

std::optional<uint64_t> ConfigReader::Seed(const Keys& keys) {
  const json* v = Get(keys);
  if (!v) return std::nullopt;
  int64_t seed;
  if (!AsInt(*v, &seed)) Invalid(keys, "must be an integer or null");
  return static_cast<uint64_t>(seed);
}

std::optional<Shape> ConfigReader::OptionalShape(const Keys& keys) {
  const json* v = Get(keys);
  if (!v) return std::nullopt;
  int64_t single;
  if (AsInt(*v, &single)) return Shape{single};  // Keras accepts input_shape=3 for (3,)
  if (!v->is_array()) Invalid(keys, "must be a list of integers");
  Shape shape;
  for (const json& d : *v) {
    int64_t n;
    if (d.is_null()) {
      shape.push_back(-1);
    } else if (AsInt(d, &n) && n >= -1) {
      shape.push_back(n);
    } else {
      Invalid(keys, "must be a list of non-negative integers or null");
    }
  }
  return shape;
}

json ConfigReader::Raw(const Keys& keys) {
  const json* v = Get(keys);
  return v ? *v : json(nullptr);
}

ConfigReader ConfigReader::Child(const Keys& keys) {
  const json* v = Get(keys);
  if (v && !v->is_object()) Invalid(keys, "must be an object");
  return ConfigReader(v ? *v : json::object(), who_, PathOf(keys));
}

std::string ConfigReader::Received(const Keys& keys) const {
  std::string spelled;
  auto it = Find(keys, &spelled);
  if (it != config_.cend()) return Join(spelled) + "=" + ReceivedValue(*it);
  return PathOf(keys) + "=(missing)";
}

void ConfigReader::Invalid(const Keys& keys, const std::string& requirement) const {
  Fail<ValueError>(who_, ": ", PathOf(keys), " ", requirement, ". Received: ", Received(keys));
}

void ConfigReader::Reject(const Keys& keys, const std::string& sentence) const {
  Fail<ValueError>(who_, ": ", sentence, ". Received: ", Received(keys));
}

void ConfigReader::Missing(const Keys& keys) const {
  Fail<ValueError>(who_, ": the argument ", PathOf(keys), " is required");
}

void ConfigReader::Finish() const {
  for (auto it = config_.cbegin(); it != config_.cend(); ++it) {
    if (!read_.count(SpellingKey(it.key()))) {
      Fail<ValueError>(who_, ": unrecognized argument '", Join(it.key()), "'. Received: ", Join(it.key()), "=",
                       ReceivedValue(it.value()));
    }
  }
}

// ---- specs ------------------------------------------------------------------------------------------------

void Spec::Unknown(const char* what) const {
  if (path.empty()) Fail<ValueError>("unknown ", what, " '", class_name, "'");
  Fail<ValueError>(config.Who(), ": unknown ", what, " '", class_name, "'. Received: ", path, "=", ReceivedValue(value));
}

namespace {

// The class name and config of a spec found at `path` of `who`'s config.
Spec MakeSpec(const json& value, const std::string& who, const std::string& path, const char* what) {
  auto fail = [&](const std::string& requirement) {
    if (path.empty()) Fail<ValueError>(what, " spec ", requirement, ". Received: ", ReceivedValue(value));
    Fail<ValueError>(who, ": ", path, " ", requirement, ". Received: ", path, "=", ReceivedValue(value));
  };
  if (value.is_string()) {
    const std::string name = value.get<std::string>();
    return Spec{name, ConfigReader(json::object(), path.empty() ? name : who, path), value, path};
  }
  if (!value.is_object()) {
    if (path.empty()) Fail<ValueError>("unknown ", what, " ", ReceivedValue(value));
    fail(std::string("must be the name of an ") + what + " or {className, config}");
  }
  const json* name = nullptr;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (SameSpelling(it.key(), "class_name")) name = &*it;
  }
  if (!name || !name->is_string()) fail("needs a string 'class_name' (or 'className')");
  const std::string class_name = name->get<std::string>();
  const json* config = nullptr;
  if (auto it = value.find("config"); it != value.end()) config = &*it;
  const std::string config_path = path.empty() ? std::string() : path + ".config";
  // Standalone, messages name the class ("VarianceScaling: scale must be > 0").
  ConfigReader reader(config ? *config : json::object(), path.empty() ? class_name : who, config_path);
  return Spec{class_name, std::move(reader), value, path};
}

}  // namespace

std::optional<Spec> ReadSpec(ConfigReader& owner, const Keys& keys, const char* what) {
  const json* v = owner.Get(keys);
  if (!v) return std::nullopt;
  return MakeSpec(*v, owner.Who(), owner.PathOf(keys), what);
}

Spec ParseSpec(const json& spec, const char* what) { return MakeSpec(spec, "", "", what); }

}  // namespace kerasm::params
