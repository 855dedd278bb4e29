// Calling JS from C++: the one way a binding invokes a JS function (Lambda layers, custom layers and JS
// losses will), so that a JS exception never unwinds through wasm frames (guard.h says why).
#pragma once

#include <emscripten/val.h>

#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

#include "guard.h"

namespace kerasm::bindings {

// Calls fn, which web/ made with callable() (web/wasm.js): such a function catches its own exceptions,
// keeps them under a number written to the exchange's js_error word and returns the message. Returns fn's
// result; throws JsException (context, then the JS message) when fn threw.
template <typename... Args>
emscripten::val CallJs(const emscripten::val& fn, const std::string& context, Args&&... args) {
  Exchange& x = TheExchange();
  x.js_error = 0;
  emscripten::val result = fn(std::forward<Args>(args)...);
  if (const int id = x.js_error) {
    x.js_error = 0;
    const std::string message = result.isString() ? result.as<std::string>() : std::string("(no message)");
    throw JsException(id, context + ": " + message);
  }
  return result;
}

// An array of tensor handles a JS function returned (fresh ones: clones), taken over: each is copied, then
// deleted; null entries become undefined tensors.
inline std::vector<Tensor> TakeTensorHandles(const emscripten::val& handles) {
  std::vector<Tensor> out;
  const int n = handles["length"].as<int>();
  for (int i = 0; i < n; ++i) {
    emscripten::val h = handles[i];
    out.push_back(h.isNull() ? Tensor() : h.as<Tensor>());
    if (!h.isNull()) h.call<void>("delete");
  }
  return out;
}

}  // namespace kerasm::bindings
