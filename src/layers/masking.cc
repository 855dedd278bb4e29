// Masking: marks the timesteps (positions along the next-to-last axis) whose features all equal mask_value.
// The output is x with those positions zeroed, and the mask it produces is 1 where any feature differs from
// mask_value: RNNs, pooling and merge layers downstream skip the masked steps. An incoming mask is replaced.
#include <cmath>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::layers {
namespace {

class Masking : public Layer {
 public:
  explicit Masking(ConfigReader& config) : Layer(config) {
    mask_value_ = config.Number("mask_value", 0.0);
    InputSpec spec;
    spec.min_ndim = 2;  // the mask drops the last axis: a rank-1 input would leave nothing to mask
    input_spec_ = {spec};
    supports_masking_ = true;
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = OnlyInput(inputs);
    // The 0/1 mask with the last axis kept as 1 broadcasts over the features; it is a constant, so the
    // gradient with respect to x is the mask itself (zero at masked steps), as in Keras.
    return {ops::Mul(x, KeepMask(x))};
  }

  // [..., features] -> [...]: 1 where any feature differs from mask_value.
  Tensors ComputeMask(const Tensors& inputs, const Tensors&) override {
    const Tensor& x = OnlyInput(inputs);
    Shape s = x.shape();
    s.pop_back();
    return {KeepMask(x).Reshaped(s)};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["mask_value"] = mask_value_;
    return c;
  }

 private:
  // [..., 1]: 1.0 where any entry of the last axis differs from mask_value (NaN differs from everything).
  Tensor KeepMask(const Tensor& input) const {
    const Tensor x = input.dtype() == DType::kFloat32 ? input : ops::Cast(input, DType::kFloat32);
    const int64_t features = x.shape().back();
    Shape s = x.shape();
    s.back() = 1;
    Tensor keep(s);
    const float* v = x.f32();
    float* k = keep.f32();
    const float target = static_cast<float>(mask_value_);
    for (int64_t r = 0; r < keep.size(); ++r) {
      bool any = false;
      for (int64_t j = 0; j < features && !any; ++j) any = !(v[r * features + j] == target);
      k[r] = any ? 1.f : 0.f;
    }
    return keep;
  }

  double mask_value_;
};

}  // namespace

LayerPtr CreateMasking(const json& config) { return MakeLayer<Masking>(config, "Masking"); }

}  // namespace kerasm::layers
