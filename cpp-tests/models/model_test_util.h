// Helpers shared by the model tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/input_layer.h"
#include "layers/registry.h"
#include "models/model.h"
#include "models/sequential.h"

namespace kerasm::testing {

using json = nlohmann::json;
using layers::LayerPtr;
using layers::SymbolicTensor;
using layers::SymbolicTensors;
using layers::Tensors;

inline LayerPtr MakeDense(int units, const std::string& activation = "linear", const std::string& name = "",
                          json extra = json::object()) {
  json config = {{"units", units}, {"activation", activation}};
  if (!name.empty()) config["name"] = name;
  for (const auto& [k, v] : extra.items()) config[k] = v;
  return layers::CreateLayer("Dense", config);
}

inline SymbolicTensor Apply1(const LayerPtr& layer, const SymbolicTensor& x) { return layer->Apply(SymbolicTensors{x})[0]; }

inline void ExpectAllClose(const Tensor& got, const Tensor& want, double tol = 1e-6) {
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got.f32()[i], want.f32()[i], tol * (1 + std::fabs(want.f32()[i]))) << "element " << i;
  }
}

}  // namespace kerasm::testing
