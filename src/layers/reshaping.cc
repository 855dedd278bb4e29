// Reshaping layers on the spatial axes: Cropping1D/2D/3D, ZeroPadding1D/2D/3D and UpSampling1D/2D/3D.
// Each is a composition of differentiable ops (Slice, Pad, Reshape + BroadcastTo, Gather), so gradients
// come from the tape. Arguments and their checks follow Keras 3. None of them propagates masks (Keras'
// do not either): a mask over the old spatial axes would not fit the new ones.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "params/arguments.h"

namespace kerasm::layers {
namespace {

using params::ReadDataFormat;
using Sides = std::vector<std::pair<int64_t, int64_t>>;

bool IsCount(const json& v, int64_t min) { return v.is_number_integer() && v.get<int64_t>() >= min; }

// An amount (cropping, padding) for each side of `axes` spatial axes, in Keras' forms: one integer for every
// side; for one axis also (before, after); for more, one entry per axis, each an integer (both sides) or
// (before, after).
Sides ReadSides(ConfigReader& config, const char* key, int axes, int64_t default_value) {
  const json v = config.Raw(key);
  Sides out(axes, {default_value, default_value});
  if (v.is_null()) return out;
  auto entry = [](const json& e, std::pair<int64_t, int64_t>* p) {
    if (IsCount(e, 0)) {
      *p = {e.get<int64_t>(), e.get<int64_t>()};
      return true;
    }
    if (e.is_array() && e.size() == 2 && IsCount(e[0], 0) && IsCount(e[1], 0)) {
      *p = {e[0].get<int64_t>(), e[1].get<int64_t>()};
      return true;
    }
    return false;
  };
  bool ok = false;
  if (IsCount(v, 0)) {
    ok = entry(v, &out[0]);
    std::fill(out.begin(), out.end(), out[0]);
  } else if (axes == 1) {
    ok = v.is_array() && v.size() == 2 && entry(v, &out[0]);
  } else if (v.is_array() && v.size() == static_cast<size_t>(axes)) {
    ok = true;
    for (int i = 0; i < axes; ++i) ok = ok && entry(v[i], &out[i]);
  }
  if (!ok) {
    const std::string n = std::to_string(axes);
    config.Invalid(key, axes == 1 ? "must be a non-negative integer or a list of 2 of them (before, after)"
                                  : "must be a non-negative integer, or a list of " + n +
                                        " entries, each an integer or a (before, after) pair");
  }
  return out;
}

json SidesToJson(const Sides& sides) {
  if (sides.size() == 1) return json::array({sides[0].first, sides[0].second});
  json out = json::array();
  for (const auto& [a, b] : sides) out.push_back(json::array({a, b}));
  return out;
}

// A positive factor per spatial axis: one integer for all, or a list of `axes` integers.
std::vector<int64_t> ReadFactors(ConfigReader& config, const char* key, int axes, int64_t default_value) {
  const json v = config.Raw(key);
  std::vector<int64_t> out(axes, default_value);
  if (v.is_null()) return out;
  bool ok = false;
  if (IsCount(v, 1)) {
    ok = true;
    std::fill(out.begin(), out.end(), v.get<int64_t>());
  } else if (v.is_array() && v.size() == static_cast<size_t>(axes)) {
    ok = true;
    for (int i = 0; i < axes; ++i) {
      ok = ok && IsCount(v[i], 1);
      if (ok) out[i] = v[i].get<int64_t>();
    }
  }
  if (!ok) {
    config.Invalid(key, axes == 1 ? std::string("must be a positive integer")
                                  : "must be a positive integer or a list of " + std::to_string(axes) + " of them");
  }
  return out;
}

// What the three families share: K spatial axes between the batch and the channels (channels_last) or after
// the channels (channels_first), and an input of rank K + 2.
template <int K>
class SpatialLayer : public Layer {
 protected:
  SpatialLayer(ConfigReader& config, bool has_data_format) : Layer(config), has_data_format_(has_data_format) {
    if (has_data_format_) data_format_ = ReadDataFormat(config);
    InputSpec spec;
    spec.ndim = K + 2;
    input_spec_ = {spec};
  }

  // The tensor axis of spatial axis i.
  int Axis(int i) const { return data_format_ == "channels_first" ? i + 2 : i + 1; }

  void WriteDataFormat(json* c) const {
    if (has_data_format_) (*c)["data_format"] = data_format_;
  }

