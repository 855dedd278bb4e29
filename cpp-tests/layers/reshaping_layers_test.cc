// Reshaping layers (Cropping, ZeroPadding, UpSampling in 1D/2D/3D, Permute, RepeatVector): generic-test cases
// whose references map each output index to input indices by the Keras formula (scalar loops in double), and
// what the generic test cannot see: the argument forms, errors, symbolic shapes and masks.
#include <gtest/gtest.h>

#include <algorithm>
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

using Index = std::vector<int64_t>;
using Sides = std::vector<std::pair<int64_t, int64_t>>;

Index Unflatten(int64_t flat, const Shape& shape) {
  Index idx(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  return idx;
}

int64_t Flatten(const Index& idx, const Shape& shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + idx[d];
  return flat;
}

// out[idx] = value(x, input shape, idx) for every index of the output shape out_shape(input shape).
Reference MapRef(std::function<Shape(const Shape&)> out_shape,
                 std::function<double(const std::vector<double>&, const Shape&, const Index&)> value) {
  return [=](const Tensors& in, const Tensors&) {
    const Shape& s = in[0].shape();
    const Shape o = out_shape(s);
    const std::vector<double> x = ToDoubles(in[0]);
    std::vector<double> y(ShapeSize(o));
    for (int64_t k = 0; k < static_cast<int64_t>(y.size()); ++k) y[k] = value(x, s, Unflatten(k, o));
    return std::vector<std::vector<double>>{y};
  };
}

// The tensor axes of the spatial axes.
std::vector<int> SpatialAxes(int k, bool channels_first) {
  std::vector<int> axes;
  for (int i = 0; i < k; ++i) axes.push_back(channels_first ? i + 2 : i + 1);
  return axes;
}

Reference CropRef(const Sides& crop, bool channels_first) {
  const std::vector<int> axes = SpatialAxes(static_cast<int>(crop.size()), channels_first);
  return MapRef(
      [=](const Shape& s) {
        Shape o = s;
        for (size_t i = 0; i < axes.size(); ++i) o[axes[i]] -= crop[i].first + crop[i].second;
        return o;
      },
      [=](const std::vector<double>& x, const Shape& s, const Index& out) {
        Index in = out;
        for (size_t i = 0; i < axes.size(); ++i) in[axes[i]] += crop[i].first;
        return x[Flatten(in, s)];
      });
}

Reference PadRef(const Sides& pad, bool channels_first) {
  const std::vector<int> axes = SpatialAxes(static_cast<int>(pad.size()), channels_first);
  return MapRef(
      [=](const Shape& s) {
        Shape o = s;
        for (size_t i = 0; i < axes.size(); ++i) o[axes[i]] += pad[i].first + pad[i].second;
        return o;
      },
      [=](const std::vector<double>& x, const Shape& s, const Index& out) {
        Index in = out;
        for (size_t i = 0; i < axes.size(); ++i) {
          in[axes[i]] -= pad[i].first;
          if (in[axes[i]] < 0 || in[axes[i]] >= s[axes[i]]) return 0.0;
        }
        return x[Flatten(in, s)];
      });
}

// Nearest: output entry i of a spatial axis copies input entry i / size.
Reference NearestRef(const std::vector<int64_t>& size, bool channels_first) {
  const std::vector<int> axes = SpatialAxes(static_cast<int>(size.size()), channels_first);
  return MapRef(
      [=](const Shape& s) {
        Shape o = s;
        for (size_t i = 0; i < axes.size(); ++i) o[axes[i]] *= size[i];
        return o;
      },
      [=](const std::vector<double>& x, const Shape& s, const Index& out) {
        Index in = out;
        for (size_t i = 0; i < axes.size(); ++i) in[axes[i]] /= size[i];
        return x[Flatten(in, s)];
      });
}

// Half-pixel bilinear (TensorFlow's resize with half_pixel_centers, what Keras 3 calls): the source point
// ((i + 0.5) / size - 0.5 per axis, clamped to the input) weighs its four neighbours by the 2-D tent.
Reference BilinearRef(const std::vector<int64_t>& size, bool channels_first) {
  const std::vector<int> axes = SpatialAxes(2, channels_first);
  return MapRef(
      [=](const Shape& s) {
        Shape o = s;
        for (int i = 0; i < 2; ++i) o[axes[i]] *= size[i];
        return o;
      },
      [=](const std::vector<double>& x, const Shape& s, const Index& out) {
        double src[2];
        for (int i = 0; i < 2; ++i) {
          src[i] = (out[axes[i]] + 0.5) / size[i] - 0.5;
          src[i] = std::clamp(src[i], 0.0, static_cast<double>(s[axes[i]] - 1));
        }
        double total = 0;
        for (int64_t r = 0; r < s[axes[0]]; ++r) {
          for (int64_t c = 0; c < s[axes[1]]; ++c) {
            const double w = std::max(0.0, 1 - std::fabs(src[0] - r)) * std::max(0.0, 1 - std::fabs(src[1] - c));
            if (w == 0) continue;
            Index in = out;
            in[axes[0]] = r;
            in[axes[1]] = c;
            total += w * x[Flatten(in, s)];
          }
        }
        return total;
      });
}

// Output axis j + 1 is input axis dims[j].
Reference PermuteRef(const std::vector<int>& dims) {
  return MapRef(
      [=](const Shape& s) {
        Shape o{s[0]};
        for (int d : dims) o.push_back(s[d]);
        return o;
      },
      [=](const std::vector<double>& x, const Shape& s, const Index& out) {
        Index in(s.size());
        in[0] = out[0];
        for (size_t j = 0; j < dims.size(); ++j) in[dims[j]] = out[j + 1];
        return x[Flatten(in, s)];
      });
}

Reference RepeatVectorRef(int64_t n) {
  return MapRef([=](const Shape& s) { return Shape{s[0], n, s[1]}; },
                [](const std::vector<double>& x, const Shape& s, const Index& out) { return x[out[0] * s[1] + out[2]]; });
}

}  // namespace

