// A probe of the error exchange itself, for the js-tests of guard.h's contract: nesting, JS exceptions
// carried out of C++ frames, JSON errors and stale flags. Small and not part of the documented API.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <nlohmann/json.hpp>

#include "callback.h"
#include "core/error.h"
#include "guard.h"

namespace kerasm::bindings {
namespace {

// kind 0: calls fn (made by web/'s callable()) and returns its number result plus 1;
// kind 1: a JSON type error, as a config reader that trusts a value's type would raise;
// kind 2: a ValueError; anything else: returns the current nesting depth.
double BoundaryProbe(int kind, emscripten::val fn) {
  return Guard([&]() -> double {
    switch (kind) {
      case 0:
        return CallJs(fn, "boundaryProbe").as<double>() + 1;
      case 1:
        return nlohmann::json::parse("5").get<std::string>().size();
      case 2:
        Fail<ValueError>("boundaryProbe: a ValueError");
      default:
        return CallFrame::Depth();
    }
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kerasm_boundary) { emscripten::function("boundaryProbe", &BoundaryProbe); }

}  // namespace kerasm::bindings
