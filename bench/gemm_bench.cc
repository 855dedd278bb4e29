// GEMM throughput in wasm: GemmPacked (B packed once, as Dense does) and Gemm (packs B on every call).
// Run: node --no-experimental-fetch build/wasm/gemm_bench.cjs  -> one line per shape with GFLOPS.
// bench/gemm_vs_tfjs.mjs loads the same module without running main and calls KerasmGemmBench itself, to
// interleave with tfjs-backend-wasm in one process.
//
// V8 compiles wasm with a baseline tier first and optimises a function only after repeated calls (no
// on-stack replacement), so every figure is the median of many calls after a warm-up.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "hwy/aligned_allocator.h"
#include "kernels/gemm.h"

namespace {

struct Operands {
  int64_t M, N, K;
  hwy::AlignedFreeUniquePtr<float[]> a, b, bias, c, packed;
};

Operands MakeOperands(int64_t M, int64_t N, int64_t K) {
  Operands o{M, N, K, hwy::AllocateAligned<float>(M * K), hwy::AllocateAligned<float>(K * N),
             hwy::AllocateAligned<float>(N), hwy::AllocateAligned<float>(M * N),
             hwy::AllocateAligned<float>(kerasm::kernels::GemmPackedBSize(K, N))};
  uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / 16777216.f - 0.5f;
  };
  for (int64_t i = 0; i < M * K; ++i) o.a[i] = next();
  for (int64_t i = 0; i < K * N; ++i) o.b[i] = next();
  for (int64_t i = 0; i < N; ++i) o.bias[i] = next();
  kerasm::kernels::GemmPackB(o.b.get(), N, false, K, N, o.packed.get());
  return o;
}

void RunOnce(Operands& o, bool packed) {
  if (packed) {
    kerasm::kernels::GemmPacked(o.M, o.N, o.K, o.a.get(), o.K, false, o.packed.get(), o.bias.get(), o.c.get(),
                                o.N, false);
  } else {
    kerasm::kernels::Gemm(o.M, o.N, o.K, o.a.get(), o.K, false, o.b.get(), o.N, false, o.bias.get(), o.c.get(),
                          o.N, false, o.packed.get());
  }
}

// Median milliseconds per call over `reps` timed calls, after `warmup` untimed ones.
double MedianMs(Operands& o, bool packed, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) RunOnce(o, packed);
  std::vector<double> ms(reps);
  for (int i = 0; i < reps; ++i) {
    const double t0 = emscripten_get_now();
    RunOnce(o, packed);
    ms[i] = emscripten_get_now() - t0;
  }
  std::nth_element(ms.begin(), ms.begin() + reps / 2, ms.end());
  return ms[reps / 2];
}

// Enough calls for ~0.2 s per measurement but never fewer than 10.
int RepsFor(int64_t M, int64_t N, int64_t K) {
  const double flops = 2.0 * M * N * K;
  return static_cast<int>(std::max(10.0, std::min(500.0, 2e8 / flops * 20)));
}

}  // namespace

// Entry points for a JavaScript driver that times calls itself (bench/gemm_vs_tfjs.mjs): operands for an
// M x K by K x N product with bias (B packed once), `calls` back-to-back multiplies, release.
extern "C" EMSCRIPTEN_KEEPALIVE void* KerasmGemmBenchSetup(int M, int N, int K) {
  return new Operands(MakeOperands(M, N, K));
}
extern "C" EMSCRIPTEN_KEEPALIVE void KerasmGemmBenchRun(void* operands, int packed, int calls) {
  for (int i = 0; i < calls; ++i) RunOnce(*static_cast<Operands*>(operands), packed != 0);
}
extern "C" EMSCRIPTEN_KEEPALIVE void KerasmGemmBenchFree(void* operands) { delete static_cast<Operands*>(operands); }

// Median GFLOPS of GemmPacked (packed != 0) or Gemm on an M x K by K x N product with bias.
extern "C" EMSCRIPTEN_KEEPALIVE double KerasmGemmBench(int M, int N, int K, int packed) {
  Operands o = MakeOperands(M, N, K);
  const int reps = RepsFor(M, N, K);
  const double ms = MedianMs(o, packed != 0, reps / 2 + 3, reps);
  return 2.0 * M * N * K / (ms * 1e6);
}

int main() {
  const int shapes[][3] = {{1, 1024, 1024}, {64, 1024, 1024}, {256, 1024, 1024}};
  for (const auto& s : shapes) {
    const double packed = KerasmGemmBench(s[0], s[1], s[2], 1);
    const double unpacked = KerasmGemmBench(s[0], s[1], s[2], 0);
    std::printf("%4dx%4dx%4d  GemmPacked %6.2f GFLOPS  Gemm %6.2f GFLOPS\n", s[0], s[1], s[2], packed, unpacked);
  }
  return 0;
}
