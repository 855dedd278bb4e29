#include "guard.h"

#include "core/error.h"

namespace kerasm::bindings {
namespace {
std::string g_error_message;
}  // namespace

Exchange& TheExchange() {
  static Exchange exchange;
  return exchange;
}

void SetError(std::string message) {
  g_error_message = std::move(message);
  TheExchange().error_flag = 1;
}

std::string TakeError() {
  TheExchange().error_flag = 0;
  return std::move(g_error_message);
}

void Describe(const Tensor& t) {
  int32_t* meta = TheExchange().meta;
  if (!t.defined()) {
    meta[0] = meta[1] = meta[2] = 0;
    return;
  }
  if (t.rank() > kMaxRank) {
    Fail<ValueError>("a tensor of rank ", t.rank(), " (shape ", t.shape(), ") exceeds the largest rank JS can receive (",
                     kMaxRank, ")");
  }
  meta[0] = static_cast<int32_t>(reinterpret_cast<uintptr_t>(t.raw()));
  meta[1] = static_cast<int32_t>(t.dtype());
  meta[2] = t.rank();
  for (int i = 0; i < t.rank(); ++i) meta[kMetaHeader + i] = static_cast<int32_t>(t.shape()[i]);
}

DType DTypeFromCode(int code) {
  if (code != static_cast<int>(DType::kFloat32) && code != static_cast<int>(DType::kInt32)) {
    Fail<ValueError>("unknown dtype code ", code);
  }
  return static_cast<DType>(code);
}

namespace {
const int32_t* ArgSpan(int offset, int count) {
  if (offset < 0 || count < 0 || offset + count > kMaxArgs) {
    Fail<ValueError>("too many integer arguments (", offset + count, "; at most ", kMaxArgs, ")");
  }
  return TheExchange().args + offset;
}
}  // namespace

Shape ArgShape(int offset, int count) {
  const int32_t* p = ArgSpan(offset, count);
  return Shape(p, p + count);
}

std::vector<int> ArgInts(int offset, int count) {
  const int32_t* p = ArgSpan(offset, count);
  return std::vector<int>(p, p + count);
}

std::vector<int64_t> ArgInt64s(int offset, int count) {
  const int32_t* p = ArgSpan(offset, count);
  return std::vector<int64_t>(p, p + count);
}

}  // namespace kerasm::bindings
