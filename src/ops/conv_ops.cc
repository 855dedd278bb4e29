// Conv and ConvTranspose: argument checks, the geometry for kernels/conv.h, the packed-kernel cache and the
// recorded gradients (each gradient is one of the three conv kernels, never a composition of small ops).
#include "ops/conv_ops.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/conv.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"
#include "ops/op_util.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;

namespace {

int64_t Dilated(int64_t kernel, int64_t dilation) { return (kernel - 1) * dilation + 1; }

void CheckSpec(const ConvSpec& spec, size_t k, bool need_after, const char* op) {
  auto check = [&](const std::vector<int64_t>& v, const char* what, int64_t min) {
    if (v.size() != k) Fail<ValueError>(op, ": ", what, " needs ", k, " entries (one per spatial axis), got ", v.size());
    for (int64_t e : v) {
      if (e < min) Fail<ValueError>(op, ": ", what, " must be >= ", min, ", got ", e);
    }
  };
  check(spec.strides, "strides", 1);
  check(spec.dilations, "dilations", 1);
  check(spec.pad_before, "pad_before", 0);
  if (need_after) check(spec.pad_after, "pad_after", 0);
  if (spec.groups < 1) Fail<ValueError>(op, ": groups must be >= 1, got ", spec.groups);
}

// Spatial axis a of k maps to geometry axis 3 - k + a: lower ranks are the 3D case with unit outer axes.
void Place(std::array<int64_t, 3>& dst, size_t k, const std::vector<int64_t>& values) {
  for (size_t a = 0; a < k; ++a) dst[3 - k + a] = values[a];
}

// The window part of a geometry: spatial sizes from `in` to `out` through `kernel` and the spec.
void PlaceWindow(kernels::ConvGeometry& g, const std::vector<int64_t>& in, const std::vector<int64_t>& out,
                 const std::vector<int64_t>& kernel, const ConvSpec& spec) {
  const size_t k = in.size();
  Place(g.in, k, in);
  Place(g.out, k, out);
  Place(g.kernel, k, kernel);
  Place(g.stride, k, spec.strides);
  Place(g.dilation, k, spec.dilations);
  Place(g.pad, k, spec.pad_before);
}

// Checks x / kernel ranks and returns the number of spatial axes.
size_t SpatialRank(const Tensor& x, const Tensor& kernel, const char* op) {
  CheckFloat(x, op, "input");
  CheckFloat(kernel, op, "kernel");
  if (x.rank() < 3 || x.rank() > 5) {
    Fail<ShapeError>(op, ": input must have rank 3, 4 or 5 ([batch, spatial..., channels]), got shape ", x.shape());
  }
  if (kernel.rank() != x.rank()) {
    Fail<ShapeError>(op, ": kernel must have rank ", x.rank(), " for an input of shape ", x.shape(), ", got shape ",
                     kernel.shape());
  }
  return static_cast<size_t>(x.rank() - 2);
}

// Sum of the rows of g [rows, channels]: a bias gradient.
Tensor BiasGrad(const Tensor& g, int64_t channels) {
  Tensor db({channels});
  kernels::Reduce(kernels::ReduceOp::kSum, g.f32(), db.f32(), 1, g.size() / std::max<int64_t>(channels, 1), channels);
  return db;
}

// The kernel packed for the GEMM, made once per kernel value and kept with its buffer.
const float* PackedKernel(const Tensor& kernel, const kernels::ConvGeometry& g) {
  const int64_t floats = kernels::ConvPackedKernelSize(g);
  if (floats == 0) return nullptr;
  // The negative groups keeps the key apart from Dense's packing of a same-sized matrix.
  return kernel.Derived({kernels::GemmPackedBLayout(), g.patch(), g.out_channels, -g.groups},
                        static_cast<size_t>(floats), [&](float* dst) { kernels::ConvPackKernel(g, kernel.f32(), dst); });
}

}  // namespace

