// Embedding: generic cases (y[..., :] = embeddings[x[...], :]) and what they cannot see: the mask of
// mask_zero, input_length, float indices, and the error for an index out of range.
#include <gtest/gtest.h>

#include "core/error.h"
#include "expect_error.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::testing {
namespace {

Reference EmbeddingRef(int64_t output_dim) {
  return [=](const Tensors& in, const Tensors& w) {
    const std::vector<double> table = ToDoubles(w[0]);
    std::vector<double> y;
    for (int64_t i = 0; i < in[0].size(); ++i) {
      const int64_t row = in[0].i32()[i];
      for (int64_t j = 0; j < output_dim; ++j) y.push_back(table[row * output_dim + j]);
    }
    return std::vector<std::vector<double>>{y};
  };
}

}  // namespace

std::vector<LayerCase> EmbeddingLayerCases() {
  std::vector<LayerCase> cases;
  LayerCase seq{"Embedding/sequences", "Embedding", {{"input_dim", 7}, {"output_dim", 3}}, {{2, 5}}, {{7, 3}},
                EmbeddingRef(3)};
  seq.index_range = 7;
  cases.push_back(seq);
  LayerCase masked{"Embedding/rank3_mask_zero_regularized", "Embedding",
                   {{"input_dim", 4}, {"output_dim", 2}, {"mask_zero", true}, {"embeddings_regularizer", "l2"}},
                   {{2, 3, 2}}, {{4, 2}}, EmbeddingRef(2)};
  masked.index_range = 4;
  cases.push_back(masked);
  return cases;
}

namespace {

using layers::CreateLayer;

Tensor Indices(const Shape& shape, std::vector<int32_t> values) { return Tensor::FromData(shape, values.data()); }

TEST(Embedding, MaskZeroMarksTheNonZeroIndices) {
  auto layer = CreateLayer("Embedding", {{"input_dim", 5}, {"output_dim", 2}, {"mask_zero", true}});
  const layers::CallResult r = layer->ApplyWithMasks({Indices({2, 3}, {0, 3, 1, 4, 0, 0})});
  ASSERT_EQ(r.masks.size(), 1u);
  EXPECT_EQ(r.masks[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(r.masks[0].ToFloatVector(), (std::vector<float>{0, 1, 1, 1, 0, 0}));
  auto plain = CreateLayer("Embedding", {{"input_dim", 5}, {"output_dim", 2}});
  EXPECT_FALSE(plain->ApplyWithMasks({Indices({1, 2}, {1, 2})}).masks[0].defined());
}

TEST(Embedding, OutOfRangeIndexIsAnErrorNamingItAndInputDim) {
  auto layer = CreateLayer("Embedding", {{"input_dim", 3}, {"output_dim", 2}, {"name", "emb"}});
  const std::string message = ErrorOf<IndexError>([&] { layer->Apply(Indices({1, 3}, {0, 3, 1})); });
  ExpectContains(message, {"Embedding 'emb'", "index 3", "[0, 3)"});
  EXPECT_THROW(layer->Apply(Indices({1, 1}, {-1})), IndexError);
}

TEST(Embedding, FloatIndicesAreTruncatedAndInputLengthGivesTheInputShape) {
  auto layer = CreateLayer("Embedding", {{"input_dim", 4}, {"output_dim", 1}, {"input_length", 3}});
  ASSERT_TRUE(layer->batch_input_shape().has_value());
  EXPECT_EQ(*layer->batch_input_shape(), (Shape{-1, 3}));
  layer->MaybeBuild({{-1, 3}});
  layer->SetWeights({Tensor::FromVector({4, 1}, {10, 11, 12, 13})});
  const Tensor y = layer->Apply(Tensor::FromVector({1, 3}, {2.7f, 0.f, 3.f}));
  EXPECT_EQ(y.ToFloatVector(), (std::vector<float>{12, 10, 13}));
  EXPECT_EQ(layer->GetConfig()["input_length"], 3);
  EXPECT_THROW(layer->ComputeOutputShape({{-1, 4}}), ShapeError);
  ExpectValueError([] { CreateLayer("Embedding", {{"output_dim", 2}}); }, "input_dim");
  ExpectValueError([] { CreateLayer("Embedding", {{"input_dim", 2}, {"output_dim", 0}}); }, "output_dim");
}

TEST(Embedding, GradientScatterAddsRepeatedIndices) {
  auto layer = CreateLayer("Embedding", {{"input_dim", 3}, {"output_dim", 2}});
  layer->MaybeBuild({{-1, 4}});
  const auto vars = layer->TrainableWeights();
  ops::GradientTape tape;
  const Tensor y = layer->Apply(Indices({1, 4}, {2, 0, 2, 2}));
  const Tensor loss = ops::Sum(y);
  const auto grads = tape.Gradient(loss, {vars[0]->value()});
  EXPECT_EQ(grads[0].ToFloatVector(), (std::vector<float>{1, 1, 0, 0, 3, 3}));
}

}  // namespace
}  // namespace kerasm::testing
