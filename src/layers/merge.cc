// Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum (element-wise, Keras broadcasting),
// Concatenate and Dot. Each takes a list of inputs; the batch axis must agree and is never merged over.
//
// Shapes follow Keras' Merge.build: the shapes without the batch axis are broadcast right-aligned (a lower
// rank input gains axes of size 1 right after the batch axis), an unknown dimension stays unknown. Masks
// follow Keras 3: the element-wise merges pass on the OR of the input masks when every input has one (no
// mask otherwise), Concatenate concatenates the masks broadcast to its inputs and ORs them over the last
// axis, Dot passes no mask. Masks are 0/1 float tensors, so OR is a maximum.
#include <algorithm>
#include <string>
#include <vector>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/tape.h"

namespace kerasm::layers {
namespace {

// "[[null,3],[null,4]]": every input shape, for messages.
std::string ShapesToString(const Shapes& shapes) {
  std::string out = "[";
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? "," : "") + ShapeToString(shapes[i]);
  return out + "]";
}

Shapes ShapesOf(const Tensors& xs) {
  Shapes out;
  for (const Tensor& x : xs) out.push_back(x.shape());
  return out;
}

// The batch size the inputs agree on (-1 when all unknown).
int64_t CommonBatch(const Layer& layer, const Shapes& shapes) {
  int64_t batch = -1;
  for (const Shape& s : shapes) {
    if (s.empty()) {
      Fail<ShapeError>(layer.Who(), ": inputs must have a batch axis (rank >= 1). Received input shapes ",
                       ShapesToString(shapes));
    }
    if (s[0] < 0) continue;
    if (batch >= 0 && s[0] != batch) {
      Fail<ShapeError>(layer.Who(), ": cannot merge tensors with different batch sizes. Received input shapes ",
                       ShapesToString(shapes));
    }
    batch = s[0];
  }
  return batch;
}

// ---- the element-wise merges ------------------------------------------------------------------------------
class ElementwiseMerge : public Layer {
 public:
  ElementwiseMerge(ConfigReader& config, int max_inputs) : Layer(config) {
    SetInputCount(2, max_inputs);
    supports_masking_ = true;
  }

  // Used only to validate: the shapes must merge.
  void Build(const Shapes& input_shapes) override { MergedShape(input_shapes); }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Shapes shapes = ShapesOf(inputs);
    MergedShape(shapes);  // a later call may bring shapes the build did not see
    size_t rank = 0;
    for (const Shape& s : shapes) rank = std::max(rank, s.size());
    // Keras expands lower-rank inputs at axis 1 so that numpy broadcasting aligns them after the batch axis.
    Tensors aligned;
    for (Tensor x : inputs) {
      while (static_cast<size_t>(x.rank()) < rank) x = ops::ExpandDims(x, 1);
      aligned.push_back(x);
    }
    return {Merge(aligned)};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override { return {MergedShape(input_shapes)}; }

  Tensors ComputeMask(const Tensors&, const Tensors& masks) override {
    if (masks.empty()) return {};
    for (const Tensor& m : masks) {
      if (!m.defined()) return {};
    }
    ops::NoGradScope no_grad;
    return {Fold(masks, ops::Maximum)};
  }

 protected:
  virtual Tensor Merge(const Tensors& inputs) const = 0;

  // op(...op(op(xs[0], xs[1]), xs[2])..., xs[n-1]).
  static Tensor Fold(const Tensors& xs, Tensor (*op)(const Tensor&, const Tensor&)) {
    Tensor out = xs[0];
    for (size_t i = 1; i < xs.size(); ++i) out = op(out, xs[i]);
    return out;
  }

