// Convolution kernels against a direct double-precision reference written from the formula
//   y[n, o, g*F + f] = bias + sum_{tap, c} x[n, o*stride - pad + tap*dilation, g*Cg + c] * k[tap, c, g*F + f]
// and its two gradients (the same sum scattered back), on every Highway target. Geometries cover 1D/2D/3D,
// strides, dilation, padding on both sides, groups, depthwise with multipliers, the 1x1 fast path, panels
// split into several chunks, and batch > 1.
#include "kernels/conv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "hwy/aligned_allocator.h"
#include "hwy/tests/hwy_gtest.h"
#include "kernels/kernel_test_util.h"

namespace kerasm::kernels {
namespace {

struct Ref {
  std::vector<double> y, dx, dk, db;
};

// Visits every (n, out position, tap, in position) of the geometry with the flat offsets of x and y rows.
template <typename Fn>
void Visit(const ConvGeometry& g, Fn&& fn) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < g.out[1]; ++oh)
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          const int64_t yrow = ((n * g.out[0] + od) * g.out[1] + oh) * g.out[2] + ow;
          for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
            for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
              for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
                const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
                const int64_t iw = ow * g.stride[2] - g.pad[2] + kw * g.dilation[2];
                if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1] || iw < 0 || iw >= g.in[2]) continue;
                const int64_t xrow = ((n * g.in[0] + id) * g.in[1] + ih) * g.in[2] + iw;
                fn(xrow, yrow, (kd * g.kernel[1] + kh) * g.kernel[2] + kw);
              }
        }
}

Ref Reference(const ConvGeometry& g, const std::vector<float>& x, const std::vector<float>& k,
              const std::vector<float>& bias, const std::vector<float>& dy) {
  const int64_t cg = g.group_in(), F = g.group_out(), cin = g.in_channels, cout = g.out_channels;
  Ref r;
  r.y.assign(static_cast<size_t>(g.batch * g.out_positions() * cout), 0.0);
  r.dx.assign(x.size(), 0.0);
  r.dk.assign(k.size(), 0.0);
  r.db.assign(static_cast<size_t>(cout), 0.0);
  for (int64_t row = 0; row < g.batch * g.out_positions(); ++row)
    for (int64_t o = 0; o < cout; ++o) {
      r.y[row * cout + o] = bias[o];
      r.db[o] += dy[row * cout + o];
    }
  Visit(g, [&](int64_t xrow, int64_t yrow, int64_t tap) {
    for (int64_t gi = 0; gi < g.groups; ++gi)
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t f = 0; f < F; ++f) {
          const int64_t xi = xrow * cin + gi * cg + c, yi = yrow * cout + gi * F + f;
          const int64_t ki = (tap * cg + c) * cout + gi * F + f;
          r.y[yi] += double(x[xi]) * k[ki];
          r.dx[xi] += double(dy[yi]) * k[ki];
          r.dk[ki] += double(x[xi]) * dy[yi];
        }
  });
  return r;
}

// out = floor((in + before + after - dilated) / stride) + 1 with `after` = before.
ConvGeometry Make(int64_t batch, std::array<int64_t, 3> in, int64_t cin, int64_t cout, int64_t groups,
                  std::array<int64_t, 3> kernel, std::array<int64_t, 3> stride, std::array<int64_t, 3> dilation,
                  std::array<int64_t, 3> pad) {
  ConvGeometry g;
  g.batch = batch;
  g.in = in;
  g.in_channels = cin;
  g.out_channels = cout;
  g.groups = groups;
  g.kernel = kernel;
  g.stride = stride;
  g.dilation = dilation;
  g.pad = pad;
  for (int a = 0; a < 3; ++a) {
    g.out[a] = (in[a] + 2 * pad[a] - ((kernel[a] - 1) * dilation[a] + 1)) / stride[a] + 1;
  }
  return g;
}

