// Lambda (see lambda.h). A Lambda read from a Keras file holds Python bytecode, which cannot run here:
// CreateLayer reports that with the way to supply the function (registry.cc).
#include "layers/lambda.h"

#include "core/error.h"
#include "ops/tape.h"
#include "params/arguments.h"

namespace kerasm::layers {

namespace {

class Lambda : public Layer {
 public:
  Lambda(ConfigReader& config, LambdaFunctions functions) : Layer(config), fns_(std::move(functions)) {
    if (!fns_.call) Fail<ValueError>(Who(), ": needs a function");
    SetInputCount(1, -1);
    const json* shape = config.Get("output_shape");
    if (shape != nullptr && !shape->is_null()) {
      // One shape without the batch axis, or a list of them (several outputs).
      output_shape_ = json::array();
      if (shape->is_array() && !shape->empty() && (*shape)[0].is_array()) {
        output_shape_ = *shape;
      } else {
        output_shape_.push_back(*shape);
      }
      for (const json& s : output_shape_) {
        if (!s.is_array()) config.Invalid("output_shape", "must be a shape (a list of integers or null) or a list of shapes");
        for (const json& d : s) {
          if (!d.is_null() && !(d.is_number_integer() && d.get<int64_t>() >= 0)) {
            config.Invalid("output_shape", "must hold non-negative integers or null");
          }
        }
      }
    }
    arguments_ = config.Raw("arguments");
    function_ = config.Raw("function");
    for (const char* key : {"function_type", "module", "output_shape_type", "output_shape_module", "mask"}) {
      config.Get(key);  // Keras' description of its Python function: kept out of the way
    }
    supports_masking_ = static_cast<bool>(fns_.mask);
  }

  Tensors Call(const Tensors& inputs, const CallContext& ctx) override {
    Tensors out = fns_.call(inputs, ctx.training);
    if (out.empty()) Fail<ValueError>(Who(), ": its function returned no tensor");
    for (size_t i = 0; i < out.size(); ++i) {
      if (!out[i].defined()) Fail<ValueError>(Who(), ": its function returned an empty tensor at output ", i);
    }
    return out;
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    if (fns_.output_shape) return fns_.output_shape(input_shapes);
    if (!output_shape_.is_null()) {
      Shapes out;
      for (const json& s : output_shape_) {
        Shape shape{input_shapes.empty() || input_shapes[0].empty() ? -1 : input_shapes[0][0]};
        for (const json& d : s) shape.push_back(d.is_null() ? -1 : d.get<int64_t>());
        out.push_back(shape);
      }
      return out;
    }
    // Run the function once on zeros: unknown dimensions become 1, and the batch comes back unknown.
    ops::NoGradScope no_grad;
    Tensors zeros;
    for (const Shape& s : input_shapes) {
      Shape concrete = s;
      for (int64_t& d : concrete) d = d < 0 ? 1 : d;
      zeros.push_back(Tensor::Zeros(concrete));
    }
    const Tensors ys = Call(zeros, CallContext{});
    Shapes out;
    for (const Tensor& y : ys) {
      Shape shape = y.shape();
      const bool batched = !input_shapes.empty() && !input_shapes[0].empty() && !shape.empty();
      if (batched) shape[0] = input_shapes[0][0];
      out.push_back(shape);
    }
    return out;
  }

  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override {
    if (fns_.mask) return fns_.mask(inputs, masks);
    return {};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c["function"] = function_;
    c["function_type"] = "js";
    c["output_shape"] = output_shape_.is_null() ? json(nullptr) : output_shape_.size() == 1 ? output_shape_[0] : output_shape_;
    c["arguments"] = arguments_.is_null() ? json::object() : arguments_;
    return c;
  }

 private:
  LambdaFunctions fns_;
  json output_shape_;  // null, or a list of shapes without the batch axis
  json arguments_, function_;
};

}  // namespace

LayerPtr MakeLambda(const json& config, LambdaFunctions functions) {
  ConfigReader reader(config, "Lambda");
  try {
    auto layer = std::make_shared<Lambda>(reader, std::move(functions));
    layer->ReadInputShapeArgs(reader);
    reader.Finish();
    return layer;
  } catch (const nlohmann::json::exception& e) {
    FailMalformedConfig(reader, e);
  }
}

}  // namespace kerasm::layers