std::vector<LayerCase> ReshapingLayerCases() {
  std::vector<LayerCase> c;
  const json cl = "channels_last", cf = "channels_first";
  c.push_back({"Cropping1D/default", "Cropping1D", json::object(), {{2, 5, 3}}, {}, CropRef({{1, 1}}, false)});
  c.push_back({"Cropping1D/pair", "Cropping1D", {{"cropping", {2, 0}}}, {{2, 6, 3}}, {}, CropRef({{2, 0}}, false)});
  c.push_back({"Cropping2D/nested", "Cropping2D", {{"cropping", {{1, 0}, {2, 1}}}}, {{2, 4, 5, 3}}, {},
               CropRef({{1, 0}, {2, 1}}, false)});
  c.push_back({"Cropping2D/channels_first", "Cropping2D", {{"cropping", {{1, 1}, {2, 2}}}, {"data_format", cf}},
               {{2, 3, 4, 6}}, {}, CropRef({{1, 1}, {2, 2}}, true)});
  c.push_back({"Cropping3D/ones", "Cropping3D", {{"cropping", {{1, 1}, {1, 1}, {1, 1}}}}, {{1, 3, 4, 3, 2}}, {},
               CropRef({{1, 1}, {1, 1}, {1, 1}}, false)});
  c.push_back({"Cropping3D/channels_first", "Cropping3D",
               {{"cropping", {{0, 1}, {1, 1}, {2, 0}}}, {"data_format", cf}},
               {{1, 2, 3, 4, 5}}, {}, CropRef({{0, 1}, {1, 1}, {2, 0}}, true)});

  c.push_back({"ZeroPadding1D/default", "ZeroPadding1D", json::object(), {{2, 3, 2}}, {}, PadRef({{1, 1}}, false)});
  c.push_back({"ZeroPadding1D/pair_channels_first", "ZeroPadding1D", {{"padding", {0, 2}}, {"data_format", cf}},
               {{2, 3, 4}}, {}, PadRef({{0, 2}}, true)});
  c.push_back({"ZeroPadding2D/nested", "ZeroPadding2D", {{"padding", {{1, 2}, {0, 1}}}}, {{2, 3, 2, 2}}, {},
               PadRef({{1, 2}, {0, 1}}, false)});
  c.push_back({"ZeroPadding2D/channels_first", "ZeroPadding2D", {{"padding", {{2, 2}, {1, 1}}}, {"data_format", cf}},
               {{1, 2, 3, 2}}, {}, PadRef({{2, 2}, {1, 1}}, true)});
  c.push_back({"ZeroPadding3D/default", "ZeroPadding3D", json::object(), {{1, 2, 2, 1, 2}}, {},
               PadRef({{1, 1}, {1, 1}, {1, 1}}, false)});
  c.push_back({"ZeroPadding3D/nested_channels_first", "ZeroPadding3D",
               {{"padding", {{0, 1}, {2, 0}, {1, 1}}}, {"data_format", cf}}, {{1, 2, 2, 1, 2}}, {},
               PadRef({{0, 1}, {2, 0}, {1, 1}}, true)});

  c.push_back({"UpSampling1D/default", "UpSampling1D", json::object(), {{2, 3, 2}}, {}, NearestRef({2}, false)});
  c.push_back({"UpSampling1D/size3", "UpSampling1D", {{"size", 3}}, {{1, 4, 3}}, {}, NearestRef({3}, false)});
  c.push_back({"UpSampling2D/nearest", "UpSampling2D", {{"size", {2, 3}}}, {{2, 2, 3, 2}}, {},
               NearestRef({2, 3}, false)});
  c.push_back({"UpSampling2D/nearest_channels_first", "UpSampling2D", {{"size", {2, 2}}, {"data_format", cf}},
               {{1, 2, 3, 2}}, {}, NearestRef({2, 2}, true)});
  c.push_back({"UpSampling2D/bilinear", "UpSampling2D", {{"size", {2, 3}}, {"interpolation", "bilinear"}},
               {{2, 3, 4, 2}}, {}, BilinearRef({2, 3}, false)});
  c.push_back({"UpSampling2D/bilinear_channels_first", "UpSampling2D",
               {{"size", {3, 1}}, {"interpolation", "bilinear"}, {"data_format", cf}}, {{1, 2, 3, 4}}, {},
               BilinearRef({3, 1}, true)});
  c.push_back({"UpSampling3D/default", "UpSampling3D", {{"data_format", cl}}, {{1, 2, 2, 1, 2}}, {},
               NearestRef({2, 2, 2}, false)});
  c.push_back({"UpSampling3D/sizes_channels_first", "UpSampling3D", {{"size", {1, 3, 2}}, {"data_format", cf}},
               {{1, 2, 2, 1, 3}}, {}, NearestRef({1, 3, 2}, true)});

  c.push_back({"Permute/swap", "Permute", {{"dims", {2, 1}}}, {{2, 3, 4}}, {}, PermuteRef({2, 1})});
  c.push_back({"Permute/rank4", "Permute", {{"dims", {3, 1, 2}}}, {{2, 2, 3, 4}}, {}, PermuteRef({3, 1, 2})});
  c.push_back({"Permute/identity", "Permute", {{"dims", {1, 2}}}, {{2, 3, 2}}, {}, PermuteRef({1, 2})});
  c.push_back({"RepeatVector/n3", "RepeatVector", {{"n", 3}}, {{2, 4}}, {}, RepeatVectorRef(3)});
  c.push_back({"RepeatVector/n1", "RepeatVector", {{"n", 1}}, {{3, 2}}, {}, RepeatVectorRef(1)});
  return c;
}

