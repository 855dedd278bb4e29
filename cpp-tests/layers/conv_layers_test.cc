// Convolution layers: generic-test cases with references written from the Keras formulas (direct loops in
// double, the padding worked out here from TF's rules), and what the generic test cannot see: the output
// length rules, the config errors, the packed kernel made once per weight value.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "expect_error.h"
#include "layers/layer_cases.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::testing {
namespace {

enum class Kind { kConv, kTranspose, kDepthwise, kSeparable };

struct RefSpec {
  Kind kind = Kind::kConv;
  int rank = 2;
  std::vector<int64_t> kernel, strides, dilation;
  std::string padding = "valid";
  std::vector<int64_t> output_padding;  // transposed only; empty = none
  int64_t filters = 1, groups = 1, depth_multiplier = 1;
  bool channels_first = false, use_bias = true;
  std::string activation = "linear";
};

// A channels_last array over up to three spatial axes (unit outer axes for lower ranks).
struct Grid {
  int64_t n = 1, c = 1;
  std::array<int64_t, 3> s{1, 1, 1};
  std::vector<double> v;
  double& at(int64_t b, const std::array<int64_t, 3>& p, int64_t ch) {
    return v[(((b * s[0] + p[0]) * s[1] + p[1]) * s[2] + p[2]) * c + ch];
  }
  double get(int64_t b, const std::array<int64_t, 3>& p, int64_t ch) const {
    for (int a = 0; a < 3; ++a) {
      if (p[a] < 0 || p[a] >= s[a]) return 0.0;  // the zero padding
    }
    return v[(((b * s[0] + p[0]) * s[1] + p[1]) * s[2] + p[2]) * c + ch];
  }
};

// Reads a tensor in the layer's data format into a channels_last grid.
Grid FromTensor(const Tensor& t, int rank, bool channels_first) {
  Grid g;
  const Shape& sh = t.shape();
  g.n = sh[0];
  g.c = channels_first ? sh[1] : sh.back();
  for (int a = 0; a < rank; ++a) g.s[3 - rank + a] = sh[(channels_first ? 2 : 1) + a];
  g.v.assign(static_cast<size_t>(t.size()), 0.0);
  const std::vector<double> src = ToDoubles(t);
  const int64_t spatial = g.s[0] * g.s[1] * g.s[2];
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t p = 0; p < spatial; ++p)
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const int64_t from = channels_first ? (b * g.c + ch) * spatial + p : (b * spatial + p) * g.c + ch;
        g.v[(b * spatial + p) * g.c + ch] = src[from];
      }
  return g;
}

std::vector<double> ToLayout(const Grid& g, bool channels_first) {
  if (!channels_first) return g.v;
  const int64_t spatial = g.s[0] * g.s[1] * g.s[2];
  std::vector<double> out(g.v.size());
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t p = 0; p < spatial; ++p)
      for (int64_t ch = 0; ch < g.c; ++ch) out[(b * g.c + ch) * spatial + p] = g.v[(b * spatial + p) * g.c + ch];
  return out;
}

int64_t Dilated(int64_t k, int64_t d) { return (k - 1) * d + 1; }

// TF's rules: valid -> no zeros; same -> out = ceil(in / s), zeros split with the odd one after; causal ->
// all zeros in front.
void ForwardPadding(const RefSpec& r, int a, int64_t in, int64_t* before, int64_t* out) {
  const int64_t w = Dilated(r.kernel[a], r.dilation[a]), s = r.strides[a];
  if (r.padding == "valid") {
    *before = 0;
    *out = (in - w) / s + 1;
  } else if (r.padding == "same") {
    *out = (in + s - 1) / s;
    *before = std::max<int64_t>((*out - 1) * s + w - in, 0) / 2;
  } else {  // causal
    *before = w - 1;
    *out = (in - 1) / s + 1;
  }
}

// The 3-axis index of spatial axis a (of rank r).
int Ax(int rank, int a) { return 3 - rank + a; }

// Iterates the taps of a kernel of up to three axes.
template <typename Fn>
void ForTaps(const std::array<int64_t, 3>& k, Fn&& fn) {
  for (int64_t i = 0; i < k[0]; ++i)
    for (int64_t j = 0; j < k[1]; ++j)
      for (int64_t l = 0; l < k[2]; ++l) fn(std::array<int64_t, 3>{i, j, l}, (i * k[1] + j) * k[2] + l);
}

