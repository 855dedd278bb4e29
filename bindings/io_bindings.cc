// What saving and loading need beyond the layer bindings: each weight's file name ("<layer>/<weight>",
// as Keras and tfjs weight files name it), which the variables' own names are not once two live models
// share layer names (those are made unique: "dense/kernel_1").
#include <emscripten/bind.h>

#include <nlohmann/json.hpp>

#include "guard.h"
#include "layers/layer.h"

namespace kerasm::bindings {
namespace {

// A JSON list, in the order of the layer's weights (getWeights()).
std::string LayerWeightNames(const std::shared_ptr<layers::Layer>& layer) {
  return Guard([&]() -> std::string {
    if (!layer) Fail<ValueError>("layerWeightNames: no layer");
    return nlohmann::json(layer->WeightNames()).dump();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kerasm_io) { emscripten::function("layerWeightNames", &LayerWeightNames); }

}  // namespace kerasm::bindings