std::string Describe(const ConvGeometry& g) {
  auto t = [](const std::array<int64_t, 3>& a) {
    return std::to_string(a[0]) + "x" + std::to_string(a[1]) + "x" + std::to_string(a[2]);
  };
  return "batch=" + std::to_string(g.batch) + " in=" + t(g.in) + " cin=" + std::to_string(g.in_channels) +
         " cout=" + std::to_string(g.out_channels) + " groups=" + std::to_string(g.groups) + " kernel=" + t(g.kernel) +
         " stride=" + t(g.stride) + " dilation=" + t(g.dilation) + " pad=" + t(g.pad) + " out=" + t(g.out);
}

// Float sums of a few hundred terms of magnitude <= 1: a relative bound on the sum of |terms| would be
// tighter, but 1e-4 absolute on values of order 10 already catches any misplaced term.
void ExpectNear(const std::vector<float>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  testutil::FailureBudget budget;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= 1e-4 + 1e-5 * std::fabs(want[i])) && budget.Spend()) {
      ADD_FAILURE() << what << "[" << i << "] = " << got[i] << ", want " << want[i];
    }
  }
  EXPECT_EQ(budget.count(), 0) << what << ": elements off";
}

void Check(const ConvGeometry& g, std::mt19937& rng) {
  SCOPED_TRACE(Describe(g));
  const auto n_x = static_cast<size_t>(g.batch * g.in_positions() * g.in_channels);
  const auto n_y = static_cast<size_t>(g.batch * g.out_positions() * g.out_channels);
  const auto n_k = static_cast<size_t>(g.patch() * g.out_channels);
  std::vector<float> x = testutil::RandomUniform(n_x, -1, 1, rng), k = testutil::RandomUniform(n_k, -1, 1, rng);
  std::vector<float> bias = testutil::RandomUniform(static_cast<size_t>(g.out_channels), -1, 1, rng);
  std::vector<float> dy = testutil::RandomUniform(n_y, -1, 1, rng);
  const Ref ref = Reference(g, x, k, bias, dy);

  hwy::AlignedFreeUniquePtr<float[]> packed =
      hwy::AllocateAligned<float>(static_cast<size_t>(std::max<int64_t>(ConvPackedKernelSize(g), 1)));
  ConvPackKernel(g, k.data(), packed.get());
  std::vector<float> y(n_y, testutil::NaNf()), dx(n_x, testutil::NaNf()), dk(n_k, testutil::NaNf());
  ConvForward(g, x.data(), k.data(), packed.get(), bias.data(), y.data());
  ExpectNear(y, ref.y, "y");
  ConvInputGrad(g, dy.data(), k.data(), dx.data());
  ExpectNear(dx, ref.dx, "dx");
  ConvFilterGrad(g, x.data(), dy.data(), dk.data());
  ExpectNear(dk, ref.dk, "dk");
  // Without bias the forward pass is the plain sum.
  std::vector<float> y0(n_y, testutil::NaNf());
  ConvForward(g, x.data(), k.data(), packed.get(), nullptr, y0.data());
  for (size_t i = 0; i < n_y; ++i) ASSERT_NEAR(y0[i] + bias[i % g.out_channels], y[i], 1e-4) << i;
}

class ConvKernelTest : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(ConvKernelTest);

TEST_P(ConvKernelTest, OneDimensional) {
  std::mt19937 rng(1);
  Check(Make(2, {1, 1, 9}, 3, 4, 1, {1, 1, 3}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}), rng);
  Check(Make(1, {1, 1, 11}, 2, 5, 1, {1, 1, 3}, {1, 1, 2}, {1, 1, 1}, {0, 0, 1}), rng);
  Check(Make(2, {1, 1, 10}, 4, 6, 1, {1, 1, 3}, {1, 1, 1}, {1, 1, 3}, {0, 0, 3}), rng);  // dilated, padded
}

TEST_P(ConvKernelTest, TwoDimensional) {
  std::mt19937 rng(2);
  Check(Make(2, {1, 6, 7}, 3, 5, 1, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}), rng);
  Check(Make(1, {1, 9, 8}, 2, 3, 1, {1, 3, 2}, {1, 2, 3}, {1, 1, 1}, {0, 1, 0}), rng);
  Check(Make(1, {1, 9, 9}, 3, 2, 1, {1, 3, 3}, {1, 1, 1}, {1, 2, 2}, {0, 2, 2}), rng);
  Check(Make(1, {1, 4, 4}, 2, 3, 1, {1, 4, 4}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}), rng);  // kernel = input
}

