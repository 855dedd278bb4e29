#include "kernels/layout.h"

#include <cstring>

namespace kerasm::kernels {

void Transpose(const uint32_t* x, uint32_t* y, const int64_t* shape, const int* perm, int rank) {
  int64_t in_strides[8];
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    in_strides[i] = s;
    s *= shape[i];
  }
  const int64_t total = s;
  int64_t out_shape[8], stride_for_out[8], idx[8] = {0};
  for (int i = 0; i < rank; ++i) {
    out_shape[i] = shape[perm[i]];
    stride_for_out[i] = in_strides[perm[i]];
  }
  int64_t src = 0;
  for (int64_t flat = 0; flat < total; ++flat) {
    y[flat] = x[src];
    for (int i = rank - 1; i >= 0; --i) {
      src += stride_for_out[i];
      if (++idx[i] < out_shape[i]) break;
      src -= stride_for_out[i] * out_shape[i];
      idx[i] = 0;
    }
  }
}

void CopyRows(const uint32_t* x, int64_t ldx, uint32_t* y, int64_t ldy, int64_t outer, int64_t n) {
  for (int64_t o = 0; o < outer; ++o) std::memcpy(y + o * ldy, x + o * ldx, static_cast<size_t>(n) * 4);
}

}  // namespace kerasm::kernels
