#include "core/shape.h"

#include <algorithm>
#include <sstream>

#include "core/error.h"

namespace kerasm {

int64_t ShapeSize(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<int64_t> ShapeStrides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

void CheckMaxRank(const Shape& shape, const char* op) {
  if (static_cast<int>(shape.size()) > kMaxRank) {
    Fail<ValueError>(op, ": rank ", shape.size(), " (shape ", shape, ") exceeds the largest rank kerasm supports (",
                     kMaxRank, ")");
  }
}

std::string ShapeToString(const Shape& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) os << ',';
    if (shape[i] < 0) {
      os << "null";
    } else {
      os << shape[i];
    }
  }
  os << ']';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << ShapeToString(shape); }

Shape BroadcastShapes(const Shape& a, const Shape& b, const char* op) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      Fail<ShapeError>(op, ": operands could not be broadcast together with shapes ", a, " and ", b);
    }
  }
  return out;
}

std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out_shape) {
  const size_t rank = out_shape.size();
  std::vector<int64_t> strides(rank, 0);
  const std::vector<int64_t> own = ShapeStrides(shape);
  const size_t offset = rank - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) {
    strides[i + offset] = shape[i] == 1 ? 0 : own[i];
  }
  return strides;
}

std::vector<int> BroadcastReducedAxes(const Shape& shape, const Shape& out_shape) {
  std::vector<int> axes;
  const size_t offset = out_shape.size() - shape.size();
  for (size_t i = 0; i < out_shape.size(); ++i) {
    if (i < offset || (shape[i - offset] == 1 && out_shape[i] != 1)) axes.push_back(static_cast<int>(i));
  }
  return axes;
}

int NormalizeAxis(int axis, int rank, const char* op) {
  if (axis < -rank || axis >= std::max(rank, 1)) {
    Fail<ValueError>(op, ": axis ", axis, " is out of range for a tensor of rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

}  // namespace kerasm
