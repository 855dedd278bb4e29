// Merge layers: generic-test cases with references from the Keras formulas (double-precision loops over
// broadcast indices), and what the generic test cannot see: shape and count errors, masks.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::testing {

namespace {

// An input's shape with size-1 axes inserted after the batch axis up to `rank`: how Keras' merges align a
// lower-rank input.
Shape Padded(const Shape& s, size_t rank) {
  Shape p{s[0]};
  p.insert(p.end(), rank - s.size(), 1);
  p.insert(p.end(), s.begin() + 1, s.end());
  return p;
}

// Index into an input of (padded) shape `p` of output element `flat` of out_shape, size-1 axes broadcast.
int64_t BroadcastIndex(const Shape& p, const Shape& out_shape, int64_t flat) {
  int64_t offset = 0, stride = 1;
  for (int d = static_cast<int>(out_shape.size()) - 1; d >= 0; --d) {
    const int64_t i = flat % out_shape[d];
    flat /= out_shape[d];
    if (p[d] != 1) offset += i * stride;
    stride *= p[d];
  }
  return offset;
}

Reference ElementwiseRef(std::function<double(const std::vector<double>&)> combine) {
  return [=](const Tensors& in, const Tensors&) {
    size_t rank = 0;
    for (const Tensor& t : in) rank = std::max(rank, static_cast<size_t>(t.rank()));
    Shape out_shape(rank, 1);
    for (const Tensor& t : in) {
      const Shape p = Padded(t.shape(), rank);
      for (size_t d = 0; d < rank; ++d) out_shape[d] = std::max(out_shape[d], p[d]);
    }
    std::vector<std::vector<double>> values;
    for (const Tensor& t : in) values.push_back(ToDoubles(t));
    std::vector<double> y(ShapeSize(out_shape));
    for (int64_t k = 0; k < static_cast<int64_t>(y.size()); ++k) {
      std::vector<double> v;
      for (size_t i = 0; i < in.size(); ++i) v.push_back(values[i][BroadcastIndex(Padded(in[i].shape(), rank), out_shape, k)]);
      y[k] = combine(v);
    }
    return std::vector<std::vector<double>>{y};
  };
}

double SumOf(const std::vector<double>& v) {
  double s = 0;
  for (double e : v) s += e;
  return s;
}

// Concatenation of [outer, n_i, inner] blocks along `axis`.
Reference ConcatRef(int axis) {
  return [=](const Tensors& in, const Tensors&) {
    const int a = axis < 0 ? axis + in[0].rank() : axis;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < a; ++d) outer *= in[0].dim(d);
    for (int d = a + 1; d < in[0].rank(); ++d) inner *= in[0].dim(d);
    std::vector<double> y;
    for (int64_t o = 0; o < outer; ++o) {
      for (const Tensor& t : in) {
        const std::vector<double> v = ToDoubles(t);
        const int64_t block = t.dim(a) * inner;
        y.insert(y.end(), v.begin() + o * block, v.begin() + (o + 1) * block);
      }
    }
    return std::vector<std::vector<double>>{y};
  };
}