Tensor Conv(const Tensor& x, const Tensor& kernel, const Tensor& bias, const ConvSpec& spec) {
  const char* op = "conv";
  const size_t k = SpatialRank(x, kernel, op);
  CheckSpec(spec, k, true, op);
  const int64_t cin = x.dim(-1), cout = kernel.dim(-1), cg = kernel.dim(-2);
  if (cg * spec.groups != cin) {
    Fail<ShapeError>(op, ": the kernel's input channels (", cg, ", shape ", kernel.shape(), ") times groups (",
                     spec.groups, ") must equal the input's channels (", cin, ", shape ", x.shape(), ")");
  }
  if (cout % spec.groups != 0) {
    Fail<ShapeError>(op, ": the kernel's output channels (", cout, ") must be divisible by groups (", spec.groups, ")");
  }
  if (bias.defined()) {
    CheckFloat(bias, op, "bias");
    CheckShape(bias, Shape{cout}, op, "bias");
  }
  kernels::ConvGeometry g;
  g.batch = x.dim(0);
  g.in_channels = cin;
  g.out_channels = cout;
  g.groups = spec.groups;
  Shape out_shape{x.dim(0)};
  std::vector<int64_t> in(k), ker(k), out(k);
  for (size_t a = 0; a < k; ++a) {
    in[a] = x.shape()[1 + a];
    ker[a] = kernel.shape()[a];
    const int64_t span = in[a] + spec.pad_before[a] + spec.pad_after[a];
    const int64_t window = Dilated(ker[a], spec.dilations[a]);
    if (span < window) {
      Fail<ShapeError>(op, ": spatial axis ", a, " of the input (", in[a], " with padding ", spec.pad_before[a], "+",
                       spec.pad_after[a], ", shape ", x.shape(), ") is shorter than the dilated kernel (", window,
                       ", kernel shape ", kernel.shape(), ")");
    }
    out[a] = (span - window) / spec.strides[a] + 1;
    out_shape.push_back(out[a]);
  }
  out_shape.push_back(cout);
  PlaceWindow(g, in, out, ker, spec);

  Tensor y(out_shape);
  if (y.size() > 0) {
    kernels::ConvForward(g, x.f32(), kernel.f32(), PackedKernel(kernel, g), bias.defined() ? bias.f32() : nullptr,
                         y.f32());
  }
  std::vector<Tensor> inputs{x, kernel};
  if (bias.defined()) inputs.push_back(bias);
  RecordUnaryOut(op, std::move(inputs), y, [x, kernel, bias, g](const Tensor& dy, const NeedsGrad& needs) {
    std::vector<Tensor> grads(needs.size());
    if (needs[0]) {
      Tensor dx(x.shape());
      kernels::ConvInputGrad(g, dy.f32(), kernel.f32(), dx.f32());
      grads[0] = dx;
    }
    if (needs[1]) {
      Tensor dk(kernel.shape());
      kernels::ConvFilterGrad(g, x.f32(), dy.f32(), dk.f32());
      grads[1] = dk;
    }
    if (bias.defined() && needs[2]) grads[2] = BiasGrad(dy, g.out_channels);
    return grads;
  });
  return y;
}

Tensor ConvTranspose(const Tensor& x, const Tensor& kernel, const Tensor& bias, const ConvSpec& spec,
                     const std::vector<int64_t>& output_size) {
  const char* op = "convTranspose";
  const size_t k = SpatialRank(x, kernel, op);
  CheckSpec(spec, k, false, op);
  if (spec.groups != 1) Fail<ValueError>(op, ": groups must be 1, got ", spec.groups);
  if (output_size.size() != k) {
    Fail<ValueError>(op, ": output_size needs ", k, " entries (one per spatial axis), got ", output_size.size());
  }
  const int64_t cin = x.dim(-1), cout = kernel.dim(-2);
  if (kernel.dim(-1) != cin) {
    Fail<ShapeError>(op, ": the kernel's last axis (shape ", kernel.shape(), ") must equal the input's channels (",
                     cin, ", shape ", x.shape(), ")");
  }
  if (bias.defined()) {
    CheckFloat(bias, op, "bias");
    CheckShape(bias, Shape{cout}, op, "bias");
  }
  // The convolution this one is the adjoint of: from the output (its input) to x (its output).
  kernels::ConvGeometry g;
  g.batch = x.dim(0);
  g.in_channels = cout;
  g.out_channels = cin;
  Shape out_shape{x.dim(0)};
  std::vector<int64_t> in(k), ker(k);
  for (size_t a = 0; a < k; ++a) {
    if (output_size[a] < 1) Fail<ShapeError>(op, ": output size ", output_size[a], " on spatial axis ", a, " must be >= 1");
    in[a] = x.shape()[1 + a];
    ker[a] = kernel.shape()[a];
    out_shape.push_back(output_size[a]);
  }
  out_shape.push_back(cout);
  PlaceWindow(g, output_size, in, ker, spec);

  Tensor y(out_shape);
  if (y.size() > 0) {
    kernels::ConvInputGrad(g, x.f32(), kernel.f32(), y.f32());
    if (bias.defined()) {
      const float* b = bias.f32();
      float* yv = y.f32();
      for (int64_t r = 0; r < y.size() / cout; ++r) {
        for (int64_t c = 0; c < cout; ++c) yv[r * cout + c] += b[c];
      }
    }
  }
  std::vector<Tensor> inputs{x, kernel};
  if (bias.defined()) inputs.push_back(bias);
  RecordUnaryOut(op, std::move(inputs), y, [x, kernel, bias, g](const Tensor& dy, const NeedsGrad& needs) {
    std::vector<Tensor> grads(needs.size());
    if (needs[0]) {
      Tensor dx(x.shape());
      if (dx.size() > 0) kernels::ConvForward(g, dy.f32(), kernel.f32(), PackedKernel(kernel, g), nullptr, dx.f32());
      grads[0] = dx;
    }
    if (needs[1]) {
      Tensor dk(kernel.shape());
      kernels::ConvFilterGrad(g, dy.f32(), x.f32(), dk.f32());
      grads[1] = dk;
    }
    if (bias.defined() && needs[2]) grads[2] = BiasGrad(dy, g.in_channels);
    return grads;
  });
  return y;
}

