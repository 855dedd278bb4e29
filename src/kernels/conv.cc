// Convolution kernels: im2col panels through the packed GEMM, and the direct depthwise loops.
#include "kernels/conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "core/workspace.h"
#include "kernels/depthwise.h"
#include "kernels/gemm.h"

namespace kerasm::kernels {
namespace {

// A panel holds this many floats at most (256 KiB: it and the packed kernel block share L2), but never
// fewer than kMinRows output rows, so a huge patch still gives the GEMM some rows to work on.
constexpr int64_t kPanelFloats = int64_t{1} << 16;
constexpr int64_t kMinRows = 8;

// Scratch floats from the thread's workspace when they fit beside what is reserved, else from the heap
// (a 512-filter 3x3x512 kernel's transposed packing is ~9 MiB, past the workspace's 4 MiB).
class Scratch {
 public:
  Scratch(int64_t floats, const char* what) {
    const size_t n = static_cast<size_t>(std::max<int64_t>(floats, 1));
    Workspace& ws = Workspace::ThisThread();
    if (n * sizeof(float) + Workspace::kAlignment <= ws.capacity() - ws.reserved_bytes()) {
      scoped_.emplace(ws.Reserve(n, what));
      data_ = scoped_->data();
    } else {
      const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      heap_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!heap_) throw std::bad_alloc();
      data_ = heap_.get();
    }
  }
  float* data() const { return data_; }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::optional<Workspace::Scoped> scoped_;
  std::unique_ptr<float, Free> heap_;
  float* data_ = nullptr;
};

// One group's packed block, rounded to 64 bytes so every block starts aligned.
int64_t PackedGroupSize(int64_t K, int64_t N) { return (GemmPackedBSize(K, N) + 15) / 16 * 16; }

// A 1x1, stride-1, unpadded, ungrouped convolution is a plain GEMM over x's rows.
bool IsPointwise(const ConvGeometry& g) {
  return g.groups == 1 && g.taps() == 1 && g.stride == std::array<int64_t, 3>{1, 1, 1} &&
         g.pad == std::array<int64_t, 3>{0, 0, 0} && g.in == g.out;
}

int64_t RowsPerChunk(const ConvGeometry& g) {
  return std::min(g.out_positions(), std::max(kMinRows, kPanelFloats / std::max<int64_t>(g.patch(), 1)));
}

// Walks the taps of output position p that land inside the input: fn(tap index, input position index).
template <typename Fn>
void ForEachTap(const ConvGeometry& g, int64_t p, Fn&& fn) {
  const int64_t ow = p % g.out[2];
  const int64_t oh = (p / g.out[2]) % g.out[1];
  const int64_t od = p / (g.out[2] * g.out[1]);
  int64_t tap = 0;
  for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
    const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
    const bool d_in = id >= 0 && id < g.in[0];
    for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
      const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
      const bool h_in = d_in && ih >= 0 && ih < g.in[1];
      for (int64_t kw = 0; kw < g.kernel[2]; ++kw, ++tap) {
        const int64_t iw = ow * g.stride[2] - g.pad[2] + kw * g.dilation[2];
        fn(tap, h_in && iw >= 0 && iw < g.in[2] ? (id * g.in[1] + ih) * g.in[2] + iw : int64_t{-1});
      }
    }
  }
}

// Copies / zeroes n floats. The runs im2col moves are short when the input has few channels (a 3x3 tap row
// of a 1-channel image is 3 floats): a memcpy call per run then costs more than the copy (measured: most of
// the first conv of an MNIST CNN at batch 64), so short runs are plain loops, which clang must not turn back
// into memcpy / memset calls (no_builtin; Im2Col, which inlines them, carries it too).
#if defined(__clang__)
#define KERASM_INLINE_COPIES __attribute__((no_builtin("memcpy", "memset")))
#else
#define KERASM_INLINE_COPIES
#endif

