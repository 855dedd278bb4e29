// How the bindings talk to web/ besides Embind's own argument passing.
//
// Errors never cross the Embind boundary as exceptions: a C++ exception (or a JS throw from C++) unwinding
// through Embind's generated invoker skips the destructors of its argument temporaries and leaks them.
// Every binding therefore runs its body under Guard(): a kerasm::Error (or any std::exception) is caught,
// its message stored, a flag word in wasm memory set, and a default value (an empty Tensor, 0, nullptr)
// returned. web/ reads the flag after each call (one memory load; its address is fetched once at load),
// and when it is set calls takeError() for the message and throws a JS Error. The module stays usable.
//
// Two more words-in-memory channels keep the normal path to a single Embind call per op:
//   args: small integer lists (shapes, axes, permutations, paddings) that web/ writes before a call;
//   meta: the data pointer, dtype, rank and dimensions of the Tensor a binding just returned, which web/
//         reads to build its JS Tensor without asking again.
// Calls never nest (C++ does not call back into JS), so one static exchange area suffices.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace kerasm::bindings {

constexpr int kMaxArgs = 256;
using kerasm::kMaxRank;  // one limit for ops and the JS exchange: core/max_rank.h

// meta layout: [data pointer, dtype (0 float32, 1 int32), rank, dim0, dim1, ...]; pointer 0 = no tensor.
constexpr int kMetaHeader = 3;

struct Exchange {
  int32_t error_flag = 0;
  int32_t args[kMaxArgs] = {};
  int32_t meta[kMetaHeader + kMaxRank] = {};
};

Exchange& TheExchange();
void SetError(std::string message);
// The stored message; clears the flag.
std::string TakeError();

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
  } catch (const std::bad_alloc&) {
    SetError("out of memory: the wasm heap could not grow for this allocation");
  } catch (const std::exception& e) {
    SetError(e.what());
  } catch (...) {
    SetError("unknown C++ exception");
  }
  if constexpr (!std::is_void_v<R>) return R{};
}

}  // namespace kerasm::bindings
