// Softmax and log-softmax over the middle axis of an [outer, n, inner] view, with their backward passes.
// Numerically stable (the maximum is subtracted before exponentiating).
#pragma once

#include <cstdint>

namespace kerasm::kernels {

void Softmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
void LogSoftmax(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
// dx = y * (dy - sum_n(dy * y)), from the softmax output y.
void SoftmaxGrad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner);
// dx = dy - exp(y) * sum_n(dy), from the log-softmax output y.
void LogSoftmaxGrad(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner);

}  // namespace kerasm::kernels