KERASM_INLINE_COPIES inline void CopyFloats(float* __restrict dst, const float* __restrict src, int64_t n) {
  if (n > 32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

KERASM_INLINE_COPIES inline void ZeroFloats(float* dst, int64_t n) {
  if (n > 32) {
    std::memset(dst, 0, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  for (; n > 0; --n) *dst++ = 0.0f;
}

// panel[r, tap * Cg + c] = x[n, input position of (p0 + r, tap), group * Cg + c], zero outside.
// With one group and no dilation along W, the kW taps of a (kd, kh) row read kW consecutive input positions,
// which are also consecutive in the panel: one copy of kW * C floats when they are all inside (a 3x3
// kernel on 3 channels is then 3 copies of 36 bytes per row, not 9 of 12).
KERASM_INLINE_COPIES void Im2Col(const ConvGeometry& g, const float* x_n, int64_t group, int64_t p0, int64_t rows,
                                 float* panel) {
  const int64_t cg = g.group_in();
  const int64_t patch = g.patch();
  const int64_t kW = g.kernel[2], W = g.in[2];
  const bool runs = g.groups == 1 && g.dilation[2] == 1;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t p = p0 + r;
    const int64_t ow = p % g.out[2];
    const int64_t oh = (p / g.out[2]) % g.out[1];
    const int64_t od = p / (g.out[2] * g.out[1]);
    float* dst = panel + r * patch;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh, dst += kW * cg) {
        const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
        if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
          ZeroFloats(dst, kW * cg);
          continue;
        }
        const float* xrow = x_n + (id * g.in[1] + ih) * W * g.in_channels + group * cg;
        const int64_t iw0 = ow * g.stride[2] - g.pad[2];
        if (runs && iw0 >= 0 && iw0 + kW <= W) {
          CopyFloats(dst, xrow + iw0 * g.in_channels, kW * cg);
          continue;
        }
        for (int64_t kw = 0; kw < kW; ++kw) {
          const int64_t iw = iw0 + kw * g.dilation[2];
          if (iw < 0 || iw >= W) {
            ZeroFloats(dst + kw * cg, cg);
          } else {
            CopyFloats(dst + kw * cg, xrow + iw * g.in_channels, cg);
          }
        }
      }
    }
  }
}

// The transpose of Im2Col: dx[n, input position, group * Cg + c] += panel[r, tap * Cg + c].
void Col2Im(const ConvGeometry& g, const float* panel, int64_t group, int64_t p0, int64_t rows, float* dx_n) {
  const int64_t cg = g.group_in();
  const int64_t patch = g.patch();
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = panel + r * patch;
    ForEachTap(g, p0 + r, [&](int64_t tap, int64_t ipos) {
      if (ipos < 0) return;
      float* __restrict d = dx_n + ipos * g.in_channels + group * cg;
      const float* __restrict s = src + tap * cg;
      for (int64_t c = 0; c < cg; ++c) d[c] += s[c];
    });
  }
}

// ---- depthwise: one input channel per group, `dm` output channels each (channel c * dm + m); the
// multiplier-1 forward pass and the multiplier-1 row updates are SIMD (kernels/depthwise.cc) --------------

void DepthwiseForward(const ConvGeometry& g, const float* x, const float* kernel, const float* bias, float* y) {
  const int64_t C = g.in_channels, dm = g.group_out(), cout = g.out_channels, P = g.out_positions();
  if (dm == 1) return DepthwiseForwardMultiplier1(g, x, kernel, bias, y);
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* x_n = x + n * g.in_positions() * C;
    for (int64_t p = 0; p < P; ++p) {
      float* __restrict yr = y + (n * P + p) * cout;
      if (bias) {
        std::memcpy(yr, bias, static_cast<size_t>(cout) * sizeof(float));
      } else {
        std::memset(yr, 0, static_cast<size_t>(cout) * sizeof(float));
      }
      ForEachTap(g, p, [&](int64_t tap, int64_t ipos) {
        if (ipos < 0) return;
        const float* __restrict xr = x_n + ipos * C;
        const float* __restrict wr = kernel + tap * cout;
        for (int64_t c = 0; c < C; ++c) {
          const float xv = xr[c];
          for (int64_t m = 0; m < dm; ++m) yr[c * dm + m] += xv * wr[c * dm + m];
        }
      });
    }
  }
}

