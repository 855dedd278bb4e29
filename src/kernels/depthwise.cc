// Depthwise convolution SIMD loops, re-included once per target by foreach_target.h. Vectors run along the
// channels, which are contiguous in channels_last data; channel counts that are not a multiple of the
// vector width finish with scalar lanes.
#include "kernels/depthwise.h"

#include <algorithm>
#include <array>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/depthwise.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One input row a tap row reads: its base pointer and the index of its first tap.
struct TapRow {
  const float* x;
  int64_t tap0;
};

void DepthwiseForwardMultiplier1Impl(const ConvGeometry& g, const float* x, const float* kernel, const float* bias,
                                     float* y) {
  const hn::ScalableTag<float> d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  const int64_t C = g.in_channels, W = g.in[2], oW = g.out[2], kW = g.kernel[2];
  const int64_t sw = g.stride[2], pw = g.pad[2], dw = g.dilation[2];
  const int64_t cv = C / N * N;  // channels covered by whole vectors
  // The rows of a 3x3 kernel in order (kd = 0, kh = 0, 1, 2), so that their taps are 0..8.
  const bool three_by_three = g.kernel == std::array<int64_t, 3>{1, 3, 3} && g.dilation[1] == 1 && dw == 1;
  std::vector<TapRow> rows;
  rows.reserve(static_cast<size_t>(g.kernel[0] * g.kernel[1]));
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t od = 0; od < g.out[0]; ++od) {
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        // The (kd, kh) tap rows that land inside the input for this output row.
        rows.clear();
        for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
          const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
          if (id < 0 || id >= g.in[0]) continue;
          for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
            const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
            if (ih < 0 || ih >= g.in[1]) continue;
            rows.push_back({x + ((n * g.in[0] + id) * g.in[1] + ih) * W * C, (kd * g.kernel[1] + kh) * kW});
          }
        }
        float* yrow = y + ((n * g.out[0] + od) * g.out[1] + oh) * oW * C;
        // A 3x3 kernel with all three rows inside: the interior columns, where every tap is inside, keep the
        // nine weight vectors of a channel block in registers across the whole row.
        int64_t in_lo = 0, in_hi = 0;  // interior output columns [in_lo, in_hi)
        if (three_by_three && rows.size() == 3) {
          in_lo = std::min(oW, (pw + sw - 1) / sw);
          in_hi = std::max(in_lo, std::min(oW, W - 3 + pw >= 0 ? (W - 3 + pw) / sw + 1 : 0));
          for (int64_t c = 0; c < cv; c += N) {
            const auto w0 = hn::LoadU(d, kernel + 0 * C + c), w1 = hn::LoadU(d, kernel + 1 * C + c);
            const auto w2 = hn::LoadU(d, kernel + 2 * C + c), w3 = hn::LoadU(d, kernel + 3 * C + c);
            const auto w4 = hn::LoadU(d, kernel + 4 * C + c), w5 = hn::LoadU(d, kernel + 5 * C + c);
            const auto w6 = hn::LoadU(d, kernel + 6 * C + c), w7 = hn::LoadU(d, kernel + 7 * C + c);
            const auto w8 = hn::LoadU(d, kernel + 8 * C + c);
            const auto b = bias ? hn::LoadU(d, bias + c) : hn::Zero(d);
            const float* r0 = rows[0].x + c;
            const float* r1 = rows[1].x + c;
            const float* r2 = rows[2].x + c;
            for (int64_t ow = in_lo; ow < in_hi; ++ow) {
              const int64_t o = (ow * sw - pw) * C;
              auto acc = hn::MulAdd(hn::LoadU(d, r0 + o), w0, b);
              acc = hn::MulAdd(hn::LoadU(d, r0 + o + C), w1, acc);
              acc = hn::MulAdd(hn::LoadU(d, r0 + o + 2 * C), w2, acc);
              acc = hn::MulAdd(hn::LoadU(d, r1 + o), w3, acc);
              acc = hn::MulAdd(hn::LoadU(d, r1 + o + C), w4, acc);
              acc = hn::MulAdd(hn::LoadU(d, r1 + o + 2 * C), w5, acc);
              acc = hn::MulAdd(hn::LoadU(d, r2 + o), w6, acc);
              acc = hn::MulAdd(hn::LoadU(d, r2 + o + C), w7, acc);
              acc = hn::MulAdd(hn::LoadU(d, r2 + o + 2 * C), w8, acc);
              hn::StoreU(acc, d, yrow + ow * C + c);
            }
          }
        }
        for (int64_t ow = 0; ow < oW; ++ow) {
          // The kw range whose input column is inside: iw = ow * sw - pw + kw * dw in [0, W).
          int64_t kw_lo = 0, kw_hi = kW;
          while (kw_lo < kW && ow * sw - pw + kw_lo * dw < 0) ++kw_lo;
          while (kw_hi > kw_lo && ow * sw - pw + (kw_hi - 1) * dw >= W) --kw_hi;
          float* out = yrow + ow * C;
          const int64_t c_start = ow >= in_lo && ow < in_hi ? cv : 0;  // whole vectors done above
          for (int64_t c = c_start; c < cv; c += N) {
            auto acc = bias ? hn::LoadU(d, bias + c) : hn::Zero(d);
            for (const TapRow& r : rows) {
              for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
                const int64_t iw = ow * sw - pw + kw * dw;
                acc = hn::MulAdd(hn::LoadU(d, r.x + iw * C + c), hn::LoadU(d, kernel + (r.tap0 + kw) * C + c), acc);
              }
            }
            hn::StoreU(acc, d, out + c);
          }
          for (int64_t c = cv; c < C; ++c) {
            float acc = bias ? bias[c] : 0.f;
            for (const TapRow& r : rows) {
              for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
                acc += r.x[(ow * sw - pw + kw * dw) * C + c] * kernel[(r.tap0 + kw) * C + c];
              }
            }
            out[c] = acc;
          }
        }
      }
    }
  }
}

void MulAddRowImpl(const float* a, const float* b, float* out, int64_t n) {
  const hn::ScalableTag<float> d;
  const auto N = static_cast<int64_t>(hn::Lanes(d));
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), hn::LoadU(d, out + i)), d, out + i);
  }
  for (; i < n; ++i) out[i] += a[i] * b[i];
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(DepthwiseForwardMultiplier1Impl);
HWY_EXPORT(MulAddRowImpl);

void DepthwiseForwardMultiplier1(const ConvGeometry& g, const float* x, const float* kernel, const float* bias,
                                 float* y) {
  HWY_DYNAMIC_DISPATCH(DepthwiseForwardMultiplier1Impl)(g, x, kernel, bias, y);
}

void MulAddRow(const float* a, const float* b, float* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(MulAddRowImpl)(a, b, out, n);
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
