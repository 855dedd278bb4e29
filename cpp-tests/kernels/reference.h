// Scalar twins of the SIMD kernels in src/kernels: plain loops, computed in double where that makes
// them a better oracle, written for clarity rather than speed. Tests compare the kernels against these.
//
// Where float outputs are compared against double outputs, the double is the exact-as-possible value
// of the same definition (including the limits the kernels promise: NaN in gives NaN out, softsign(inf)
// is 1, swish(-inf) is 0, maximum(NaN, x) is NaN ...).
#pragma once

#include <cstdint>

#include "kernels/elementwise.h"
#include "kernels/reduce.h"

namespace kerasm::reference {

// f(x) for one element.
double Unary(kernels::UnaryOp op, double x, double alpha);
// f'(x), from x and from y = f(x) for the ops whose kernel derivative reads y (sigmoid, tanh, exp,
// elu, selu, sqrt, reciprocal), so the grad kernel is checked on the same inputs it received.
double UnaryDerivative(kernels::UnaryOp op, double x, double y, double alpha);
// dx[i] = dy[i] * f'(x[i]).
void UnaryGrad(kernels::UnaryOp op, const float* x, const float* y, const float* dy, double* dx, int64_t n,
               double alpha);

double Binary(kernels::BinaryOp op, double a, double b);
// out over out_shape with numpy broadcasting given by per-axis element strides (0 = broadcast).
void Binary(kernels::BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            double* out, const int64_t* out_shape, int rank);

// Over the middle axis of [outer, n, inner].
void Softmax(const float* x, double* y, int64_t outer, int64_t n, int64_t inner);
void LogSoftmax(const float* x, double* y, int64_t outer, int64_t n, int64_t inner);
void SoftmaxGrad(const float* y, const float* dy, double* dx, int64_t outer, int64_t n, int64_t inner);
void LogSoftmaxGrad(const float* y, const float* dy, double* dx, int64_t outer, int64_t n, int64_t inner);

// NaN wins in max/min (as in tfjs); n == 0 gives the identity.
void Reduce(kernels::ReduceOp op, const float* x, double* y, int64_t outer, int64_t n, int64_t inner);
// First index of the maximum / minimum; a NaN counts as the extreme (the first NaN wins).
void ArgMax(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner);
void ArgMin(const float* x, int32_t* y, int64_t outer, int64_t n, int64_t inner);

void Transpose(const uint32_t* x, uint32_t* y, const int64_t* shape, const int* perm, int rank);
void CopyRows(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t outer, int64_t n);

}  // namespace kerasm::reference
