// Pooling loops: for each output cell, the window is clipped to the input once, then every cell in it is
// visited with the channel loop innermost (contiguous in channels_last data, and vectorisable).
#include "kernels/pool.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace kerasm::kernels {
namespace {

// The input cells [lo, hi) along one axis that the window of output cell o covers.
struct Range {
  int64_t lo, hi;
};
inline Range Clip(const PoolGeometry& g, int axis, int64_t o) {
  const int64_t start = o * g.stride[axis] - g.pad[axis];
  return {std::max<int64_t>(start, 0), std::min<int64_t>(start + g.window[axis], g.in[axis])};
}

// Calls body(out_offset, in_base, rd, rh, rw) for every output cell, where out_offset / in_base are element
// offsets of the output cell and of the batch entry's input, and r* the clipped window.
template <typename Body>
void ForEachWindow(const PoolGeometry& g, const Body& body) {
  const int64_t C = g.channels;
  const int64_t in_batch = g.in[0] * g.in[1] * g.in[2] * C;
  int64_t out_offset = 0;
  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t od = 0; od < g.out[0]; ++od) {
      const Range rd = Clip(g, 0, od);
      for (int64_t oh = 0; oh < g.out[1]; ++oh) {
        const Range rh = Clip(g, 1, oh);
        for (int64_t ow = 0; ow < g.out[2]; ++ow) {
          body(out_offset, n * in_batch, rd, rh, Clip(g, 2, ow));
          out_offset += C;
        }
      }
    }
  }
}

// Element offset of cell (d, h, w) within one batch entry's input.
inline int64_t CellOffset(const PoolGeometry& g, int64_t d, int64_t h, int64_t w) {
  return ((d * g.in[1] + h) * g.in[2] + w) * g.channels;
}

inline int64_t Count(const Range& rd, const Range& rh, const Range& rw) {
  const int64_t n = (rd.hi - rd.lo) * (rh.hi - rh.lo) * (rw.hi - rw.lo);
  return n > 0 ? n : 0;
}

}  // namespace

void MaxPool(const PoolGeometry& g, const float* x, float* y) {
  const int64_t C = g.channels;
  ForEachWindow(g, [&](int64_t out, int64_t base, Range rd, Range rh, Range rw) {
    float* yo = y + out;
    if (Count(rd, rh, rw) == 0) {
      std::fill(yo, yo + C, -std::numeric_limits<float>::infinity());
      return;
    }
    // Seeded from the first cell, so a window of -inf (or of NaN) gives that value, as the backward's
    // argmax search (which starts at the first cell too) assumes.
    std::memcpy(yo, x + base + CellOffset(g, rd.lo, rh.lo, rw.lo), sizeof(float) * C);
    for (int64_t d = rd.lo; d < rd.hi; ++d) {
      for (int64_t h = rh.lo; h < rh.hi; ++h) {
        for (int64_t w = rw.lo; w < rw.hi; ++w) {
          // x and y never overlap: restrict lets the channel loop vectorise without alias checks.
          const float* __restrict xc = x + base + CellOffset(g, d, h, w);
          float* __restrict yc = yo;
          for (int64_t c = 0; c < C; ++c) yc[c] = xc[c] > yc[c] ? xc[c] : yc[c];
        }
      }
    }
  });
}

void AvgPool(const PoolGeometry& g, const float* x, float* y) {
  const int64_t C = g.channels;
  ForEachWindow(g, [&](int64_t out, int64_t base, Range rd, Range rh, Range rw) {
    float* yo = y + out;
    std::fill(yo, yo + C, 0.f);
    const int64_t count = Count(rd, rh, rw);
    if (count == 0) return;
    for (int64_t d = rd.lo; d < rd.hi; ++d) {
      for (int64_t h = rh.lo; h < rh.hi; ++h) {
        for (int64_t w = rw.lo; w < rw.hi; ++w) {
          const float* __restrict xc = x + base + CellOffset(g, d, h, w);
          float* __restrict yc = yo;
          for (int64_t c = 0; c < C; ++c) yc[c] += xc[c];
        }
      }
    }
    const float inv = 1.f / static_cast<float>(count);
    for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
  });
}

void MaxPoolGrad(const PoolGeometry& g, const float* x, const float* dy, float* dx, float* best, int64_t* where) {
  const int64_t C = g.channels;
  std::fill(dx, dx + g.InputSize(), 0.f);
  // The argmax is recomputed here rather than kept from the forward pass: no [output, window] mask is ever
  // stored, only the running maximum and its cell per channel.
  ForEachWindow(g, [&](int64_t out, int64_t base, Range rd, Range rh, Range rw) {
    if (Count(rd, rh, rw) == 0) return;
    const int64_t first = base + CellOffset(g, rd.lo, rh.lo, rw.lo);
    for (int64_t c = 0; c < C; ++c) {
      best[c] = x[first + c];
      where[c] = first;
    }
    for (int64_t d = rd.lo; d < rd.hi; ++d) {
      for (int64_t h = rh.lo; h < rh.hi; ++h) {
        for (int64_t w = rw.lo; w < rw.hi; ++w) {
          const int64_t cell = base + CellOffset(g, d, h, w);
          const float* xc = x + cell;
          for (int64_t c = 0; c < C; ++c) {
            // Strictly greater: a tie keeps the earlier cell.
            const bool greater = xc[c] > best[c];
            best[c] = greater ? xc[c] : best[c];
            where[c] = greater ? cell : where[c];
          }
        }
      }
    }
    const float* g_out = dy + out;
    for (int64_t c = 0; c < C; ++c) dx[where[c] + c] += g_out[c];
  });
}

void AvgPoolGrad(const PoolGeometry& g, const float* dy, float* dx) {
  const int64_t C = g.channels;
  std::fill(dx, dx + g.InputSize(), 0.f);
  ForEachWindow(g, [&](int64_t out, int64_t base, Range rd, Range rh, Range rw) {
    const int64_t count = Count(rd, rh, rw);
    if (count == 0) return;
    const float inv = 1.f / static_cast<float>(count);
    const float* g_out = dy + out;
    for (int64_t d = rd.lo; d < rd.hi; ++d) {
      for (int64_t h = rh.lo; h < rh.hi; ++h) {
        for (int64_t w = rw.lo; w < rw.hi; ++w) {
          float* dc = dx + base + CellOffset(g, d, h, w);
          for (int64_t c = 0; c < C; ++c) dc[c] += g_out[c] * inv;
        }
      }
    }
  });
}

}  // namespace kerasm::kernels
