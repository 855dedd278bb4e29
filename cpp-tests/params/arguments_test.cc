// The shared arguments: every entry of the activation list works by both spellings through the op, the
// config reader and the Activation layer; the unknown-activation message lists the list; tfjs configs.
#include <gtest/gtest.h>

#include "core/error.h"
#include "expect_error.h"
#include "layers/registry.h"
#include "ops/activation_list.h"
#include "ops/ops.h"
#include "params/arguments.h"

namespace kerasm::testing {
namespace {

using params::json;

Tensor Ramp() {
  Tensor x({2, 5});
  for (int64_t i = 0; i < x.size(); ++i) x.f32()[i] = -2.f + 0.45f * static_cast<float>(i);
  return x;
}

TEST(ActivationList, EveryEntryWorksByBothSpellings) {
  const auto& names = ops::ActivationNames();
  ASSERT_GE(names.size(), 18u);
  const Tensor x = Ramp();
  for (const ops::ActivationName& a : names) {
    SCOPED_TRACE(a.js);
    const Tensor by_js = ops::Activation(a.js, x), by_keras = ops::Activation(a.keras, x);
    for (int64_t i = 0; i < x.size(); ++i) EXPECT_EQ(by_js.f32()[i], by_keras.f32()[i]);
    EXPECT_TRUE(ops::IsActivationName(a.js));
    EXPECT_TRUE(ops::IsActivationName(a.keras));
    for (const char* spelling : {a.js, a.keras}) {
      params::ConfigReader r(json{{"activation", spelling}}, "Dense");
      EXPECT_EQ(params::ReadActivation(r, "activation", "linear"), a.keras);
      auto layer = layers::CreateLayer("Activation", {{"activation", spelling}});
      EXPECT_EQ(layer->GetConfig()["activation"], a.keras);
    }
    EXPECT_EQ(params::ActivationJsName(a.keras), a.js);
  }
}

TEST(ActivationList, UnknownNamesListTheKnownOnes) {
  const std::string op_error = ErrorOf<ValueError>([] { ops::Activation("rleu", Ramp()); });
  const std::string layer_error = ErrorOf<ValueError>([] { layers::CreateLayer("Dense", {{"units", 1}, {"activation", "rleu"}}); });
  for (const ops::ActivationName& a : ops::ActivationNames()) {
    EXPECT_NE(op_error.find(a.js), std::string::npos) << a.js;
    EXPECT_NE(layer_error.find(a.js), std::string::npos) << a.js;
  }
  ExpectContains(layer_error, {"unknown activation 'rleu'", "Received: activation=\"rleu\""});
}

TEST(TfjsConfig, KeysSpecsFormatsAndActivations) {
  const json keras = {{"units", 2},
                      {"use_bias", true},
                      {"activation", "hard_sigmoid"},
                      {"data_format", "channels_first"},
                      {"kernel_initializer", {{"class_name", "VarianceScaling"}, {"config", {{"seed", nullptr}, {"scale", 2}}}}},
                      {"kernel_constraint", {{"class_name", "MaxNorm"}, {"config", {{"max_value", 2}, {"axis", 0}}}}},
                      {"bias_regularizer", nullptr},
                      {"batch_input_shape", {nullptr, 3}}};
  const json tfjs = params::ToTfjsConfig(keras);
  EXPECT_EQ(tfjs, (json{{"units", 2},
                        {"useBias", true},
                        {"activation", "hardSigmoid"},
                        {"dataFormat", "channelsFirst"},
                        {"kernelInitializer", {{"className", "VarianceScaling"}, {"config", {{"seed", nullptr}, {"scale", 2}}}}},
                        {"kernelConstraint", {{"className", "MaxNorm"}, {"config", {{"maxValue", 2}, {"axis", 0}}}}},
                        {"biasRegularizer", nullptr},
                        {"batchInputShape", {nullptr, 3}}}));
  // And the layers read it back.
  auto again = layers::CreateLayer("Dense", params::ToTfjsConfig(layers::CreateLayer("Dense", {{"units", 3}})->GetConfig()));
  EXPECT_EQ(again->GetConfig()["units"], 3);
}

}  // namespace
}  // namespace kerasm::testing
