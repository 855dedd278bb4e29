// One test for every registered layer, driven by the registry's list and each family's cases: config round
// trip, build and weight shapes, output shape against computeOutputShape (symbolic and concrete), forward
// against an independent reference, and input + weight gradients against central finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "layers/input_layer.h"
#include "ops/tape.h"

namespace kerasm::testing {
namespace {

// Keys whose serialized form differs from the shorthand a case may use (a name becomes {class_name, config}).
bool ComparableKey(const std::string& key) {
  for (const char* suffix : {"_initializer", "_regularizer", "_constraint"}) {
    const std::string s = suffix;
    if (key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0) return false;
  }
  // A nested cell comes back with its full config.
  if (key == "cell" || key == "cells") return false;
  // So does a wrapper's layer.
  if (key == "layer" || key == "backward_layer") return false;
  return key != "input_shape" && key != "input_dim" && key != "batch_size" && key != "shape" && key != "batch_shape";
}

Tensor RandomInput(const Shape& shape, uint64_t seed, const LayerCase& c) {
  if (c.index_range > 0) {
    Tensor u = RandomTensor(shape, seed, 0.f, static_cast<float>(c.index_range));
    Tensor idx(shape, DType::kInt32);
    for (int64_t i = 0; i < u.size(); ++i) {
      idx.i32()[i] = std::min(static_cast<int32_t>(u.f32()[i]), static_cast<int32_t>(c.index_range - 1));
    }
    return idx;
  }
  Tensor t = RandomTensor(shape, seed, -c.input_scale, c.input_scale);
  for (int64_t i = 0; i < t.size(); ++i) {
    float& v = t.f32()[i];
    if (std::fabs(v) < c.kink_margin) v = v < 0 ? -c.kink_margin - std::fabs(v) : c.kink_margin + v;
  }
  return t;
}

class LayerGenericTest : public ::testing::TestWithParam<LayerCase> {};

TEST_P(LayerGenericTest, ConfigRoundTrip) {
  const LayerCase& c = GetParam();
  layers::LayerPtr layer = layers::CreateLayer(c.class_name, c.config);
  EXPECT_EQ(layer->ClassName(), c.class_name);
  const json config = layer->GetConfig();
  for (const auto& [key, value] : c.config.items()) {
    if (!ComparableKey(key)) continue;
    ASSERT_TRUE(config.contains(key)) << c.label << ": get_config lacks '" << key << "': " << config.dump();
    EXPECT_EQ(config[key], value) << c.label << ": key " << key;
  }
  layers::LayerPtr again = layers::CreateLayer(c.class_name, config);
  EXPECT_EQ(again->GetConfig(), config) << c.label;
  const json serialized = layers::SerializeLayer(*layer);
  EXPECT_EQ(layers::DeserializeLayer(serialized)->GetConfig(), config) << c.label;
}

TEST_P(LayerGenericTest, BuildWeightsAndShapes) {
  const LayerCase& c = GetParam();
  layers::LayerPtr layer = layers::CreateLayer(c.class_name, c.config);
  Shapes symbolic = c.input_shapes;
  for (Shape& s : symbolic) s[0] = -1;
  layer->MaybeBuild(symbolic);
  ASSERT_TRUE(layer->built());
  const Tensors weights = layer->GetWeights();
  ASSERT_EQ(weights.size(), c.weight_shapes.size()) << c.label;
  int64_t params = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    EXPECT_EQ(weights[i].shape(), c.weight_shapes[i]) << c.label << ": weight " << i;
    params += ShapeSize(c.weight_shapes[i]);
  }
  EXPECT_EQ(layer->CountParams(), params);
  const std::vector<std::string> names = layer->WeightNames();
  for (const std::string& n : names) EXPECT_EQ(n.rfind(layer->name() + "/", 0), 0u) << n;

  // Symbolic application infers the same shapes as computeOutputShape; a concrete call produces them.
  const Shapes inferred = layer->ComputeOutputShape(symbolic);
  layers::SymbolicTensors sym_in;
  for (const Shape& s : symbolic) {
    Shape rest(s.begin() + 1, s.end());
    sym_in.push_back(layers::Input(rest));
  }
  const layers::SymbolicTensors sym_out = layer->Apply(sym_in);
  ASSERT_EQ(sym_out.size(), inferred.size());
  for (size_t i = 0; i < inferred.size(); ++i) EXPECT_EQ(sym_out[i].shape(), inferred[i]) << c.label;

