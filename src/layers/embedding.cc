// Embedding: integer indices -> rows of an [input_dim, output_dim] table, y[..., :] = embeddings[x[...], :].
// The gradient is a scatter-add into the table (ops::Gather's backward); mask_zero gives the mask x != 0 to
// the layers downstream (RNNs, pooling, merges). Indices arrive as int32 (float inputs are truncated to
// integers, as Keras casts them); an index outside [0, input_dim) is an error naming it.
#include <cmath>

#include "core/error.h"
#include "layers/layer.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/constraints.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {
namespace {

class Embedding : public Layer {
 public:
  explicit Embedding(ConfigReader& config) : Layer(config) {
    input_dim_ = config.RequiredInt("input_dim");
    if (input_dim_ <= 0) config.Invalid("input_dim", "must be a positive integer");
    output_dim_ = config.RequiredInt("output_dim");
    if (output_dim_ <= 0) config.Invalid("output_dim", "must be a positive integer");
    embeddings_initializer_ = params::ReadInitializer(config, "embeddings_initializer", "uniform");
    embeddings_regularizer_ = params::ReadRegularizer(config, "embeddings_regularizer");
    activity_regularizer_ = params::ReadRegularizer(config, "activity_regularizer");
    embeddings_constraint_ = params::ReadConstraint(config, "embeddings_constraint");
    mask_zero_ = config.Bool("mask_zero", false);
    // Keras 2 / tfjs: input_length fixes the sequence length (and gives a Sequential its input shape).
    input_length_ = config.OptionalShape("input_length");
    if (input_length_) {
      for (int64_t d : *input_length_) {
        if (d == 0 || d < -1) config.Invalid("input_length", "must be positive integers or null");
      }
    }
    if (config.Bool("sparse", false)) config.Reject("sparse", "sparse embedding outputs are not supported");
    if (config.Has("lora_rank") && config.Int("lora_rank", 0) != 0) config.Reject("lora_rank", "LoRA is not supported");
    config.Get("lora_rank");
    config.Get("lora_alpha");
    cast_inputs_ = false;
    // As Keras 2 and tfjs: without an explicit input shape a Sequential starting with an Embedding gets
    // [batch, input_length], or [batch, any length].
    if (!config.Has({"input_shape", "batch_input_shape", "batch_shape"})) {
      Shape batch_shape{-1};
      if (input_length_) {
        batch_shape.insert(batch_shape.end(), input_length_->begin(), input_length_->end());
      } else {
        batch_shape.push_back(-1);
      }
      set_batch_input_shape(batch_shape);
    }
  }

  void Build(const Shapes&) override {
    embeddings_ = AddWeight("embeddings", {input_dim_, output_dim_}, embeddings_initializer_, embeddings_regularizer_,
                            embeddings_constraint_);
  }

  Tensors Call(const Tensors& inputs, const CallContext&) override {
    Tensor x = OnlyInput(inputs);
    if (x.dtype() != DType::kInt32) x = ops::Cast(x, DType::kInt32);
    const int32_t* idx = x.i32();
    for (int64_t i = 0; i < x.size(); ++i) {
      if (idx[i] < 0 || idx[i] >= input_dim_) {
        Fail<IndexError>(Who(), ": index ", idx[i], " (at flat position ", i, " of the input of shape ",
                         ShapeToString(x.shape()), ") is out of range [0, ", input_dim_, "): input_dim is ", input_dim_);
      }
    }
    return {ops::Gather(embeddings_->value(), x, 0)};
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    Shape s = OnlyShape(input_shapes);
    if (input_length_) {
      // Keras 2: input_length entries must agree with the known input dims (null ones take the input's).
      const Shape& len = *input_length_;
      if (len.size() + 1 != s.size()) {
        Fail<ShapeError>(Who(), ": input_length ", ShapeToString(len), " does not match the input shape ", ShapeToString(s));
      }
      for (size_t i = 0; i < len.size(); ++i) {
        if (len[i] >= 0 && s[i + 1] >= 0 && len[i] != s[i + 1]) {
          Fail<ShapeError>(Who(), ": input_length ", ShapeToString(len), " does not match the input shape ",
                           ShapeToString(s));
        }
        if (s[i + 1] < 0) s[i + 1] = len[i];
      }
    }
    s.push_back(output_dim_);
    return {s};
  }

  Tensors ComputeMask(const Tensors& inputs, const Tensors&) override {
    if (!mask_zero_) return {Tensor()};
    Tensor x = OnlyInput(inputs);
    if (x.dtype() != DType::kInt32) x = ops::Cast(x, DType::kInt32);
    Tensor mask(x.shape());
    const int32_t* idx = x.i32();
    float* m = mask.f32();
    for (int64_t i = 0; i < x.size(); ++i) m[i] = idx[i] != 0 ? 1.f : 0.f;
    return {mask};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["input_dim"] = input_dim_;
    c["output_dim"] = output_dim_;
    c["embeddings_initializer"] = params::ToConfig(embeddings_initializer_);
    c["embeddings_regularizer"] = params::ToConfig(embeddings_regularizer_);
    c["activity_regularizer"] = params::ToConfig(activity_regularizer_);
    c["embeddings_constraint"] = params::ToConfig(embeddings_constraint_);
    c["mask_zero"] = mask_zero_;
    c["input_length"] = !input_length_ ? json(nullptr)
                        : input_length_->size() == 1 ? json((*input_length_)[0])
                                                     : params::ShapeToJson(*input_length_);
    return c;
  }

 private:
  int64_t input_dim_, output_dim_;
  bool mask_zero_;
  std::optional<Shape> input_length_;
  std::shared_ptr<params::Initializer> embeddings_initializer_;
  std::shared_ptr<params::Regularizer> embeddings_regularizer_;
  std::shared_ptr<params::Constraint> embeddings_constraint_;
  ops::VariablePtr embeddings_;
};

}  // namespace

LayerPtr CreateEmbedding(const json& config) { return MakeLayer<Embedding>(config, "Embedding"); }

}  // namespace kerasm::layers
