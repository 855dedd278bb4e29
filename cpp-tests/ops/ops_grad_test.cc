// Every differentiable op's gradient against central finite differences.
#include <gtest/gtest.h>

#include "core/error.h"
#include "gradcheck.h"
#include "ops/ops.h"

namespace kerasm {
namespace {
using testing::ExpectGradientMatches;
using testing::ExpectGradientsMatch;
using testing::RandomTensor;

TEST(OpsGrad, BinaryWithBroadcasting) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{3, 4}, {3, 4}}, {{2, 3, 4}, {4}}, {{3, 1}, {1, 5}}, {{}, {2, 3}}, {{2, 1, 3}, {4, 1}}};
  for (const auto& [sa, sb] : shapes) {
    Tensor a = RandomTensor(sa, 1), b = RandomTensor(sb, 2);
    Tensor bpos = RandomTensor(sb, 3, 0.5f, 2.f);
    Tensor apos = RandomTensor(sa, 4, 0.5f, 2.f);
    ExpectGradientsMatch([](auto& v) { return ops::Add(v[0], v[1]); }, {a, b}, "add");
    ExpectGradientsMatch([](auto& v) { return ops::Sub(v[0], v[1]); }, {a, b}, "sub");
    ExpectGradientsMatch([](auto& v) { return ops::Mul(v[0], v[1]); }, {a, b}, "mul");
    ExpectGradientsMatch([](auto& v) { return ops::Div(v[0], v[1]); }, {a, bpos}, "div");
    ExpectGradientsMatch([](auto& v) { return ops::Pow(v[0], v[1]); }, {apos, b}, "pow");
    ExpectGradientsMatch([](auto& v) { return ops::SquaredDifference(v[0], v[1]); }, {a, b}, "squaredDifference");
    // max/min: shift b away from a so no element sits at the kink.
    Tensor bfar = ops::ScaleShift(b, 1.f, 0.05f);
    ExpectGradientsMatch([](auto& v) { return ops::Maximum(v[0], v[1]); }, {a, bfar}, "maximum");
    ExpectGradientsMatch([](auto& v) { return ops::Minimum(v[0], v[1]); }, {a, bfar}, "minimum");
  }
}

TEST(OpsGrad, UnaryActivations) {
  // Inputs kept away from kinks (relu at 0, relu6 at 6, hard sigmoid at +-3, thresholded relu at alpha).
  Tensor x = RandomTensor({2, 7}, 5, -2.5f, 2.5f);
  for (int64_t i = 0; i < x.size(); ++i) {
    float& v = x.f32()[i];
    if (std::fabs(v) < 0.05f) v += 0.1f;
  }
  Tensor xpos = RandomTensor({2, 7}, 6, 0.3f, 3.f);
  for (const char* name : {"relu", "sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "swish", "gelu",
                           "mish", "leakyRelu", "hardSigmoid", "exponential", "relu6", "softmax", "logSoftmax"}) {
    ExpectGradientMatches([name](const Tensor& t) { return ops::Activation(name, t); }, x, name);
  }
  ExpectGradientMatches([](const Tensor& t) { return ops::Neg(t); }, x, "neg");
  ExpectGradientMatches([](const Tensor& t) { return ops::Abs(t); }, x, "abs");
  ExpectGradientMatches([](const Tensor& t) { return ops::Square(t); }, x, "square");
  ExpectGradientMatches([](const Tensor& t) { return ops::Sqrt(t); }, xpos, "sqrt");
  ExpectGradientMatches([](const Tensor& t) { return ops::Log(t); }, xpos, "log");
  ExpectGradientMatches([](const Tensor& t) { return ops::Exp(t); }, x, "exp");
  ExpectGradientMatches([](const Tensor& t) { return ops::Unary(kernels::UnaryOp::kGeluTanh, t); }, x, "geluTanh");
  ExpectGradientMatches([](const Tensor& t) { return ops::Unary(kernels::UnaryOp::kLog1p, t); }, xpos, "log1p");
  ExpectGradientMatches([](const Tensor& t) { return ops::ScaleShift(t, -1.5f, 0.25f); }, x, "scaleShift");
  ExpectGradientMatches([](const Tensor& t) { return ops::ClipByValue(t, -1.f, 1.f); }, x, "clipByValue");
}

