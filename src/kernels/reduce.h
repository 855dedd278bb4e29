// Reductions over the middle axis of an [outer, n, inner] view: y[o, i] = reduce_k x[o, k, i].
// Multi-axis reductions are composed by ops/ (adjacent axes collapse into one middle axis).
#pragma once

#include <cstdint>

namespace kerasm::kernels {

enum class ReduceOp : int { kSum, kMean, kMax, kMin, kProd };

// n == 0 gives the identity (0 for sum/mean, -inf for max, +inf for min, 1 for prod). A NaN in a fiber
// makes its max / min NaN (as tfjs).
void Reduce(ReduceOp op, const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
// Index of the first maximum / minimum along the middle axis; a NaN counts as the extreme (the first
// NaN wins), n == 0 gives 0.
void ArgMax(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner);
void ArgMin(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner);

}  // namespace kerasm::kernels
