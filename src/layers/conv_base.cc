// The convolution layers' shared arguments and data-format handling.
#include "layers/conv_base.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/error.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/constraints.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {

using params::Keys;

namespace {

std::string TupleText(const std::vector<int64_t>& v) {
  std::ostringstream s;
  s << "(";
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  s << ")";
  return s.str();
}

}  // namespace

std::vector<int64_t> ReadSpatialTuple(ConfigReader& config, const Keys& keys, size_t rank,
                                      const std::vector<int64_t>& fallback, int64_t min) {
  std::optional<Shape> read = config.OptionalShape(keys);
  if (!read) {
    if (fallback.size() != rank) config.Missing(keys);
    return fallback;
  }
  std::vector<int64_t> v(read->begin(), read->end());
  if (v.size() == 1 && rank > 1) v = std::vector<int64_t>(rank, v.front());  // not assign(): v[0] aliases v
  const std::string ints = rank == 1 ? "an integer" : "an integer or a list of " + std::to_string(rank) + " integers";
  if (v.size() != rank) config.Invalid(keys, "must be " + ints);
  for (int64_t e : v) {
    if (e < min) config.Invalid(keys, "must be " + ints + " >= " + std::to_string(min));
  }
  return v;
}

WeightArgs WeightArgs::Read(ConfigReader& config, const std::string& prefix, const std::string& default_initializer) {
  WeightArgs a;
  a.initializer = params::ReadInitializer(config, prefix + "_initializer", default_initializer);
  a.regularizer = params::ReadRegularizer(config, prefix + "_regularizer");
  a.constraint = params::ReadConstraint(config, prefix + "_constraint");
  return a;
}

void WeightArgs::Write(json* config, const std::string& prefix) const {
  (*config)[prefix + "_initializer"] = params::ToConfig(initializer);
  (*config)[prefix + "_regularizer"] = params::ToConfig(regularizer);
  (*config)[prefix + "_constraint"] = params::ToConfig(constraint);
}

int64_t ReadFilters(ConfigReader& config) {
  const int64_t filters = config.RequiredInt("filters");
  if (filters <= 0) config.Invalid("filters", "must be a positive integer");
  return filters;
}

ConvBase::ConvBase(ConfigReader& config, int rank, std::vector<std::string> paddings, bool dilation)
    : Layer(config), rank_(rank), has_dilation_(dilation) {
  const auto r = static_cast<size_t>(rank);
  kernel_size_ = ReadSpatialTuple(config, "kernel_size", r, {}, 1);
  strides_ = ReadSpatialTuple(config, "strides", r, std::vector<int64_t>(r, 1), 1);
  dilation_ = dilation ? ReadSpatialTuple(config, "dilation_rate", r, std::vector<int64_t>(r, 1), 1)
                       : std::vector<int64_t>(r, 1);
  if (*std::max_element(strides_.begin(), strides_.end()) > 1 &&
      *std::max_element(dilation_.begin(), dilation_.end()) > 1) {
    config.Reject("strides", "strides > 1 is not supported together with dilation_rate > 1 (dilation_rate=" +
                                 TupleText(dilation_) + ")");
  }
  padding_ = config.String("padding", "valid");
  std::transform(padding_.begin(), padding_.end(), padding_.begin(), [](unsigned char c) { return std::tolower(c); });
  if (std::find(paddings.begin(), paddings.end(), padding_) == paddings.end()) {
    std::string list;
    for (size_t i = 0; i < paddings.size(); ++i) list += (i ? ", '" : "'") + paddings[i] + "'";
    config.Invalid("padding", "must be one of " + list);
  }
  channels_first_ = params::ReadDataFormat(config) == "channels_first";
  activation_ = params::ReadActivation(config, "activation", "linear");
  use_bias_ = config.Bool("use_bias", true);
  bias_args_ = WeightArgs::Read(config, "bias", "zeros");
  activity_regularizer_ = params::ReadRegularizer(config, "activity_regularizer");
  InputSpec spec;
  spec.ndim = rank + 2;
  input_spec_ = {spec};
}