void DepthwiseInputGrad(const ConvGeometry& g, const float* dy, const float* kernel, float* dx) {
  const int64_t C = g.in_channels, dm = g.group_out(), cout = g.out_channels, P = g.out_positions();
  std::memset(dx, 0, static_cast<size_t>(g.batch * g.in_positions() * C) * sizeof(float));
  for (int64_t n = 0; n < g.batch; ++n) {
    float* dx_n = dx + n * g.in_positions() * C;
    for (int64_t p = 0; p < P; ++p) {
      const float* __restrict dyr = dy + (n * P + p) * cout;
      ForEachTap(g, p, [&](int64_t tap, int64_t ipos) {
        if (ipos < 0) return;
        float* __restrict dxr = dx_n + ipos * C;
        const float* __restrict wr = kernel + tap * cout;
        if (dm == 1) {
          MulAddRow(dyr, wr, dxr, C);
        } else {
          for (int64_t c = 0; c < C; ++c) {
            float s = 0.f;
            for (int64_t m = 0; m < dm; ++m) s += dyr[c * dm + m] * wr[c * dm + m];
            dxr[c] += s;
          }
        }
      });
    }
  }
}

void DepthwiseFilterGrad(const ConvGeometry& g, const float* x, const float* dy, float* dkernel) {
  const int64_t C = g.in_channels, dm = g.group_out(), cout = g.out_channels, P = g.out_positions();
  std::memset(dkernel, 0, static_cast<size_t>(g.taps() * cout) * sizeof(float));
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* x_n = x + n * g.in_positions() * C;
    for (int64_t p = 0; p < P; ++p) {
      const float* __restrict dyr = dy + (n * P + p) * cout;
      ForEachTap(g, p, [&](int64_t tap, int64_t ipos) {
        if (ipos < 0) return;
        const float* __restrict xr = x_n + ipos * C;
        float* __restrict dkr = dkernel + tap * cout;
        if (dm == 1) {
          MulAddRow(xr, dyr, dkr, C);
        } else {
          for (int64_t c = 0; c < C; ++c) {
            const float xv = xr[c];
            for (int64_t m = 0; m < dm; ++m) dkr[c * dm + m] += xv * dyr[c * dm + m];
          }
        }
      });
    }
  }
}

}  // namespace

int64_t ConvPackedKernelSize(const ConvGeometry& g) {
  if (g.depthwise()) return 0;
  return g.groups * PackedGroupSize(g.patch(), g.group_out());
}

void ConvPackKernel(const ConvGeometry& g, const float* kernel, float* packed) {
  if (g.depthwise()) return;
  const int64_t F = g.group_out(), block = PackedGroupSize(g.patch(), F);
  for (int64_t gi = 0; gi < g.groups; ++gi) {
    GemmPackB(kernel + gi * F, g.out_channels, false, g.patch(), F, packed + gi * block);
  }
}

void ConvForward(const ConvGeometry& g, const float* x, const float* kernel, const float* packed, const float* bias,
                 float* y) {
  if (g.batch * g.out_positions() * g.out_channels == 0) return;
  if (g.depthwise()) return DepthwiseForward(g, x, kernel, bias, y);
  const int64_t F = g.group_out(), cout = g.out_channels, P = g.out_positions(), patch = g.patch();
  if (IsPointwise(g)) {
    return GemmPacked(g.batch * P, cout, g.in_channels, x, g.in_channels, false, packed, bias, y, cout, false);
  }
  const int64_t block = PackedGroupSize(patch, F);
  const int64_t rows = RowsPerChunk(g);
  Scratch panel(rows * patch, "conv");
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* x_n = x + n * g.in_positions() * g.in_channels;
    for (int64_t p0 = 0; p0 < P; p0 += rows) {
      const int64_t r = std::min(rows, P - p0);
      for (int64_t gi = 0; gi < g.groups; ++gi) {
        Im2Col(g, x_n, gi, p0, r, panel.data());
        GemmPacked(r, F, patch, panel.data(), patch, false, packed + gi * block, bias ? bias + gi * F : nullptr,
                   y + (n * P + p0) * cout + gi * F, cout, false);
      }
    }
  }
}