// out[b, rest of x..., rest of y...] = sum_k x[b, ..k at a0..] * y[b, ..k at a1..], inputs optionally divided
// by their L2 norm along the axis first.
Reference DotRef(int a0, int a1, bool normalize) {
  return [=](const Tensors& in, const Tensors&) {
    const Tensor& x = in[0];
    const Tensor& y = in[1];
    auto strides = [](const Shape& s) {
      std::vector<int64_t> st(s.size(), 1);
      for (int d = static_cast<int>(s.size()) - 2; d >= 0; --d) st[d] = st[d + 1] * s[d + 1];
      return st;
    };
    const auto sx = strides(x.shape()), sy = strides(y.shape());
    std::vector<double> xv = ToDoubles(x), yv = ToDoubles(y);
    const int64_t k = x.dim(a0);
    auto normalize_along = [&](std::vector<double>* v, const Shape& shape, const std::vector<int64_t>& st, int axis) {
      for (int64_t base = 0; base < static_cast<int64_t>(v->size()); ++base) {
        if ((base / st[axis]) % shape[axis] != 0) continue;  // the first element of each fibre
        double ss = 0;
        for (int64_t j = 0; j < shape[axis]; ++j) ss += (*v)[base + j * st[axis]] * (*v)[base + j * st[axis]];
        const double norm = std::max(std::sqrt(ss), 1e-7);
        for (int64_t j = 0; j < shape[axis]; ++j) (*v)[base + j * st[axis]] /= norm;
      }
    };
    if (normalize) {
      normalize_along(&xv, x.shape(), sx, a0);
      normalize_along(&yv, y.shape(), sy, a1);
    }
    // Offsets of the "rest" positions of each input, in row-major order of the remaining axes.
    auto rest_offsets = [](const Shape& s, const std::vector<int64_t>& st, int skip) {
      std::vector<int64_t> offs{0};
      for (int d = 1; d < static_cast<int>(s.size()); ++d) {
        if (d == skip) continue;
        std::vector<int64_t> next;
        for (int64_t o : offs)
          for (int64_t j = 0; j < s[d]; ++j) next.push_back(o + j * st[d]);
        offs = next;
      }
      return offs;
    };
    const auto rx = rest_offsets(x.shape(), sx, a0), ry = rest_offsets(y.shape(), sy, a1);
    std::vector<double> out;
    for (int64_t b = 0; b < x.dim(0); ++b) {
      for (int64_t ox : rx) {
        for (int64_t oy : ry) {
          double s = 0;
          for (int64_t j = 0; j < k; ++j) s += xv[b * sx[0] + ox + j * sx[a0]] * yv[b * sy[0] + oy + j * sy[a1]];
          out.push_back(s);
        }
      }
    }
    return std::vector<std::vector<double>>{out};
  };
}

}  // namespace

std::vector<LayerCase> MergeLayerCases() {
  std::vector<LayerCase> cases;
  auto add = ElementwiseRef(SumOf);
  cases.push_back({"Add/two", "Add", json::object(), {{2, 3, 4}, {2, 3, 4}}, {}, add});
  cases.push_back({"Add/three_broadcast", "Add", {{"name", "adder"}}, {{2, 3, 4}, {2, 1, 4}, {2, 4}}, {}, add});
  cases.push_back({"Subtract/two", "Subtract", json::object(), {{3, 5}, {3, 5}}, {},
                   ElementwiseRef([](const std::vector<double>& v) { return v[0] - v[1]; })});
  cases.push_back({"Subtract/broadcast_rank", "Subtract", json::object(), {{2, 3, 4}, {2, 4}}, {},
                   ElementwiseRef([](const std::vector<double>& v) { return v[0] - v[1]; })});
  auto product = ElementwiseRef([](const std::vector<double>& v) {
    double p = 1;
    for (double e : v) p *= e;
    return p;
  });
  cases.push_back({"Multiply/three", "Multiply", json::object(), {{2, 4}, {2, 4}, {2, 4}}, {}, product});
  cases.push_back({"Multiply/broadcast", "Multiply", json::object(), {{2, 3, 1}, {2, 1, 5}}, {}, product});
  auto mean = ElementwiseRef([](const std::vector<double>& v) { return SumOf(v) / v.size(); });
  cases.push_back({"Average/two", "Average", json::object(), {{2, 3, 4}, {2, 3, 4}}, {}, mean});
  cases.push_back({"Average/four", "Average", json::object(), {{3, 2}, {3, 2}, {3, 2}, {3, 2}}, {}, mean});
  // Ties would put a kink under the finite differences: inputs spread over [-10, 10] keep pairs apart.
  LayerCase maximum{"Maximum/three", "Maximum", json::object(), {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}}, {},
                    ElementwiseRef([](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); })};
  maximum.input_scale = 10.f;
  cases.push_back(maximum);
  LayerCase minimum{"Minimum/broadcast", "Minimum", json::object(), {{2, 3, 4}, {2, 1, 4}}, {},
                    ElementwiseRef([](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })};
  minimum.input_scale = 10.f;
  cases.push_back(minimum);

  cases.push_back({"Concatenate/last_axis", "Concatenate", json::object(), {{2, 3, 4}, {2, 3, 2}}, {}, ConcatRef(-1)});
  cases.push_back({"Concatenate/axis1_three", "Concatenate", {{"axis", 1}}, {{2, 1, 4}, {2, 3, 4}, {2, 2, 4}}, {},
                   ConcatRef(1)});
  cases.push_back({"Concatenate/negative_axis", "Concatenate", {{"axis", -2}}, {{2, 2, 3}, {2, 4, 3}}, {}, ConcatRef(1)});

  cases.push_back({"Dot/rank2", "Dot", {{"axes", 1}}, {{3, 4}, {3, 4}}, {}, DotRef(1, 1, false)});
  cases.push_back({"Dot/pair_rank3", "Dot", {{"axes", {1, 2}}}, {{2, 3, 5}, {2, 4, 3}}, {}, DotRef(1, 2, false)});
  cases.push_back({"Dot/negative_normalize", "Dot", {{"axes", -1}, {"normalize", true}}, {{2, 3, 4}, {2, 5, 4}}, {},
                   DotRef(2, 2, true)});
  cases.push_back({"Dot/rank2_rank3", "Dot", {{"axes", {1, 1}}}, {{2, 3}, {2, 3, 4}}, {}, DotRef(1, 1, false)});
  cases.push_back({"Dot/rank4", "Dot", {{"axes", {2, -1}}}, {{2, 3, 4, 2}, {2, 5, 4}}, {}, DotRef(2, 2, false)});
  return cases;
}