template <typename Fn>
void ForPositions(const std::array<int64_t, 3>& s, Fn&& fn) {
  for (int64_t i = 0; i < s[0]; ++i)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t l = 0; l < s[2]; ++l) fn(std::array<int64_t, 3>{i, j, l});
}

// A forward (not transposed) windowed sum: out[b, o, f] = sum_{tap, c} in[b, o*s - before + tap*d, c] * w(tap, c, f)
// over the input channels `channels(f)` yields.
template <typename Weight, typename Channels>
Grid Windowed(const RefSpec& r, const Grid& x, int64_t out_channels, Weight&& w, Channels&& channels) {
  Grid y;
  y.n = x.n;
  y.c = out_channels;
  std::array<int64_t, 3> before{0, 0, 0}, k{1, 1, 1}, st{1, 1, 1}, di{1, 1, 1};
  for (int a = 0; a < r.rank; ++a) {
    const int ax = Ax(r.rank, a);
    ForwardPadding(r, a, x.s[ax], &before[ax], &y.s[ax]);
    k[ax] = r.kernel[a];
    st[ax] = r.strides[a];
    di[ax] = r.dilation[a];
  }
  y.v.assign(static_cast<size_t>(y.n * y.s[0] * y.s[1] * y.s[2] * y.c), 0.0);
  for (int64_t b = 0; b < y.n; ++b)
    ForPositions(y.s, [&](const std::array<int64_t, 3>& o) {
      for (int64_t f = 0; f < out_channels; ++f) {
        double sum = 0;
        ForTaps(k, [&](const std::array<int64_t, 3>& t, int64_t tap) {
          std::array<int64_t, 3> p;
          for (int a = 0; a < 3; ++a) p[a] = o[a] * st[a] - before[a] + t[a] * di[a];
          for (int64_t c : channels(f)) sum += x.get(b, p, c) * w(tap, c, f);
        });
        y.at(b, o, f) = sum;
      }
    });
  return y;
}

void AddBiasAndActivate(const RefSpec& r, const Tensor* bias, Grid* y) {
  if (r.use_bias) {
    const std::vector<double> bv = ToDoubles(*bias);
    for (size_t i = 0; i < y->v.size(); ++i) y->v[i] += bv[i % y->c];
  }
  ApplyActivationRef(r.activation, &y->v, y->c);  // element-wise activations only in these cases
}

