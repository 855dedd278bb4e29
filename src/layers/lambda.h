// Lambda: a layer whose computation is a function given at run time (in kerasm, a JS function of km ops,
// differentiable through the tape like any op). The functions come from the bindings; this class knows only
// std::function, so layers/ does not depend on JS.
#pragma once

#include <functional>

#include "layers/layer.h"

namespace kerasm::layers {

struct LambdaFunctions {
  // The computation: inputs (as the layer was called) and the training flag -> outputs.
  std::function<Tensors(const Tensors& inputs, bool training)> call;
  // Output shapes (batch first, -1 unknown) from input shapes; empty: the config's output_shape, or else
  // found by running `call` on zeros of the input shapes.
  std::function<Shapes(const Shapes& input_shapes)> output_shape;
  // Output masks from inputs and their masks; empty: no masks (Keras' default for Lambda).
  std::function<Tensors(const Tensors& inputs, const Tensors& masks)> mask;
};

// A Lambda from a config ({name, output_shape, arguments, function, ...}) and its functions. The config's
// function and arguments are kept only for GetConfig: `call` closes over what it needs.
LayerPtr MakeLambda(const json& config, LambdaFunctions functions);

}  // namespace kerasm::layers
