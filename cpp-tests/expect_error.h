// Asserting on error messages: which exception type, and that the message names what it should.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <initializer_list>
#include <string>
#include <utility>

#include "core/error.h"

namespace kerasm::testing {

// The message of the exception of type E that `f` throws; a test failure when it throws another or none.
template <typename E, typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "unexpected exception type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

inline void ExpectContains(const std::string& text, std::initializer_list<const char*> parts) {
  for (const char* p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << p << "' not in: " << text;
}

// f throws a ValueError whose message contains `fragment`.
template <typename F>
void ExpectValueError(F&& f, const std::string& fragment) {
  const std::string message = ErrorOf<ValueError>(std::forward<F>(f));
  EXPECT_NE(message.find(fragment), std::string::npos) << "'" << fragment << "' not in: " << message;
}

}  // namespace kerasm::testing