namespace {

using layers::CreateLayer;
using layers::LayerPtr;

Tensors Inputs(const Shapes& shapes) {
  Tensors xs;
  for (size_t i = 0; i < shapes.size(); ++i) xs.push_back(RandomTensor(shapes[i], 50 + i));
  return xs;
}

TEST(MergeLayers, IncompatibleShapesNameTheLayerAndEveryShape) {
  LayerPtr add = CreateLayer("Add", {{"name", "sum"}});
  ExpectContains(ErrorOf<ShapeError>([&] { add->Apply(Inputs({{2, 3}, {2, 4}})); }),
                 {"Add 'sum'", "[[2,3],[2,4]]"});
  LayerPtr mul = CreateLayer("Multiply", json::object());
  ExpectContains(ErrorOf<ShapeError>([&] { mul->MaybeBuild({{-1, 3, 4}, {-1, 5}}); }), {"Multiply", "[[null,3,4],[null,5]]"});
  LayerPtr avg = CreateLayer("Average", json::object());
  ExpectContains(ErrorOf<ShapeError>([&] { avg->Apply(Inputs({{2, 3}, {4, 3}})); }), {"batch sizes", "[[2,3],[4,3]]"});
  LayerPtr cat = CreateLayer("Concatenate", {{"axis", 1}});
  ExpectContains(ErrorOf<ShapeError>([&] { cat->Apply(Inputs({{2, 3, 4}, {2, 3, 5}})); }),
                 {"Concatenate", "[[2,3,4],[2,3,5]]"});
  ExpectContains(ErrorOf<ShapeError>([&] { cat->ComputeOutputShape({{-1, 3, 4}, {-1, 3}}); }), {"same rank"});
  LayerPtr dot = CreateLayer("Dot", {{"axes", 1}});
  ExpectContains(ErrorOf<ShapeError>([&] { dot->Apply(Inputs({{2, 3}, {2, 4}})); }), {"Dot", "[[2,3],[2,4]]"});
}

TEST(MergeLayers, LaterCallsAreCheckedToo) {
  LayerPtr add = CreateLayer("Add", json::object());
  add->Apply(Inputs({{2, 3}, {2, 3}}));
  ExpectContains(ErrorOf<ShapeError>([&] { add->Apply(Inputs({{2, 3}, {2, 5}})); }), {"[[2,3],[2,5]]"});
}

TEST(MergeLayers, InputCounts) {
  for (const char* cls : {"Add", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}) {
    LayerPtr layer = CreateLayer(cls, json::object());
    ExpectContains(ErrorOf<ValueError>([&] { layer->Apply(Inputs({{2, 3}})); }), {cls, "at least 2 inputs"});
  }
  LayerPtr sub = CreateLayer("Subtract", json::object());
  ExpectContains(ErrorOf<ValueError>([&] { sub->Apply(Inputs({{2, 3}, {2, 3}, {2, 3}})); }), {"Subtract", "expects 2 inputs", "3"});
  ExpectContains(ErrorOf<ValueError>([&] { sub->Apply(Inputs({{2, 3}})); }), {"expects 2 inputs"});
  LayerPtr dot = CreateLayer("Dot", {{"axes", 1}});
  ExpectContains(ErrorOf<ValueError>([&] { dot->Apply(Inputs({{2, 3}, {2, 3}, {2, 3}})); }), {"Dot", "expects 2 inputs"});
}

TEST(MergeLayers, BadAxes) {
  LayerPtr batch = CreateLayer("Concatenate", {{"axis", 0}});
  ExpectContains(ErrorOf<ValueError>([&] { batch->Apply(Inputs({{2, 3}, {2, 3}})); }), {"batch axis", "axis=0"});
  LayerPtr batch_neg = CreateLayer("Concatenate", {{"axis", -3}});
  ExpectContains(ErrorOf<ValueError>([&] { batch_neg->Apply(Inputs({{2, 3, 4}, {2, 3, 4}})); }), {"batch axis"});
  LayerPtr far = CreateLayer("Concatenate", {{"axis", 3}});
  ExpectContains(ErrorOf<ValueError>([&] { far->Apply(Inputs({{2, 3}, {2, 3}})); }), {"out of range", "[[2,3],[2,3]]"});
  LayerPtr dot0 = CreateLayer("Dot", {{"axes", 0}});
  ExpectContains(ErrorOf<ValueError>([&] { dot0->Apply(Inputs({{2, 3}, {2, 3}})); }), {"Dot", "batch axis"});
  LayerPtr dot_far = CreateLayer("Dot", {{"axes", {1, 4}}});
  ExpectContains(ErrorOf<ValueError>([&] { dot_far->Apply(Inputs({{2, 3}, {2, 3}})); }), {"out of range"});
  LayerPtr dot_rank1 = CreateLayer("Dot", {{"axes", -1}});
  ExpectContains(ErrorOf<ShapeError>([&] { dot_rank1->MaybeBuild({{-1}, {-1}}); }), {"rank >= 2"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dot", {{"axes", {1, 2, 3}}}); }), {"Dot", "axes=[1,2,3]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dot", {{"axes", "last"}}); }), {"axes"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Dot", json::object()); }), {"Dot", "axes"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Concatenate", {{"axis", 1.5}}); }), {"axis=1.5"});
}

TEST(MergeLayers, SymbolicShapesKeepUnknownDimensions) {
  LayerPtr add = CreateLayer("Add", json::object());
  EXPECT_EQ(add->ComputeOutputShape({{-1, 3, -1}, {-1, 1, 4}}).front(), (Shape{-1, 3, -1}));
  LayerPtr cat = CreateLayer("Concatenate", {{"axis", 1}});
  EXPECT_EQ(cat->ComputeOutputShape({{-1, -1, 4}, {-1, 2, 4}}).front(), (Shape{-1, -1, 4}));
  EXPECT_EQ(cat->ComputeOutputShape({{-1, 3, -1}, {-1, 2, 4}}).front(), (Shape{-1, 5, 4}));
  LayerPtr dot = CreateLayer("Dot", {{"axes", {2, 1}}});
  EXPECT_EQ(dot->ComputeOutputShape({{-1, 3, 4}, {-1, 4, 6}}).front(), (Shape{-1, 3, 6}));
}

TEST(MergeLayers, ConfigKeepsTheAxesAsGiven) {
  EXPECT_EQ(CreateLayer("Dot", {{"axes", -1}})->GetConfig()["axes"], json(-1));
  EXPECT_EQ(CreateLayer("Dot", {{"axes", {1, 2}}, {"normalize", true}})->GetConfig()["axes"], json({1, 2}));
  EXPECT_EQ(CreateLayer("Concatenate", json::object())->GetConfig()["axis"], json(-1));
  EXPECT_EQ(CreateLayer("Add", json::object())->name().rfind("add", 0), 0u);
}

// Keras 3: the element-wise merges OR the masks when every input has one.
TEST(MergeLayers, ElementwiseMasksAreOred) {
  LayerPtr add = CreateLayer("Add", json::object());
  const Tensors xs = Inputs({{2, 3, 4}, {2, 3, 4}});
  const Tensor m0 = Tensor::FromVector({2, 3}, {1, 0, 0, 1, 1, 0});
  const Tensor m1 = Tensor::FromVector({2, 3}, {0, 0, 1, 1, 0, 0});
  const Tensors out = add->ComputeMask(xs, {m0, m1});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ToFloatVector(), (std::vector<float>{1, 0, 1, 1, 1, 0}));
  EXPECT_TRUE(add->ComputeMask(xs, {m0, Tensor()}).empty() || !add->ComputeMask(xs, {m0, Tensor()})[0].defined());
  EXPECT_TRUE(CreateLayer("Dot", {{"axes", -1}})->ComputeMask(xs, {m0, m1}).empty());