Reference ConvRef(RefSpec r) {
  return [r](const Tensors& in, const Tensors& w) {
    const Grid x = FromTensor(in[0], r.rank, r.channels_first);
    Grid y;
    const int64_t taps_stride = 1;
    (void)taps_stride;
    if (r.kind == Kind::kConv) {
      const std::vector<double> k = ToDoubles(w[0]);
      const int64_t cg = x.c / r.groups, fg = r.filters / r.groups;
      y = Windowed(
          r, x, r.filters, [&](int64_t tap, int64_t c, int64_t f) { return k[(tap * cg + c % cg) * r.filters + f]; },
          [&](int64_t f) {
            std::vector<int64_t> cs;
            for (int64_t c = (f / fg) * cg; c < (f / fg + 1) * cg; ++c) cs.push_back(c);
            return cs;
          });
      AddBiasAndActivate(r, r.use_bias ? &w[1] : nullptr, &y);
    } else if (r.kind == Kind::kDepthwise || r.kind == Kind::kSeparable) {
      const std::vector<double> dk = ToDoubles(w[0]);
      const int64_t dm = r.depth_multiplier;
      // depthwise [k.., in, dm]: output channel c * dm + m reads input channel c only.
      Grid d = Windowed(
          r, x, x.c * dm, [&](int64_t tap, int64_t c, int64_t f) { return dk[(tap * x.c + c) * dm + f % dm]; },
          [&](int64_t f) { return std::vector<int64_t>{f / dm}; });
      if (r.kind == Kind::kDepthwise) {
        y = d;
        AddBiasAndActivate(r, r.use_bias ? &w[1] : nullptr, &y);
      } else {
        const std::vector<double> pk = ToDoubles(w[1]);  // [1.., in * dm, filters]
        y.n = d.n;
        y.s = d.s;
        y.c = r.filters;
        y.v.assign(static_cast<size_t>(d.n * d.s[0] * d.s[1] * d.s[2] * r.filters), 0.0);
        for (size_t row = 0; row < d.v.size() / d.c; ++row)
          for (int64_t f = 0; f < r.filters; ++f) {
            double s = 0;
            for (int64_t c = 0; c < d.c; ++c) s += d.v[row * d.c + c] * pk[c * r.filters + f];
            y.v[row * r.filters + f] = s;
          }
        AddBiasAndActivate(r, r.use_bias ? &w[2] : nullptr, &y);
      }
    } else {  // transposed: scatter y[i*s - before + t*d] += x[i] * k[t, f, c]
      const std::vector<double> k = ToDoubles(w[0]);  // [k.., filters, in]
      y.n = x.n;
      y.c = r.filters;
      std::array<int64_t, 3> before{0, 0, 0}, kk{1, 1, 1}, st{1, 1, 1}, di{1, 1, 1};
      for (int a = 0; a < r.rank; ++a) {
        const int ax = Ax(r.rank, a);
        const int64_t in = x.s[ax], s = r.strides[a], wdt = Dilated(r.kernel[a], r.dilation[a]);
        int64_t len;
        if (r.output_padding.empty()) {
          len = r.padding == "valid" ? in * s + std::max<int64_t>(wdt - s, 0) : in * s;
        } else {
          len = (in - 1) * s + wdt - 2 * (r.padding == "same" ? wdt / 2 : 0) + r.output_padding[a];
        }
        y.s[ax] = len;
        before[ax] = r.padding == "same" ? std::max<int64_t>((in - 1) * s + wdt - len, 0) / 2 : 0;
        kk[ax] = r.kernel[a];
        st[ax] = s;
        di[ax] = r.dilation[a];
      }
      y.v.assign(static_cast<size_t>(y.n * y.s[0] * y.s[1] * y.s[2] * y.c), 0.0);
      for (int64_t b = 0; b < x.n; ++b)
        ForPositions(x.s, [&](const std::array<int64_t, 3>& i) {
          ForTaps(kk, [&](const std::array<int64_t, 3>& t, int64_t tap) {
            std::array<int64_t, 3> o;
            for (int a = 0; a < 3; ++a) {
              o[a] = i[a] * st[a] - before[a] + t[a] * di[a];
              if (o[a] < 0 || o[a] >= y.s[a]) return;
            }
            for (int64_t f = 0; f < r.filters; ++f)
              for (int64_t c = 0; c < x.c; ++c) y.at(b, o, f) += x.get(b, i, c) * k[(tap * r.filters + f) * x.c + c];
          });
        });
      AddBiasAndActivate(r, r.use_bias ? &w[1] : nullptr, &y);
    }
    return std::vector<std::vector<double>>{ToLayout(y, r.channels_first)};
  };
}

// y[n, o, f] = sum_{tap, c} x[n, o * stride + tap, c] * kernel[position(o), row(tap, c), f] + bias[o, f], with
// row = tap * C + c for channels_last and c * taps + tap for channels_first (Keras' slicing order).
Reference LocallyConnectedRef(int rank, std::vector<int64_t> kernel, std::vector<int64_t> strides, int64_t filters,
                              bool channels_first, bool use_bias) {
  return [=](const Tensors& in, const Tensors& w) {
    const Grid x = FromTensor(in[0], rank, channels_first);
    const std::vector<double> k = ToDoubles(w[0]);
    const std::vector<double> b = use_bias ? ToDoubles(w[1]) : std::vector<double>();
    std::array<int64_t, 3> kk{1, 1, 1}, st{1, 1, 1};
    Grid y;
    y.n = x.n;
    y.c = filters;
    for (int a = 0; a < rank; ++a) {
      kk[Ax(rank, a)] = kernel[a];
      st[Ax(rank, a)] = strides[a];
      y.s[Ax(rank, a)] = (x.s[Ax(rank, a)] - kernel[a]) / strides[a] + 1;
    }
    const int64_t taps = kk[0] * kk[1] * kk[2], rows = taps * x.c;
    y.v.assign(static_cast<size_t>(y.n * y.s[0] * y.s[1] * y.s[2] * filters), 0.0);
    for (int64_t n = 0; n < y.n; ++n)
      ForPositions(y.s, [&](const std::array<int64_t, 3>& o) {
        const int64_t pos = (o[0] * y.s[1] + o[1]) * y.s[2] + o[2];
        for (int64_t f = 0; f < filters; ++f) {
          double sum = use_bias ? b[pos * filters + f] : 0.0;
          ForTaps(kk, [&](const std::array<int64_t, 3>& t, int64_t tap) {
            std::array<int64_t, 3> p;
            for (int a = 0; a < 3; ++a) p[a] = o[a] * st[a] + t[a];
            for (int64_t c = 0; c < x.c; ++c) {
              const int64_t row = channels_first ? c * taps + tap : tap * x.c + c;
              sum += x.get(n, p, c) * k[(pos * rows + row) * filters + f];
            }
          });
          y.at(n, o, f) = sum;
        }
      });
    return std::vector<std::vector<double>>{ToLayout(y, channels_first)};
  };
}

