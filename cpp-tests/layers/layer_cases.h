// Test cases for the generic layer test (layer_generic_test.cc). Each layer family's test file provides
// a function returning cases for its layers: a config, concrete input shapes, the expected weight shapes and
// a forward reference written independently from the Keras formula (scalar loops in double precision).
// The generic test fails for a registered layer class that has no case.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "layers/layer.h"

namespace kerasm::testing {

using json = nlohmann::json;
using layers::Shapes;
using layers::Tensors;

// Outputs of a reference computation, flattened row-major, one vector per layer output.
using Reference = std::function<std::vector<std::vector<double>>(const Tensors& inputs, const Tensors& weights)>;

struct LayerCase {
  std::string label;       // unique, for messages: "Dense/tanh_rank3"
  std::string class_name;  // Keras class name
  json config;
  Shapes input_shapes;     // concrete, batch first
  Shapes weight_shapes;    // expected, in getWeights() order
  Reference reference;     // inference-mode forward
  bool check_gradients = true;
  // Keeps random inputs away from an activation's kinks (|x| >= margin), where finite differences mislead.
  float kink_margin = 0.f;
  float input_scale = 1.f;  // inputs uniform in [-scale, scale]
  // > 0: the inputs are int32 indices uniform in [0, index_range) (Embedding); only the weights' gradients
  // are checked then.
  int64_t index_range = 0;
};

// gtest prints the label rather than the bytes of the struct.
inline void PrintTo(const LayerCase& c, std::ostream* os) { *os << c.label; }

std::vector<LayerCase> CoreLayerCases();
std::vector<LayerCase> MergeLayerCases();
std::vector<LayerCase> ActivationLayerCases();
std::vector<LayerCase> ConvLayerCases();
std::vector<LayerCase> EmbeddingLayerCases();
std::vector<LayerCase> NoiseLayerCases();
std::vector<LayerCase> PoolingLayerCases();
std::vector<LayerCase> ReshapingLayerCases();
std::vector<LayerCase> NormalizationLayerCases();
std::vector<LayerCase> RecurrentLayerCases();
std::vector<LayerCase> WrapperLayerCases();

inline std::vector<LayerCase> AllLayerCases() {
  std::vector<LayerCase> all;
  for (auto& c : CoreLayerCases()) all.push_back(c);
  for (auto& c : MergeLayerCases()) all.push_back(c);
  for (auto& c : ActivationLayerCases()) all.push_back(c);
  for (auto& c : ConvLayerCases()) all.push_back(c);
  for (auto& c : EmbeddingLayerCases()) all.push_back(c);
  for (auto& c : NoiseLayerCases()) all.push_back(c);
  for (auto& c : PoolingLayerCases()) all.push_back(c);
  for (auto& c : ReshapingLayerCases()) all.push_back(c);
  for (auto& c : NormalizationLayerCases()) all.push_back(c);
  for (auto& c : RecurrentLayerCases()) all.push_back(c);
  for (auto& c : WrapperLayerCases()) all.push_back(c);
  return all;
}

// ---- reference helpers ------------------------------------------------------------------------------------

inline std::vector<double> ToDoubles(const Tensor& t) {
  std::vector<double> out;
  for (float v : t.ToFloatVector()) out.push_back(v);
  return out;
}

// Keras 3 activation formulas, element-wise, in double.
inline double ActivationRef(const std::string& name, double x) {
  const double sig = 1.0 / (1.0 + std::exp(-x));
  const double softplus = x > 30 ? x : std::log1p(std::exp(x));
  if (name == "linear") return x;
  if (name == "relu") return x > 0 ? x : 0;
  if (name == "relu6") return std::min(std::max(x, 0.0), 6.0);
  if (name == "sigmoid") return sig;
  if (name == "hard_sigmoid") return std::min(std::max(x + 3.0, 0.0), 6.0) / 6.0;
  if (name == "hard_sigmoid_keras2") return std::min(std::max(0.2 * x + 0.5, 0.0), 1.0);
  if (name == "tanh") return std::tanh(x);
  if (name == "elu") return x > 0 ? x : std::exp(x) - 1;
  if (name == "selu") {
    const double alpha = 1.6732632423543772, scale = 1.0507009873554805;
    return scale * (x > 0 ? x : alpha * (std::exp(x) - 1));
  }
  if (name == "softplus") return softplus;
  if (name == "softsign") return x / (1 + std::fabs(x));
  if (name == "exponential") return std::exp(x);
  if (name == "swish" || name == "silu") return x * sig;
  if (name == "gelu") return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  if (name == "mish") return x * std::tanh(softplus);
  if (name == "leaky_relu") return x > 0 ? x : 0.2 * x;
  ADD_FAILURE() << "no reference for activation " << name;
  return 0;
}

// Applies an activation to a row-major buffer whose last axis has `last` entries (softmax needs rows).
inline void ApplyActivationRef(const std::string& name, std::vector<double>* v, int64_t last) {
  if (name == "softmax" || name == "log_softmax") {
    for (size_t r = 0; r < v->size(); r += last) {
      double mx = -1e300, sum = 0;
      for (int64_t j = 0; j < last; ++j) mx = std::max(mx, (*v)[r + j]);
      for (int64_t j = 0; j < last; ++j) sum += std::exp((*v)[r + j] - mx);
      for (int64_t j = 0; j < last; ++j) {
        double& e = (*v)[r + j];
        e = name == "softmax" ? std::exp(e - mx) / sum : e - mx - std::log(sum);
      }
    }
    return;
  }
  for (double& e : *v) e = ActivationRef(name, e);
}

}  // namespace kerasm::testing
