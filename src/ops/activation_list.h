// The activations every part of kerasm knows by name: ONE list, read by the activation op (ops::Activation),
// its "unknown activation" message, the layers' config reader, the bindings (which hand it to web/, so the
// JS side names activations the same way) and the tests that iterate it. Adding an activation is one line
// here (plus its kernel when it needs a new one).
#pragma once

#include <string>
#include <vector>

#include "kernels/elementwise.h"

// X(js_name, keras_name, kind, kernels::UnaryOp, alpha): the tfjs spelling, Keras' snake_case spelling
// (both are accepted everywhere), how it is computed, and the kernel's alpha where it takes one.
#define KERASM_ACTIVATIONS(X)                                                                         \
  X("linear", "linear", kUnary, kLinear, 0.f)                                                         \
  X("relu", "relu", kUnary, kRelu, 0.f)                                                               \
  X("relu6", "relu6", kUnary, kRelu6, 0.f)                                                            \
  X("sigmoid", "sigmoid", kUnary, kSigmoid, 0.f)                                                      \
  X("hardSigmoid", "hard_sigmoid", kUnary, kHardSigmoid, 0.f)                                         \
  X("tanh", "tanh", kUnary, kTanh, 0.f)                                                               \
  X("softmax", "softmax", kSoftmax, kLinear, 0.f)                                                     \
  X("logSoftmax", "log_softmax", kLogSoftmax, kLinear, 0.f)                                           \
  X("elu", "elu", kUnary, kElu, 1.f)                                                                  \
  X("selu", "selu", kUnary, kSelu, 0.f)                                                               \
  X("softplus", "softplus", kUnary, kSoftplus, 0.f)                                                   \
  X("softsign", "softsign", kUnary, kSoftsign, 0.f)                                                   \
  X("exponential", "exponential", kUnary, kExp, 0.f)                                                  \
  X("swish", "swish", kUnary, kSwish, 0.f)                                                            \
  X("silu", "silu", kUnary, kSwish, 0.f)                                                              \
  X("gelu", "gelu", kUnary, kGelu, 0.f)                                                               \
  X("mish", "mish", kUnary, kMish, 0.f)                                                               \
  /* Keras 3's leaky_relu activation uses negative_slope 0.2, as tfjs' 'leakyRelu' does. */          \
  X("leakyRelu", "leaky_relu", kUnary, kLeakyRelu, 0.2f)                                           \
  /* Keras 2's and tfjs' hard_sigmoid, clip(0.2 x + 0.5, 0, 1): what a model written by Keras 1/2 or   \
     tfjs means by 'hard_sigmoid' (the model readers rename it so; LAYERS.md). */                      \
  X("hardSigmoidKeras2", "hard_sigmoid_keras2", kUnary, kHardSigmoid, 0.2f)

namespace kerasm::ops {

struct ActivationName {
  const char* js;     // "hardSigmoid"
  const char* keras;  // "hard_sigmoid"
};

// The list, in list order.
const std::vector<ActivationName>& ActivationNames();
// The entry `name` spells (either spelling, exactly), or nullptr.
const ActivationName* FindActivationName(const std::string& name);
// "linear, relu, ..., leakyRelu": the JS names, for messages listing what is known.
std::string KnownActivations();

// The element-wise kernel an activation runs, for fused kernels that apply it themselves: false (and
// nothing set) for softmax and logSoftmax; ValueError for an unknown name.
bool UnaryActivation(const std::string& name, kernels::UnaryOp* op, float* alpha);

}  // namespace kerasm::ops