json Ints(const std::vector<int64_t>& v) { return json(v); }

LayerCase Case(const std::string& label, const std::string& cls, RefSpec r, json extra, Shape input, Shapes weights) {
  json config = {{"kernel_size", Ints(r.kernel)}, {"strides", Ints(r.strides)}, {"dilation_rate", Ints(r.dilation)},
                 {"padding", r.padding}, {"use_bias", r.use_bias}, {"activation", r.activation},
                 {"data_format", r.channels_first ? "channels_first" : "channels_last"},
                 {"bias_initializer", "random_uniform"}};
  if (r.kind != Kind::kDepthwise) config["filters"] = r.filters;
  for (auto& [k, v] : extra.items()) config[k] = v;
  LayerCase c{label, cls, config, {std::move(input)}, std::move(weights), ConvRef(r)};
  return c;
}

RefSpec Spec(Kind kind, int rank, std::vector<int64_t> kernel, int64_t filters) {
  RefSpec r;
  r.kind = kind;
  r.rank = rank;
  r.kernel = std::move(kernel);
  r.strides.assign(static_cast<size_t>(rank), 1);
  r.dilation.assign(static_cast<size_t>(rank), 1);
  r.filters = filters;
  return r;
}

}  // namespace

std::vector<LayerCase> ConvLayerCases() {
  std::vector<LayerCase> cases;
  // Conv1D: valid, same with stride, causal with dilation, groups, channels_first, no bias.
  RefSpec r = Spec(Kind::kConv, 1, {3}, 4);
  cases.push_back(Case("Conv1D/valid", "Conv1D", r, json::object(), {2, 7, 3}, {{3, 3, 4}, {4}}));
  r.padding = "same";
  r.strides = {2};
  r.activation = "tanh";
  cases.push_back(Case("Conv1D/same_stride2_tanh", "Conv1D", r, json::object(), {2, 8, 3}, {{3, 3, 4}, {4}}));
  r = Spec(Kind::kConv, 1, {2}, 3);
  r.padding = "causal";
  r.dilation = {2};
  cases.push_back(Case("Conv1D/causal_dilated", "Conv1D", r, json::object(), {1, 6, 2}, {{2, 2, 3}, {3}}));
  r = Spec(Kind::kConv, 1, {3}, 6);
  r.groups = 2;
  r.channels_first = true;
  r.use_bias = false;
  cases.push_back(Case("Conv1D/groups_channels_first", "Conv1D", r, {{"groups", 2}}, {2, 4, 6}, {{3, 2, 6}}));

  // Conv2D
  r = Spec(Kind::kConv, 2, {3, 3}, 3);
  cases.push_back(Case("Conv2D/valid", "Conv2D", r, json::object(), {2, 5, 6, 2}, {{3, 3, 2, 3}, {3}}));
  r.padding = "same";
  r.strides = {2, 1};
  cases.push_back(Case("Conv2D/same_strides", "Conv2D", r, json::object(), {1, 5, 4, 2}, {{3, 3, 2, 3}, {3}}));
  r = Spec(Kind::kConv, 2, {2, 3}, 4);
  r.dilation = {2, 1};
  r.padding = "same";
  r.channels_first = true;
  cases.push_back(Case("Conv2D/dilated_channels_first", "Conv2D", r, json::object(), {2, 3, 6, 5}, {{2, 3, 3, 4}, {4}}));
  r = Spec(Kind::kConv, 2, {3, 3}, 4);
  r.groups = 2;
  cases.push_back(Case("Conv2D/groups", "Conv2D", r, {{"groups", 2}}, {1, 5, 5, 4}, {{3, 3, 2, 4}, {4}}));
  r = Spec(Kind::kConv, 2, {1, 1}, 5);
  cases.push_back(Case("Conv2D/pointwise", "Conv2D", r, json::object(), {2, 3, 4, 3}, {{1, 1, 3, 5}, {5}}));

  // Conv3D
  r = Spec(Kind::kConv, 3, {2, 2, 2}, 2);
  cases.push_back(Case("Conv3D/valid", "Conv3D", r, json::object(), {1, 3, 4, 3, 2}, {{2, 2, 2, 2, 2}, {2}}));
  r.padding = "same";
  r.strides = {2, 2, 1};
  r.channels_first = true;
  cases.push_back(Case("Conv3D/same_channels_first", "Conv3D", r, json::object(), {2, 2, 3, 4, 3}, {{2, 2, 2, 2, 2}, {2}}));

  // Transposed
  r = Spec(Kind::kTranspose, 2, {3, 3}, 2);
  r.strides = {2, 2};
  cases.push_back(Case("Conv2DTranspose/valid_stride2", "Conv2DTranspose", r, json::object(), {1, 3, 2, 3},
                       {{3, 3, 2, 3}, {2}}));
  r.padding = "same";
  cases.push_back(Case("Conv2DTranspose/same", "Conv2DTranspose", r, json::object(), {2, 3, 3, 2}, {{3, 3, 2, 2}, {2}}));
  r.output_padding = {1, 0};
  r.channels_first = true;
  cases.push_back(Case("Conv2DTranspose/output_padding_channels_first", "Conv2DTranspose", r,
                       {{"output_padding", {1, 0}}}, {1, 2, 3, 3}, {{3, 3, 2, 2}, {2}}));
  r = Spec(Kind::kTranspose, 2, {2, 3}, 3);
  r.dilation = {2, 1};
  r.use_bias = false;
  cases.push_back(Case("Conv2DTranspose/dilated", "Conv2DTranspose", r, json::object(), {1, 3, 3, 2}, {{2, 3, 3, 2}}));
  r = Spec(Kind::kTranspose, 3, {2, 2, 3}, 2);
  r.strides = {2, 1, 2};
  r.padding = "same";
  cases.push_back(Case("Conv3DTranspose/same", "Conv3DTranspose", r, json::object(), {1, 2, 3, 2, 2},
                       {{2, 2, 3, 2, 2}, {2}}));

  // Depthwise and separable
  r = Spec(Kind::kDepthwise, 2, {3, 3}, 0);
  cases.push_back(Case("DepthwiseConv2D/valid", "DepthwiseConv2D", r, json::object(), {2, 5, 4, 3},
                       {{3, 3, 3, 1}, {3}}));
  r.depth_multiplier = 2;
  r.padding = "same";
  r.strides = {2, 2};
  r.channels_first = true;
  cases.push_back(Case("DepthwiseConv2D/multiplier_same_channels_first", "DepthwiseConv2D", r,
                       {{"depth_multiplier", 2}}, {1, 2, 5, 5}, {{3, 3, 2, 2}, {4}}));
  r = Spec(Kind::kSeparable, 1, {3}, 4);
  r.depth_multiplier = 2;
  cases.push_back(Case("SeparableConv1D/multiplier", "SeparableConv1D", r, {{"depth_multiplier", 2}}, {2, 6, 3},
                       {{3, 3, 2}, {1, 6, 4}, {4}}));
  r = Spec(Kind::kSeparable, 2, {3, 2}, 3);
  r.padding = "same";
  r.dilation = {1, 2};
  cases.push_back(Case("SeparableConv2D/same_dilated", "SeparableConv2D", r, json::object(), {1, 4, 5, 2},
                       {{3, 2, 2, 1}, {1, 1, 2, 3}, {3}}));
  r.channels_first = true;
  r.use_bias = false;
  r.dilation = {1, 1};
  r.strides = {2, 2};
  cases.push_back(Case("SeparableConv2D/strided_channels_first", "SeparableConv2D", r, json::object(), {2, 2, 5, 4},
                       {{3, 2, 2, 1}, {1, 1, 2, 3}}));
  // Locally connected: each output position has its own kernel rows.
  cases.push_back({"LocallyConnected1D/valid", "LocallyConnected1D",
                   {{"filters", 3}, {"kernel_size", {2}}, {"strides", {1}}, {"bias_initializer", "random_uniform"}},
                   {{2, 5, 2}}, {{4, 4, 3}, {4, 3}}, LocallyConnectedRef(1, {2}, {1}, 3, false, true)});
  cases.push_back({"LocallyConnected1D/strided_no_bias", "LocallyConnected1D",
                   {{"filters", 2}, {"kernel_size", {3}}, {"strides", {2}}, {"use_bias", false}, {"implementation", 2}},
                   {{1, 8, 3}}, {{3, 9, 2}}, LocallyConnectedRef(1, {3}, {2}, 2, false, false)});
  cases.push_back({"LocallyConnected2D/valid", "LocallyConnected2D",
                   {{"filters", 2}, {"kernel_size", {2, 2}}, {"strides", {1, 2}}, {"bias_initializer", "random_uniform"}},
                   {{2, 4, 5, 3}}, {{6, 12, 2}, {3, 2, 2}}, LocallyConnectedRef(2, {2, 2}, {1, 2}, 2, false, true)});
  cases.push_back({"LocallyConnected2D/channels_first", "LocallyConnected2D",
                   {{"filters", 3}, {"kernel_size", {2, 3}}, {"data_format", "channels_first"},
                    {"bias_initializer", "random_uniform"}},
                   {{1, 2, 3, 4}}, {{4, 12, 3}, {2, 2, 3}}, LocallyConnectedRef(2, {2, 3}, {1, 1}, 3, true, true)});
  return cases;
}

