// What the convolution layers share: the window arguments (kernel_size, strides, padding, dilation_rate,
// data_format), activation, bias, and the move between data formats (the ops work in channels_last).
// Conv1D/2D/3D and the transposed ones are in convolutional.cc, DepthwiseConv2D and SeparableConv1D/2D in
// depthwise_conv.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/layer.h"
#include "ops/conv_ops.h"

namespace kerasm::layers {

// Keras' normalize_tuple: an integer, or a list of `rank` integers, each >= `min`. Absent or null keys
// give `fallback` (which must then have `rank` entries).
std::vector<int64_t> ReadSpatialTuple(ConfigReader& config, const params::Keys& keys, size_t rank,
                                      const std::vector<int64_t>& fallback, int64_t min);

// A weight's initializer, regularizer and constraint: Keras' "<prefix>_initializer", "<prefix>_regularizer"
// and "<prefix>_constraint" arguments.
struct WeightArgs {
  std::shared_ptr<params::Initializer> initializer;
  std::shared_ptr<params::Regularizer> regularizer;
  std::shared_ptr<params::Constraint> constraint;

  static WeightArgs Read(ConfigReader& config, const std::string& prefix, const std::string& default_initializer);
  void Write(json* config, const std::string& prefix) const;
};

// Keras' filters argument: a positive integer, required.
int64_t ReadFilters(ConfigReader& config);

class ConvBase : public Layer {
 public:
  // `paddings`: the padding names this class accepts ("valid", "same", and "causal" for Conv1D);
  // `dilation`: whether it has a dilation_rate argument (the locally-connected layers do not).
  ConvBase(ConfigReader& config, int rank, std::vector<std::string> paddings, bool dilation = true);

  json GetConfig() const override;

 protected:
  // Channel axis of the input (1 or -1) and the spatial dims (in channels_last order) of a shape.
  int ChannelAxis() const { return channels_first_ ? 1 : rank_ + 1; }
  int64_t Channels(const Shape& s) const { return s[ChannelAxis()]; }
  std::vector<int64_t> SpatialDims(const Shape& s) const;
  // The input's channels, which must be known, or a ShapeError naming the layer.
  int64_t InputChannels(const Shape& s) const;
  // [N, C, s..] <-> [N, s.., C] when channels_first; unchanged otherwise.
  Tensor ToChannelsLast(const Tensor& x) const;
  Tensor FromChannelsLast(const Tensor& y) const;
  // [batch, spatial.., channels] in this layer's data format.
  Shape OutputShape(int64_t batch, const std::vector<int64_t>& spatial, int64_t channels) const;
  // The ConvSpec for inputs with these spatial dims (the window of kernel_size_ / strides_ / dilation_),
  // and the output spatial dims (-1 stays -1); a ShapeError naming the layer when an axis is too short.
  ops::ConvSpec Spec(const std::vector<int64_t>& spatial, std::vector<int64_t>* out_spatial) const;
  Tensor Activate(const Tensor& y) const;
  // Sets input_spec_'s channel axis after Build.
  void FixChannels(int64_t channels);
  // The output shape for input shape `s` through this layer's window, with `channels` output channels.
  Shape WindowedOutputShape(const Shape& s, int64_t channels) const;
  // AddWeight with the WeightArgs' initializer, regularizer and constraint.
  ops::VariablePtr AddWeightWith(const std::string& name, const Shape& shape, const WeightArgs& args);

  int rank_;
  std::vector<int64_t> kernel_size_, strides_, dilation_;
  std::string padding_;
  bool channels_first_ = false;
  bool has_dilation_ = true;
  std::string activation_;
  bool use_bias_ = true;
  WeightArgs bias_args_;
};

}  // namespace kerasm::layers
