// Pooling layers: MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (windowed, one class template over the
// number of spatial axes and the reduction), and the global max / average poolings over 1, 2 or 3 spatial
// axes. channels_first data is moved to channels_last around the op, which works on channels_last only.
// Windowed poolings do not take masks; GlobalMaxPooling1D and GlobalAveragePooling1D reduce over the
// unmasked steps of a [batch, steps] mask and pass no mask on.
#include <algorithm>
#include <cctype>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/pool_ops.h"
#include "params/arguments.h"

namespace kerasm::layers {
namespace {

using params::ReadDataFormat;

enum class Reduction { kMax, kAverage };

// Keras' standardize_tuple: an integer is repeated for every spatial axis, a list needs one positive
// integer per axis.
std::vector<int64_t> ReadTuple(ConfigReader& config, const char* key, const json& value, int rank) {
  std::vector<int64_t> out;
  if (value.is_number_integer()) {
    out.assign(static_cast<size_t>(rank), value.get<int64_t>());
  } else if (value.is_array() && static_cast<int>(value.size()) == rank) {
    for (const json& e : value) {
      if (!e.is_number_integer()) break;
      out.push_back(e.get<int64_t>());
    }
  }
  const bool positive = std::all_of(out.begin(), out.end(), [](int64_t v) { return v > 0; });
  if (static_cast<int>(out.size()) != rank || !positive) {
    config.Invalid(key, rank == 1 ? "must be a positive integer or a list of 1 positive integer"
                                  : "must be a positive integer or a list of " + std::to_string(rank) +
                                        " positive integers");
  }
  return out;
}

// The permutations between channels_first [batch, channels, spatial...] and channels_last.
std::vector<int> ToChannelsLast(int rank) {
  std::vector<int> perm{0};
  for (int i = 2; i < rank; ++i) perm.push_back(i);
  perm.push_back(1);
  return perm;
}
std::vector<int> ToChannelsFirst(int rank) {
  std::vector<int> perm{0, rank - 1};
  for (int i = 1; i < rank - 1; ++i) perm.push_back(i);
  return perm;
}

// ---- MaxPooling / AveragePooling 1D, 2D, 3D: a window slid over the spatial axes ----------------------------
template <int kSpatial, Reduction kReduction>
class Pooling : public Layer {
 public:
  explicit Pooling(ConfigReader& config) : Layer(config) {
    const json* pool = config.Get("pool_size");
    pool_size_ = pool ? ReadTuple(config, "pool_size", *pool, kSpatial) : std::vector<int64_t>(kSpatial, 2);
    // Keras: strides=None means strides equal to pool_size.
    const json* strides = config.Get("strides");
    strides_ = strides ? ReadTuple(config, "strides", *strides, kSpatial) : pool_size_;
    std::string padding = config.String("padding", "valid");
    std::transform(padding.begin(), padding.end(), padding.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (padding != "valid" && padding != "same") config.Invalid("padding", "must be 'valid' or 'same'");
    padding_ = padding;
    data_format_ = ReadDataFormat(config);
    InputSpec spec;
    spec.ndim = kSpatial + 2;
    input_spec_ = {spec};
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    Tensor x = OnlyInput(inputs);
    ComputeOutputShape({x.shape()});  // the layer's own message for a window that does not fit
    const bool first = data_format_ == "channels_first";
    if (first) x = ops::Transpose(x, ToChannelsLast(x.rank()));
    Tensor y = kReduction == Reduction::kMax ? ops::MaxPool(x, pool_size_, strides_, padding_)
                                             : ops::AvgPool(x, pool_size_, strides_, padding_);
    if (first) y = ops::Transpose(y, ToChannelsFirst(y.rank()));
    return {y};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    Shape s = OnlyShape(input_shapes);
    if (static_cast<int>(s.size()) != kSpatial + 2) {
      Fail<ShapeError>(Who(), ": expected an input of rank ", kSpatial + 2, ", got shape ", ShapeToString(s));
    }
    const int first_axis = data_format_ == "channels_first" ? 2 : 1;
    for (int i = 0; i < kSpatial; ++i) {
      int64_t& d = s[first_axis + i];
      if (d < 0) continue;  // unknown stays unknown
      const int64_t out = ops::PoolOutputSize(d, pool_size_[i], strides_[i], padding_ == "same");
      if (out < 0) {
        Fail<ShapeError>(Who(), ": pool_size ", ShapeToString(pool_size_),
                         " does not fit the input with padding='valid' (the computed output size would be negative). "
                         "Received input shape ",
                         ShapeToString(OnlyShape(input_shapes)), " (data_format=", data_format_, ")");
      }
      d = out;
    }
    return {s};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["pool_size"] = pool_size_;
    c["strides"] = strides_;
    c["padding"] = padding_;
    c["data_format"] = data_format_;
    return c;
  }

 private:
  std::vector<int64_t> pool_size_, strides_;
  std::string padding_;
  std::string data_format_;
};

// ---- GlobalMaxPooling / GlobalAveragePooling 1D, 2D, 3D: one reduction over all spatial axes --------------
template <int kSpatial, Reduction kReduction>
class GlobalPooling : public Layer {
 public:
  explicit GlobalPooling(ConfigReader& config) : Layer(config) {
    data_format_ = ReadDataFormat(config);
    keepdims_ = config.Bool("keepdims", false);
    InputSpec spec;
    spec.ndim = kSpatial + 2;
    input_spec_ = {spec};
    // The 1D layers take a [batch, steps] mask (from Embedding or Masking) and consume it.
    supports_masking_ = kSpatial == 1;
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    const Tensor& x = OnlyInput(inputs);
    const std::vector<int> axes = SpatialAxes();
    const Tensor mask = kSpatial == 1 && !ctx.masks.empty() ? ctx.masks[0] : Tensor();
    if (!mask.defined()) {
      return {kReduction == Reduction::kMax ? ops::Max(x, axes, keepdims_) : ops::Mean(x, axes, keepdims_)};
    }
    const bool first = data_format_ == "channels_first";
    const int64_t steps = x.dim(first ? 2 : 1);
    if (mask.rank() != 2 || mask.dim(0) != x.dim(0) || mask.dim(1) != steps) {
      Fail<ShapeError>(Who(), ": the mask must have shape [batch, steps] = [", x.dim(0), ", ", steps,
                       "] for inputs of shape ", ShapeToString(x.shape()), ", got mask shape ",
                       ShapeToString(mask.shape()));
    }
    // [batch, steps] -> broadcastable against the input: [batch, steps, 1] or [batch, 1, steps].
    Tensor m = ops::ExpandDims(ops::Cast(mask, DType::kFloat32), first ? 1 : 2);
    if (kReduction == Reduction::kAverage) {
      // As Keras: sum of the unmasked steps over their count (a fully masked row divides 0 by 0).
      Tensor sum = ops::Sum(ops::Mul(x, m), axes, keepdims_);
      return {ops::Div(sum, ops::Sum(m, axes, keepdims_))};
    }
    // Masked steps are taken out of the maximum (-inf never wins); a fully masked row gives -inf.
    Tensor neg_inf = Tensor::Full({}, -std::numeric_limits<float>::infinity());
    return {ops::Max(ops::Where(m, x, neg_inf), axes, keepdims_)};
  }

