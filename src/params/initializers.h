// Keras initializers: zeros, ones, constant, randomNormal, randomUniform, truncatedNormal, varianceScaling,
// glorotNormal/Uniform, heNormal/Uniform, lecunNormal/Uniform, orthogonal, identity.
// Fan-in/fan-out follow Keras: for rank >= 3 kernels the receptive field (product of leading dims) multiplies
// the last two dims. Seeded draws are reproducible natively and in wasm (core/rng.h).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "params/config_reader.h"

namespace kerasm::params {

class Initializer {
 public:
  virtual ~Initializer() = default;
  virtual Tensor operator()(const Shape& shape, DType dtype = DType::kFloat32) = 0;
  virtual std::string ClassName() const = 0;  // Keras class name: "GlorotUniform", "Zeros", ...
  virtual json GetConfig() const = 0;          // snake_case Keras config ({"seed": null, ...})
};

// From a name ("glorotUniform", "glorot_uniform", "GlorotUniform", "zeros" ...) or a serialized
// {"class_name"/"className": ..., "config": {...}} (config keys snake_case or camelCase). ValueError naming
// the unknown initializer or bad argument otherwise.
std::unique_ptr<Initializer> CreateInitializer(const json& spec);
// The initializer argument `keys` of a config (default_name when absent or null); messages name the owner
// and the path ("Dense 'd': kernelInitializer.config.seed must be an integer or null ...").
std::shared_ptr<Initializer> ReadInitializer(ConfigReader& config, const Keys& keys, const std::string& default_name);
json SerializeInitializer(const Initializer& init);  // {"class_name": ..., "config": ...}
json ToConfig(const std::shared_ptr<Initializer>& init);  // null for none

}  // namespace kerasm::params