  bool has_data_format_;
  std::string data_format_ = "channels_last";
};

// ---- Cropping: removes (before, after) entries of each spatial axis ------------------------------------------
template <int K>
class Cropping : public SpatialLayer<K> {
 public:
  explicit Cropping(ConfigReader& config) : SpatialLayer<K>(config, K > 1) {
    // Keras' defaults: (1, 1) in 1D and 3D, nothing in 2D.
    cropping_ = ReadSides(config, "cropping", K, K == 2 ? 0 : 1);
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = this->OnlyInput(inputs);
    ComputeOutputShape({x.shape()});  // the check, with this layer's message rather than Slice's
    std::vector<int64_t> begin(x.rank(), 0), size(x.rank(), -1);
    for (int i = 0; i < K; ++i) {
      const int a = this->Axis(i);
      begin[a] = cropping_[i].first;
      size[a] = x.dim(a) - cropping_[i].first - cropping_[i].second;
    }
    return {ops::Slice(x, begin, size)};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    Shape s = this->OnlyShape(input_shapes);
    if (static_cast<int>(s.size()) != K + 2) return {s};  // the input spec reports it
    for (int i = 0; i < K; ++i) {
      int64_t& d = s[this->Axis(i)];
      if (d < 0) continue;
      // Keras refuses a cropping that leaves nothing (an empty axis), not only one larger than the input.
      if (cropping_[i].first + cropping_[i].second >= d) {
        Fail<ShapeError>(this->Who(), ": cropping ", SidesToJson(cropping_).dump(), " must leave part of every cropped axis, but axis ",
                         this->Axis(i), " has ", d, " entries and would lose ", cropping_[i].first + cropping_[i].second,
                         ". Received input shape ", ShapeToString(this->OnlyShape(input_shapes)));
      }
      d -= cropping_[i].first + cropping_[i].second;
    }
    return {s};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["cropping"] = SidesToJson(cropping_);
    this->WriteDataFormat(&c);
    return c;
  }

 private:
  Sides cropping_;
};

// ---- ZeroPadding: adds (before, after) zeros to each spatial axis ----------------------------------------------
template <int K>
class ZeroPadding : public SpatialLayer<K> {
 public:
  // Keras 3 gave ZeroPadding1D a data_format too (Cropping1D and UpSampling1D have none).
  explicit ZeroPadding(ConfigReader& config) : SpatialLayer<K>(config, true) {
    padding_ = ReadSides(config, "padding", K, 1);
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = this->OnlyInput(inputs);
    std::vector<std::pair<int64_t, int64_t>> pads(x.rank(), {0, 0});
    for (int i = 0; i < K; ++i) pads[this->Axis(i)] = padding_[i];
    return {ops::Pad(x, pads)};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    Shape s = this->OnlyShape(input_shapes);
    if (static_cast<int>(s.size()) != K + 2) return {s};
    for (int i = 0; i < K; ++i) {
      int64_t& d = s[this->Axis(i)];
      if (d >= 0) d += padding_[i].first + padding_[i].second;
    }
    return {s};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["padding"] = SidesToJson(padding_);
    this->WriteDataFormat(&c);
    return c;
  }

