// Layers written in JS (class MyLayer extends km.layers.Layer): a C++ layer whose hooks call the JS object's
// build / call / computeOutputShape / computeMask / getConfig through CallJs, so such a layer sits in models,
// trains (its call is km ops, recorded on the tape like any) and serializes like a built-in one. Recurrent
// cells written in JS (extends km.layers.RNNCell) are C++ cells the same way, stepped by any RNN. Its weights
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
#include "layers/recurrent.h"
#include "layers/registry.h"

namespace kerasm::bindings {
namespace {

using layers::LayerPtr;
using layers::Shapes;
using layers::Tensors;
using json = nlohmann::json;
using TensorList = std::vector<Tensor>;

// What a JS layer and a JS recurrent cell share: the hooks object, build and getConfig through it.
// hooks: {supportsMasking, build(shapesJson), call(...), getConfig() -> configJson, ...}, each function
// made by web/'s callable().
template <typename Base>
class JsHooked : public Base {
 public:
  JsHooked(layers::ConfigReader& config, emscripten::val hooks) : Base(config), hooks_(std::move(hooks)) {
    this->SetInputCount(1, -1);
    this->supports_masking_ = hooks_["supportsMasking"].template as<bool>();
    // The JS class reads its own arguments: the reader is not finished, so they are not unknown keys here.
  }

  void Build(const Shapes& input_shapes) override { CallJs(hooks_["build"], this->Who(), ShapesToJson(input_shapes)); }

  json GetConfig() const override {
    json c = Base::GetConfig();
    if (in_config_hook_) return c;  // super.getConfig() inside the JS override
    in_config_hook_ = true;
    struct Reset {
      bool* flag;
      ~Reset() { *flag = false; }
    } reset{&in_config_hook_};
    const json extra = ParseJson(CallJs(hooks_["getConfig"], this->Who()).template as<std::string>(), this->Who() + ": getConfig");
    if (!extra.is_object()) Fail<ValueError>(this->Who(), ": getConfig must return an object");
    for (const auto& [key, value] : extra.items()) c[key] = value;
    return c;
  }

 protected:
  emscripten::val hooks_;

 private:
  mutable bool in_config_hook_ = false;
};

// A layer written in JS. Its hooks add call(inputs, training, masks) -> handles,
// computeOutputShape(shapesJson) -> shapesJson | null (the default: the input shapes) and
// computeMask(inputs, masks) -> handles | null.
class JsLayer : public JsHooked<layers::Layer> {
 public:
  using JsHooked::JsHooked;

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

 private:
  bool in_shape_hook_ = false;
};

// A recurrent cell written in JS (class MyCell extends km.layers.RNNCell), which any RNN runs step by step.
// Its hooks add sizes() -> {states: [shape...], output: shape} (from the object's stateSize / outputSize,
// read when first needed: a JS constructor sets them after super()) and call([x, states...], training) ->
// [output, new states...].
class JsCell : public JsHooked<layers::RnnCell> {
 public:
  using JsHooked::JsHooked;

  Shapes StateShapes() const override {
    ReadSizes();
    return states_;
  }

  Shape StepOutputShape() const override {
    ReadSizes();
    return output_;
  }

  Tensors Step(const Tensor& x, const Tensors& states, bool training) override {
    TensorList in{x};
    in.insert(in.end(), states.begin(), states.end());
    Tensors out = TakeTensorHandles(CallJs(hooks_["call"], Who(), in, training));
    if (out.size() != states.size() + 1) {
      Fail<ValueError>(Who(), ": call must return [output, ", states.size(), " new state(s)], got ", out.size(), " tensor(s)");
    }
    const auto check = [&](const Tensor& t, const Shape& inner, const std::string& what) {
      Shape want{x.dim(0)};
      want.insert(want.end(), inner.begin(), inner.end());
      if (!t.defined() || t.shape() != want) {
        Fail<ShapeError>(Who(), ": call returned ", what, " of shape ", t.defined() ? ShapeToString(t.shape()) : "null",
                         ", but its stateSize / outputSize say ", ShapeToString(want));
      }
    };
    check(out[0], output_, "an output");
    for (size_t i = 0; i < states.size(); ++i) check(out[i + 1], states_[i], "state " + std::to_string(i));
    return out;
  }

 private:
  void ReadSizes() const {
    if (sizes_read_) return;
    const json j = ParseJson(CallJs(hooks_["sizes"], Who()).as<std::string>(), Who() + ": stateSize");
    states_ = ShapesFromJson(j.at("states").dump(), Who() + ": stateSize");
    output_ = ShapesFromJson(json::array({j.at("output")}).dump(), Who() + ": outputSize").at(0);
    sizes_read_ = true;
  }

  mutable bool sizes_read_ = false;
  mutable Shapes states_;
  mutable Shape output_;
};

template <typename T>
LayerPtr CreateHooked(const std::string& class_name, const std::string& config, emscripten::val hooks) {
  return Guard([&]() -> LayerPtr {
    layers::ConfigReader reader(ParseJson(config, class_name), class_name);
    auto layer = std::make_shared<T>(reader, std::move(hooks));
    layer->ReadInputShapeArgs(reader);
    return layer;
  });
}

LayerPtr CreateJsLayer(const std::string& class_name, const std::string& config, emscripten::val hooks) {
  return CreateHooked<JsLayer>(class_name, config, std::move(hooks));
}

LayerPtr CreateJsCell(const std::string& class_name, const std::string& config, emscripten::val hooks) {
  return CreateHooked<JsCell>(class_name, config, std::move(hooks));
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
  emscripten::function("createJsCell", &CreateJsCell);
  emscripten::function("layerAddWeight", &LayerAddWeight);
  emscripten::function("registerJsLayerClass", &RegisterJsLayerClass);
}

}  // namespace kerasm::bindings