namespace {

using layers::CreateLayer;
using layers::LayerPtr;

// ---- argument forms and configs ---------------------------------------------------------------------------

TEST(ReshapingLayers, EveryFormOfAnAmountMeansTheSame) {
  const json nested = {{1, 1}, {2, 2}};
  for (const json& form : {json(json::array({1, 2})), nested}) {
    EXPECT_EQ(CreateLayer("Cropping2D", {{"cropping", form}})->GetConfig()["cropping"], nested) << form;
    EXPECT_EQ(CreateLayer("ZeroPadding2D", {{"padding", form}})->GetConfig()["padding"], nested) << form;
  }
  EXPECT_EQ(CreateLayer("ZeroPadding3D", {{"padding", 2}})->GetConfig()["padding"], json({{2, 2}, {2, 2}, {2, 2}}));
  EXPECT_EQ(CreateLayer("Cropping1D", {{"cropping", 3}})->GetConfig()["cropping"], json({3, 3}));
  // Keras 3's defaults.
  EXPECT_EQ(CreateLayer("Cropping1D", json::object())->GetConfig()["cropping"], json({1, 1}));
  EXPECT_EQ(CreateLayer("Cropping2D", json::object())->GetConfig()["cropping"], json({{0, 0}, {0, 0}}));
  EXPECT_EQ(CreateLayer("Cropping3D", json::object())->GetConfig()["cropping"], json({{1, 1}, {1, 1}, {1, 1}}));
  EXPECT_EQ(CreateLayer("ZeroPadding1D", json::object())->GetConfig()["padding"], json({1, 1}));
  EXPECT_EQ(CreateLayer("UpSampling1D", json::object())->GetConfig()["size"], 2);
  const json up2 = CreateLayer("UpSampling2D", json::object())->GetConfig();
  EXPECT_EQ(up2["size"], json({2, 2}));
  EXPECT_EQ(up2["interpolation"], "nearest");
  EXPECT_EQ(up2["data_format"], "channels_last");
  EXPECT_EQ(CreateLayer("UpSampling3D", {{"size", 3}})->GetConfig()["size"], json({3, 3, 3}));
  EXPECT_EQ(CreateLayer("UpSampling2D", {{"interpolation", "Bilinear"}})->GetConfig()["interpolation"], "bilinear");
  // No data_format where Keras has none.
  EXPECT_FALSE(CreateLayer("Cropping1D", json::object())->GetConfig().contains("data_format"));
  EXPECT_FALSE(CreateLayer("UpSampling1D", json::object())->GetConfig().contains("data_format"));
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Cropping1D", {{"data_format", "channels_first"}}); }),
                 {"Cropping1D", "unrecognized", "data_format"});
}

