// Element-wise kernel speed in wasm, without the JS path: each activation on 1M floats into a buffer
// that already exists (the kernel alone), and the same through the op (which allocates the output
// Tensor), so the difference is the allocation. Softmax over 1024 rows of 1000 likewise.
// Run: node --no-experimental-fetch build/wasm/unary_bench.cjs  -> one line per case, median ms.
//
// Medians of many calls after a warm-up: V8 optimises a wasm function only after repeated calls.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "core/tensor.h"
#include "kernels/elementwise.h"
#include "kernels/softmax.h"
#include "ops/ops.h"

namespace {

template <class F>
double MedianMs(const F& f, int warmup = 10, int reps = 40) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> ms(reps);
  for (int i = 0; i < reps; ++i) {
    const double t0 = emscripten_get_now();
    f();
    ms[i] = emscripten_get_now() - t0;
  }
  std::nth_element(ms.begin(), ms.begin() + reps / 2, ms.end());
  return ms[reps / 2];
}

// Values in [-4, 4), as bench/run.mjs feeds the activations.
kerasm::Tensor Inputs(int64_t rows, int64_t cols, float scale) {
  kerasm::Tensor t({rows, cols});
  uint32_t state = 12345;
  float* p = t.f32();
  for (int64_t i = 0; i < t.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    p[i] = (static_cast<float>(state >> 8) / 8388608.f - 1.f) * scale;
  }
  return t;
}

}  // namespace

int main() {
  using kerasm::kernels::UnaryOp;
  const int64_t n = 1 << 20;
  const kerasm::Tensor x = Inputs(1, n, 4.f);
  kerasm::Tensor y({1, n});
  const struct {
    const char* name;
    UnaryOp op;
  } unary[] = {{"relu", UnaryOp::kRelu}, {"sigmoid", UnaryOp::kSigmoid}, {"tanh", UnaryOp::kTanh}};
  for (const auto& u : unary) {
    const double kernel = MedianMs([&] { kerasm::kernels::Unary(u.op, x.f32(), y.f32(), n, 0.f); });
    const double op = MedianMs([&] { kerasm::ops::Unary(u.op, x, 0.f); });
    std::printf("%-8s 1M          kernel %7.3f ms  op %7.3f ms\n", u.name, kernel, op);
  }
  const kerasm::Tensor s = Inputs(1024, 1000, 5.f);
  kerasm::Tensor sy({1024, 1000});
  const double kernel = MedianMs([&] { kerasm::kernels::Softmax(s.f32(), sy.f32(), 1024, 1000, 1); });
  const double op = MedianMs([&] { kerasm::ops::Softmax(s, -1); });
  std::printf("softmax  1024x1000   kernel %7.3f ms  op %7.3f ms\n", kernel, op);
  return 0;
}