  // Through a call: the output mask comes with the output.
  layers::CallContext ctx;
  ctx.masks = {m0, m1};
  const layers::CallResult r = add->ApplyWithMasks(xs, ctx);
  ASSERT_TRUE(r.masks[0].defined());
  EXPECT_EQ(r.masks[0].ToFloatVector(), out[0].ToFloatVector());
}

// Keras 3: masks broadcast to their inputs (ones where none), concatenated, OR-ed over the last axis.
TEST(MergeLayers, ConcatenateMasks) {
  const Tensors xs = Inputs({{1, 3, 2}, {1, 2, 2}});
  const Tensor m0 = Tensor::FromVector({1, 3}, {1, 0, 1});
  LayerPtr along_time = CreateLayer("Concatenate", {{"axis", 1}});
  const Tensors time = along_time->ComputeMask(xs, {m0, Tensor()});
  ASSERT_EQ(time.size(), 1u);
  EXPECT_EQ(time[0].shape(), (Shape{1, 5}));
  EXPECT_EQ(time[0].ToFloatVector(), (std::vector<float>{1, 0, 1, 1, 1}));

  const Tensors ys = Inputs({{1, 3, 2}, {1, 3, 4}});
  const Tensor m1 = Tensor::FromVector({1, 3}, {0, 0, 1});
  LayerPtr along_features = CreateLayer("Concatenate", json::object());
  const Tensors features = along_features->ComputeMask(ys, {m0, m1});
  EXPECT_EQ(features[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(features[0].ToFloatVector(), (std::vector<float>{1, 0, 1}));
  EXPECT_TRUE(along_features->ComputeMask(ys, {Tensor(), Tensor()}).empty());
}

TEST(MergeLayers, GradientsOfEveryInputOfAnUnevenMerge) {
  // Three inputs of three ranks: each gets its own broadcast-summed gradient.
  LayerPtr mul = CreateLayer("Multiply", json::object());
  ExpectGradientsMatch([&](const std::vector<Tensor>& v) { return mul->Apply(Tensors(v.begin(), v.end()))[0]; },
                       Inputs({{2, 3, 4}, {2, 4}, {2, 1, 1}}), "Multiply uneven");
}

}  // namespace
}  // namespace kerasm::testing