TEST(ReshapingLayers, BadArgumentsNameTheLayerAndValue) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Cropping2D", {{"cropping", {1, 2, 3}}, {"name", "c"}}); }),
                 {"Cropping2D 'c'", "cropping", "Received: cropping=[1,2,3]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Cropping1D", {{"cropping", -1}}); }),
                 {"Cropping1D", "non-negative", "cropping=-1"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ZeroPadding2D", {{"padding", {{1, 2, 3}, {0, 0}}}}); }),
                 {"ZeroPadding2D", "padding=[[1,2,3],[0,0]]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ZeroPadding1D", {{"padding", {{1, 2}}}}); }),
                 {"ZeroPadding1D", "padding=[[1,2]]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("ZeroPadding3D", {{"padding", "same"}}); }),
                 {"ZeroPadding3D", "padding=\"same\""});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("UpSampling2D", {{"size", 0}}); }),
                 {"UpSampling2D", "positive", "size=0"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("UpSampling1D", {{"size", 1.5}}); }),
                 {"UpSampling1D", "size must be a positive integer. Received: size=1.5"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("UpSampling3D", {{"size", {2, 2}}}); }),
                 {"UpSampling3D", "list of 3", "size=[2,2]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("UpSampling2D", {{"interpolation", "bicubic"}}); }),
                 {"UpSampling2D", "only 'nearest' and 'bilinear'", "interpolation=\"bicubic\""});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("UpSampling2D", {{"interpolation", "area"}}); }),
                 {"UpSampling2D", "interpolation=\"area\""});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("UpSampling1D", {{"interpolation", "nearest"}}); }),
                 {"UpSampling1D", "unrecognized", "interpolation"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Permute", {{"dims", {1, 3}}, {"name", "p"}}); }),
                 {"Permute 'p'", "permutation of 1..2", "dims=[1,3]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Permute", {{"dims", {2, 2}}}); }), {"Permute", "dims=[2,2]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Permute", {{"dims", {0, 1}}}); }), {"Permute", "dims=[0,1]"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("Permute", json::object()); }), {"Permute", "dims"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("RepeatVector", {{"n", 0}}); }), {"RepeatVector", "n=0"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("RepeatVector", json::object()); }), {"RepeatVector", "n"});
}

