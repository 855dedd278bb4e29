// Pooling kernels against a naive scalar reference in double: every output cell walks its whole padded
// window and tests each cell for being inside the input, independently of the kernel's clipped ranges.
// Geometries cover valid and same padding (TF's rule), strides below, at and above the window, 1 to 17
// channels and 1D / 2D / 3D shapes; tie-heavy inputs check that a max-pool gradient goes to the first
// maximum in window order.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/pool.h"

namespace kerasm {
namespace {

using kernels::PoolGeometry;

struct Spec {
  int64_t batch, channels;
  std::vector<int64_t> in, window, stride;
  bool same;
};

// TF's output size and padding: valid = floor((in - k) / s) + 1; same = ceil(in / s), total padding
// max((out - 1) * s + k - in, 0), the smaller half before.
PoolGeometry Geometry(const Spec& s) {
  PoolGeometry g;
  g.batch = s.batch;
  g.channels = s.channels;
  const size_t offset = 3 - s.in.size();
  for (size_t i = 0; i < s.in.size(); ++i) {
    const size_t a = offset + i;
    g.in[a] = s.in[i];
    g.window[a] = s.window[i];
    g.stride[a] = s.stride[i];
    if (s.same) {
      g.out[a] = (s.in[i] + s.stride[i] - 1) / s.stride[i];
      const int64_t total = std::max<int64_t>((g.out[a] - 1) * s.stride[i] + s.window[i] - s.in[i], 0);
      g.pad[a] = total / 2;
    } else {
      g.out[a] = (s.in[i] - s.window[i]) / s.stride[i] + 1;
    }
  }
  return g;
}

std::vector<Spec> Specs() {
  return {
      {2, 3, {7}, {2}, {2}, false},
      {2, 3, {7}, {2}, {2}, true},
      {1, 5, {9}, {3}, {1}, true},
      {1, 4, {10}, {2}, {3}, false},
      {1, 4, {10}, {2}, {3}, true},
      {2, 1, {5, 6}, {2, 2}, {2, 2}, false},
      {2, 3, {5, 6}, {3, 2}, {1, 2}, true},
      {1, 17, {4, 4}, {4, 4}, {4, 4}, false},
      {1, 2, {6, 5}, {3, 3}, {2, 1}, true},
      {1, 8, {3, 3}, {1, 1}, {2, 2}, true},
      {1, 2, {4, 5, 3}, {2, 2, 2}, {2, 2, 1}, false},
      {2, 3, {3, 5, 4}, {2, 3, 2}, {1, 2, 3}, true},
      {1, 1, {2, 2, 2}, {3, 3, 3}, {1, 1, 1}, true},
  };
}

int64_t InIndex(const PoolGeometry& g, int64_t n, int64_t d, int64_t h, int64_t w, int64_t c) {
  return (((n * g.in[0] + d) * g.in[1] + h) * g.in[2] + w) * g.channels + c;
}

// For output cell (n, od, oh, ow, c): the input indices of its window's cells inside the input, in
// window order (d, then h, then w).
std::vector<int64_t> WindowCells(const PoolGeometry& g, int64_t n, int64_t od, int64_t oh, int64_t ow, int64_t c) {
  std::vector<int64_t> cells;
  for (int64_t kd = 0; kd < g.window[0]; ++kd) {
    for (int64_t kh = 0; kh < g.window[1]; ++kh) {
      for (int64_t kw = 0; kw < g.window[2]; ++kw) {
        const int64_t d = od * g.stride[0] - g.pad[0] + kd;
        const int64_t h = oh * g.stride[1] - g.pad[1] + kh;
        const int64_t w = ow * g.stride[2] - g.pad[2] + kw;
        if (d < 0 || d >= g.in[0] || h < 0 || h >= g.in[1] || w < 0 || w >= g.in[2]) continue;
        cells.push_back(InIndex(g, n, d, h, w, c));
      }
    }
  }
  return cells;
}

template <typename F>
void ForEachOutput(const PoolGeometry& g, const F& f) {
  int64_t o = 0;
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow)
          for (int64_t c = 0; c < g.channels; ++c) f(o++, WindowCells(g, n, od, oh, ow, c));
}

std::vector<float> Random(int64_t n, uint32_t seed, bool ties) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-2.f, 2.f);
  std::uniform_int_distribution<int> small(-2, 2);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = ties ? static_cast<float>(small(rng)) : u(rng);
  return v;
}

