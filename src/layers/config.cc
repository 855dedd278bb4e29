#include "layers/config.h"

#include <cctype>
#include <cmath>

#include "core/error.h"
#include "models/constraints.h"
#include "models/initializers.h"
#include "models/regularizers.h"
#include "ops/ops.h"

namespace kerasm::layers {

ConfigReader::ConfigReader(const json& config, std::string class_name)
    : config_(config.is_null() ? json::object() : config), class_name_(std::move(class_name)) {
  if (!config_.is_object()) {
    Fail<ValueError>(class_name_, ": a layer config must be an object. Received: ", ReceivedValue(config));
  }
}

std::string ConfigReader::Who() const {
  return layer_name_.empty() ? class_name_ : class_name_ + " '" + layer_name_ + "'";
}

bool ConfigReader::Has(const std::string& key) const {
  auto it = config_.find(key);
  return it != config_.end() && !it->is_null();
}

const json* ConfigReader::Get(const std::string& key) {
  read_.insert(key);
  auto it = config_.find(key);
  if (it == config_.end() || it->is_null()) return nullptr;
  return &*it;
}

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

}  // namespace

int64_t ConfigReader::Int(const std::string& key, int64_t default_value) {
  const json* v = Get(key);
  if (!v) return default_value;
  int64_t out;
  if (!AsInt(*v, &out)) Invalid(key, key + " must be an integer");
  return out;
}

int64_t ConfigReader::RequiredInt(const std::string& key) {
  if (!Has(key)) Invalid(key, "the argument " + key + " is required");
  return Int(key, 0);
}

std::optional<int64_t> ConfigReader::OptionalInt(const std::string& key) {
  if (!Has(key)) {
    read_.insert(key);
    return std::nullopt;
  }
  return Int(key, 0);
}

double ConfigReader::Number(const std::string& key, double default_value) {
  const json* v = Get(key);
  if (!v) return default_value;
  if (!v->is_number()) Invalid(key, key + " must be a number");
  return v->get<double>();
}

bool ConfigReader::Bool(const std::string& key, bool default_value) {
  const json* v = Get(key);
  if (!v) return default_value;
  if (!v->is_boolean()) Invalid(key, key + " must be true or false");
  return v->get<bool>();
}

std::string ConfigReader::String(const std::string& key, const std::string& default_value) {
  const json* v = Get(key);
  if (!v) return default_value;
  if (!v->is_string()) Invalid(key, key + " must be a string");
  return v->get<std::string>();
}

std::optional<Shape> ConfigReader::OptionalShape(const std::string& key) {
  const json* v = Get(key);
  if (!v) return std::nullopt;
  int64_t single;
  if (AsInt(*v, &single)) return Shape{single};  // Keras accepts input_shape=3 for (3,)
  if (!v->is_array()) Invalid(key, key + " must be a list of integers");
  Shape shape;
  for (const json& d : *v) {
    int64_t n;
    if (d.is_null()) {
      shape.push_back(-1);
    } else if (AsInt(d, &n) && n >= -1) {
      shape.push_back(n);
    } else {
      Invalid(key, key + " must be a list of non-negative integers or null");
    }
  }
  return shape;
}

json ConfigReader::Raw(const std::string& key) {
  const json* v = Get(key);
  return v ? *v : json(nullptr);
}

void ConfigReader::Invalid(const std::string& key, const std::string& expectation) const {
  auto it = config_.find(key);
  const std::string received = it == config_.end() ? std::string("(missing)") : ReceivedValue(*it);
  Fail<ValueError>(Who(), ": ", expectation, ". Received: ", key, "=", received);
}

void ConfigReader::Finish() const {
  for (auto it = config_.begin(); it != config_.end(); ++it) {
    if (!read_.count(it.key())) {
      Fail<ValueError>(Who(), ": unrecognized argument '", it.key(), "'. Received: ", it.key(), "=",
                       ReceivedValue(it.value()));
    }
  }
}

std::string ReceivedValue(const json& value) { return value.dump(); }

// ---- shared argument parsers ------------------------------------------------------------------------------