namespace {

using layers::CreateLayer;

Tensor Ones(const Shape& s) { return Tensor::Full(s, 1.f); }

TEST(ConvLayers, OutputShapesFollowKeras) {
  auto out = [](const std::string& cls, const json& config, const Shape& in) {
    return CreateLayer(cls, config)->ComputeOutputShape({in}).front();
  };
  // same: ceil(in / stride); valid: floor((in - dilated kernel) / stride) + 1; causal keeps the length.
  EXPECT_EQ(out("Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}}, {-1, 7, 8, 3}),
            (Shape{-1, 4, 4, 8}));
  EXPECT_EQ(out("Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"dilation_rate", 2}}, {-1, 9, 9, 3}),
            (Shape{-1, 5, 5, 8}));
  EXPECT_EQ(out("Conv1D", {{"filters", 2}, {"kernel_size", 4}, {"padding", "causal"}}, {-1, 10, 3}), (Shape{-1, 10, 2}));
  EXPECT_EQ(out("Conv3D", {{"filters", 2}, {"kernel_size", 2}, {"data_format", "channels_first"}}, {-1, 3, 4, 5, 6}),
            (Shape{-1, 2, 3, 4, 5}));
  // Unknown spatial sizes stay unknown.
  EXPECT_EQ(out("Conv1D", {{"filters", 2}, {"kernel_size", 3}}, {-1, -1, 3}), (Shape{-1, -1, 2}));
  // Keras' deconv_output_length: valid in*s + max(k - s, 0), same in*s, with output_padding
  // (in - 1)*s + k - 2*(k//2 for same) + output_padding.
  EXPECT_EQ(out("Conv2DTranspose", {{"filters", 4}, {"kernel_size", 3}, {"strides", 2}}, {-1, 5, 6, 3}),
            (Shape{-1, 11, 13, 4}));
  EXPECT_EQ(out("Conv2DTranspose", {{"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}},
                {-1, 5, 6, 3}),
            (Shape{-1, 10, 12, 4}));
  EXPECT_EQ(out("Conv2DTranspose",
                {{"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"padding", "same"}, {"output_padding", 0}},
                {-1, 5, 6, 3}),
            (Shape{-1, 9, 11, 4}));
  EXPECT_EQ(out("Conv3DTranspose", {{"filters", 1}, {"kernel_size", 2}, {"strides", 3}}, {-1, 2, 2, 2, 1}),
            (Shape{-1, 6, 6, 6, 1}));
  EXPECT_EQ(out("DepthwiseConv2D", {{"kernel_size", 3}, {"depth_multiplier", 3}}, {-1, 5, 5, 2}), (Shape{-1, 3, 3, 6}));
  EXPECT_EQ(out("SeparableConv1D", {{"filters", 7}, {"kernel_size", 2}, {"strides", 2}}, {-1, 9, 2}), (Shape{-1, 4, 7}));
}

TEST(ConvLayers, ConfigErrorsNameTheArgument) {
  ExpectValueError([] { CreateLayer("Conv2D", {{"kernel_size", 3}}); }, "filters");
  ExpectValueError([] { CreateLayer("Conv2D", {{"filters", 4}}); }, "kernel_size");
  ExpectValueError([] { CreateLayer("Conv2D", {{"filters", 4}, {"kernel_size", {3, 3, 3}}}); }, "kernel_size");
  ExpectValueError([] { CreateLayer("Conv2D", {{"filters", 4}, {"kernel_size", 0}}); }, "kernel_size");
  ExpectValueError([] { CreateLayer("Conv2D", {{"filters", 4}, {"kernel_size", 3}, {"padding", "causal"}}); },
                   "padding");
  ExpectValueError([] { CreateLayer("Conv2D", {{"filters", 4}, {"kernel_size", 3}, {"padding", "full"}}); }, "padding");
  ExpectValueError([] { CreateLayer("Conv2D", {{"filters", 6}, {"kernel_size", 3}, {"groups", 4}}); }, "groups");
  ExpectValueError(
      [] { CreateLayer("Conv2D", {{"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"dilation_rate", 2}}); },
      "dilation_rate");
  ExpectValueError(
      [] { CreateLayer("Conv2DTranspose", {{"filters", 4}, {"kernel_size", 3}, {"strides", 2}, {"output_padding", 2}}); },
      "output_padding");
  ExpectValueError([] { CreateLayer("DepthwiseConv2D", {{"kernel_size", 3}, {"depth_multiplier", 0}}); },
                   "depth_multiplier");
  ExpectValueError([] { CreateLayer("Conv1D", {{"filters", 1}, {"kernel_size", 2}, {"bogus", 1}}); }, "bogus");
}

TEST(ConvLayers, ShapeErrorsNameTheLayerAndShapes) {
  auto layer = CreateLayer("Conv2D", {{"filters", 2}, {"kernel_size", 5}, {"name", "c"}});
  EXPECT_THROW(
      {
        try {
          layer->Apply(Ones({1, 3, 3, 2}));
        } catch (const ShapeError& e) {
          EXPECT_NE(std::string(e.what()).find("Conv2D 'c'"), std::string::npos) << e.what();
          EXPECT_NE(std::string(e.what()).find("kernel_size=(5, 5)"), std::string::npos) << e.what();
          throw;
        }
      },
      ShapeError);
  auto grouped = CreateLayer("Conv2D", {{"filters", 4}, {"kernel_size", 1}, {"groups", 2}});
  EXPECT_THROW(grouped->Apply(Ones({1, 3, 3, 3})), ShapeError);  // 3 channels do not split into 2 groups
  auto conv = CreateLayer("Conv1D", {{"filters", 2}, {"kernel_size", 2}});
  conv->Apply(Ones({1, 4, 3}));
  EXPECT_THROW(conv->Apply(Ones({1, 4, 2})), Error);   // built for 3 channels
  EXPECT_THROW(conv->Apply(Ones({1, 4, 3, 1})), Error);  // wrong rank
}

TEST(ConvLayers, KernelIsPackedOncePerValue) {
  auto layer = CreateLayer("Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "same"}});
  Tensor x = Ones({2, 6, 6, 4});
  layer->Apply(x);
  const int64_t made = Storage::DerivedMade();
  for (int i = 0; i < 3; ++i) layer->Apply(x);
  EXPECT_EQ(Storage::DerivedMade(), made);  // the packed kernel is reused across calls
  Tensors w = layer->GetWeights();
  w[0] = Tensor::Full(w[0].shape(), 0.5f);  // a new value packs again, once
  layer->SetWeights(w);
  layer->Apply(x);
  layer->Apply(x);
  EXPECT_EQ(Storage::DerivedMade(), made + 1);
}

TEST(ConvLayers, DefaultNamesAndWeightNames) {
  layers::ResetLayerNames();
  auto sep = CreateLayer("SeparableConv2D", {{"filters", 2}, {"kernel_size", 1}});
  auto tr = CreateLayer("Conv2DTranspose", {{"filters", 2}, {"kernel_size", 1}});
  auto dw = CreateLayer("DepthwiseConv2D", {{"kernel_size", 1}});
  EXPECT_EQ(sep->name(), "separable_conv2d");
  EXPECT_EQ(tr->name(), "conv2d_transpose");
  EXPECT_EQ(dw->name(), "depthwise_conv2d");
  sep->MaybeBuild({{-1, 3, 3, 2}});
  EXPECT_EQ(sep->WeightNames(), (std::vector<std::string>{"separable_conv2d/depthwise_kernel",
                                                          "separable_conv2d/pointwise_kernel", "separable_conv2d/bias"}));
}

}  // namespace
}  // namespace kerasm::testing
