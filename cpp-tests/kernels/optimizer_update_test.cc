// The fused optimizer updates against scalar twins that write each rule's formula (optimizer_update.h) as
// a plain float loop, on every Highway target, over sizes that hit every vector tail and misaligned,
// guarded buffers. The kernels promise the twin's operations in the twin's order, so the comparison is
// bit for bit. Several steps run back to back so the slots carry state from step to step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "kernels/kernel_test_util.h"
#include "kernels/optimizer_update.h"

namespace kerasm {
namespace {
using testutil::GuardedBuffer;

class OptimizerUpdateTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(OptimizerUpdateTest);

// One step of a rule on (w, g, slots) -> out, in either implementation.
using Step = std::function<void(const float* w, const float* g, std::vector<float*>& slots, float* out, int64_t n)>;

struct Rule {
  const char* name;
  int num_slots;
  float slot_init;  // Adagrad's accumulator starts positive; the rest at 0
  Step kernel;
  Step twin;
};

std::vector<Rule> Rules() {
  using namespace kernels;
  const AdamParams adam{0.9f, 0.1f, 0.999f, 0.001f, 0.271f, 0.00299f, 1e-7f, 0.01f};
  const RmsPropParams rms{0.9f, 0.1f, 0.5f, 1e-7f, 0.01f};
  const NadamParams nadam{0.1f, 0.001f, 0.93f, 0.071f, 0.00299f, 1e-7f, 0.002f};
  auto adam_twin = [adam](bool ams) {
    return [adam, ams](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        s[0][i] = s[0][i] * adam.b1 + g[i] * adam.one_minus_b1;
        s[1][i] = s[1][i] * adam.b2 + g[i] * g[i] * adam.one_minus_b2;
        float second = s[1][i];
        if (ams) second = s[2][i] = std::max(s[2][i], s[1][i]);
        out[i] = (s[0][i] / adam.c1) / (std::sqrt(second / adam.c2) + adam.eps) * -adam.lr + w[i];
      }
    };
  };
  auto rms_twin = [rms](bool centered) {
    return [rms, centered](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        s[0][i] = s[0][i] * rms.rho + g[i] * g[i] * rms.one_minus_rho;
        float denom = s[0][i];
        if (centered) {
          s[2][i] = s[2][i] * rms.rho + g[i] * rms.one_minus_rho;
          denom = s[0][i] - s[2][i] * s[2][i];
        }
        s[1][i] = s[1][i] * rms.momentum + g[i] * rms.lr / std::sqrt(denom + rms.eps);
        out[i] = w[i] - s[1][i];
      }
    };
  };
  return {
      {"Adam", 2, 0.f,
       [adam](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         AdamUpdate(w, g, s[0], s[1], nullptr, out, n, adam);
       },
       adam_twin(false)},
      {"Adam amsgrad", 3, 0.f,
       [adam](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         AdamUpdate(w, g, s[0], s[1], s[2], out, n, adam);
       },
       adam_twin(true)},
      {"RMSProp", 2, 0.f,
       [rms](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         RmsPropUpdate(w, g, s[0], s[1], nullptr, out, n, rms);
       },
       rms_twin(false)},
      {"RMSProp centered", 3, 0.f,
       [rms](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         RmsPropUpdate(w, g, s[0], s[1], s[2], out, n, rms);
       },
       rms_twin(true)},
      {"Adagrad", 1, 0.1f,
       [](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         AdagradUpdate(w, g, s[0], out, n, 1e-7f, 0.05f);
       },
       [](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         for (int64_t i = 0; i < n; ++i) {
           s[0][i] = s[0][i] + g[i] * g[i];
           out[i] = g[i] / std::sqrt(s[0][i] + 1e-7f) * -0.05f + w[i];
         }
       }},
      {"Adadelta", 2, 0.f,
       [](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         AdadeltaUpdate(w, g, s[0], s[1], out, n, 0.95f, 0.05f, 1e-7f, 1.f);
       },
       [](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         for (int64_t i = 0; i < n; ++i) {
           const float u = std::sqrt(s[1][i] + 1e-7f) / std::sqrt(s[0][i] + 1e-7f) * g[i];
           s[0][i] = s[0][i] * 0.95f + g[i] * g[i] * 0.05f;
           s[1][i] = s[1][i] * 0.95f + u * u * 0.05f;
           out[i] = u * -1.f + w[i];
         }
       }},
      {"Adamax", 2, 0.f,
       [](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         AdamaxUpdate(w, g, s[0], s[1], out, n, 0.9f, 0.1f, 0.999f, 1e-7f, -0.02f);
       },
       [](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         for (int64_t i = 0; i < n; ++i) {
           s[0][i] = s[0][i] * 0.9f + g[i] * 0.1f;
           s[1][i] = std::max(s[1][i] * 0.999f, std::fabs(g[i]));
           out[i] = -0.02f * (s[0][i] / (s[1][i] + 1e-7f)) + w[i];
         }
       }},
      {"Nadam", 2, 0.f,
       [nadam](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         NadamUpdate(w, g, s[0], s[1], out, n, nadam);
       },
       [nadam](const float* w, const float* g, std::vector<float*>& s, float* out, int64_t n) {
         for (int64_t i = 0; i < n; ++i) {
           s[0][i] = s[0][i] + (g[i] - s[0][i]) * nadam.one_minus_b1;
           s[1][i] = s[1][i] + (g[i] * g[i] - s[1][i]) * nadam.one_minus_b2;
           const float m_hat = nadam.a * s[0][i] + nadam.b * g[i];
           out[i] = w[i] - m_hat * nadam.lr / (std::sqrt(s[1][i] / nadam.c2) + nadam.eps);
         }
       }},
  };
}