// The short forms give the layer of the full form: same config (above) and same values.
TEST(ReshapingLayers, ShortFormsComputeWhatTheFullFormsDo) {
  const Tensor x = RandomTensor({2, 5, 6, 4, 3}, 11);
  const std::vector<std::pair<json, json>> forms = {
      {{{"cropping", 1}}, {{"cropping", {{1, 1}, {1, 1}, {1, 1}}}}},
      {{{"cropping", json::array({json::array({0, 1}), 2, json::array({1, 0})})}},
       {{"cropping", {{0, 1}, {2, 2}, {1, 0}}}}},
  };
  for (const auto& [short_form, full_form] : forms) {
    EXPECT_EQ(CreateLayer("Cropping3D", short_form)->Apply(x).ToFloatVector(),
              CreateLayer("Cropping3D", full_form)->Apply(x).ToFloatVector()) << short_form;
  }
  EXPECT_EQ(CreateLayer("ZeroPadding3D", {{"padding", {1, 0, 2}}})->Apply(x).ToFloatVector(),
            CreateLayer("ZeroPadding3D", {{"padding", {{1, 1}, {0, 0}, {2, 2}}}})->Apply(x).ToFloatVector());
  EXPECT_EQ(CreateLayer("UpSampling3D", {{"size", 2}})->Apply(x).ToFloatVector(),
            CreateLayer("UpSampling3D", {{"size", {2, 2, 2}}})->Apply(x).ToFloatVector());
}

// ---- shapes ---------------------------------------------------------------------------------------------

TEST(ReshapingLayers, CroppingEverythingIsAShapeErrorNamingTheShapes) {
  LayerPtr crop = CreateLayer("Cropping2D", {{"cropping", {{2, 1}, {0, 0}}}, {"name", "crop"}});
  const std::string message = ErrorOf<ShapeError>([&] { crop->Apply(Tensor::Zeros({1, 3, 4, 2})); });
  ExpectContains(message, {"Cropping2D 'crop'", "[[2,1],[0,0]]", "axis 1 has 3", "[1,3,4,2]"});
  // Symbolic shapes are checked too; an unknown axis cannot be.
  ExpectContains(ErrorOf<ShapeError>([&] { crop->ComputeOutputShape({{-1, 2, 9, 2}}); }), {"Cropping2D 'crop'"});
  EXPECT_EQ(crop->ComputeOutputShape({{-1, -1, 9, 2}})[0], (Shape{-1, -1, 9, 2}));
  LayerPtr crop1 = CreateLayer("Cropping1D", {{"cropping", {3, 3}}});
  ExpectContains(ErrorOf<ShapeError>([&] { crop1->Apply(Tensor::Zeros({2, 5, 1})); }), {"Cropping1D", "[2,5,1]"});
  // Leaving one entry is fine.
  EXPECT_EQ(crop1->Apply(Tensor::Zeros({2, 7, 1})).shape(), (Shape{2, 1, 1}));
}

