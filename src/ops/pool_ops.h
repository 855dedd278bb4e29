// Differentiable windowed pooling over channels_last tensors of rank 3, 4 or 5 ([batch, spatial..., channels]),
// the ops behind the MaxPooling / AveragePooling layers. pool_size and strides have one entry per spatial
// axis; padding is "valid" (windows inside the input only) or "same" (TF's rule: out = ceil(in / stride),
// the smaller half of the padding before). Max ignores padded cells; average divides by the cells inside the
// input. The backward passes are first-order (not themselves recorded), which is what training needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasm::ops {

// The output spatial size along one axis, or a negative value when a valid window does not fit.
int64_t PoolOutputSize(int64_t in, int64_t window, int64_t stride, bool same);

Tensor MaxPool(const Tensor& x, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
               const std::string& padding);
Tensor AvgPool(const Tensor& x, const std::vector<int64_t>& pool_size, const std::vector<int64_t>& strides,
               const std::string& padding);

}  // namespace kerasm::ops