namespace {

// "hardSigmoid" -> "hard_sigmoid"; names without capitals are unchanged ("relu6", "silu").
std::string CamelToSnake(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string ReadActivation(ConfigReader& config, const std::string& key, const std::string& default_name) {
  const json* v = config.Get(key);
  if (!v) return default_name;
  std::string name;
  if (v->is_string()) {
    name = v->get<std::string>();
  } else if (v->is_object() && v->contains("config") && (*v)["config"].is_string()) {
    name = (*v)["config"].get<std::string>();  // Keras 3: {"class_name": "function", "config": "relu", ...}
  } else {
    config.Invalid(key, "the " + key + " must be the name of an activation");
  }
  if (!ops::IsActivationName(name)) config.Invalid(key, "unknown activation '" + name + "'");
  return CamelToSnake(ops::CanonicalActivationName(name));
}

namespace {

// Runs a factory from models/, re-wording its error so it names the layer and the argument.
template <typename F>
auto NameTheLayer(ConfigReader& config, const std::string& key, F&& make) {
  try {
    return make();
  } catch (const Error& e) {
    config.Invalid(key, e.what());
  }
}

}  // namespace

std::shared_ptr<models::Initializer> ReadInitializer(ConfigReader& config, const std::string& key,
                                                     const std::string& default_name) {
  const json* v = config.Get(key);
  const json spec = v ? *v : json(default_name);
  return NameTheLayer(config, key, [&] { return std::shared_ptr<models::Initializer>(models::CreateInitializer(spec)); });
}

std::shared_ptr<models::Regularizer> ReadRegularizer(ConfigReader& config, const std::string& key) {
  const json* v = config.Get(key);
  if (!v) return nullptr;
  return NameTheLayer(config, key, [&] { return std::shared_ptr<models::Regularizer>(models::CreateRegularizer(*v)); });
}

std::shared_ptr<models::Constraint> ReadConstraint(ConfigReader& config, const std::string& key) {
  const json* v = config.Get(key);
  if (!v) return nullptr;
  return NameTheLayer(config, key, [&] { return std::shared_ptr<models::Constraint>(models::CreateConstraint(*v)); });
}

std::string ReadDataFormat(ConfigReader& config) {
  const std::string f = config.String("data_format", "channels_last");
  if (f == "channels_last" || f == "channelsLast") return "channels_last";
  if (f == "channels_first" || f == "channelsFirst") return "channels_first";
  config.Invalid("data_format", "data_format must be 'channels_last' or 'channels_first'");
}

json ToConfig(const std::shared_ptr<models::Initializer>& initializer) {
  return initializer ? models::SerializeInitializer(*initializer) : json(nullptr);
}
json ToConfig(const std::shared_ptr<models::Regularizer>& regularizer) {
  return regularizer ? models::SerializeRegularizer(*regularizer) : json(nullptr);
}
json ToConfig(const std::shared_ptr<models::Constraint>& constraint) {
  return constraint ? models::SerializeConstraint(*constraint) : json(nullptr);
}

json ShapeToJson(const Shape& shape) {
  json out = json::array();
  for (int64_t d : shape) out.push_back(d < 0 ? json(nullptr) : json(d));
  return out;
}

std::string ToSnakeCase(const std::string& s) {
  auto lower_or_digit = [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); };
  auto upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
  // Pass 1, Keras' re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2'): split before a capitalised word.
  std::string pass1;
  size_t i = 0;
  while (i < s.size()) {
    if (i + 2 < s.size() && upper(s[i + 1]) && lower_or_digit(s[i + 2])) {
      size_t j = i + 2;
      while (j < s.size() && lower_or_digit(s[j])) ++j;
      pass1 += s[i];
      pass1 += '_';
      pass1.append(s, i + 1, j - i - 1);
      i = j;
    } else {
      pass1 += s[i++];
    }
  }
  // Pass 2, re.sub('([a-z])([A-Z])', r'\1_\2'), then lower case.
  std::string out;
  i = 0;
  while (i < pass1.size()) {
    if (i + 1 < pass1.size() && std::islower(static_cast<unsigned char>(pass1[i])) && upper(pass1[i + 1])) {
      out += pass1[i];
      out += '_';
      out += pass1[i + 1];
      i += 2;
    } else {
      out += pass1[i++];
    }
  }
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out[0] == '_') out = "private" + out;
  return out;
}

}  // namespace kerasm::layers
