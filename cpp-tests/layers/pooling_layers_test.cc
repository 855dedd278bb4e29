// Pooling layers: generic-test cases with references written from the Keras formulas (each output cell walks
// its whole window in the layer's own data format and keeps the cells inside the input), and what the
// generic test cannot see: masks on the global 1D poolings, keepdims, config defaults and spellings,
// gradient routing on ties, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <limits>
#include <random>

#include "core/error.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::testing {

namespace {

struct Window {
  std::vector<int64_t> pool, strides;
  bool same = false;
};

// The input's spatial sizes and channel count, in either data format.
struct Layout {
  int64_t batch, channels;
  std::vector<int64_t> spatial;
};
Layout LayoutOf(const Shape& s, bool channels_first) {
  Layout l{s[0], channels_first ? s[1] : s.back(), {}};
  for (size_t i = 1; i + 1 < s.size(); ++i) l.spatial.push_back(s[channels_first ? i + 1 : i]);
  return l;
}

// Row-major index of (n, c, position[]) in the given format.
int64_t IndexOf(const Layout& l, bool channels_first, int64_t n, int64_t c, const std::vector<int64_t>& pos) {
  int64_t flat = 0, cells = 1;
  for (size_t i = 0; i < pos.size(); ++i) {
    flat = flat * l.spatial[i] + pos[i];
    cells *= l.spatial[i];
  }
  return channels_first ? (n * l.channels + c) * cells + flat : (n * cells + flat) * l.channels + c;
}

// Calls f(position) for every position of a box of the given extents, last axis fastest.
void ForBox(const std::vector<int64_t>& extent, const std::function<void(const std::vector<int64_t>&)>& f) {
  std::vector<int64_t> p(extent.size(), 0);
  for (int64_t e : extent)
    if (e <= 0) return;
  while (true) {
    f(p);
    size_t i = extent.size();
    while (i > 0) {
      --i;
      if (++p[i] < extent[i]) break;
      p[i] = 0;
      if (i == 0) return;
    }
    if (extent.empty()) return;
  }
}

// MaxPooling / AveragePooling: out = ceil(in / s) with (total padding) / 2 before for same, floor((in - k) / s)
// + 1 for valid; max over the window's cells inside the input, average divided by their count.
Reference WindowRef(bool max, Window w, bool channels_first) {
  return [=](const Tensors& in, const Tensors&) {
    const Layout l = LayoutOf(in[0].shape(), channels_first);
    const std::vector<double> x = ToDoubles(in[0]);
    const size_t rank = l.spatial.size();
    std::vector<int64_t> out(rank), pad(rank, 0);
    for (size_t i = 0; i < rank; ++i) {
      if (w.same) {
        out[i] = (l.spatial[i] + w.strides[i] - 1) / w.strides[i];
        pad[i] = std::max<int64_t>((out[i] - 1) * w.strides[i] + w.pool[i] - l.spatial[i], 0) / 2;
      } else {
        out[i] = (l.spatial[i] - w.pool[i]) / w.strides[i] + 1;
      }
    }
    Layout lo{l.batch, l.channels, out};
    int64_t out_cells = 1;
    for (int64_t d : out) out_cells *= d;
    std::vector<double> y(l.batch * l.channels * out_cells);
    for (int64_t n = 0; n < l.batch; ++n) {
      for (int64_t c = 0; c < l.channels; ++c) {
        ForBox(out, [&](const std::vector<int64_t>& o) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          int count = 0;
          ForBox(w.pool, [&](const std::vector<int64_t>& k) {
            std::vector<int64_t> p(rank);
            for (size_t i = 0; i < rank; ++i) {
              p[i] = o[i] * w.strides[i] - pad[i] + k[i];
              if (p[i] < 0 || p[i] >= l.spatial[i]) return;
            }
            const double v = x[IndexOf(l, channels_first, n, c, p)];
            best = std::max(best, v);
            sum += v;
            ++count;
          });
          y[IndexOf(lo, channels_first, n, c, o)] = max ? best : sum / count;
        });
      }
    }
    return std::vector<std::vector<double>>{y};
  };
}

// Global poolings: one value per (batch, channel); keepdims only adds unit axes, so the flat order is the same.
Reference GlobalRef(bool max, bool channels_first) {
  return [=](const Tensors& in, const Tensors&) {
    const Layout l = LayoutOf(in[0].shape(), channels_first);
    const std::vector<double> x = ToDoubles(in[0]);
    std::vector<double> y(l.batch * l.channels);
    for (int64_t n = 0; n < l.batch; ++n) {
      for (int64_t c = 0; c < l.channels; ++c) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int count = 0;
        ForBox(l.spatial, [&](const std::vector<int64_t>& p) {
          const double v = x[IndexOf(l, channels_first, n, c, p)];
          best = std::max(best, v);
          sum += v;
          ++count;
        });
        y[n * l.channels + c] = max ? best : sum / count;
      }
    }
    return std::vector<std::vector<double>>{y};
  };
}