std::vector<int64_t> ConvBase::SpatialDims(const Shape& s) const {
  const int first = channels_first_ ? 2 : 1;
  return std::vector<int64_t>(s.begin() + first, s.begin() + first + rank_);
}

int64_t ConvBase::InputChannels(const Shape& s) const {
  const int64_t c = Channels(s);
  if (c < 0) {
    Fail<ShapeError>(Who(), ": the channel dimension of the inputs (axis ", ChannelAxis(),
                     ") must be defined. Received input shape ", ShapeToString(s));
  }
  return c;
}

Tensor ConvBase::ToChannelsLast(const Tensor& x) const {
  if (!channels_first_) return x;
  std::vector<int> perm{0};
  for (int i = 0; i < rank_; ++i) perm.push_back(2 + i);
  perm.push_back(1);
  return ops::Transpose(x, perm);
}

Tensor ConvBase::FromChannelsLast(const Tensor& y) const {
  if (!channels_first_) return y;
  std::vector<int> perm{0, rank_ + 1};
  for (int i = 0; i < rank_; ++i) perm.push_back(1 + i);
  return ops::Transpose(y, perm);
}

Shape ConvBase::OutputShape(int64_t batch, const std::vector<int64_t>& spatial, int64_t channels) const {
  Shape s{batch};
  if (channels_first_) s.push_back(channels);
  s.insert(s.end(), spatial.begin(), spatial.end());
  if (!channels_first_) s.push_back(channels);
  return s;
}

ops::ConvSpec ConvBase::Spec(const std::vector<int64_t>& spatial, std::vector<int64_t>* out_spatial) const {
  ops::ConvSpec spec;
  spec.strides = strides_;
  spec.dilations = dilation_;
  out_spatial->clear();
  for (int a = 0; a < rank_; ++a) {
    if (spatial[a] < 0) {  // unknown: shape inference only
      spec.pad_before.push_back(0);
      spec.pad_after.push_back(0);
      out_spatial->push_back(-1);
      continue;
    }
    const ops::AxisPadding p = ops::ConvAxisPadding(spatial[a], kernel_size_[a], strides_[a], dilation_[a], padding_);
    if (p.out <= 0) {
      Fail<ShapeError>(Who(), ": the input is too small for the kernel: spatial size ", spatial[a], " on axis ", a,
                       " with kernel_size=", TupleText(kernel_size_), ", dilation_rate=", TupleText(dilation_),
                       " and padding='", padding_, "' gives an output size of ", p.out, " (must be >= 1)");
    }
    spec.pad_before.push_back(p.before);
    spec.pad_after.push_back(p.after);
    out_spatial->push_back(p.out);
  }
  return spec;
}

Tensor ConvBase::Activate(const Tensor& y) const { return activation_ == "linear" ? y : ops::Activation(activation_, y); }

void ConvBase::FixChannels(int64_t channels) { input_spec_[0].axes = {{channels_first_ ? 1 : -1, channels}}; }

Shape ConvBase::WindowedOutputShape(const Shape& s, int64_t channels) const {
  std::vector<int64_t> out;
  Spec(SpatialDims(s), &out);
  return OutputShape(s[0], out, channels);
}

ops::VariablePtr ConvBase::AddWeightWith(const std::string& name, const Shape& shape, const WeightArgs& args) {
  return AddWeight(name, shape, args.initializer, args.regularizer, args.constraint);
}

json ConvBase::GetConfig() const {
  json c = Layer::GetConfig();
  c["kernel_size"] = kernel_size_;
  c["strides"] = strides_;
  c["padding"] = padding_;
  c["data_format"] = channels_first_ ? "channels_first" : "channels_last";
  if (has_dilation_) c["dilation_rate"] = dilation_;
  c["activation"] = activation_;
  c["use_bias"] = use_bias_;
  bias_args_.Write(&c, "bias");
  c["activity_regularizer"] = params::ToConfig(activity_regularizer_);
  return c;
}

}  // namespace kerasm::layers
