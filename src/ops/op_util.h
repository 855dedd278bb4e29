// Shared helpers for op implementations (not part of the public op vocabulary).
#pragma once

#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "ops/tape.h"

namespace kerasm::ops::detail {

// Records a one-output op whose backward maps the output gradient (and, if it takes them, which inputs
// need a gradient) to one gradient per input.
template <typename F>
void RecordUnaryOut(const char* op, std::vector<Tensor> inputs, const Tensor& out, F&& backward) {
  if (!IsRecording()) return;
  Record(op, std::move(inputs), {out},
         [fn = std::forward<F>(backward)](const std::vector<Tensor>& g, const NeedsGrad& needs) {
           if constexpr (std::is_invocable_v<const std::decay_t<F>&, const Tensor&, const NeedsGrad&>) {
             return fn(g[0], needs);
           } else {
             return fn(g[0]);
           }
         });
}

inline void CheckFloat(const Tensor& t, const char* op, const char* what) {
  CheckDefined(t, op, what);
  if (t.dtype() != DType::kFloat32) {
    Fail<DTypeError>(op, ": ", what, " must be float32, got ", DTypeName(t.dtype()), " (shape ", t.shape(),
                     "); cast it first");
  }
}

// [outer, n, inner] around `axis`.
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
inline AxisSplit SplitAt(const Shape& shape, int axis) {
  AxisSplit s;
  for (int i = 0; i < axis; ++i) s.outer *= shape[i];
  s.n = shape[axis];
  for (size_t i = axis + 1; i < shape.size(); ++i) s.inner *= shape[i];
  return s;
}

// Sorted, de-duplicated, normalised axes; empty input means all axes.
std::vector<int> NormalizeAxes(const std::vector<int>& axes, int rank, const char* op);

// Copies the box of `src` starting at `src_begin` with extent `box` into `dst` at `dst_begin` (32-bit elems).
void CopyBox(const Tensor& src, const std::vector<int64_t>& src_begin, Tensor& dst,
             const std::vector<int64_t>& dst_begin, const std::vector<int64_t>& box);

}  // namespace kerasm::ops::detail