  Tensors inputs;
  for (size_t i = 0; i < c.input_shapes.size(); ++i) inputs.push_back(RandomInput(c.input_shapes[i], 10 + i, c));
  const Tensors outputs = layer->Apply(inputs);
  const Shapes concrete = layer->ComputeOutputShape(c.input_shapes);
  ASSERT_EQ(outputs.size(), concrete.size()) << c.label;
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_EQ(outputs[i].shape(), concrete[i]) << c.label;
    Shape with_unknown_batch = outputs[i].shape();
    with_unknown_batch[0] = -1;
    EXPECT_EQ(inferred[i], with_unknown_batch) << c.label;
  }
}

// Random weights (so biases and zeros-initialized weights matter), random inputs, reference in double.
TEST_P(LayerGenericTest, ForwardMatchesReference) {
  const LayerCase& c = GetParam();
  layers::LayerPtr layer = layers::CreateLayer(c.class_name, c.config);
  layer->MaybeBuild(c.input_shapes);
  Tensors weights;
  for (size_t i = 0; i < c.weight_shapes.size(); ++i) weights.push_back(RandomTensor(c.weight_shapes[i], 100 + i));
  layer->SetWeights(weights);
  Tensors inputs;
  for (size_t i = 0; i < c.input_shapes.size(); ++i) inputs.push_back(RandomInput(c.input_shapes[i], 20 + i, c));
  const Tensors outputs = layer->Apply(inputs);
  const auto expected = c.reference(inputs, weights);
  ASSERT_EQ(outputs.size(), expected.size()) << c.label;
  for (size_t o = 0; o < outputs.size(); ++o) {
    const std::vector<double> got = ToDoubles(outputs[o]);
    ASSERT_EQ(got.size(), expected[o].size()) << c.label;
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_NEAR(got[k], expected[o][k], 1e-5 + 1e-4 * std::fabs(expected[o][k])) << c.label << " output " << o << " [" << k << "]";
    }
  }
}

// d sum(output * w) / d (inputs, trainable weights) against central differences (float32 forward, double sums).
TEST_P(LayerGenericTest, GradientsMatchFiniteDifferences) {
  const LayerCase& c = GetParam();
  if (!c.check_gradients) GTEST_SKIP() << c.label << ": not differentiable everywhere at random points";
  layers::LayerPtr layer = layers::CreateLayer(c.class_name, c.config);
  layer->MaybeBuild(c.input_shapes);
  const auto vars = layer->TrainableWeights();
  std::vector<Tensor> xs, indices;
  // Index inputs (no gradient) stay fixed; float inputs are arguments of the checked function.
  for (size_t i = 0; i < c.input_shapes.size(); ++i) {
    (c.index_range > 0 ? indices : xs).push_back(RandomInput(c.input_shapes[i], 30 + i, c));
  }
  const size_t n_in = xs.size();
  for (size_t i = 0; i < vars.size(); ++i) xs.push_back(RandomTensor(vars[i]->shape(), 200 + i, -0.5f, 0.5f));
  // Weights enter as function arguments: each evaluation assigns them, so the tape sees them as sources.
  auto f = [&](const std::vector<Tensor>& args) {
    for (size_t i = 0; i < vars.size(); ++i) vars[i]->Assign(args[n_in + i]);
    Tensors in = c.index_range > 0 ? indices : Tensors(args.begin(), args.begin() + n_in);
    Tensors out = layer->Apply(in);
    Tensor y = ops::Reshape(out[0], {-1});
    for (size_t k = 1; k < out.size(); ++k) y = ops::Concat({y, ops::Reshape(out[k], {-1})}, 0);
    return y;
  };
  ExpectGradientsMatch(f, xs, c.label);
}

std::string CaseName(const ::testing::TestParamInfo<LayerCase>& info) {
  std::string s = info.param.label;
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(AllLayers, LayerGenericTest, ::testing::ValuesIn(AllLayerCases()), CaseName);

TEST(LayerRegistry, EveryRegisteredLayerHasTestCases) {
  std::set<std::string> covered;
  for (const LayerCase& c : AllLayerCases()) covered.insert(c.class_name);
  for (const std::string& name : layers::LayerClassNames()) {
    EXPECT_TRUE(covered.count(name)) << "registered layer " << name << " has no generic test case";
  }
}

TEST(LayerRegistry, ListsClassesAndJsNames) {
  std::set<std::string> names, js;
  for (const layers::LayerClass& c : layers::LayerClasses()) {
    EXPECT_TRUE(names.insert(c.class_name).second) << "duplicate " << c.class_name;
    EXPECT_TRUE(js.insert(c.js_name).second) << "duplicate " << c.js_name;
    EXPECT_TRUE(std::islower(static_cast<unsigned char>(c.js_name[0]))) << c.js_name;
  }
  EXPECT_TRUE(names.count("Dense"));
}

TEST(LayerRegistry, UnknownClassIsAnError) {
  try {
    layers::CreateLayer("Densse", json::object());
    FAIL() << "expected an error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("Densse"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kerasm::testing
