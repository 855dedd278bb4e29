// Convolutions over 1 to 3 spatial dimensions, channels_last, as im2col panels fed to the GEMM
// micro-kernel, and a direct kernel for depthwise convolutions (one input channel per group).
//
//   x      [N, D, H, W, C_in]                  (1D and 2D are the 3D case with unit D / H)
//   kernel [kD, kH, kW, C_in / groups, C_out]  (Keras' layout; group g owns output channels g*F..(g+1)*F)
//   y      [N, oD, oH, oW, C_out]
//   y[n, o, g*F + f] = bias + sum_{tap, c} x[n, o*stride - pad + tap*dilation, g*Cg + c] * kernel[tap, c, g*F + f]
// Input positions outside [0, in) read as zero (the padding), whatever the padding mode that produced `pad`.
//
// The three entry points are the forward pass and its two gradients; a transposed convolution is the input
// gradient run forward (and its gradients are the forward pass and the filter gradient with roles swapped).
// Output rows are processed in chunks whose panel stays in cache; a 1x1, stride-1, unpadded, ungrouped
// convolution reads x in place as the GEMM's A.
#pragma once

#include <array>
#include <cstdint>

namespace kerasm::kernels {

struct ConvGeometry {
  int64_t batch = 1;
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t groups = 1;
  std::array<int64_t, 3> in{1, 1, 1};        // D, H, W of x
  std::array<int64_t, 3> out{1, 1, 1};       // D, H, W of y
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> dilation{1, 1, 1};
  std::array<int64_t, 3> pad{0, 0, 0};       // zeros before the first input position, per axis

  int64_t taps() const { return kernel[0] * kernel[1] * kernel[2]; }
  int64_t group_in() const { return in_channels / groups; }
  int64_t group_out() const { return out_channels / groups; }
  int64_t in_positions() const { return in[0] * in[1] * in[2]; }
  int64_t out_positions() const { return out[0] * out[1] * out[2]; }
  // Rows of one group's GEMM: taps x input channels of the group.
  int64_t patch() const { return taps() * group_in(); }
  // One input channel per group: the direct depthwise kernel, not im2col + GEMM.
  bool depthwise() const { return groups > 1 && group_in() == 1; }
};

// Floats ConvPackKernel writes (0 for the depthwise path, which reads the kernel in place).
int64_t ConvPackedKernelSize(const ConvGeometry& g);
// The kernel packed for the GEMM, one packed block per group (64-byte aligned destination).
void ConvPackKernel(const ConvGeometry& g, const float* kernel, float* packed);

// y = conv(x, kernel) + bias. `packed` is ConvPackKernel's output (ignored, may be null, for depthwise);
// bias may be null.
void ConvForward(const ConvGeometry& g, const float* x, const float* kernel, const float* packed, const float* bias,
                 float* y);
// dx = the gradient of sum(dy * conv(x)) with respect to x (overwrites dx).
void ConvInputGrad(const ConvGeometry& g, const float* dy, const float* kernel, float* dx);
// dkernel = the gradient with respect to the kernel (overwrites dkernel).
void ConvFilterGrad(const ConvGeometry& g, const float* x, const float* dy, float* dkernel);

// patches[n, p, tap * C + c] = x[n, input position of (output position p, tap), c], zero outside: the rows
// a convolution multiplies, for every output position at once (groups must be 1). The locally-connected
// layers multiply each position's row by its own kernel.
void ConvPatches(const ConvGeometry& g, const float* x, float* patches);
// The transpose: dx[n, i, c] = the sum of the patch gradients read from input position i (overwrites dx).
void ConvPatchesGrad(const ConvGeometry& g, const float* dpatches, float* dx);

}  // namespace kerasm::kernels