Tensor ExtractPatches(const Tensor& x, const std::vector<int64_t>& kernel_size, const ConvSpec& spec) {
  const char* op = "extractPatches";
  CheckFloat(x, op, "input");
  if (x.rank() < 3 || x.rank() > 5) {
    Fail<ShapeError>(op, ": input must have rank 3, 4 or 5 ([batch, spatial..., channels]), got shape ", x.shape());
  }
  const auto k = static_cast<size_t>(x.rank() - 2);
  CheckSpec(spec, k, true, op);
  if (spec.groups != 1) Fail<ValueError>(op, ": groups must be 1, got ", spec.groups);
  if (kernel_size.size() != k) {
    Fail<ValueError>(op, ": kernel_size needs ", k, " entries (one per spatial axis), got ", kernel_size.size());
  }
  kernels::ConvGeometry g;
  g.batch = x.dim(0);
  g.in_channels = x.dim(-1);
  std::vector<int64_t> in(k), out(k);
  for (size_t a = 0; a < k; ++a) {
    if (kernel_size[a] < 1) Fail<ValueError>(op, ": kernel sizes must be >= 1, got ", kernel_size[a]);
    in[a] = x.shape()[1 + a];
    const int64_t span = in[a] + spec.pad_before[a] + spec.pad_after[a];
    const int64_t window = Dilated(kernel_size[a], spec.dilations[a]);
    if (span < window) {
      Fail<ShapeError>(op, ": spatial axis ", a, " of the input (shape ", x.shape(), ") is shorter than the window (",
                       window, ")");
    }
    out[a] = (span - window) / spec.strides[a] + 1;
  }
  PlaceWindow(g, in, out, kernel_size, spec);
  Tensor patches({g.batch, g.out_positions(), g.patch()});
  if (patches.size() > 0) kernels::ConvPatches(g, x.f32(), patches.f32());
  RecordUnaryOut(op, {x}, patches, [x, g](const Tensor& dp) {
    Tensor dx(x.shape());
    if (dx.size() > 0) kernels::ConvPatchesGrad(g, dp.f32(), dx.f32());
    return std::vector<Tensor>{dx};
  });
  return patches;
}

AxisPadding ConvAxisPadding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding) {
  const int64_t window = Dilated(kernel, dilation);
  AxisPadding p;
  if (padding == "valid") {
    p.out = in >= window ? (in - window) / stride + 1 : in - window + 1;  // <= 0 when too short
  } else if (padding == "same") {
    p.out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((p.out - 1) * stride + window - in, 0);
    p.before = total / 2;
    p.after = total - p.before;
  } else if (padding == "causal") {
    p.before = window - 1;
    p.out = (in - 1) / stride + 1;
  } else {
    Fail<ValueError>("conv: padding must be 'valid', 'same' or 'causal', got '", padding, "'");
  }
  return p;
}

int64_t ConvTransposeOutputLength(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                  const std::string& padding, std::optional<int64_t> output_padding) {
  const int64_t window = Dilated(kernel, dilation);
  if (!output_padding) {
    if (padding == "valid") return in * stride + std::max<int64_t>(window - stride, 0);
    if (padding == "same") return in * stride;
    if (padding == "full") return in * stride - (stride + window - 2);
  } else {
    const int64_t pad = padding == "same" ? window / 2 : padding == "full" ? window - 1 : 0;
    if (padding == "valid" || padding == "same" || padding == "full") {
      return (in - 1) * stride + window - 2 * pad + *output_padding;
    }
  }
  Fail<ValueError>("convTranspose: padding must be 'valid' or 'same', got '", padding, "'");
}

int64_t ConvTransposePadBefore(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                               const std::string& padding) {
  if (padding != "same") return 0;
  return std::max<int64_t>((in - 1) * stride + Dilated(kernel, dilation) - out, 0) / 2;
}

}  // namespace kerasm::ops
