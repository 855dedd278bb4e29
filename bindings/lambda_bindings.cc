// km.layers.lambda: a Lambda layer whose functions are JS functions (made with web/'s callable(), called
// through CallJs so a JS exception never unwinds wasm frames). Tensors cross as Embind handles: C++ hands
// JS a list it wraps as km Tensors; JS hands back fresh handles (clones), which C++ copies and deletes.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "callback.h"
#include "guard.h"
#include "json_util.h"
#include "layers/lambda.h"

namespace kerasm::bindings {
namespace {

using layers::LayerPtr;
using layers::Shapes;
using layers::Tensors;
using TensorList = std::vector<Tensor>;

bool Given(const emscripten::val& v) { return !v.isNull() && !v.isUndefined(); }

LayerPtr CreateLambdaLayer(const std::string& config, emscripten::val call, emscripten::val output_shape,
                           emscripten::val mask) {
  return Guard([&] {
    // The layer's "Lambda 'name'", known once it exists, prefixes what the JS functions report.
    auto who = std::make_shared<std::string>("Lambda");
    layers::LambdaFunctions f;
    f.call = [call, who](const Tensors& inputs, bool training) {
      return TakeTensorHandles(CallJs(call, *who, TensorList(inputs), training));
    };
    if (Given(output_shape)) {
      f.output_shape = [output_shape, who](const Shapes& shapes) {
        const std::string text = CallJs(output_shape, *who + " outputShape", ShapesToJson(shapes)).as<std::string>();
        return ShapesFromJson(text, *who + " outputShape");
      };
    }
    if (Given(mask)) {
      f.mask = [mask, who](const Tensors& inputs, const Tensors& masks) {
        return TakeTensorHandles(CallJs(mask, *who + " mask", TensorList(inputs), TensorList(masks)));
      };
    }
    LayerPtr layer = layers::MakeLambda(ParseJson(config, "lambda"), std::move(f));
    *who = layer->Who();
    return layer;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kerasm_lambda) { emscripten::function("createLambdaLayer", &CreateLambdaLayer); }

}  // namespace kerasm::bindings