 private:
  Shape MergedShape(const Shapes& shapes) const {
    const int64_t batch = CommonBatch(*this, shapes);
    Shape out(shapes[0].begin() + 1, shapes[0].end());
    for (size_t k = 1; k < shapes.size(); ++k) {
      Shape a = out;
      Shape b(shapes[k].begin() + 1, shapes[k].end());
      if (a.size() < b.size()) std::swap(a, b);
      Shape merged(a.begin(), a.end() - b.size());
      const size_t lead = a.size() - b.size();
      for (size_t d = 0; d < b.size(); ++d) {
        const int64_t i = a[lead + d], j = b[d];
        if (i < 0 || j < 0) {
          merged.push_back(-1);  // unknown, as Keras and tfjs infer it
        } else if (i == 1) {
          merged.push_back(j);
        } else if (j == 1 || i == j) {
          merged.push_back(i);
        } else {
          Fail<ShapeError>(Who(), ": inputs have incompatible shapes. Received input shapes ", ShapesToString(shapes));
        }
      }
      out = merged;
    }
    out.insert(out.begin(), batch);
    return out;
  }
};

class Add : public ElementwiseMerge {
 public:
  explicit Add(ConfigReader& config) : ElementwiseMerge(config, -1) {}

 protected:
  Tensor Merge(const Tensors& xs) const override { return Fold(xs, ops::Add); }
};

class Subtract : public ElementwiseMerge {
 public:
  explicit Subtract(ConfigReader& config) : ElementwiseMerge(config, 2) {}

 protected:
  Tensor Merge(const Tensors& xs) const override { return ops::Sub(xs[0], xs[1]); }
};

class Multiply : public ElementwiseMerge {
 public:
  explicit Multiply(ConfigReader& config) : ElementwiseMerge(config, -1) {}

 protected:
  Tensor Merge(const Tensors& xs) const override { return Fold(xs, ops::Mul); }
};

class Average : public ElementwiseMerge {
 public:
  explicit Average(ConfigReader& config) : ElementwiseMerge(config, -1) {}

 protected:
  Tensor Merge(const Tensors& xs) const override {
    return ops::ScaleShift(Fold(xs, ops::Add), 1.f / static_cast<float>(xs.size()));
  }
};

class Maximum : public ElementwiseMerge {
 public:
  explicit Maximum(ConfigReader& config) : ElementwiseMerge(config, -1) {}

 protected:
  Tensor Merge(const Tensors& xs) const override { return Fold(xs, ops::Maximum); }
};

class Minimum : public ElementwiseMerge {
 public:
  explicit Minimum(ConfigReader& config) : ElementwiseMerge(config, -1) {}

 protected:
  Tensor Merge(const Tensors& xs) const override { return Fold(xs, ops::Minimum); }
};

// ---- Concatenate: along `axis` (not the batch axis); every other dimension must agree ---------------------
class Concatenate : public Layer {
 public:
  explicit Concatenate(ConfigReader& config) : Layer(config) {
    axis_ = static_cast<int>(config.Int("axis", -1));
    SetInputCount(2, -1);
    supports_masking_ = true;
  }

  void Build(const Shapes& input_shapes) override { ConcatShape(input_shapes); }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Shapes shapes = ShapesOf(inputs);
    ConcatShape(shapes);
    return {ops::Concat(inputs, Axis(shapes))};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override { return {ConcatShape(input_shapes)}; }

  // Keras 3: each input's mask (all ones where an input has none) broadcast to the input's shape, the
  // broadcast masks concatenated like the inputs, then OR-ed over the last axis.
  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override {
    if (std::none_of(masks.begin(), masks.end(), [](const Tensor& m) { return m.defined(); })) return {};
    ops::NoGradScope no_grad;
    Tensors full;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Shape& s = inputs[i].shape();
      if (!masks[i].defined()) {
        full.push_back(Tensor::Full(s, 1.f));
        continue;
      }
      Tensor m = masks[i];
      if (m.rank() < inputs[i].rank()) {
        Shape expanded = m.shape();
        expanded.resize(s.size(), 1);  // trailing axes of size 1: a [batch, time] mask covers its features
        m = m.Reshaped(expanded);
      }
      full.push_back(ops::BroadcastTo(m, s));
    }
    return {ops::Max(ops::Concat(full, Axis(ShapesOf(inputs))), {-1})};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["axis"] = axis_;
    return c;
  }