json WindowConfig(const Window& w, bool channels_first) {
  return {{"pool_size", w.pool}, {"strides", w.strides}, {"padding", w.same ? "same" : "valid"},
          {"data_format", channels_first ? "channels_first" : "channels_last"}};
}

}  // namespace

std::vector<LayerCase> PoolingLayerCases() {
  struct WindowCase {
    const char* label;
    int rank;
    Window w;
    bool channels_first;
    Shape input;
  };
  const std::vector<WindowCase> windows = {
      {"valid", 1, {{2}, {2}, false}, false, {2, 7, 3}},
      {"same_strided_cf", 1, {{3}, {2}, true}, true, {2, 3, 8}},
      {"overlap_valid", 1, {{3}, {1}, false}, false, {1, 6, 2}},
      {"valid", 2, {{2, 2}, {2, 2}, false}, false, {2, 5, 6, 3}},
      {"same_cf", 2, {{3, 2}, {1, 2}, true}, true, {2, 3, 5, 6}},
      {"stride_over_pool", 2, {{2, 1}, {3, 2}, true}, false, {1, 7, 5, 2}},
      {"valid", 3, {{2, 2, 2}, {2, 2, 2}, false}, false, {1, 4, 5, 4, 2}},
      {"same_cf", 3, {{2, 3, 2}, {1, 2, 2}, true}, true, {1, 2, 3, 5, 4}},
  };
  std::vector<LayerCase> cases;
  for (bool max : {true, false}) {
    for (const WindowCase& wc : windows) {
      const std::string cls = std::string(max ? "MaxPooling" : "AveragePooling") + std::to_string(wc.rank) + "D";
      LayerCase c{cls + "/" + wc.label, cls, WindowConfig(wc.w, wc.channels_first), {wc.input}, {},
                  WindowRef(max, wc.w, wc.channels_first)};
      // A max moves its gradient when two window cells are within a finite-difference step of each other,
      // which random inputs do not exclude: PoolingGradients.MaxMatchesFiniteDifferences checks these
      // cases on inputs without near ties instead.
      c.check_gradients = !max;
      cases.push_back(c);
    }
  }
  for (bool max : {true, false}) {
    for (int rank : {1, 2, 3}) {
      const std::string cls = std::string(max ? "GlobalMaxPooling" : "GlobalAveragePooling") + std::to_string(rank) + "D";
      Shape last{2}, first{2, 3};
      for (int i = 0; i < rank; ++i) {
        last.push_back(3 + i);
        first.push_back(4 - i);
      }
      last.push_back(3);
      LayerCase a{cls + "/channels_last", cls, {{"data_format", "channels_last"}}, {last}, {}, GlobalRef(max, false)};
      LayerCase b{cls + "/channels_first_keepdims", cls, {{"data_format", "channels_first"}, {"keepdims", true}},
                  {first}, {}, GlobalRef(max, true)};
      a.check_gradients = b.check_gradients = !max;
      cases.push_back(a);
      cases.push_back(b);
    }
  }
  return cases;
}

namespace {

using layers::CreateLayer;
using layers::LayerPtr;

Tensor FromValues(const Shape& shape, const std::vector<float>& v) {
  Tensor t(shape);
  std::copy(v.begin(), v.end(), t.f32());
  return t;
}

layers::CallResult ApplyMasked(const LayerPtr& layer, const Tensor& x, const Tensor& mask) {
  layers::CallContext ctx;
  ctx.masks = {mask};
  return layer->ApplyWithMasks({x}, ctx);
}

// ---- masks ---------------------------------------------------------------------------------------------

TEST(PoolingMasks, GlobalAverage1DAveragesUnmaskedStepsOnly) {
  for (bool channels_first : {false, true}) {
    LayerPtr layer = CreateLayer("GlobalAveragePooling1D", {{"data_format", channels_first ? "channels_first" : "channels_last"}});
    const int64_t B = 2, T = 4, C = 3;
    Tensor x = RandomTensor(channels_first ? Shape{B, C, T} : Shape{B, T, C}, 5);
    Tensor mask = FromValues({B, T}, {1, 1, 0, 1, 0, 1, 0, 0});
    layers::CallResult r = ApplyMasked(layer, x, mask);
    ASSERT_EQ(r.outputs[0].shape(), (Shape{B, C}));
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t c = 0; c < C; ++c) {
        double sum = 0, count = 0;
        for (int64_t t = 0; t < T; ++t) {
          const double m = mask.f32()[b * T + t];
          sum += m * x.f32()[channels_first ? (b * C + c) * T + t : (b * T + t) * C + c];
          count += m;
        }
        EXPECT_NEAR(r.outputs[0].f32()[b * C + c], sum / count, 1e-6) << channels_first << " " << b << " " << c;
      }
    }
    EXPECT_TRUE(r.masks.empty() || !r.masks[0].defined());  // the mask is consumed
  }
}

