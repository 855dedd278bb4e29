// The SIMD parts of the depthwise convolution (one input channel per group), vectorised over channels:
// used by kernels/conv.cc for geometries with depthwise() true.
#pragma once

#include <cstdint>

#include "kernels/conv.h"

namespace kerasm::kernels {

// Forward pass of a depthwise convolution with depth multiplier 1 (out_channels == in_channels): every
// output position's channels accumulate in registers across all taps, then are stored once.
void DepthwiseForwardMultiplier1(const ConvGeometry& g, const float* x, const float* kernel, const float* bias,
                                 float* y);
// out[i] += a[i] * b[i] for i < n.
void MulAddRow(const float* a, const float* b, float* out, int64_t n);

}  // namespace kerasm::kernels