void ConvInputGrad(const ConvGeometry& g, const float* dy, const float* kernel, float* dx) {
  const int64_t in_size = g.batch * g.in_positions() * g.in_channels;
  if (in_size == 0) return;
  if (g.depthwise()) return DepthwiseInputGrad(g, dy, kernel, dx);
  const int64_t F = g.group_out(), cout = g.out_channels, P = g.out_positions(), patch = g.patch();
  if (P * F == 0 || patch == 0) {
    std::memset(dx, 0, static_cast<size_t>(in_size) * sizeof(float));
    return;
  }
  // Each group's kernel block transposed ([F, patch] as the GEMM's B), packed once for the whole call.
  const int64_t block = PackedGroupSize(F, patch);
  Scratch packed_t(g.groups * block, "conv input gradient");
  for (int64_t gi = 0; gi < g.groups; ++gi) {
    GemmPackB(kernel + gi * F, cout, true, F, patch, packed_t.data() + gi * block);
  }
  if (IsPointwise(g)) {
    return GemmPacked(g.batch * P, g.in_channels, cout, dy, cout, false, packed_t.data(), nullptr, dx, g.in_channels,
                      false);
  }
  std::memset(dx, 0, static_cast<size_t>(in_size) * sizeof(float));
  const int64_t rows = RowsPerChunk(g);
  Scratch panel(rows * patch, "conv input gradient");
  for (int64_t n = 0; n < g.batch; ++n) {
    float* dx_n = dx + n * g.in_positions() * g.in_channels;
    for (int64_t p0 = 0; p0 < P; p0 += rows) {
      const int64_t r = std::min(rows, P - p0);
      for (int64_t gi = 0; gi < g.groups; ++gi) {
        GemmPacked(r, patch, F, dy + (n * P + p0) * cout + gi * F, cout, false, packed_t.data() + gi * block, nullptr,
                   panel.data(), patch, false);
        Col2Im(g, panel.data(), gi, p0, r, dx_n);
      }
    }
  }
}

void ConvFilterGrad(const ConvGeometry& g, const float* x, const float* dy, float* dkernel) {
  const int64_t F = g.group_out(), cout = g.out_channels, P = g.out_positions(), patch = g.patch();
  if (patch * cout == 0) return;
  if (g.depthwise()) return DepthwiseFilterGrad(g, x, dy, dkernel);
  std::memset(dkernel, 0, static_cast<size_t>(patch * cout) * sizeof(float));
  if (g.batch * P == 0) return;
  if (IsPointwise(g)) {
    const int64_t M = g.batch * P;
    Scratch ws(GemmWorkspaceSize(M, cout), "conv filter gradient");
    return Gemm(g.in_channels, cout, M, x, g.in_channels, true, dy, cout, false, nullptr, dkernel, cout, false,
                ws.data());
  }
  const int64_t rows = RowsPerChunk(g);
  Scratch panel(rows * patch, "conv filter gradient");
  Scratch ws(GemmWorkspaceSize(rows, F), "conv filter gradient");
  for (int64_t n = 0; n < g.batch; ++n) {
    const float* x_n = x + n * g.in_positions() * g.in_channels;
    for (int64_t p0 = 0; p0 < P; p0 += rows) {
      const int64_t r = std::min(rows, P - p0);
      for (int64_t gi = 0; gi < g.groups; ++gi) {
        Im2Col(g, x_n, gi, p0, r, panel.data());
        // dkernel[:, group] += panel^T . dy[rows, group]
        Gemm(patch, F, r, panel.data(), patch, true, dy + (n * P + p0) * cout + gi * F, cout, false, nullptr,
             dkernel + gi * F, cout, true, ws.data());
      }
    }
  }
}

void ConvPatches(const ConvGeometry& g, const float* x, float* patches) {
  const int64_t P = g.out_positions(), patch = g.patch();
  for (int64_t n = 0; n < g.batch; ++n) {
    Im2Col(g, x + n * g.in_positions() * g.in_channels, 0, 0, P, patches + n * P * patch);
  }
}

void ConvPatchesGrad(const ConvGeometry& g, const float* dpatches, float* dx) {
  const int64_t P = g.out_positions(), patch = g.patch();
  std::memset(dx, 0, static_cast<size_t>(g.batch * g.in_positions() * g.in_channels) * sizeof(float));
  for (int64_t n = 0; n < g.batch; ++n) {
    Col2Im(g, dpatches + n * P * patch, 0, 0, P, dx + n * g.in_positions() * g.in_channels);
  }
}

}  // namespace kerasm::kernels
