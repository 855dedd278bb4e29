#include "json_util.h"

#include "core/error.h"
#include "params/arguments.h"

namespace kerasm::bindings {

nlohmann::json ParseJson(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    Fail<ValueError>(what, ": malformed JSON: ", e.what());
  }
}

layers::Shapes ShapesFromJson(const std::string& text, const std::string& what) {
  const nlohmann::json v = ParseJson(text, what);
  auto bad = [&] {
    Fail<ValueError>(what, ": a shape must be a list of non-negative integers or null. Received: ", v.dump());
  };
  if (!v.is_array()) bad();
  layers::Shapes shapes;
  for (const auto& s : v) {
    if (!s.is_array()) bad();
    Shape shape;
    for (const auto& d : s) {
      if (d.is_null()) {
        shape.push_back(-1);
      } else if (d.is_number_integer() && d.get<int64_t>() >= 0) {
        shape.push_back(d.get<int64_t>());
      } else if (d.is_number_float() && d.get<double>() >= 0 && d.get<double>() == static_cast<int64_t>(d.get<double>())) {
        shape.push_back(static_cast<int64_t>(d.get<double>()));
      } else {
        bad();
      }
    }
    shapes.push_back(shape);
  }
  return shapes;
}

std::string ShapesToJson(const layers::Shapes& shapes) {
  nlohmann::json out = nlohmann::json::array();
  for (const Shape& s : shapes) out.push_back(params::ShapeToJson(s));
  return out.dump();
}

}  // namespace kerasm::bindings