TEST(OpsGrad, SoftmaxOnEveryAxis) {
  Tensor x = RandomTensor({2, 3, 4}, 7, -2.f, 2.f);
  for (int axis : {0, 1, 2, -1}) {
    ExpectGradientMatches([axis](const Tensor& t) { return ops::Softmax(t, axis); }, x, "softmax");
    ExpectGradientMatches([axis](const Tensor& t) { return ops::LogSoftmax(t, axis); }, x, "logSoftmax");
  }
}

TEST(OpsGrad, MatMulAllTransposesAndBatch) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Tensor a = RandomTensor(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, 8);
      Tensor b = RandomTensor(tb ? Shape{5, 4} : Shape{4, 5}, 9);
      ExpectGradientsMatch([ta, tb](auto& v) { return ops::MatMul(v[0], v[1], ta, tb); }, {a, b}, "matMul");
    }
  }
}

TEST(OpsGrad, DenseRank2And3) {
  for (const Shape& xs : {Shape{3, 4}, Shape{2, 3, 4}, Shape{1, 4}}) {
    Tensor x = RandomTensor(xs, 10), k = RandomTensor({4, 5}, 11), b = RandomTensor({5}, 12);
    ExpectGradientsMatch([](auto& v) { return ops::Dense(v[0], v[1], v[2]); }, {x, k, b}, "dense");
    ExpectGradientsMatch([](auto& v) { return ops::Dense(v[0], v[1], Tensor()); }, {x, k}, "dense (no bias)");
  }
}

TEST(OpsGrad, ShapeOps) {
  Tensor x = RandomTensor({2, 3, 4}, 13);
  ExpectGradientMatches([](const Tensor& t) { return ops::Reshape(t, {4, -1}); }, x, "reshape");
  ExpectGradientMatches([](const Tensor& t) { return ops::Transpose(t, {2, 0, 1}); }, x, "transpose");
  ExpectGradientMatches([](const Tensor& t) { return ops::Transpose(t); }, x, "transpose (reverse)");
  ExpectGradientMatches([](const Tensor& t) { return ops::Slice(t, {1, 0, 1}, {1, -1, 2}); }, x, "slice");
  ExpectGradientMatches([](const Tensor& t) { return ops::Pad(t, {{1, 0}, {0, 2}, {1, 1}}, 0.5f); }, x, "pad");
  ExpectGradientMatches([](const Tensor& t) { return ops::Tile(t, {1, 2, 3}); }, x, "tile");
  ExpectGradientMatches([](const Tensor& t) { return ops::BroadcastTo(ops::Reshape(t, {2, 1, 12}), {2, 3, 12}); }, x,
                        "broadcastTo");
  ExpectGradientMatches([](const Tensor& t) { return ops::ExpandDims(t, 1); }, x, "expandDims");
  Tensor y = RandomTensor({2, 5, 4}, 14);
  for (int axis : {0, 1, 2}) {
    Tensor z = RandomTensor(axis == 1 ? Shape{2, 5, 4} : (axis == 0 ? Shape{3, 3, 4} : Shape{2, 3, 2}), 15);
    ExpectGradientsMatch([axis](auto& v) { return ops::Concat({v[0], v[1]}, axis); }, {x, z}, "concat");
  }
  Tensor x2 = RandomTensor({2, 3, 4}, 16);
  ExpectGradientsMatch([](auto& v) { return ops::Stack({v[0], v[1]}, 1); }, {x, x2}, "stack");
  std::vector<int32_t> idx = {2, 0, 2, 1};
  Tensor indices = Tensor::FromData({2, 2}, idx.data());
  for (int axis : {0, 1, 2}) {
    Tensor src = RandomTensor({3, 3, 3}, 17);
    ExpectGradientsMatch([axis](auto& v) { return ops::Gather(v[0], v[1], axis); }, {src, indices}, "gather");
  }
}

