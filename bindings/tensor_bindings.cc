// Tensors as Embind handles: creation (contents are then written by web/ straight into the wasm heap at the
// pointer meta reports), random tensors, lists of tensors, the exchange area and memory statistics.
#include <emscripten/bind.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "guard.h"

namespace kerasm::bindings {
namespace {

using TensorList = std::vector<Tensor>;

uintptr_t ErrorFlagAddress() { return reinterpret_cast<uintptr_t>(&TheExchange().error_flag); }
uintptr_t ErrorJsIdAddress() { return reinterpret_cast<uintptr_t>(&TheExchange().error_js_id); }
uintptr_t JsErrorAddress() { return reinterpret_cast<uintptr_t>(&TheExchange().js_error); }
uintptr_t ArgsAddress() { return reinterpret_cast<uintptr_t>(TheExchange().args); }
uintptr_t MetaAddress() { return reinterpret_cast<uintptr_t>(TheExchange().meta); }

// Uninitialised contents: web/ fills them right away.
Tensor Empty(int dtype, int rank) {
  return Guard([&] { return Tensor(ArgShape(0, rank), DTypeFromCode(dtype)); });
}

Tensor Zeros(int dtype, int rank) {
  return Guard([&] { return Tensor::Zeros(ArgShape(0, rank), DTypeFromCode(dtype)); });
}

// Draws from core/rng.h (the same numbers natively and in wasm): normal(a = mean, b = stddev) for kind 0,
// uniform [a, b) for kind 1. int32 tensors get the draws rounded, as tfjs does. A seed below 0 means
// "unseeded": the next automatic seed.
Tensor Random(int kind, int dtype, int rank, float a, float b, double seed) {
  return Guard([&] {
    Tensor t(ArgShape(0, rank), DTypeFromCode(dtype));
    Rng rng(seed < 0 ? NextAutoSeed() : static_cast<uint64_t>(seed));
    float* f = t.dtype() == DType::kFloat32 ? t.f32() : nullptr;
    int32_t* n = t.dtype() == DType::kInt32 ? t.i32() : nullptr;
    for (int64_t i = 0; i < t.size(); ++i) {
      const float v = kind == 0 ? rng.Normal(a, b) : rng.Uniform(a, b);
      if (f) {
        f[i] = v;
      } else {
        n[i] = static_cast<int32_t>(std::lround(v));
      }
    }
    return t;
  });
}

Tensor ListTake(const TensorList& list, int index) {
  return Guard([&] {
    if (index < 0 || index >= static_cast<int>(list.size())) {
      Fail<IndexError>("tensor list index ", index, " out of range [0, ", list.size(), ")");
    }
    return list[index];
  });
}

// Every live C++ buffer (tensors held by JS, layers, tapes and kernels' scratch): the leak tests' measure.
double NumDataBuffers() { return static_cast<double>(Storage::LiveCount()); }

}  // namespace
}  // namespace kerasm::bindings

EMSCRIPTEN_BINDINGS(kerasm_tensor) {
  using namespace emscripten;
  using namespace kerasm::bindings;
  // The default constructor makes an undefined tensor: "no mask" for an entry of a mask list.
  class_<kerasm::Tensor>("Tensor").constructor<>();
  register_vector<kerasm::Tensor>("TensorList");

  function("errorFlagAddress", &ErrorFlagAddress);
  function("errorJsIdAddress", &ErrorJsIdAddress);
  function("jsErrorAddress", &JsErrorAddress);
  function("argsAddress", &ArgsAddress);
  function("metaAddress", &MetaAddress);
  function("takeError", &TakeError);

  function("empty", &Empty);
  function("zeros", &Zeros);
  function("random", &Random);
  function("listTake", &ListTake);

  function("numDataBuffers", &NumDataBuffers);
}
