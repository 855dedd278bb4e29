// Windowed max and average pooling over channels_last [N, D, H, W, C] data, with their backward passes.
// 1D and 2D pooling are this with unit D (and H) and a unit window there. Windows start at
// o * stride - pad_before on each spatial axis; cells outside the input are skipped, so a max ignores the
// padding and an average divides by the number of cells inside the input (TF's "same" rule).
// The channel axis is innermost in every loop, so the loops run over contiguous memory.
#pragma once

#include <cstdint>

namespace kerasm::kernels {

struct PoolGeometry {
  int64_t batch = 1, channels = 1;
  int64_t in[3] = {1, 1, 1};      // D, H, W of the input
  int64_t out[3] = {1, 1, 1};     // D, H, W of the output
  int64_t window[3] = {1, 1, 1};  // pool size
  int64_t stride[3] = {1, 1, 1};
  int64_t pad[3] = {0, 0, 0};     // cells of padding before the first input cell

  int64_t InputSize() const { return batch * in[0] * in[1] * in[2] * channels; }
  int64_t OutputSize() const { return batch * out[0] * out[1] * out[2] * channels; }
};

// y[n, od, oh, ow, c] = max over the window's cells inside the input; a window with none gives -inf.
void MaxPool(const PoolGeometry& g, const float* x, float* y);
// y = mean over the window's cells inside the input; a window with none gives 0.
void AvgPool(const PoolGeometry& g, const float* x, float* y);
// dx (overwritten) = dy scattered to the first maximum of each window in window order (D, then H, then W),
// recomputed from x, as TF routes a max-pool gradient. best and where are scratch of `channels` entries each
// (the running maximum per channel and the offset of its cell).
void MaxPoolGrad(const PoolGeometry& g, const float* x, const float* dy, float* dx, float* best, int64_t* where);
// dx (overwritten) = dy / count spread over each window's cells inside the input.
void AvgPoolGrad(const PoolGeometry& g, const float* dy, float* dx);

}  // namespace kerasm::kernels