TEST(OpsGrad, Reductions) {
  // Distinct values 0.1 apart in a scrambled order, so max/min have no ties within the finite-difference step.
  Tensor x({2, 3, 4});
  for (int64_t i = 0; i < x.size(); ++i) x.f32()[i] = 0.1f * static_cast<float>((i * 7) % 24) - 1.2f;
  const std::vector<std::vector<int>> axes_list = {{}, {0}, {1}, {2}, {0, 2}, {-1, 0}, {1, 2}};
  for (const auto& axes : axes_list) {
    for (bool keep : {false, true}) {
      ExpectGradientMatches([&](const Tensor& t) { return ops::Sum(t, axes, keep); }, x, "sum");
      ExpectGradientMatches([&](const Tensor& t) { return ops::Mean(t, axes, keep); }, x, "mean");
      ExpectGradientMatches([&](const Tensor& t) { return ops::Max(t, axes, keep); }, x, "max");
      ExpectGradientMatches([&](const Tensor& t) { return ops::Min(t, axes, keep); }, x, "min");
    }
  }
  ExpectGradientMatches([](const Tensor& t) { return ops::L2Normalize(t, {-1}); }, x, "l2Normalize");
  ExpectGradientMatches([](const Tensor& t) { return ops::L2Normalize(t, {0, 1}); }, x, "l2Normalize");
}

TEST(OpsGrad, WhereRoutesGradients) {
  Tensor cond = Tensor::FromVector({2, 3}, {1, 0, 1, 0, 0, 1});
  Tensor a = RandomTensor({2, 3}, 19), b = RandomTensor({3}, 20);
  ExpectGradientsMatch([&](auto& v) { return ops::Where(cond, v[0], v[1]); }, {a, b}, "where");
}

TEST(Tape, ComposedFunctionAndReuse) {
  // f(x) = sum(tanh(x W) * x W): x W used twice, so gradients must accumulate.
  Tensor x = RandomTensor({3, 4}, 21), w = RandomTensor({4, 4}, 22);
  ExpectGradientsMatch(
      [](auto& v) {
        Tensor h = ops::MatMul(v[0], v[1]);
        return ops::Sum(ops::Mul(ops::Tanh(h), h));
      },
      {x, w}, "composed");
}

TEST(Tape, UnconnectedSourceThrowsUnlessAllowed) {
  Tensor x = RandomTensor({2}, 23), z = RandomTensor({2}, 24);
  {
    ops::GradientTape tape;
    Tensor y = ops::Square(x);
    EXPECT_THROW(tape.Gradient(y, {z}), ValueError);
  }
  {
    ops::GradientTape tape;
    Tensor y = ops::Square(x);
    auto g = tape.Gradient(y, {x, z}, Tensor(), true);
    EXPECT_TRUE(g[0].defined());
    EXPECT_FALSE(g[1].defined());
  }
}

TEST(Tape, NothingRecordedOutsideATapeAndStorageFreed) {
  const int64_t before = Storage::LiveCount();
  {
    Tensor x = RandomTensor({4, 4}, 25);
    ops::GradientTape tape;
    Tensor y = ops::Sum(ops::Relu(ops::MatMul(x, x)));
    EXPECT_GT(tape.size(), 0u);
    auto g = tape.Gradient(y, {x});
    EXPECT_EQ(tape.size(), 0u);
  }
  EXPECT_EQ(Storage::LiveCount(), before);
  EXPECT_FALSE(ops::IsRecording());
}

TEST(Tape, NestedTapesBothRecord) {
  Tensor x = RandomTensor({3}, 26);
  ops::GradientTape outer;
  Tensor y;
  std::vector<Tensor> inner_grad;
  {
    ops::GradientTape inner;
    y = ops::Sum(ops::Square(x));
    inner_grad = inner.Gradient(y, {x});
  }
  auto outer_grad = outer.Gradient(y, {x});
  for (int i = 0; i < 3; ++i) {
    EXPECT_FLOAT_EQ(inner_grad[0].f32()[i], 2 * x.f32()[i]);
    EXPECT_FLOAT_EQ(outer_grad[0].f32()[i], 2 * x.f32()[i]);
  }
}

}  // namespace
}  // namespace kerasm
