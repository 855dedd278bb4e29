// Fused recurrent sequence op (ops::RnnSequence) timings, single-threaded, for the shapes the recurrent
// bench rows use: units 128, input 64, 100 steps. Builds natively and in wasm:
//   wasm:   cmake --build build/wasm -t rnn_bench && node --no-experimental-fetch build/wasm/rnn_bench.cjs
//   native: cmake --build build/native -t rnn_bench && build/native/rnn_bench
// Each figure is the median of repeated calls after warm-up calls (V8 optimises a wasm function only after
// it has run a while, and the first call packs the weights).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "kernels/gemm.h"
#include "ops/ops.h"
#include "ops/rnn_ops.h"
#include "ops/tape.h"

namespace {
using kerasm::Shape;
using kerasm::Tensor;
namespace ops = kerasm::ops;

Tensor Random(const Shape& shape, uint64_t seed, float scale) {
  kerasm::Rng rng(seed);
  Tensor t(shape);
  for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = rng.Uniform(-scale, scale);
  return t;
}

double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename F>
double MedianMs(F&& f, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> ms(reps);
  for (int i = 0; i < reps; ++i) {
    const double t0 = NowMs();
    f();
    ms[i] = NowMs() - t0;
  }
  std::nth_element(ms.begin(), ms.begin() + reps / 2, ms.end());
  return ms[reps / 2];
}

struct Row {
  const char* name;
  ops::RnnCell cell;
  int64_t batch;
  bool train;
};

void Run(const Row& r) {
  const int64_t T = 100, I = 64, u = 128;
  const int64_t g = r.cell == ops::RnnCell::kLstm ? 4 : r.cell == ops::RnnCell::kGru ? 3 : 1;
  Tensor x = Random({r.batch, T, I}, 1, 1.f);
  Tensor W = Random({I, g * u}, 2, 0.1f);
  Tensor U = Random({u, g * u}, 3, 0.1f);
  const bool two_rows = r.cell == ops::RnnCell::kGru;
  Tensor b = two_rows ? Random({2, g * u}, 4, 0.1f) : Random({g * u}, 4, 0.1f);
  std::vector<Tensor> states{Tensor::Zeros({r.batch, u})};
  if (r.cell == ops::RnnCell::kLstm) states.push_back(Tensor::Zeros({r.batch, u}));
  ops::RnnSequenceOptions o;
  o.cell = r.cell;
  const double ms = MedianMs(
      [&] {
        if (!r.train) {
          ops::RnnSequence(x, states, W, U, b, Tensor(), o);
          return;
        }
        // Forward under a tape and the gradient of every weight and the input (what a training step needs).
        ops::GradientTape tape;
        const auto out = ops::RnnSequence(x, states, W, U, b, Tensor(), o);
        tape.Gradient(ops::Sum(out[0]), {x, W, U, b});
      },
      5, r.batch == 1 ? 60 : 20);
  std::printf("%-34s %8.3f ms\n", r.name, ms);
}

// The op's GEMMs alone for an LSTM at batch 32 (the projection of all steps, then 100 products h . U
// against the packed U): the floor the gate kernels and bookkeeping add to.
void RunGemmsOnly() {
  const int64_t B = 32, T = 100, I = 64, u = 128, gu = 4 * u;
  Tensor x = Random({B * T, I}, 1, 1.f), W = Random({I, gu}, 2, 0.1f), U = Random({u, gu}, 3, 0.1f);
  Tensor pw({kerasm::kernels::GemmPackedBSize(I, gu)}), pu({kerasm::kernels::GemmPackedBSize(u, gu)});
  kerasm::kernels::GemmPackB(W.f32(), gu, false, I, gu, pw.f32());
  kerasm::kernels::GemmPackB(U.f32(), gu, false, u, gu, pu.f32());
  Tensor xp({B * T, gu}), h = Random({B, u}, 4, 0.5f), hu({B, gu});
  const double ms = MedianMs(
      [&] {
        kerasm::kernels::GemmPacked(B * T, gu, I, x.f32(), I, false, pw.f32(), nullptr, xp.f32(), gu, false);
        for (int64_t s = 0; s < T; ++s) {
          kerasm::kernels::GemmPacked(B, gu, u, h.f32(), u, false, pu.f32(), nullptr, hu.f32(), gu, false);
        }
      },
      5, 20);
  std::printf("%-34s %8.3f ms\n", "LSTM b32 forward, GEMMs only", ms);
}

}  // namespace

int main() {
  const Row rows[] = {
      {"LSTM 128/64/T100 b32 forward", ops::RnnCell::kLstm, 32, false},
      {"GRU 128/64/T100 b32 forward", ops::RnnCell::kGru, 32, false},
      {"LSTM 128/64/T100 b1 forward", ops::RnnCell::kLstm, 1, false},
      {"GRU 128/64/T100 b1 forward", ops::RnnCell::kGru, 1, false},
      {"LSTM 128/64/T100 b32 fwd+bwd", ops::RnnCell::kLstm, 32, true},
      {"GRU 128/64/T100 b32 fwd+bwd", ops::RnnCell::kGru, 32, true},
  };
  for (const Row& r : rows) Run(r);
  RunGemmsOnly();
  return 0;
}
