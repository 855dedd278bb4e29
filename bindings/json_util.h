// JSON text at the binding boundary: configs, shapes and name lists arrive from web/ as strings.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "layers/layer.h"

namespace kerasm::bindings {

// ValueError "<what>: malformed JSON: ..." when text does not parse.
nlohmann::json ParseJson(const std::string& text, const std::string& what);

// A list of shapes [[null, 3], [2, 4]] (null: unknown, -1 in C++); ValueError naming `what` otherwise.
layers::Shapes ShapesFromJson(const std::string& text, const std::string& what);
std::string ShapesToJson(const layers::Shapes& shapes);

}  // namespace kerasm::bindings
