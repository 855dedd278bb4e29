// Tensors as Embind handles: creation (contents are then written by web/ straight into the wasm heap at the
// pointer meta reports), description, lists of tensors, the exchange area and memory statistics.
#include <emscripten/bind.h>

#include "core/error.h"
#include "core/tensor.h"
#include "guard.h"

namespace kerasm::bindings {
namespace {

using TensorList = std::vector<Tensor>;

DType DTypeOf(int code) {
  if (code != static_cast<int>(DType::kFloat32) && code != static_cast<int>(DType::kInt32)) {
    Fail<ValueError>("unknown dtype code ", code);
  }
  return static_cast<DType>(code);
}

uintptr_t ErrorFlagAddress() { return reinterpret_cast<uintptr_t>(&TheExchange().error_flag); }
uintptr_t ArgsAddress() { return reinterpret_cast<uintptr_t>(TheExchange().args); }
uintptr_t MetaAddress() { return reinterpret_cast<uintptr_t>(TheExchange().meta); }

// Uninitialised contents: web/ fills them right away.
Tensor Empty(int dtype, int rank) {
  return Guard([&] { return Tensor(ArgShape(0, rank), DTypeOf(dtype)); });
}

Tensor Zeros(int dtype, int rank) {
  return Guard([&] { return Tensor::Zeros(ArgShape(0, rank), DTypeOf(dtype)); });
}

void DescribeTensor(const Tensor& t) { Guard([&] { Describe(t); }); }

// A copy of the handle sharing storage and id (web/ uses it to hand out a Variable's value).
Tensor Share(const Tensor& t) {
  return Guard([&] { return t; });
}

Tensor ListTake(const TensorList& list, int index) {
  return Guard([&] {
    if (index < 0 || index >= static_cast<int>(list.size())) {
      Fail<IndexError>("tensor list index ", index, " out of range [0, ", list.size(), ")");
    }
    return list[index];
  });
}

double NumDataBuffers() { return static_cast<double>(Storage::LiveCount()); }
double NumDataBytes() { return static_cast<double>(Storage::LiveBytes()); }

}  // namespace
}  // namespace kerasm::bindings

EMSCRIPTEN_BINDINGS(kerasm_tensor) {
  using namespace emscripten;
  using namespace kerasm::bindings;
  class_<kerasm::Tensor>("Tensor");
  register_vector<kerasm::Tensor>("TensorList");

  function("errorFlagAddress", &ErrorFlagAddress);
  function("argsAddress", &ArgsAddress);
  function("metaAddress", &MetaAddress);
  function("takeError", &TakeError);

  function("empty", &Empty);
  function("zeros", &Zeros);
  function("describe", &DescribeTensor);
  function("share", &Share);
  function("listTake", &ListTake);

  function("numDataBuffers", &NumDataBuffers);
  function("numDataBytes", &NumDataBytes);
}
