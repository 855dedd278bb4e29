// Lambda with C++ functions (the bindings give JS ones): the call, its gradient through the tape, the
// output shape (given, by a function, found by running the call), masks, the config, and the error for a
// Lambda read from a Keras file.
#include <gtest/gtest.h>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/lambda.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::testing {
namespace {

using json = nlohmann::json;
using layers::LambdaFunctions;
using layers::Tensors;

LambdaFunctions Scale(float k) {
  LambdaFunctions f;
  f.call = [k](const Tensors& in, bool) { return Tensors{ops::Tanh(ops::ScaleShift(in[0], k))}; };
  return f;
}

TEST(Lambda, CallsItsFunctionAndDifferentiatesThroughIt) {
  auto layer = layers::MakeLambda({{"name", "scaled"}, {"arguments", {{"k", 2}}}}, Scale(2.f));
  const Tensor x = RandomTensor({3, 4}, 1);
  const Tensor y = layer->Apply(x);
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y.f32()[i], std::tanh(2.f * x.f32()[i]), 1e-6f);
  ExpectGradientsMatch([&](const std::vector<Tensor>& v) { return layer->Apply(v[0]); }, {x}, "lambda");
  const json c = layer->GetConfig();
  EXPECT_EQ(c["name"], "scaled");
  EXPECT_EQ(c["arguments"]["k"], 2);
  EXPECT_EQ(c["function_type"], "js");
}

TEST(Lambda, OutputShapesGivenComputedOrFoundByRunning) {
  LambdaFunctions twice;
  twice.call = [](const Tensors& in, bool) { return Tensors{ops::Concat({in[0], in[0]}, -1)}; };
  auto found = layers::MakeLambda(json::object(), twice);
  EXPECT_EQ(found->ComputeOutputShape({{-1, 3}}), (layers::Shapes{{-1, 6}}));
  auto given = layers::MakeLambda({{"output_shape", {2, 3}}}, twice);
  EXPECT_EQ(given->ComputeOutputShape({{-1, 3}}), (layers::Shapes{{-1, 2, 3}}));
  LambdaFunctions shaped = twice;
  shaped.output_shape = [](const layers::Shapes& s) { return layers::Shapes{{s[0][0], 7}}; };
  auto by_function = layers::MakeLambda(json::object(), shaped);
  EXPECT_EQ(by_function->ComputeOutputShape({{-1, 3}}), (layers::Shapes{{-1, 7}}));
  ExpectValueError([&] { layers::MakeLambda({{"output_shape", "big"}}, twice); }, "output_shape");
}

TEST(Lambda, MasksOnlyThroughAMaskFunction) {
  LambdaFunctions f = Scale(1.f);
  auto plain = layers::MakeLambda(json::object(), f);
  const Tensor x = RandomTensor({2, 3}, 2);
  const Tensor mask = Tensor::FromVector({2}, {1, 0});
  layers::CallContext ctx;
  ctx.masks = {mask};
  const layers::CallResult r = plain->ApplyWithMasks({x}, ctx);
  ASSERT_EQ(r.masks.size(), 1u);
  EXPECT_FALSE(r.masks[0].defined());
  f.mask = [](const Tensors&, const Tensors& masks) { return Tensors{masks[0]}; };
  auto passing = layers::MakeLambda(json::object(), f);
  EXPECT_EQ(passing->ApplyWithMasks({x}, ctx).masks[0].ToFloatVector(), mask.ToFloatVector());
}

TEST(Lambda, AKerasFileLambdaIsAClearError) {
  ExpectContains(ErrorOf<ValueError>([] { layers::CreateLayer("Lambda", {{"name", "lam"}, {"function", "4wEAAA=="}}); }),
                 {"Lambda 'lam'", "Python code", "km.layers.lambda"});
  LambdaFunctions none;
  ExpectValueError([&] { layers::MakeLambda(json::object(), none); }, "function");
}

}  // namespace
}  // namespace kerasm::testing