TEST(PoolingMasks, GlobalMax1DSkipsMaskedStepsAndTheirGradient) {
  LayerPtr layer = CreateLayer("GlobalMaxPooling1D", {{"keepdims", true}});
  // The largest value of each channel sits in a masked step.
  Tensor x = FromValues({1, 3, 2}, {1, 9, 8, 10, 7, -1});
  Tensor mask = FromValues({1, 3}, {1, 0, 1});
  ops::GradientTape tape;
  layers::CallResult r = ApplyMasked(layer, x, mask);
  EXPECT_EQ(r.outputs[0].shape(), (Shape{1, 1, 2}));
  EXPECT_EQ(r.outputs[0].ToFloatVector(), (std::vector<float>{7, 9}));
  Tensor g = tape.Gradient(r.outputs[0], {x})[0];
  EXPECT_EQ(g.ToFloatVector(), (std::vector<float>{0, 1, 0, 0, 1, 0}));
}

TEST(PoolingMasks, WindowedPoolingsDropTheMask) {
  LayerPtr layer = CreateLayer("MaxPooling1D", json::object());
  layers::CallResult r = ApplyMasked(layer, RandomTensor({1, 4, 2}, 1), FromValues({1, 4}, {1, 1, 0, 0}));
  EXPECT_EQ(r.outputs[0].shape(), (Shape{1, 2, 2}));
  EXPECT_TRUE(r.masks.empty() || !r.masks[0].defined());
}

// ---- config -------------------------------------------------------------------------------------------

TEST(PoolingConfig, DefaultsAndStridesFromPoolSize) {
  json c = CreateLayer("MaxPooling2D", json::object())->GetConfig();
  EXPECT_EQ(c["pool_size"], json({2, 2}));
  EXPECT_EQ(c["strides"], json({2, 2}));
  EXPECT_EQ(c["padding"], "valid");
  EXPECT_EQ(c["data_format"], "channels_last");
  EXPECT_EQ(c["name"], "max_pooling2d");
  c = CreateLayer("AveragePooling1D", {{"pool_size", 3}, {"strides", nullptr}, {"padding", "SAME"}})->GetConfig();
  EXPECT_EQ(c["pool_size"], json({3}));
  EXPECT_EQ(c["strides"], json({3}));
  EXPECT_EQ(c["padding"], "same");
  c = CreateLayer("MaxPooling3D", {{"pool_size", 2}, {"strides", 1}})->GetConfig();
  EXPECT_EQ(c["pool_size"], json({2, 2, 2}));
  EXPECT_EQ(c["strides"], json({1, 1, 1}));
  c = CreateLayer("GlobalAveragePooling3D", json::object())->GetConfig();
  EXPECT_EQ(c["keepdims"], false);
  EXPECT_EQ(c["data_format"], "channels_last");
}

TEST(PoolingConfig, TfjsSpellings) {
  LayerPtr layer = CreateLayer("MaxPooling2D", {{"poolSize", {3, 2}}, {"strides", {1, 1}}, {"dataFormat", "channelsFirst"}});
  const json c = layer->GetConfig();
  EXPECT_EQ(c["pool_size"], json({3, 2}));
  EXPECT_EQ(c["data_format"], "channels_first");
  EXPECT_EQ(layer->Apply(Tensor::Zeros({1, 2, 5, 4})).shape(), (Shape{1, 2, 3, 3}));
}

// ---- gradients -------------------------------------------------------------------------------------------

// The max-pooling cases of the generic test on inputs whose values are a shuffled ladder with steps of 0.05,
// five times the finite-difference step: no two cells are close enough to swap places under a perturbation.
TEST(PoolingGradients, MaxMatchesFiniteDifferences) {
  int checked = 0;
  for (const LayerCase& c : PoolingLayerCases()) {
    if (c.check_gradients) continue;
    LayerPtr layer = CreateLayer(c.class_name, c.config);
    Tensor x(c.input_shapes[0]);
    std::vector<float> ladder(static_cast<size_t>(x.size()));
    for (size_t i = 0; i < ladder.size(); ++i) ladder[i] = 0.05f * static_cast<float>(i) - 0.025f * ladder.size();
    std::mt19937 rng(7);
    std::shuffle(ladder.begin(), ladder.end(), rng);
    std::copy(ladder.begin(), ladder.end(), x.f32());
    ExpectGradientsMatch([&](const std::vector<Tensor>& args) { return ops::Reshape(layer->Apply(args[0]), {-1}); },
                         {x}, c.label);
    ++checked;
  }
  EXPECT_EQ(checked, 14);  // 8 windowed and 6 global max-pooling cases
}