 private:
  Sides padding_;
};

// Each entry of x repeated `times` times along `axis` (numpy's repeat): [.., n, ..] -> [.., n, 1, ..] ->
// broadcast to [.., n, times, ..] -> [.., n * times, ..]. BroadcastTo's gradient sums the copies back.
Tensor RepeatAlong(const Tensor& x, int axis, int64_t times) {
  if (times == 1) return x;
  Shape expanded = x.shape();
  expanded.insert(expanded.begin() + axis + 1, 1);
  Shape broadcast = expanded;
  broadcast[axis + 1] = times;
  Shape out = x.shape();
  out[axis] *= times;
  return ops::Reshape(ops::BroadcastTo(ops::Reshape(x, expanded), broadcast), out);
}

// Bilinear resizing of one axis by an integer factor, as Keras 3's UpSampling2D does it: it calls the
// backend's image resize, which samples at half-pixel centres, source = (i + 0.5) / factor - 0.5, clamped to
// the input (TensorFlow's half_pixel_centers=True; JAX's linear resize gives the same for upscaling).
// tfjs-layers' upSampling2d calls resizeBilinear with alignCorners and halfPixelCenters false, source =
// i / factor, which shifts the result by a quarter pixel (factor 2): the two differ, and Keras is followed.
// Linear along one axis, then the other, is the same as the 2-D bilinear weights (they factorise).
Tensor BilinearAlong(const Tensor& x, int axis, int64_t factor) {
  if (factor == 1) return x;
  const int64_t n = x.dim(axis), out = n * factor;
  std::vector<int32_t> lo(out), hi(out);
  Shape weight_shape(x.rank(), 1);
  weight_shape[axis] = out;
  Tensor w_hi(weight_shape);
  for (int64_t i = 0; i < out; ++i) {
    double src = (static_cast<double>(i) + 0.5) / static_cast<double>(factor) - 0.5;
    src = std::min(std::max(src, 0.0), static_cast<double>(n - 1));
    const int64_t l = static_cast<int64_t>(std::floor(src));
    lo[i] = static_cast<int32_t>(l);
    hi[i] = static_cast<int32_t>(std::min(l + 1, n - 1));
    w_hi.f32()[i] = static_cast<float>(src - static_cast<double>(l));
  }
  const Tensor lo_idx = Tensor::FromData({out}, lo.data());
  const Tensor hi_idx = Tensor::FromData({out}, hi.data());
  const Tensor w_lo = ops::ScaleShift(w_hi, -1.f, 1.f);
  return ops::Add(ops::Mul(ops::Gather(x, lo_idx, axis), w_lo), ops::Mul(ops::Gather(x, hi_idx, axis), w_hi));
}

// ---- UpSampling: each spatial axis scaled by an integer factor (2D: nearest or bilinear) ----------------------
template <int K>
class UpSampling : public SpatialLayer<K> {
 public:
  explicit UpSampling(ConfigReader& config) : SpatialLayer<K>(config, K > 1) {
    size_ = ReadFactors(config, "size", K, 2);
    if (K == 2) {
      interpolation_ = config.String("interpolation", "nearest");
      // Keras lower-cases the name ("Bilinear" is bilinear).
      for (char& ch : interpolation_) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (interpolation_ == "bicubic" || interpolation_ == "lanczos3" || interpolation_ == "lanczos5") {
        config.Reject("interpolation", "only 'nearest' and 'bilinear' interpolation are supported");
      }
      if (interpolation_ != "nearest" && interpolation_ != "bilinear") {
        config.Invalid("interpolation", "must be 'nearest' or 'bilinear'");
      }
    }
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    Tensor x = this->OnlyInput(inputs);
    for (int i = 0; i < K; ++i) {
      x = interpolation_ == "bilinear" ? BilinearAlong(x, this->Axis(i), size_[i])
                                       : RepeatAlong(x, this->Axis(i), size_[i]);
    }
    return {x};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    Shape s = this->OnlyShape(input_shapes);
    if (static_cast<int>(s.size()) != K + 2) return {s};
    for (int i = 0; i < K; ++i) {
      int64_t& d = s[this->Axis(i)];
      if (d >= 0) d *= size_[i];
    }
    return {s};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    if (K == 1) {
      c["size"] = size_[0];  // Keras' UpSampling1D writes an integer
    } else {
      c["size"] = size_;
    }
    this->WriteDataFormat(&c);
    if (K == 2) c["interpolation"] = interpolation_;
    return c;
  }

 private:
  std::vector<int64_t> size_;
  std::string interpolation_ = "nearest";
};

}  // namespace

LayerPtr CreateCropping1D(const json& config) { return MakeLayer<Cropping<1>>(config, "Cropping1D"); }
LayerPtr CreateCropping2D(const json& config) { return MakeLayer<Cropping<2>>(config, "Cropping2D"); }
LayerPtr CreateCropping3D(const json& config) { return MakeLayer<Cropping<3>>(config, "Cropping3D"); }
LayerPtr CreateZeroPadding1D(const json& config) { return MakeLayer<ZeroPadding<1>>(config, "ZeroPadding1D"); }
LayerPtr CreateZeroPadding2D(const json& config) { return MakeLayer<ZeroPadding<2>>(config, "ZeroPadding2D"); }
LayerPtr CreateZeroPadding3D(const json& config) { return MakeLayer<ZeroPadding<3>>(config, "ZeroPadding3D"); }
LayerPtr CreateUpSampling1D(const json& config) { return MakeLayer<UpSampling<1>>(config, "UpSampling1D"); }
LayerPtr CreateUpSampling2D(const json& config) { return MakeLayer<UpSampling<2>>(config, "UpSampling2D"); }
LayerPtr CreateUpSampling3D(const json& config) { return MakeLayer<UpSampling<3>>(config, "UpSampling3D"); }

}  // namespace kerasm::layers
