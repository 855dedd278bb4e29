// Differentiable convolutions over 1 to 3 spatial axes (channels_last), and the padding arithmetic of
// Keras' padding modes. Layers translate data formats and padding names; these take explicit numbers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasm::ops {

// Per spatial axis (one entry each, outermost first).
struct ConvSpec {
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pad_before;  // zeros in front of the input
  std::vector<int64_t> pad_after;   // zeros after it (Conv only; ConvTranspose takes the output size instead)
  int64_t groups = 1;
};

// x [N, s1.., Cin] with 1 to 3 spatial axes, kernel [k1.., Cin / groups, Cout], bias [Cout] or undefined.
// Output [N, o1.., Cout] with o = floor((s + before + after - dilated kernel) / stride) + 1, which must be >= 1.
Tensor Conv(const Tensor& x, const Tensor& kernel, const Tensor& bias, const ConvSpec& spec);

// The transpose (adjoint) of Conv: x [N, s1.., Cin], kernel [k1.., Cout, Cin] (Keras' Conv*DTranspose layout),
// output [N, output_size.., Cout]. Output position o receives x[i] * kernel[t] where o = i * stride -
// pad_before + t * dilation; positions no tap reaches hold the bias only.
Tensor ConvTranspose(const Tensor& x, const Tensor& kernel, const Tensor& bias, const ConvSpec& spec,
                     const std::vector<int64_t>& output_size);

// The patches a convolution with this kernel size and spec multiplies (groups must be 1): x [N, s1.., C]
// gives [N, o1 * o2 * .., k1 * k2 * .. * C], each row the (tap, channel) values of one output position,
// zeros where the padding is. Differentiable with respect to x.
Tensor ExtractPatches(const Tensor& x, const std::vector<int64_t>& kernel_size, const ConvSpec& spec);

// One axis of Keras' padding modes for a convolution: "valid", "same" (TF's rule: out = ceil(in / stride),
// the odd zero after), "causal" (all zeros in front, out = in). `out` is the output length (may be <= 0 for
// valid padding of a short input: callers report it).
struct AxisPadding {
  int64_t before = 0, after = 0, out = 0;
};
AxisPadding ConvAxisPadding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding);

// Keras' deconv_output_length: the output length of a transposed convolution ("valid" or "same"), with or
// without output_padding.
int64_t ConvTransposeOutputLength(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                  const std::string& padding, std::optional<int64_t> output_padding);
// The zeros in front that make the transposed convolution of an `in`-long input `out` long the adjoint of
// the Conv with that padding, as TF computes it for conv_transpose.
int64_t ConvTransposePadBefore(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                               const std::string& padding);

}  // namespace kerasm::ops
