// Shapes and the shape arithmetic every op needs: sizes, strides, numpy broadcasting, axis normalisation.
// A dimension of -1 means "unknown" (Keras' None); it appears only in symbolic shapes, never in a Tensor.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/max_rank.h"

namespace kerasm {

using Shape = std::vector<int64_t>;

int64_t ShapeSize(const Shape& shape);
// Row-major strides in elements.
std::vector<int64_t> ShapeStrides(const Shape& shape);
// "[2,3,4]", with "null" for unknown dimensions as Keras configs print them.
std::string ShapeToString(const Shape& shape);

// The numpy broadcast of two shapes; throws ShapeError naming `op` when they do not broadcast.
Shape BroadcastShapes(const Shape& a, const Shape& b, const char* op);
// Strides (in elements) for reading a tensor of `shape` as if it had `out_shape`: 0 on broadcast axes.
std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out_shape);
// The axes of `out_shape` along which `shape` was broadcast (to sum a gradient back to `shape`).
std::vector<int> BroadcastReducedAxes(const Shape& shape, const Shape& out_shape);

// Throws ValueError("<op>: rank R (shape S) exceeds the largest rank kerasm supports (kMaxRank)") for
// ops whose kernels walk shapes with fixed kMaxRank arrays.
void CheckMaxRank(const Shape& shape, const char* op);

// Python-style axis: -1 is the last one. Throws ValueError naming `op` when out of range.
int NormalizeAxis(int axis, int rank, const char* op);

std::ostream& operator<<(std::ostream& os, const Shape& shape);

}  // namespace kerasm
