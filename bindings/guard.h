// How the bindings talk to web/ besides Embind's own argument passing.
//
// Errors never cross the Embind boundary as exceptions: a C++ exception (or a JS throw from C++) unwinding
// through Embind's generated invoker skips the destructors of its argument temporaries and leaks them.
// Every binding therefore runs its body under Guard(): an exception is caught, its message stored, a flag
// word in wasm memory set, and a default value (an empty Tensor, 0, nullptr) returned. web/ reads the flag
// after each call (one memory load; its address is fetched once at load), and when it is set calls
// takeError() for the message and throws a JS Error. The module stays usable.
//
// Calls may nest: a binding may call a JS function (a Lambda layer, a custom layer, a JS loss) which calls
// bindings in turn. So the flag is the status of the call that returned last: each Guard clears it on entry
// and writes its own outcome on exit, after any nested call has come and gone. A nested failure that JS
// let pass unchecked therefore cannot make a later call throw a stale error.
//
// JS exceptions never unwind through wasm frames either: web/ wraps every function it hands to C++ so that
// a throw is caught in JS, the exception kept under a number, that number written to `js_error`, and the
// message returned instead. CallJs (callback.h) sees the number and throws JsException, which unwinds the
// C++ frames normally; the outermost Guard reports it with the number, and web/ throws an Error with the
// C++ context and the original exception as its `cause`.
//
// Two more words-in-memory channels keep the normal path to a single Embind call per op:
//   args: small integer lists (shapes, axes, permutations, paddings) that web/ writes before a call;
//   meta: the data pointer, dtype, rank and dimensions of the Tensor a binding just returned, which web/
//         reads to build its JS Tensor without asking again.
// A nested call overwrites both, so a binding reads its args before it calls any JS, and describes its
// result (Guard does) after the last one.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"

namespace kerasm::bindings {

constexpr int kMaxArgs = 256;
using kerasm::kMaxRank;  // one limit for ops and the JS exchange: core/max_rank.h

// meta layout: [data pointer, dtype (0 float32, 1 int32), rank, dim0, dim1, ...]; pointer 0 = no tensor.
constexpr int kMetaHeader = 3;

struct Exchange {
  int32_t error_flag = 0;
  // With error_flag set: the number under which web/ keeps the JS exception behind the error, else 0.
  int32_t error_js_id = 0;
  // Set by web/'s wrapper of a JS function that threw, read and cleared by CallJs.
  int32_t js_error = 0;
  int32_t args[kMaxArgs] = {};
  int32_t meta[kMetaHeader + kMaxRank] = {};
};

Exchange& TheExchange();
// The stored message of the call that failed last; clears the flag.
std::string TakeError();

// A JS function called from C++ threw; `id` is the number web/ keeps the exception under.
class JsException : public Error {
 public:
  JsException(int id, const std::string& message) : Error(message), id_(id) {}
  int id() const { return id_; }

 private:
  int id_;
};

// One binding call in progress: clears the flag on entry; Failed() records the exception in flight
// (classifying it: kerasm errors keep their message, JSON errors become ValueErrors with context, a failed
// allocation says so) and the destructor publishes the outcome.
class CallFrame {
 public:
  CallFrame();
  ~CallFrame();
  CallFrame(const CallFrame&) = delete;
  CallFrame& operator=(const CallFrame&) = delete;
  // Call only inside a catch block.
  void Failed();

  // How deeply binding calls are nested now (0 outside any call): for tests and diagnostics.
  static int Depth();

 private:
  bool failed_ = false;
};

// Writes t's description into meta; throws ValueError for ranks meta cannot hold.
void Describe(const Tensor& t);

// web/ passes dtypes as the DType enum's values (0 float32, 1 int32); ValueError for others.
DType DTypeFromCode(int code);

// Readers of the args area: `count` values starting at `offset`.
Shape ArgShape(int offset, int count);
std::vector<int> ArgInts(int offset, int count);
std::vector<int64_t> ArgInt64s(int offset, int count);

template <typename Body>
auto Guard(Body&& body) -> decltype(body()) {
  using R = decltype(body());
  CallFrame frame;
  try {
    if constexpr (std::is_void_v<R>) {
      body();
      return;
    } else if constexpr (std::is_same_v<R, Tensor>) {
      Tensor t = body();
      Describe(t);
      return t;
    } else {
      return body();
    }
  } catch (...) {
    frame.Failed();
  }
  if constexpr (!std::is_void_v<R>) return R{};
}

}  // namespace kerasm::bindings
