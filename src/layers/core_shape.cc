// Core layers that move axes: Permute (reorders the non-batch axes) and RepeatVector ([B, F] -> [B, n, F]).
// Both are single differentiable ops (Transpose, Reshape + BroadcastTo). As in Keras, neither propagates a
// mask.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"

namespace kerasm::layers {
namespace {

// ---- Permute: output axis i + 1 is input axis dims[i] (1-based, the batch axis stays first) ---------------
class Permute : public Layer {
 public:
  explicit Permute(ConfigReader& config) : Layer(config) {
    std::optional<Shape> dims = config.OptionalShape("dims");
    if (!dims) config.Missing("dims");
    Shape sorted = *dims;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (sorted[i] != static_cast<int64_t>(i + 1)) {
        config.Invalid("dims", "must be a permutation of 1.." + std::to_string(sorted.size()) +
                                   " (the axes after the batch axis, counted from 1)");
      }
    }
    if (dims->empty()) config.Invalid("dims", "must name at least one axis");
    dims_ = *dims;
    InputSpec spec;
    spec.ndim = static_cast<int>(dims_.size()) + 1;
    input_spec_ = {spec};
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    std::vector<int> perm{0};
    for (int64_t d : dims_) perm.push_back(static_cast<int>(d));
    return {ops::Transpose(OnlyInput(inputs), perm)};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    if (s.size() != dims_.size() + 1) return {s};  // the input spec reports it
    Shape out{s[0]};
    for (int64_t d : dims_) out.push_back(s[d]);
    return {out};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["dims"] = dims_;
    return c;
  }

 private:
  Shape dims_;
};

// ---- RepeatVector: [B, F] -> [B, n, F], every step a copy of the input ------------------------------------
class RepeatVector : public Layer {
 public:
  explicit RepeatVector(ConfigReader& config) : Layer(config) {
    n_ = config.RequiredInt("n");
    if (n_ <= 0) config.Invalid("n", "must be a positive integer");
    InputSpec spec;
    spec.ndim = 2;
    input_spec_ = {spec};
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Tensor& x = OnlyInput(inputs);
    const int64_t b = x.dim(0), f = x.dim(1);
    // BroadcastTo's gradient sums the n copies back into the one row.
    return {ops::BroadcastTo(ops::Reshape(x, {b, 1, f}), {b, n_, f})};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    const Shape& s = OnlyShape(input_shapes);
    if (s.size() != 2) return {s};
    return {{s[0], n_, s[1]}};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["n"] = n_;
    return c;
  }

 private:
  int64_t n_;
};

}  // namespace

LayerPtr CreatePermute(const json& config) { return MakeLayer<Permute>(config, "Permute"); }
LayerPtr CreateRepeatVector(const json& config) { return MakeLayer<RepeatVector>(config, "RepeatVector"); }

}  // namespace kerasm::layers