  Tensors ComputeMask(const Tensors&, const Tensors&) override { return {}; }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    const std::vector<int> axes = SpatialAxes();
    Shape out;
    for (int i = 0; i < static_cast<int>(s.size()); ++i) {
      if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
        out.push_back(s[i]);
      } else if (keepdims_) {
        out.push_back(1);
      }
    }
    return {out};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["data_format"] = data_format_;
    c["keepdims"] = keepdims_;
    return c;
  }

 private:
  std::vector<int> SpatialAxes() const {
    std::vector<int> axes;
    const int first_axis = data_format_ == "channels_first" ? 2 : 1;
    for (int i = 0; i < kSpatial; ++i) axes.push_back(first_axis + i);
    return axes;
  }

  std::string data_format_;
  bool keepdims_;
};

}  // namespace

LayerPtr CreateMaxPooling1D(const json& c) { return MakeLayer<Pooling<1, Reduction::kMax>>(c, "MaxPooling1D"); }
LayerPtr CreateMaxPooling2D(const json& c) { return MakeLayer<Pooling<2, Reduction::kMax>>(c, "MaxPooling2D"); }
LayerPtr CreateMaxPooling3D(const json& c) { return MakeLayer<Pooling<3, Reduction::kMax>>(c, "MaxPooling3D"); }
LayerPtr CreateAveragePooling1D(const json& c) {
  return MakeLayer<Pooling<1, Reduction::kAverage>>(c, "AveragePooling1D");
}
LayerPtr CreateAveragePooling2D(const json& c) {
  return MakeLayer<Pooling<2, Reduction::kAverage>>(c, "AveragePooling2D");
}
LayerPtr CreateAveragePooling3D(const json& c) {
  return MakeLayer<Pooling<3, Reduction::kAverage>>(c, "AveragePooling3D");
}
LayerPtr CreateGlobalMaxPooling1D(const json& c) {
  return MakeLayer<GlobalPooling<1, Reduction::kMax>>(c, "GlobalMaxPooling1D");
}
LayerPtr CreateGlobalMaxPooling2D(const json& c) {
  return MakeLayer<GlobalPooling<2, Reduction::kMax>>(c, "GlobalMaxPooling2D");
}
LayerPtr CreateGlobalMaxPooling3D(const json& c) {
  return MakeLayer<GlobalPooling<3, Reduction::kMax>>(c, "GlobalMaxPooling3D");
}
LayerPtr CreateGlobalAveragePooling1D(const json& c) {
  return MakeLayer<GlobalPooling<1, Reduction::kAverage>>(c, "GlobalAveragePooling1D");
}
LayerPtr CreateGlobalAveragePooling2D(const json& c) {
  return MakeLayer<GlobalPooling<2, Reduction::kAverage>>(c, "GlobalAveragePooling2D");
}
LayerPtr CreateGlobalAveragePooling3D(const json& c) {
  return MakeLayer<GlobalPooling<3, Reduction::kAverage>>(c, "GlobalAveragePooling3D");
}

}  // namespace kerasm::layers
