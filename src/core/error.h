// Error types thrown by the C++ core. Bindings turn every one of them into a JS Error carrying what(),
// so messages are written for the JS user: they name the op or layer and the shapes or values involved.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include <cstdint>

namespace kerasm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A shape or rank that does not fit the op or layer.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A bad argument value: an unknown name, a negative size, a rate outside [0, 1) ...
class ValueError : public Error {
 public:
  using Error::Error;
};

// A dtype that the op does not accept.
class DTypeError : public Error {
 public:
  using Error::Error;
};

// An index outside its range (embedding lookups, gather, slice).
class IndexError : public Error {
 public:
  using Error::Error;
};

// Shapes print as [2,3,4] in messages (defined in shape.cc; declared here so Fail can see it).
std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& shape);

// Builds a message from streamable parts: Fail<ShapeError>("matMul: inner dimensions differ: ", a, " vs ", b).
template <typename E = Error, typename... Parts>
[[noreturn]] void Fail(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << std::forward<Parts>(parts));
  throw E(os.str());
}

}  // namespace kerasm
