// Data movement on 32-bit elements (float32 and int32 alike): transpose/permute and strided copies.
#pragma once

#include <cstdint>

namespace kerasm::kernels {

// y = x permuted: y's axis i is x's axis perm[i]. shape is x's shape; rank <= kMaxRank
// (core/max_rank.h: ops check it).
void Transpose(const uint32_t* x, uint32_t* y, const int64_t* shape, const int* perm, int rank);

// Copies an [outer, n] block: y[o * ldy + k] = x[o * ldx + k] (slices, concat, stack, padding).
void CopyRows(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t outer, int64_t n);

}  // namespace kerasm::kernels