 private:
  // The axis as an index into shapes of the inputs' rank; the batch axis and out-of-range axes are errors.
  int Axis(const Shapes& shapes) const {
    const int rank = static_cast<int>(shapes[0].size());
    const int a = axis_ < 0 ? axis_ + rank : axis_;
    if (a < 0 || a >= rank) {
      Fail<ValueError>(Who(), ": axis ", axis_, " is out of range for inputs of rank ", rank,
                       ". Received input shapes ", ShapesToString(shapes));
    }
    if (a == 0) {
      Fail<ValueError>(Who(), ": cannot concatenate along the batch axis (axis=", axis_,
                       "). Received input shapes ", ShapesToString(shapes));
    }
    return a;
  }

  Shape ConcatShape(const Shapes& shapes) const {
    CommonBatch(*this, shapes);
    for (const Shape& s : shapes) {
      if (s.size() != shapes[0].size()) {
        Fail<ShapeError>(Who(), ": inputs must have the same rank. Received input shapes ", ShapesToString(shapes));
      }
    }
    const int a = Axis(shapes);
    Shape out = shapes[0];
    out[a] = 0;
    for (const Shape& s : shapes) {
      for (size_t d = 0; d < s.size(); ++d) {
        if (static_cast<int>(d) == a) continue;
        if (out[d] < 0) {
          out[d] = s[d];
        } else if (s[d] >= 0 && s[d] != out[d]) {
          Fail<ShapeError>(Who(), ": inputs must have matching shapes except for the concatenation axis ", axis_,
                           ". Received input shapes ", ShapesToString(shapes));
        }
      }
      out[a] = (out[a] < 0 || s[a] < 0) ? -1 : out[a] + s[a];
    }
    return out;
  }

  int axis_;
};

// ---- Dot: Keras' batch_dot of two inputs over one axis of each, optionally of L2-normalized inputs ---------
class Dot : public Layer {
 public:
  explicit Dot(ConfigReader& config) : Layer(config) {
    if (!config.Has("axes")) config.Missing("axes");
    const json axes = config.Raw("axes");
    auto is_int = [](const json& v) { return v.is_number_integer() || v.is_number_unsigned(); };
    if (is_int(axes)) {
      axes_ = {axes.get<int>(), axes.get<int>()};
      pair_ = false;
    } else if (axes.is_array() && axes.size() == 2 && is_int(axes[0]) && is_int(axes[1])) {
      axes_ = {axes[0].get<int>(), axes[1].get<int>()};
      pair_ = true;
    } else {
      config.Invalid("axes", "must be an integer or a list of two integers");
    }
    normalize_ = config.Bool("normalize", false);
    SetInputCount(2, 2);
  }

  void Build(const Shapes& input_shapes) override { DotShape(input_shapes); }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    const Shapes shapes = ShapesOf(inputs);
    const Shape out_shape = DotShape(shapes);
    const auto [a0, a1] = Axes(shapes);
    Tensor x = inputs[0], y = inputs[1];
    if (normalize_) {
      // Keras 3's normalize: x / max(||x||, 1e-7), which is x / sqrt(max(sum x^2, 1e-14)).
      x = ops::L2Normalize(x, {a0}, 1e-14f);
      y = ops::L2Normalize(y, {a1}, 1e-14f);
    }
    // x to [batch, rest of x, k] and y to [batch, k, rest of y] (the rest in order), so one batched matmul
    // gives [batch, rest of x, rest of y], which is Keras' output order.
    const int64_t batch = x.dim(0), k = x.dim(a0);
    std::vector<int> px{0}, py{0, a1};
    int64_t rest_x = 1, rest_y = 1;
    for (int d = 1; d < x.rank(); ++d) {
      if (d != a0) px.push_back(d), rest_x *= x.dim(d);
    }
    px.push_back(a0);
    for (int d = 1; d < y.rank(); ++d) {
      if (d != a1) py.push_back(d), rest_y *= y.dim(d);
    }
    x = ops::Reshape(ops::Transpose(x, px), {batch, rest_x, k});
    y = ops::Reshape(ops::Transpose(y, py), {batch, k, rest_y});
    return {ops::Reshape(ops::MatMul(x, y), out_shape)};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override { return {DotShape(input_shapes)}; }