class PoolKernel : public ::testing::TestWithParam<Spec> {};

TEST_P(PoolKernel, ForwardMatchesReference) {
  const PoolGeometry g = Geometry(GetParam());
  ASSERT_GT(g.OutputSize(), 0);
  const std::vector<float> x = Random(g.InputSize(), 1, false);
  std::vector<float> ymax(g.OutputSize(), NAN), yavg(g.OutputSize(), NAN);
  kernels::MaxPool(g, x.data(), ymax.data());
  kernels::AvgPool(g, x.data(), yavg.data());
  ForEachOutput(g, [&](int64_t o, const std::vector<int64_t>& cells) {
    ASSERT_FALSE(cells.empty());
    double mx = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int64_t i : cells) {
      mx = std::max<double>(mx, x[i]);
      sum += x[i];
    }
    EXPECT_EQ(ymax[o], mx) << "output " << o;
    EXPECT_NEAR(yavg[o], sum / cells.size(), 1e-6) << "output " << o;
  });
}

TEST_P(PoolKernel, BackwardMatchesReference) {
  const PoolGeometry g = Geometry(GetParam());
  for (bool ties : {false, true}) {
    const std::vector<float> x = Random(g.InputSize(), 2, ties);
    const std::vector<float> dy = Random(g.OutputSize(), 3, false);
    std::vector<double> dmax(g.InputSize(), 0.0), davg(g.InputSize(), 0.0);
    ForEachOutput(g, [&](int64_t o, const std::vector<int64_t>& cells) {
      int64_t arg = cells[0];
      for (int64_t i : cells) {
        if (x[i] > x[arg]) arg = i;  // the first maximum
      }
      dmax[arg] += dy[o];
      for (int64_t i : cells) davg[i] += static_cast<double>(dy[o]) / cells.size();
    });
    std::vector<float> gmax(g.InputSize(), NAN), gavg(g.InputSize(), NAN);
    std::vector<float> best(g.channels);
    std::vector<int64_t> where(g.channels);
    kernels::MaxPoolGrad(g, x.data(), dy.data(), gmax.data(), best.data(), where.data());
    kernels::AvgPoolGrad(g, dy.data(), gavg.data());
    for (int64_t i = 0; i < g.InputSize(); ++i) {
      EXPECT_NEAR(gmax[i], dmax[i], 1e-5) << "ties " << ties << " input " << i;
      EXPECT_NEAR(gavg[i], davg[i], 1e-5) << "ties " << ties << " input " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Geometries, PoolKernel, ::testing::ValuesIn(Specs()));

TEST(PoolKernelEdges, MaxIgnoresPaddingEvenWhenAllNegative) {
  // Same padding around all-negative data: a zero-padding max would give 0 at the borders.
  PoolGeometry g = Geometry({1, 1, {3}, {3}, {1}, true});
  const std::vector<float> x = {-3.f, -1.f, -2.f};
  std::vector<float> y(3);
  kernels::MaxPool(g, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{-1.f, -1.f, -1.f}));
  kernels::AvgPool(g, x.data(), y.data());
  EXPECT_FLOAT_EQ(y[0], -2.f);  // (-3 - 1) / 2 cells, not / 3
  EXPECT_FLOAT_EQ(y[1], -2.f);
  EXPECT_FLOAT_EQ(y[2], -1.5f);
}

TEST(PoolKernelEdges, InfinitiesAndEmptyBatch) {
  PoolGeometry g = Geometry({1, 2, {2}, {2}, {2}, false});
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {-inf, 1.f, -inf, inf};
  std::vector<float> y(2), dx(4);
  kernels::MaxPool(g, x.data(), y.data());
  EXPECT_EQ(y[0], -inf);
  EXPECT_EQ(y[1], inf);
  const std::vector<float> dy = {5.f, 7.f};
  float best[2];
  int64_t where[2];
  kernels::MaxPoolGrad(g, x.data(), dy.data(), dx.data(), best, where);
  EXPECT_EQ(dx, (std::vector<float>{5.f, 0.f, 0.f, 7.f}));  // the all -inf window routes to its first cell
  g.batch = 0;
  kernels::MaxPool(g, nullptr, nullptr);  // nothing to touch
  kernels::AvgPoolGrad(g, nullptr, nullptr);
}

}  // namespace
}  // namespace kerasm
