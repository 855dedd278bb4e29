#include "ops/variable.h"

#include <algorithm>
#include <set>

#include "core/error.h"

namespace kerasm::ops {
namespace {
struct Registry {
  std::vector<Variable*> live;
  std::multiset<std::string> names;
};
Registry& GetRegistry() {
  static Registry* r = new Registry();  // never destroyed: variables may outlive static destruction order
  return *r;
}
uint64_t g_serial = 0;
}  // namespace

Variable::Variable(Tensor initial, bool trainable, const std::string& name)
    : value_(std::move(initial)), trainable_(trainable), serial_(g_serial++) {
  CheckDefined(value_, "variable", "the initial value");
  Registry& r = GetRegistry();
  std::string base = name.empty() ? "Variable" : name;
  std::string unique = base;
  for (int k = 1; r.names.count(unique); ++k) unique = base + "_" + std::to_string(k);
  name_ = unique;
  r.names.insert(name_);
  r.live.push_back(this);
}

Variable::~Variable() {
  Registry& r = GetRegistry();
  r.live.erase(std::remove(r.live.begin(), r.live.end(), this), r.live.end());
  auto it = r.names.find(name_);
  if (it != r.names.end()) r.names.erase(it);
}

void Variable::Assign(const Tensor& value) {
  CheckDefined(value, "assign", "the value");
  if (value.shape() != value_.shape()) {
    Fail<ShapeError>("variable '", name_, "': cannot assign a value of shape ", value.shape(), " to shape ",
                     value_.shape());
  }
  if (value.dtype() != value_.dtype()) {
    Fail<DTypeError>("variable '", name_, "': cannot assign ", DTypeName(value.dtype()), " to ",
                     DTypeName(value_.dtype()));
  }
  value_ = value;
}

std::vector<Variable*> Variable::Live() { return GetRegistry().live; }

}  // namespace kerasm::ops