TEST(ReshapingLayers, WrongRanksAreRefusedByTheInputSpec) {
  ExpectContains(ErrorOf<ShapeError>([] { CreateLayer("ZeroPadding2D", json::object())->Apply(Tensor::Zeros({2, 3, 4})); }),
                 {"ZeroPadding2D", "expected ndim=4", "[2,3,4]"});
  ExpectContains(ErrorOf<ShapeError>([] { CreateLayer("RepeatVector", {{"n", 2}})->Apply(Tensor::Zeros({2, 3, 4})); }),
                 {"RepeatVector", "expected ndim=2"});
  ExpectContains(ErrorOf<ShapeError>([] { CreateLayer("Permute", {{"dims", {2, 1}}})->Apply(Tensor::Zeros({2, 3})); }),
                 {"Permute", "expected ndim=3"});
}

TEST(ReshapingLayers, SymbolicShapesKeepUnknownDimensions) {
  EXPECT_EQ(CreateLayer("ZeroPadding2D", {{"padding", {{1, 2}, {3, 4}}}})->ComputeOutputShape({{-1, -1, 5, 2}})[0],
            (Shape{-1, -1, 12, 2}));
  EXPECT_EQ(CreateLayer("UpSampling3D", {{"size", {1, 2, 3}}, {"data_format", "channels_first"}})
                ->ComputeOutputShape({{-1, 4, 2, -1, 5}})[0],
            (Shape{-1, 4, 2, -1, 15}));
  EXPECT_EQ(CreateLayer("Permute", {{"dims", {2, 3, 1}}})->ComputeOutputShape({{-1, 2, -1, 4}})[0],
            (Shape{-1, -1, 4, 2}));
  EXPECT_EQ(CreateLayer("RepeatVector", {{"n", 5}})->ComputeOutputShape({{-1, 3}})[0], (Shape{-1, 5, 3}));
}

// ---- values the references do not cover -----------------------------------------------------------------

// Keras 3's bilinear upsampling of [0, 1] by 2 (half-pixel centres): sources -0.25, 0.25, 0.75, 1.25 clamp to
// 0 and 1 at the ends, so [0, 0.25, 0.75, 1]; tfjs' alignCorners=false, halfPixelCenters=false would give
// [0, 0.5, 1, 1].
TEST(ReshapingLayers, BilinearUsesHalfPixelCentres) {
  LayerPtr up = CreateLayer("UpSampling2D", {{"size", {1, 2}}, {"interpolation", "bilinear"}});
  const float data[] = {0.f, 1.f};
  const Tensor y = up->Apply(Tensor::FromData({1, 1, 2, 1}, data));
  EXPECT_EQ(y.ToFloatVector(), (std::vector<float>{0.f, 0.25f, 0.75f, 1.f}));
}

// Nearest upsampling's gradient sums the copies; bilinear's spreads the tent weights back.
TEST(ReshapingLayers, GradientsOfUpSamplingAgainstFiniteDifferences) {
  for (const char* interpolation : {"nearest", "bilinear"}) {
    LayerPtr up = CreateLayer("UpSampling2D", {{"size", {3, 2}}, {"interpolation", interpolation}});
    ExpectGradientMatches([&](const Tensor& x) { return up->Apply(x); }, RandomTensor({2, 3, 2, 2}, 5), interpolation);
  }
}

// ---- masks ---------------------------------------------------------------------------------------------

TEST(ReshapingLayers, NoMaskPassesThrough) {
  const Tensor x = Tensor::Zeros({2, 3, 4});
  const Tensor mask = Tensor::Full({2, 3}, 1.f);
  for (const auto& [name, config] : std::vector<std::pair<std::string, json>>{
           {"Cropping1D", json::object()}, {"ZeroPadding1D", json::object()}, {"UpSampling1D", json::object()},
           {"Permute", {{"dims", {2, 1}}}}}) {
    const Tensors masks = CreateLayer(name, config)->ComputeMask({x}, {mask});
    EXPECT_TRUE(masks.empty() || !masks[0].defined()) << name;
  }
  const Tensors masks = CreateLayer("RepeatVector", {{"n", 2}})->ComputeMask({Tensor::Zeros({2, 3})}, {mask});
  EXPECT_TRUE(masks.empty() || !masks[0].defined());
}

}  // namespace

}  // namespace kerasm::testing
