#include "models/config_reader.h"

#include <cctype>
#include <cmath>

#include "core/error.h"

namespace kerasm::models {

using json = nlohmann::json;

std::string NormalizeName(const std::string& name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '_') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string QuoteJson(const json& value) {
  if (value.is_string()) return "'" + value.get<std::string>() + "'";
  return value.dump();
}

ConfigReader::ConfigReader(const json& config, std::string owner) : config_(config), owner_(std::move(owner)) {
  if (!config_.is_object() && !config_.is_null()) {
    Fail<ValueError>(owner_, ": config must be an object, got ", QuoteJson(config_));
  }
}

const json* ConfigReader::Find(std::initializer_list<const char*> keys) {
  if (!config_.is_object()) return nullptr;
  const json* found = nullptr;
  std::string found_key;
  for (const char* key : keys) {
    const std::string want = NormalizeName(key);
    used_.insert(want);
    for (auto it = config_.begin(); it != config_.end(); ++it) {
      if (NormalizeName(it.key()) != want || it.value().is_null()) continue;
      if (found && *found != it.value()) {
        Fail<ValueError>(owner_, ": '", found_key, "' and '", it.key(), "' disagree (", QuoteJson(*found), " vs ",
                         QuoteJson(it.value()), ")");
      }
      found = &it.value();
      found_key = it.key();
    }
  }
  return found;
}

std::optional<double> ConfigReader::Number(std::initializer_list<const char*> keys) {
  const json* v = Find(keys);
  if (!v) return std::nullopt;
  if (!v->is_number()) Fail<ValueError>(owner_, ": ", *keys.begin(), " must be a number, got ", QuoteJson(*v));
  const double d = v->get<double>();
  if (!std::isfinite(d)) Fail<ValueError>(owner_, ": ", *keys.begin(), " must be finite, got ", d);
  return d;
}

double ConfigReader::Number(std::initializer_list<const char*> keys, double fallback) {
  return Number(keys).value_or(fallback);
}

bool ConfigReader::Bool(std::initializer_list<const char*> keys, bool fallback) {
  const json* v = Find(keys);
  if (!v) return fallback;
  if (!v->is_boolean()) Fail<ValueError>(owner_, ": ", *keys.begin(), " must be true or false, got ", QuoteJson(*v));
  return v->get<bool>();
}

std::optional<std::string> ConfigReader::String(std::initializer_list<const char*> keys) {
  const json* v = Find(keys);
  if (!v) return std::nullopt;
  if (!v->is_string()) Fail<ValueError>(owner_, ": ", *keys.begin(), " must be a string, got ", QuoteJson(*v));
  return v->get<std::string>();
}

std::optional<uint64_t> ConfigReader::Seed() {
  const json* v = Find({"seed"});
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return static_cast<uint64_t>(v->get<int64_t>());
  // JS numbers arrive as doubles; accept those that are whole.
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d)) return static_cast<uint64_t>(static_cast<int64_t>(d));
  }
  Fail<ValueError>(owner_, ": seed must be an integer or null, got ", QuoteJson(*v));
}

void ConfigReader::Ignore(std::initializer_list<const char*> keys) {
  for (const char* key : keys) used_.insert(NormalizeName(key));
}

void ConfigReader::CheckAllUsed() const {
  if (!config_.is_object()) return;
  for (auto it = config_.begin(); it != config_.end(); ++it) {
    if (!used_.count(NormalizeName(it.key()))) {
      Fail<ValueError>(owner_, ": unknown config key '", it.key(), "'");
    }
  }
}

ParsedSpec ParseSpec(const json& spec, const char* what) {
  ParsedSpec out;
  if (spec.is_string()) {
    out.class_name = spec.get<std::string>();
    return out;
  }
  if (!spec.is_object()) Fail<ValueError>("unknown ", what, " ", QuoteJson(spec));
  const json* name = nullptr;
  for (const char* key : {"class_name", "className"}) {
    auto it = spec.find(key);
    if (it != spec.end()) name = &*it;
  }
  if (!name || !name->is_string()) {
    Fail<ValueError>(what, " spec needs a string 'class_name' (or 'className'), got ", spec.dump());
  }
  out.class_name = name->get<std::string>();
  auto cfg = spec.find("config");
  if (cfg != spec.end() && !cfg->is_null()) {
    if (!cfg->is_object()) Fail<ValueError>(what, " '", out.class_name, "': config must be an object, got ", cfg->dump());
    out.config = *cfg;
  }
  return out;
}

}  // namespace kerasm::models