TEST_P(OptimizerUpdateTest, MatchesScalarTwinBitForBit) {
  std::mt19937 rng(7);
  for (const Rule& rule : Rules()) {
    for (int64_t n : testutil::TestSizes()) {
      for (size_t misalign : {0, 1}) {
        GuardedBuffer<float> w(n, misalign, 0.f, testutil::kSentinel);
        GuardedBuffer<float> out(n, misalign, testutil::NaNf(), testutil::kSentinel);
        std::vector<GuardedBuffer<float>> slots;
        for (int k = 0; k < rule.num_slots; ++k) slots.emplace_back(n, misalign, rule.slot_init, testutil::kSentinel);
        std::vector<std::vector<float>> twin_slots(rule.num_slots, std::vector<float>(n, rule.slot_init));
        std::vector<float> twin_w = testutil::RandomUniform(n, -1.f, 1.f, rng);
        std::copy(twin_w.begin(), twin_w.end(), w.data());
        std::vector<float*> slot_ptrs, twin_ptrs;
        for (auto& s : slots) slot_ptrs.push_back(s.data());
        for (auto& s : twin_slots) twin_ptrs.push_back(s.data());
        std::vector<float> twin_out(n);
        for (int step = 0; step < 3; ++step) {
          // Gradients with exact zeros among them (an unused input's weights get zero gradients).
          std::vector<float> g = testutil::RandomUniform(n, -2.f, 2.f, rng);
          for (int64_t i = 0; i < n; i += 5) g[i] = 0.f;
          rule.kernel(w.data(), g.data(), slot_ptrs, out.data(), n);
          rule.twin(twin_w.data(), g.data(), twin_ptrs, twin_out.data(), n);
          testutil::FailureBudget budget;
          for (int64_t i = 0; i < n; ++i) {
            if (!testutil::SameBits(out[i], twin_out[i]) && budget.Spend()) {
              ADD_FAILURE() << rule.name << " n=" << n << " step " << step << " [" << i << "]: " << out[i]
                            << " vs twin " << twin_out[i];
            }
            for (int k = 0; k < rule.num_slots; ++k) {
              if (!testutil::SameBits(slots[k][i], twin_slots[k][i]) && budget.Spend()) {
                ADD_FAILURE() << rule.name << " n=" << n << " step " << step << " slot " << k << " [" << i
                              << "]: " << slots[k][i] << " vs twin " << twin_slots[k][i];
              }
            }
          }
          ASSERT_TRUE(out.GuardsIntact()) << rule.name << " n=" << n;
          for (const auto& s : slots) ASSERT_TRUE(s.GuardsIntact()) << rule.name << " n=" << n;
          // The next step starts from this one's result.
          std::copy(out.data(), out.data() + n, w.data());
          twin_w = twin_out;
        }
      }
    }
  }
}

TEST_P(OptimizerUpdateTest, OutMayAliasW) {
  std::mt19937 rng(8);
  const int64_t n = 37;
  std::vector<float> w = testutil::RandomUniform(n, -1.f, 1.f, rng);
  std::vector<float> g = testutil::RandomUniform(n, -1.f, 1.f, rng);
  std::vector<float> m1(n, 0.f), v1(n, 0.f), m2(n, 0.f), v2(n, 0.f), separate(n);
  const kernels::AdamParams p{0.9f, 0.1f, 0.999f, 0.001f, 0.1f, 0.001f, 1e-7f, 0.01f};
  kernels::AdamUpdate(w.data(), g.data(), m1.data(), v1.data(), nullptr, separate.data(), n, p);
  kernels::AdamUpdate(w.data(), g.data(), m2.data(), v2.data(), nullptr, w.data(), n, p);
  for (int64_t i = 0; i < n; ++i) EXPECT_TRUE(testutil::SameBits(w[i], separate[i])) << i;
}

}  // namespace
}  // namespace kerasm