TEST(PoolingGradients, MaxRoutesTiesToTheFirstCell) {
  LayerPtr layer = CreateLayer("MaxPooling2D", {{"pool_size", {2, 2}}});
  Tensor x = FromValues({1, 2, 2, 1}, {1, 3, 3, 3});
  ops::GradientTape tape;
  Tensor y = layer->Apply(x);
  EXPECT_EQ(tape.Gradient(y, {x})[0].ToFloatVector(), (std::vector<float>{0, 1, 0, 0}));
}

TEST(PoolingGradients, SameAverageSharesByValidCount) {
  // Width 3, pool 2, stride 2, same: out 2, padding 1 after; the second window has one cell.
  LayerPtr layer = CreateLayer("AveragePooling1D", {{"pool_size", 2}, {"padding", "same"}});
  Tensor x = FromValues({1, 3, 1}, {2, 4, 10});
  ops::GradientTape tape;
  Tensor y = layer->Apply(x);
  EXPECT_EQ(y.ToFloatVector(), (std::vector<float>{3, 10}));
  EXPECT_EQ(tape.Gradient(y, {x})[0].ToFloatVector(), (std::vector<float>{0.5f, 0.5f, 1}));
}

// ---- errors ------------------------------------------------------------------------------------------

TEST(PoolingErrors, NameTheLayerAndTheValue) {
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("MaxPooling2D", {{"padding", "causal"}, {"name", "p"}}); }),
                 {"MaxPooling2D 'p'", "padding", "causal"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("MaxPooling2D", {{"pool_size", {2, 2, 2}}}); }),
                 {"MaxPooling2D", "pool_size", "2 positive integers"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("AveragePooling1D", {{"strides", 0}}); }),
                 {"AveragePooling1D", "strides=0"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("AveragePooling3D", {{"pool_size", "big"}}); }),
                 {"AveragePooling3D", "pool_size"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("GlobalMaxPooling2D", {{"data_format", "nhwc"}}); }),
                 {"GlobalMaxPooling2D", "data_format"});
  ExpectContains(ErrorOf<ValueError>([] { CreateLayer("GlobalMaxPooling2D", {{"pool_size", 2}}); }),
                 {"GlobalMaxPooling2D", "pool_size"});
}

TEST(PoolingErrors, PoolLargerThanTheInput) {
  LayerPtr layer = CreateLayer("MaxPooling2D", {{"pool_size", {3, 3}}, {"name", "mp"}});
  ExpectContains(ErrorOf<ShapeError>([&] { layer->Apply(Tensor::Zeros({1, 2, 5, 1})); }),
                 {"MaxPooling2D 'mp'", "[3,3]", "[1,2,5,1]", "valid"});
  // Same padding always fits.
  LayerPtr same = CreateLayer("MaxPooling2D", {{"pool_size", {3, 3}}, {"padding", "same"}});
  EXPECT_EQ(same->Apply(Tensor::Zeros({1, 2, 5, 1})).shape(), (Shape{1, 1, 2, 1}));
}

TEST(PoolingErrors, WrongRank) {
  LayerPtr layer = CreateLayer("AveragePooling2D", {{"name", "ap"}});
  const std::string message = ErrorOf<ShapeError>([&] { layer->Apply(Tensor::Zeros({2, 4, 4})); });
  ExpectContains(message, {"AveragePooling2D 'ap'"});
  LayerPtr global = CreateLayer("GlobalAveragePooling1D", {{"name", "g"}});
  ExpectContains(ErrorOf<ShapeError>([&] { global->Apply(Tensor::Zeros({2, 4, 4, 1})); }), {"GlobalAveragePooling1D 'g'"});
}

TEST(PoolingErrors, MaskOfTheWrongShape) {
  LayerPtr layer = CreateLayer("GlobalAveragePooling1D", {{"name", "g"}});
  ExpectContains(ErrorOf<ShapeError>([&] { ApplyMasked(layer, Tensor::Zeros({2, 4, 3}), Tensor::Zeros({2, 3})); }),
                 {"GlobalAveragePooling1D 'g'", "[2,3]", "[2,4,3]"});
}

}  // namespace
}  // namespace kerasm::testing
