// Random masks shared by the dropout-like layers (SpatialDropout1D/2D/3D, AlphaDropout): drawing a keep/drop
// decision per entry of a noise shape, and resolving a Keras noise_shape against an input shape.
#pragma once

#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"

namespace kerasm::layers {

// A float tensor of `shape` holding `kept` where a uniform draw is >= rate (probability 1 - rate) and
// `dropped` elsewhere; entries are drawn in row-major order from `rng`.
inline Tensor DrawKeepMask(Rng& rng, const Shape& shape, double rate, float kept, float dropped) {
  Tensor mask(shape);
  float* m = mask.f32();
  for (int64_t i = 0; i < mask.size(); ++i) m[i] = rng.Uniform() >= rate ? kept : dropped;
  return mask;
}

// Keras' concrete noise shape: the input's size where noise_shape has null (-1), else 1 or the input's size
// (ShapeError naming the layer otherwise). `who` prefixes the message.
inline Shape ResolveNoiseShape(const std::string& who, const Shape& noise_shape, const Shape& input) {
  if (noise_shape.size() != input.size()) {
    Fail<ShapeError>(who, ": noise_shape ", ShapeToString(noise_shape), " must have the rank of the input, whose shape is ",
                     ShapeToString(input));
  }
  Shape ns = noise_shape;
  for (size_t i = 0; i < ns.size(); ++i) {
    if (ns[i] < 0) ns[i] = input[i];
    if (ns[i] != 1 && ns[i] != input[i]) {
      Fail<ShapeError>(who, ": noise_shape ", ShapeToString(noise_shape), " does not broadcast to the input shape ",
                       ShapeToString(input));
    }
  }
  return ns;
}

}  // namespace kerasm::layers
