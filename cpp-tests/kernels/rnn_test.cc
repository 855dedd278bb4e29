// The recurrent gate kernels (kernels/rnn.h) against double-precision scalar twins written here from the
// kernels' contracts, on every Highway target: unit counts that hit every vector tail (1, 3, 17, 33),
// batch 1 and 3, strided rows (leading dimensions past the row width), masked rows, outputs pre-filled
// with NaN inside guard zones (a skipped element stays NaN, a stray write breaks a guard).
//
// Tolerance: each output is a handful of float roundings plus activations within 3 ulp (unary.cc), on
// values of magnitude <= ~10: 1e-5 relative plus 1e-6 absolute.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_test_util.h"
#include "kernels/rnn.h"

namespace kerasm {
namespace {
using kernels::RnnAct;
using kernels::UnaryOp;
using testutil::GuardedBuffer;
using testutil::NaNf;

class RnnKernelTest : public testutil::TargetTest {};
KERASM_INSTANTIATE_FOR_TARGETS(RnnKernelTest);

double Act(RnnAct a, double x) {
  switch (a.op) {
    case UnaryOp::kTanh: return std::tanh(x);
    case UnaryOp::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case UnaryOp::kHardSigmoid:
      return a.alpha != 0.f ? std::clamp(a.alpha * x + 0.5, 0.0, 1.0) : std::clamp((x + 3.0) / 6.0, 0.0, 1.0);
    case UnaryOp::kRelu: return std::max(x, 0.0);
    default: return x;
  }
}

double ActGrad(RnnAct a, double y) {
  switch (a.op) {
    case UnaryOp::kTanh: return 1 - y * y;
    case UnaryOp::kSigmoid: return y * (1 - y);
    case UnaryOp::kHardSigmoid: return (y > 0 && y < 1) ? (a.alpha != 0.f ? a.alpha : 1.0 / 6.0) : 0.0;
    case UnaryOp::kRelu: return y > 0 ? 1.0 : 0.0;
    default: return 1.0;
  }
}

struct ActPair {
  RnnAct act, rec;
  const char* name;
};

std::vector<ActPair> ActPairs() {
  return {{{UnaryOp::kTanh, 0.f}, {UnaryOp::kSigmoid, 0.f}, "tanh/sigmoid"},
          {{UnaryOp::kRelu, 0.f}, {UnaryOp::kHardSigmoid, 0.f}, "relu/hardSigmoid"},
          {{UnaryOp::kLinear, 0.f}, {UnaryOp::kHardSigmoid, 0.2f}, "linear/hardSigmoidKeras2"}};
}

// A strided matrix of rows x width floats with leading dimension width + 3 (rows do not start aligned).
struct Rows {
  int64_t rows, width, ld;
  std::vector<float> v;
  Rows(int64_t r, int64_t w, std::mt19937& rng, float lo, float hi)
      : rows(r), width(w), ld(w + 3), v(testutil::RandomUniform(static_cast<size_t>(r * (w + 3)), lo, hi, rng)) {}
  float at(int64_t r, int64_t j) const { return v[r * ld + j]; }
};

bool Close(float got, double want) { return std::fabs(got - want) <= 1e-6 + 1e-5 * std::fabs(want); }

struct Case {
  int64_t batch, units;
  bool masked;
  ActPair acts;
  std::string Name() const {
    return std::string(acts.name) + " batch " + std::to_string(batch) + " units " + std::to_string(units) +
           (masked ? " masked" : "");
  }
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  for (const ActPair& a : ActPairs()) {
    for (int64_t batch : {1, 3}) {
      for (int64_t units : {1, 3, 17, 33}) {
        for (bool masked : {false, true}) cases.push_back({batch, units, masked, a});
      }
    }
  }
  return cases;
}

// Row b is masked in a masked case when b is odd (batch 3: row 1) and, for batch 1, row 0.
std::vector<float> MaskFor(const Case& c) {
  std::vector<float> m(static_cast<size_t>(c.batch * 2), 1.f);  // ld_mask 2
  if (c.masked) {
    for (int64_t b = 0; b < c.batch; ++b) m[b * 2] = (c.batch == 1 || b % 2 == 1) ? 0.f : 1.f;
  }
  return m;
}

bool RowMasked(const Case& c, const std::vector<float>& m, int64_t b) { return c.masked && m[b * 2] == 0.f; }

GuardedBuffer<float> Filled(const std::vector<float>& src) {
  GuardedBuffer<float> buf(src.size(), 1, NaNf(), testutil::kSentinel);
  std::copy(src.begin(), src.end(), buf.data());
  return buf;
}

GuardedBuffer<float> NaNs(size_t n) { return GuardedBuffer<float>(n, 3, NaNf(), testutil::kSentinel); }

// Forward kernels: SimpleRNN, LSTM, GRU (reset_after) and the two phases of reset-before GRU.
TEST_P(RnnKernelTest, ForwardMatchesScalarTwins) {
  std::mt19937 rng(42);
  for (const Case& c : Cases()) {
    const int64_t B = c.batch, u = c.units;
    const std::vector<float> mask = MaskFor(c);
    for (int cell = 0; cell < 4; ++cell) {  // 0 simple, 1 lstm, 2 gru reset_after, 3 gru reset before
      const int64_t g = cell == 0 ? 1 : cell == 1 ? 4 : 3;
      const int64_t gw = cell == 0 ? u : cell == 3 ? 3 * u : 4 * u;
      const Rows xp(B, g * u, rng, -1.5f, 1.5f);
      const Rows hu(B, g * u, rng, -1.5f, 1.5f);
      const std::vector<float> h0 = testutil::RandomUniform(static_cast<size_t>(B * u), -1.f, 1.f, rng);
      const std::vector<float> c0 = testutil::RandomUniform(static_cast<size_t>(B * u), -1.f, 1.f, rng);
      GuardedBuffer<float> h = Filled(h0), cs = Filled(c0);
      GuardedBuffer<float> gates = NaNs(static_cast<size_t>(B * (gw + 5)));
      GuardedBuffer<float> rh = NaNs(static_cast<size_t>(B * u));
      kernels::RnnStepRows s;
      s.batch = B;
      s.units = u;
      s.xp = xp.v.data();
      s.ld_xp = xp.ld;
      s.hu = hu.v.data();
      s.ld_hu = hu.ld;
      s.mask = c.masked ? mask.data() : nullptr;
      s.ld_mask = 2;
      const int64_t ldg = gw + 5;
      // Reset-before phase 2 reads a second product (rh . U_h), `hu2`.
      const Rows hu2(B, u, rng, -1.5f, 1.5f);
      switch (cell) {
        case 0: kernels::SimpleRnnForward(s, c.acts.act, h.data(), gates.data(), ldg); break;
        case 1: kernels::LstmForward(s, c.acts.act, c.acts.rec, h.data(), cs.data(), gates.data(), ldg); break;
        case 2: kernels::GruForward(s, c.acts.act, c.acts.rec, h.data(), gates.data(), ldg); break;
        case 3: {
          kernels::GruResetBeforeGates(s, c.acts.rec, h.data(), gates.data(), ldg, rh.data());
          kernels::RnnStepRows s2 = s;
          s2.hu = hu2.v.data();
          s2.ld_hu = hu2.ld;
          kernels::GruResetBeforeUpdate(s2, c.acts.act, h.data(), gates.data(), ldg);
          break;
        }
      }
      const std::string what = c.Name() + " cell " + std::to_string(cell);
      ASSERT_TRUE(h.GuardsIntact() && cs.GuardsIntact() && gates.GuardsIntact() && rh.GuardsIntact()) << what;
      testutil::FailureBudget budget;
      auto expect = [&](float got, double want, const char* name, int64_t b, int64_t j) {
        if (!Close(got, want) && budget.Spend()) {
          ADD_FAILURE() << what << ": " << name << " row " << b << " j " << j << " got " << got << " want " << want;
        }
      };
      for (int64_t b = 0; b < B; ++b) {
        const bool skip = RowMasked(c, mask, b);
        for (int64_t j = 0; j < u; ++j) {
          const double hp = h0[b * u + j], cp = c0[b * u + j];
          auto pre = [&](int64_t k) { return static_cast<double>(xp.at(b, k * u + j)) + hu.at(b, k * u + j); };
          if (skip) {
            // A masked row keeps its state bit for bit (and reset-before's rh is 0).
            expect(h[b * u + j], hp, "kept h", b, j);
            if (cell == 1) expect(cs[b * u + j], cp, "kept c", b, j);
            if (cell == 3) expect(rh[b * u + j], 0.0, "masked rh", b, j);
            continue;
          }
          const float* gr = gates.data() + b * ldg;
          if (cell == 0) {
            const double y = Act(c.acts.act, pre(0));
            expect(h[b * u + j], y, "h", b, j);
            expect(gr[j], y, "gate h", b, j);
          } else if (cell == 1) {
            const double i = Act(c.acts.rec, pre(0)), f = Act(c.acts.rec, pre(1)), gg = Act(c.acts.act, pre(2)),
                         o = Act(c.acts.rec, pre(3));
            const double cn = f * cp + i * gg;
            expect(cs[b * u + j], cn, "c", b, j);
            expect(h[b * u + j], o * Act(c.acts.act, cn), "h", b, j);
            expect(gr[j], i, "i", b, j);
            expect(gr[u + j], f, "f", b, j);
            expect(gr[2 * u + j], gg, "g", b, j);
            expect(gr[3 * u + j], o, "o", b, j);
          } else if (cell == 2) {
            const double z = Act(c.acts.rec, pre(0)), r = Act(c.acts.rec, pre(1));
            const double mh = hu.at(b, 2 * u + j);
            const double hh = Act(c.acts.act, xp.at(b, 2 * u + j) + r * mh);
            expect(h[b * u + j], z * hp + (1 - z) * hh, "h", b, j);
            expect(gr[j], z, "z", b, j);
            expect(gr[u + j], r, "r", b, j);
            expect(gr[2 * u + j], hh, "hh", b, j);
            expect(gr[3 * u + j], mh, "hu_h", b, j);
          } else {
            const double z = Act(c.acts.rec, pre(0)), r = Act(c.acts.rec, pre(1));
            const double hh = Act(c.acts.act, static_cast<double>(xp.at(b, 2 * u + j)) + hu2.at(b, j));
            expect(rh[b * u + j], r * hp, "rh", b, j);
            expect(h[b * u + j], z * hp + (1 - z) * hh, "h", b, j);
            expect(gr[j], z, "z", b, j);
            expect(gr[u + j], r, "r", b, j);
            expect(gr[2 * u + j], hh, "hh", b, j);
          }
        }
      }
    }
  }
}

// Backward kernels from random (valid) gate values: the gradient formulas of rnn.h, and masked rows
// passing dh / dc through with zero gate gradients.
TEST_P(RnnKernelTest, BackwardMatchesScalarTwins) {
  std::mt19937 rng(7);
  for (const Case& c : Cases()) {
    const int64_t B = c.batch, u = c.units;
    const std::vector<float> mask = MaskFor(c);
    const bool tanh_like = c.acts.act.op == UnaryOp::kTanh;
    for (int cell = 0; cell < 4; ++cell) {
      const int64_t g = cell == 0 ? 1 : cell == 1 ? 4 : 3;
      const int64_t gw = cell == 0 ? u : cell == 3 ? 3 * u : 4 * u;
      // Gate values in the activations' ranges: (0, 1) for gates, (-1, 1) or (0, 1) for candidates.
      Rows gates(B, gw, rng, 0.02f, 0.98f);
      if (tanh_like) {
        for (int64_t b = 0; b < B; ++b) {
          const int64_t k0 = cell == 0 ? 0 : 2 * u;  // the candidate block (SimpleRNN: the whole row)
          for (int64_t j = 0; j < u; ++j) gates.v[b * gates.ld + k0 + j] = 2.f * gates.v[b * gates.ld + k0 + j] - 1.f;
        }
      }
      const Rows h_prev(B, u, rng, -1.f, 1.f);
      const Rows c_prev(B, u, rng, -1.f, 1.f);
      const std::vector<float> dh = testutil::RandomUniform(static_cast<size_t>(B * u), -1.f, 1.f, rng);
      const std::vector<float> dc0 = testutil::RandomUniform(static_cast<size_t>(B * u), -1.f, 1.f, rng);
      const std::vector<float> drh = testutil::RandomUniform(static_cast<size_t>(B * u), -1.f, 1.f, rng);
      GuardedBuffer<float> dpre = NaNs(static_cast<size_t>(B * (g * u + 2)));
      GuardedBuffer<float> dh_prev = NaNs(static_cast<size_t>(B * u));
      GuardedBuffer<float> dc = Filled(dc0);
      GuardedBuffer<float> dmi = NaNs(static_cast<size_t>(B * (3 * u + 1)));
      kernels::RnnGradRows r;
      r.batch = B;
      r.units = u;
      r.gates = gates.v.data();
      r.ld_gates = gates.ld;
      r.h_prev = h_prev.v.data();
      r.ld_h_prev = h_prev.ld;
      r.mask = c.masked ? mask.data() : nullptr;
      r.ld_mask = 2;
      r.dpre = dpre.data();
      r.ld_dpre = g * u + 2;
      const RnnAct act = c.acts.act, rec = c.acts.rec;
      switch (cell) {
        case 0: kernels::SimpleRnnBackward(r, act, dh.data(), dh_prev.data()); break;
        case 1: kernels::LstmBackward(r, act, rec, c_prev.v.data(), c_prev.ld, dh.data(), dc.data(), dh_prev.data()); break;
        case 2: kernels::GruBackward(r, act, rec, dh.data(), dh_prev.data(), dmi.data(), 3 * u + 1); break;
        case 3:
          kernels::GruResetBeforeBackwardA(r, act, rec, dh.data(), dh_prev.data());
          kernels::GruResetBeforeBackwardB(r, rec, drh.data(), dh_prev.data());
          break;
      }
      const std::string what = c.Name() + " cell " + std::to_string(cell);
      ASSERT_TRUE(dpre.GuardsIntact() && dh_prev.GuardsIntact() && dc.GuardsIntact() && dmi.GuardsIntact()) << what;
      testutil::FailureBudget budget;
      auto expect = [&](float got, double want, const char* name, int64_t b, int64_t j) {
        if (!Close(got, want) && budget.Spend()) {
          ADD_FAILURE() << what << ": " << name << " row " << b << " j " << j << " got " << got << " want " << want;
        }
      };
      const int64_t ldp = g * u + 2;
      for (int64_t b = 0; b < B; ++b) {
        const float* dp = dpre.data() + b * ldp;
        const float* dm = dmi.data() + b * (3 * u + 1);
        if (RowMasked(c, mask, b)) {
          for (int64_t j = 0; j < u; ++j) {
            expect(dh_prev[b * u + j], dh[b * u + j], "passed dh", b, j);
            if (cell == 1) expect(dc[b * u + j], dc0[b * u + j], "passed dc", b, j);
          }
          for (int64_t k = 0; k < g * u; ++k) expect(dp[k], 0.0, "masked dpre", b, k);
          if (cell == 2) for (int64_t k = 0; k < 3 * u; ++k) expect(dm[k], 0.0, "masked dmi", b, k);
          continue;
        }
        for (int64_t j = 0; j < u; ++j) {
          const double d = dh[b * u + j], hp = h_prev.at(b, j);
          auto gt = [&](int64_t k) { return static_cast<double>(gates.at(b, k * u + j)); };
          if (cell == 0) {
            expect(dp[j], d * ActGrad(act, gt(0)), "dpre", b, j);
            expect(dh_prev[b * u + j], 0.0, "dh_prev", b, j);
          } else if (cell == 1) {
            const double i = gt(0), f = gt(1), gg = gt(2), o = gt(3), cp = c_prev.at(b, j);
            // The kernel recomputes act(c) from float gates; the twin does so in double from the same values.
            const double ac = Act(act, static_cast<double>(static_cast<float>(f * cp + i * gg)));
            const double dct = dc0[b * u + j] + d * o * ActGrad(act, ac);
            expect(dp[j], dct * gg * ActGrad(rec, i), "di", b, j);
            expect(dp[u + j], dct * cp * ActGrad(rec, f), "df", b, j);
            expect(dp[2 * u + j], dct * i * ActGrad(act, gg), "dg", b, j);
            expect(dp[3 * u + j], d * ac * ActGrad(rec, o), "do", b, j);
            expect(dc[b * u + j], dct * f, "dc_prev", b, j);
            expect(dh_prev[b * u + j], 0.0, "dh_prev", b, j);
          } else if (cell == 2) {
            const double z = gt(0), rr = gt(1), hh = gt(2), mh = gt(3);
            const double dhh = d * (1 - z) * ActGrad(act, hh);
            const double dz = d * (hp - hh) * ActGrad(rec, z);
            const double dr = dhh * mh * ActGrad(rec, rr);
            expect(dp[j], dz, "dz", b, j);
            expect(dp[u + j], dr, "dr", b, j);
            expect(dp[2 * u + j], dhh, "dhh", b, j);
            expect(dm[j], dz, "dmi z", b, j);
            expect(dm[u + j], dr, "dmi r", b, j);
            expect(dm[2 * u + j], dhh * rr, "dmi h", b, j);
            expect(dh_prev[b * u + j], d * z, "dh_prev", b, j);
          } else {
            const double z = gt(0), rr = gt(1), hh = gt(2), dr = drh[b * u + j];
            expect(dp[j], d * (hp - hh) * ActGrad(rec, z), "dz", b, j);
            expect(dp[u + j], dr * hp * ActGrad(rec, rr), "dr", b, j);
            expect(dp[2 * u + j], d * (1 - z) * ActGrad(act, hh), "dhh", b, j);
            expect(dh_prev[b * u + j], d * z + dr * rr, "dh_prev", b, j);
          }
        }
      }
    }
  }
}

TEST(RnnKernel, SupportedActivations) {
  for (UnaryOp op : {UnaryOp::kTanh, UnaryOp::kSigmoid, UnaryOp::kHardSigmoid, UnaryOp::kRelu, UnaryOp::kLinear}) {
    EXPECT_TRUE(kernels::RnnActSupported(op)) << kernels::UnaryOpName(op);
  }
  for (UnaryOp op : {UnaryOp::kElu, UnaryOp::kSoftplus, UnaryOp::kSwish}) {
    EXPECT_FALSE(kernels::RnnActSupported(op)) << kernels::UnaryOpName(op);
  }
}

}  // namespace
}  // namespace kerasm
