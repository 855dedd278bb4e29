#include "guard.h"

#include <exception>
#include <new>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace kerasm::bindings {
namespace {
std::string g_error_message;
int g_error_js_id = 0;
int g_depth = 0;

// nlohmann's messages start with "[json.exception.type_error.302] "; the tag means nothing to a JS user.
std::string JsonMessage(const nlohmann::json::exception& e) {
  std::string text = e.what();
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find("] ");
    if (close != std::string::npos) text.erase(0, close + 2);
  }
  return "invalid config value: " + text;
}
}  // namespace

Exchange& TheExchange() {
  static Exchange exchange;
  return exchange;
}

CallFrame::CallFrame() {
  ++g_depth;
  TheExchange().error_flag = 0;
  TheExchange().error_js_id = 0;
}

CallFrame::~CallFrame() {
  --g_depth;
  Exchange& x = TheExchange();
  x.error_flag = failed_ ? 1 : 0;
  x.error_js_id = failed_ ? g_error_js_id : 0;
}

int CallFrame::Depth() { return g_depth; }

void CallFrame::Failed() {
  failed_ = true;
  g_error_js_id = 0;
  try {
    throw;
  } catch (const JsException& e) {
    g_error_message = e.what();
    g_error_js_id = e.id();
  } catch (const std::bad_alloc&) {
    g_error_message = "out of memory: the wasm heap could not grow for this allocation";
  } catch (const nlohmann::json::exception& e) {
    g_error_message = JsonMessage(e);
  } catch (const std::exception& e) {
    g_error_message = e.what();
  } catch (...) {
    g_error_message = "unknown C++ exception";
  }
}

std::string TakeError() {
  TheExchange().error_flag = 0;
  TheExchange().error_js_id = 0;
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