  Tensors ComputeMask(const Tensors&, const Tensors&) override { return {}; }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["axes"] = pair_ ? json{axes_.first, axes_.second} : json(axes_.first);
    c["normalize"] = normalize_;
    return c;
  }

 private:
  // Both axes as indices (negative ones counted from each input's own rank); the batch axis is an error.
  std::pair<int, int> Axes(const Shapes& shapes) const {
    int a[2] = {axes_.first, axes_.second};
    for (int i = 0; i < 2; ++i) {
      const int rank = static_cast<int>(shapes[i].size());
      const int given = a[i];
      if (a[i] < 0) a[i] += rank;
      if (a[i] < 0 || a[i] >= rank) {
        Fail<ValueError>(Who(), ": axes ", given, " is out of range for input ", i, " of rank ", rank,
                         ". Received input shapes ", ShapesToString(shapes));
      }
      if (a[i] == 0) {
        Fail<ValueError>(Who(), ": cannot take the dot product over the batch axis (axes=", given,
                         " for input ", i, "). Received input shapes ", ShapesToString(shapes));
      }
    }
    return {a[0], a[1]};
  }

  Shape DotShape(const Shapes& shapes) const {
    for (const Shape& s : shapes) {
      if (s.size() < 2) {
        Fail<ShapeError>(Who(), ": inputs must have rank >= 2. Received input shapes ", ShapesToString(shapes));
      }
    }
    const int64_t batch = CommonBatch(*this, shapes);
    const auto [a0, a1] = Axes(shapes);
    const int64_t d0 = shapes[0][a0], d1 = shapes[1][a1];
    if (d0 >= 0 && d1 >= 0 && d0 != d1) {
      Fail<ShapeError>(Who(), ": incompatible input shapes: axis ", a0, " of input 0 has size ", d0, " but axis ", a1,
                       " of input 1 has size ", d1, ". Received input shapes ", ShapesToString(shapes));
    }
    Shape out{batch};
    for (int d = 1; d < static_cast<int>(shapes[0].size()); ++d) {
      if (d != a0) out.push_back(shapes[0][d]);
    }
    for (int d = 1; d < static_cast<int>(shapes[1].size()); ++d) {
      if (d != a1) out.push_back(shapes[1][d]);
    }
    if (out.size() == 1) out.push_back(1);  // Keras keeps at least [batch, 1]
    return out;
  }

  std::pair<int, int> axes_;
  bool pair_ = false;  // written back as given: an integer or a pair
  bool normalize_;
};

}  // namespace

LayerPtr CreateAdd(const json& config) { return MakeLayer<Add>(config, "Add"); }
LayerPtr CreateAverage(const json& config) { return MakeLayer<Average>(config, "Average"); }
LayerPtr CreateConcatenate(const json& config) { return MakeLayer<Concatenate>(config, "Concatenate"); }
LayerPtr CreateDot(const json& config) { return MakeLayer<Dot>(config, "Dot"); }
LayerPtr CreateMaximum(const json& config) { return MakeLayer<Maximum>(config, "Maximum"); }
LayerPtr CreateMinimum(const json& config) { return MakeLayer<Minimum>(config, "Minimum"); }
LayerPtr CreateMultiply(const json& config) { return MakeLayer<Multiply>(config, "Multiply"); }
LayerPtr CreateSubtract(const json& config) { return MakeLayer<Subtract>(config, "Subtract"); }

}  // namespace kerasm::layers
