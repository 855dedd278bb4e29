// Layers written in JS (class MyLayer extends km.layers.Layer): a C++ layer whose hooks call the JS object's
// build / call / computeOutputShape / computeMask / getConfig through CallJs, so such a layer sits in models,
// trains (its call is km ops, recorded on the tape like any) and serializes like a built-in one. Its weights
// are C++ variables the JS build creates with addWeight. km.serialization.registerClass makes a class
// constructible from a config (model JSON, saved models).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "callback.h"
#include "core/error.h"
#include "guard.h"
#include "json_util.h"
#include "layers/layer.h"
#include "layers/registry.h"

namespace kerasm::bindings {
namespace {

using layers::LayerPtr;
using layers::Shapes;
using layers::Tensors;
using json = nlohmann::json;
using TensorList = std::vector<Tensor>;

class JsLayer : public layers::Layer {
 public:
  // hooks: {build(shapesJson), call(inputs, training, masks) -> handles, computeOutputShape(shapesJson) ->
  // shapesJson | null (the default: the input shapes), computeMask(inputs, masks) -> handles | null,
  // getConfig() -> configJson}, each made by web/'s callable().
  JsLayer(layers::ConfigReader& config, emscripten::val hooks) : Layer(config), hooks_(std::move(hooks)) {
    SetInputCount(1, -1);
    supports_masking_ = hooks_["supportsMasking"].as<bool>();
    // The JS class reads its own arguments: the reader is not finished, so they are not unknown keys here.
  }

  void Build(const Shapes& input_shapes) override { CallJs(hooks_["build"], Who(), ShapesToJson(input_shapes)); }

  Tensors Call(const Tensors& inputs, const layers::CallContext& ctx) override {
    Tensors masks = ctx.masks;
    masks.resize(inputs.size());
    Tensors out = TakeTensorHandles(CallJs(hooks_["call"], Who(), TensorList(inputs), ctx.training, TensorList(masks)));
    if (out.empty()) Fail<ValueError>(Who(), ": call returned no tensor");
    return out;
  }

  Shapes ComputeOutputShape(const Shapes& input_shapes) override {
    if (in_shape_hook_) return input_shapes;  // the JS base class's computeOutputShape, called from an override
    in_shape_hook_ = true;
    struct Reset {
      bool* flag;
      ~Reset() { *flag = false; }
    } reset{&in_shape_hook_};
    const emscripten::val r = CallJs(hooks_["computeOutputShape"], Who(), ShapesToJson(input_shapes));
    if (r.isNull() || r.isUndefined()) return input_shapes;
    return ShapesFromJson(r.as<std::string>(), Who() + ": computeOutputShape");
  }

  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override {
    const emscripten::val r = CallJs(hooks_["computeMask"], Who(), TensorList(inputs), TensorList(masks));
    if (r.isNull() || r.isUndefined()) return Layer::ComputeMask(inputs, masks);
    return TakeTensorHandles(r);
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    if (in_config_hook_) return c;  // super.getConfig() inside the JS override
    in_config_hook_ = true;
    struct Reset {
      bool* flag;
      ~Reset() { *flag = false; }
    } reset{&in_config_hook_};
    const json extra = ParseJson(CallJs(hooks_["getConfig"], Who()).as<std::string>(), Who() + ": getConfig");
    if (!extra.is_object()) Fail<ValueError>(Who(), ": getConfig must return an object");
    for (const auto& [key, value] : extra.items()) c[key] = value;
    return c;
  }

 private:
  emscripten::val hooks_;
  mutable bool in_config_hook_ = false;
  bool in_shape_hook_ = false;
};

LayerPtr CreateJsLayer(const std::string& class_name, const std::string& config, emscripten::val hooks) {
  return Guard([&]() -> LayerPtr {
    layers::ConfigReader reader(ParseJson(config, class_name), class_name);
    auto layer = std::make_shared<JsLayer>(reader, std::move(hooks));
    layer->ReadInputShapeArgs(reader);
    return layer;
  });
}

// weight specs as JSON text: an initializer / regularizer / constraint name or {className, config}, or null.
ops::VariablePtr LayerAddWeight(const LayerPtr& layer, const std::string& name, const std::string& shape,
                                const std::string& initializer, const std::string& regularizer, bool trainable,
                                const std::string& constraint) {
  return Guard([&] {
    if (!layer) Fail<ValueError>("addWeight: the layer is disposed");
    const json dims = ParseJson(shape, "addWeight shape");
    Shape s;
    if (!dims.is_array()) Fail<ValueError>(layer->Who(), ": addWeight('", name, "') needs a shape (an array of sizes)");
    for (const json& d : dims) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) {
        Fail<ValueError>(layer->Who(), ": addWeight('", name, "'): the shape must hold non-negative integers, got ", dims.dump());
      }
      s.push_back(d.get<int64_t>());
    }
    json init = ParseJson(initializer, "addWeight initializer");
    if (init.is_null()) init = "glorot_uniform";
    return layer->AddWeight(name, s, init, ParseJson(regularizer, "addWeight regularizer"),
                            ParseJson(constraint, "addWeight constraint"), trainable);
  });
}

// km.serialization.registerClass: `factory(configJson)` returns a fresh handle to the new layer.
void RegisterJsLayerClass(const std::string& class_name, emscripten::val factory) {
  Guard([&] {
    layers::RegisterLayerClass(class_name, [factory, class_name](const json& config) {
      emscripten::val h = CallJs(factory, class_name, config.dump());
      LayerPtr layer = h.as<LayerPtr>();
      h.call<void>("delete");
      return layer;
    });
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kerasm_js_layer) {
  emscripten::function("createJsLayer", &CreateJsLayer);
  emscripten::function("layerAddWeight", &LayerAddWeight);
  emscripten::function("registerJsLayerClass", &RegisterJsLayerClass);
}

}  // namespace kerasm::bindings