TEST_P(ConvKernelTest, ThreeDimensional) {
  std::mt19937 rng(3);
  Check(Make(2, {4, 5, 3}, 2, 3, 1, {2, 3, 2}, {1, 1, 1}, {1, 1, 1}, {1, 1, 0}), rng);
  Check(Make(1, {5, 5, 5}, 3, 2, 1, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}), rng);
}

TEST_P(ConvKernelTest, GroupsAndDepthwise) {
  std::mt19937 rng(4);
  Check(Make(2, {1, 5, 6}, 6, 9, 3, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}), rng);   // 2 in, 3 out per group
  Check(Make(1, {1, 1, 12}, 4, 8, 2, {1, 1, 5}, {1, 1, 2}, {1, 1, 1}, {0, 0, 2}), rng);
  Check(Make(2, {1, 7, 6}, 5, 5, 5, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}), rng);   // depthwise
  Check(Make(1, {1, 8, 9}, 3, 6, 3, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}), rng);   // multiplier 2, strided
  Check(Make(1, {1, 9, 9}, 4, 12, 4, {1, 3, 3}, {1, 1, 1}, {1, 2, 2}, {0, 2, 2}), rng);  // multiplier 3, dilated
  Check(Make(1, {3, 4, 5}, 3, 3, 3, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}), rng);   // depthwise 3D
  // 37 channels: whole vectors and a tail on every target; strided and dilated.
  Check(Make(2, {1, 7, 8}, 37, 37, 37, {1, 3, 3}, {1, 2, 1}, {1, 1, 1}, {0, 1, 1}), rng);
  Check(Make(1, {1, 9, 9}, 37, 37, 37, {1, 3, 3}, {1, 1, 1}, {1, 2, 3}, {0, 2, 1}), rng);
  // The 3x3 register path: stride 2 both ways, odd widths, with and without padding.
  Check(Make(1, {1, 8, 9}, 8, 8, 8, {1, 3, 3}, {1, 2, 2}, {1, 1, 1}, {0, 1, 1}), rng);
  Check(Make(2, {1, 5, 11}, 12, 12, 12, {1, 3, 3}, {1, 1, 2}, {1, 1, 1}, {0, 0, 0}), rng);
}

TEST_P(ConvKernelTest, PointwiseFastPath) {
  std::mt19937 rng(5);
  Check(Make(3, {1, 5, 7}, 6, 4, 1, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}), rng);
  // 1x1 but strided or padded or grouped: the general path.
  Check(Make(1, {1, 6, 6}, 4, 3, 1, {1, 1, 1}, {1, 2, 2}, {1, 1, 1}, {0, 0, 0}), rng);
  Check(Make(1, {1, 3, 3}, 4, 3, 1, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}), rng);
  Check(Make(2, {1, 4, 4}, 4, 6, 2, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}), rng);
}

TEST_P(ConvKernelTest, PanelsSplitIntoChunksAndLargeChannels) {
  std::mt19937 rng(6);
  // 3x3x300 = 2700-float patches: the panel holds 24 of the 400 rows at a time.
  Check(Make(1, {1, 20, 20}, 300, 7, 1, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1}), rng);
  // Many output channels across GEMM panel widths, one long row.
  Check(Make(2, {1, 1, 70}, 5, 37, 1, {1, 1, 4}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}), rng);
}

TEST(ConvKernel, EmptyBatchGivesZeroFilterGradient) {
  ConvGeometry g = Make(0, {1, 4, 4}, 2, 3, 1, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 1, 1});
  std::vector<float> k(static_cast<size_t>(g.patch() * g.out_channels), 1.f), dk(k.size(), testutil::NaNf());
  ConvFilterGrad(g, nullptr, nullptr, dk.data());
  for (float v : dk) EXPECT_EQ(v, 0.f);  // an empty batch contributes a zero gradient
}

}  // namespace
}  // namespace kerasm::kernels
