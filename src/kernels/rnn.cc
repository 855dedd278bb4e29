// Recurrent gate kernels of rnn.h, re-included once per Highway target by foreach_target.h. Each kernel
// walks the rows of one step and, within a row, vectors of `units` lanes (the tail through the padded
// LoadLanes / StoreLanes of loops-inl.h, so odd unit counts get the same arithmetic). The activation is
// chosen per call by a switch the branch predictor settles on at once (it is the same for every vector).
#include "kernels/rnn.h"

#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/rnn.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/loops-inl.h"
#include "kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace kerasm::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The activation, as kernels::Unary computes it (unary.cc).
template <class D, class V>
HWY_INLINE V Act(D d, V v, RnnAct a) {
  switch (a.op) {
    case UnaryOp::kTanh:
      return TanhViaExpm1(d, v);
    case UnaryOp::kSigmoid:
      return Sigmoid(d, v);
    case UnaryOp::kHardSigmoid:
      if (a.alpha != 0.0f) return ClampNaN(d, hn::MulAdd(hn::Set(d, a.alpha), v, hn::Set(d, 0.5f)), 0.0f, 1.0f);
      return hn::Div(ClampNaN(d, hn::Add(v, hn::Set(d, 3.0f)), 0.0f, 6.0f), hn::Set(d, 6.0f));
    case UnaryOp::kRelu:
      return hn::IfThenZeroElse(hn::Lt(v, hn::Zero(d)), v);
    default:  // kLinear (RnnActSupported admits nothing else)
      return v;
  }
}

// The activation's derivative from its output y.
template <class D, class V>
HWY_INLINE V ActGrad(D d, V y, RnnAct a) {
  const V one = hn::Set(d, 1.0f);
  switch (a.op) {
    case UnaryOp::kTanh:
      return hn::NegMulAdd(y, y, one);
    case UnaryOp::kSigmoid:
      return hn::Mul(y, hn::Sub(one, y));
    case UnaryOp::kHardSigmoid: {
      const auto inside = hn::And(hn::Gt(y, hn::Zero(d)), hn::Lt(y, one));
      return hn::IfThenElseZero(inside, hn::Set(d, a.alpha != 0.0f ? a.alpha : 1.0f / 6.0f));
    }
    case UnaryOp::kRelu:
      return hn::IfThenElseZero(hn::Gt(y, hn::Zero(d)), one);
    default:
      return one;
  }
}

HWY_INLINE bool Masked(const float* mask, int64_t ld_mask, int64_t b) {
  return mask != nullptr && mask[b * ld_mask] == 0.0f;
}

// Calls body(d, lanes, j) over the vectors of one row of `units`.
template <class F>
HWY_INLINE void Row(int64_t units, const F& body) {
  ForEachVector(units, body);
}

void SimpleRnnForwardImpl(const RnnStepRows& s, RnnAct act, float* h, float* gates, int64_t ld_gates) {
  const int64_t u = s.units;
  for (int64_t b = 0; b < s.batch; ++b) {
    if (Masked(s.mask, s.ld_mask, b)) continue;
    const float* xp = s.xp + b * s.ld_xp;
    const float* hu = s.hu + b * s.ld_hu;
    float* hb = h + b * u;
    float* gb = gates + b * ld_gates;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto y = Act(d, hn::Add(LoadLanes(d, lanes, xp + j), LoadLanes(d, lanes, hu + j)), act);
      StoreLanes(d, lanes, y, hb + j);
      StoreLanes(d, lanes, y, gb + j);
    });
  }
}

void LstmForwardImpl(const RnnStepRows& s, RnnAct act, RnnAct rec, float* h, float* c, float* gates,
                     int64_t ld_gates) {
  const int64_t u = s.units;
  for (int64_t b = 0; b < s.batch; ++b) {
    if (Masked(s.mask, s.ld_mask, b)) continue;
    const float* xp = s.xp + b * s.ld_xp;
    const float* hu = s.hu + b * s.ld_hu;
    float* hb = h + b * u;
    float* cb = c + b * u;
    float* gb = gates + b * ld_gates;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      auto pre = [&](int64_t k) HWY_ATTR {
        return hn::Add(LoadLanes(d, lanes, xp + k * u + j), LoadLanes(d, lanes, hu + k * u + j));
      };
      const auto i = Act(d, pre(0), rec);
      const auto f = Act(d, pre(1), rec);
      const auto g = Act(d, pre(2), act);
      const auto o = Act(d, pre(3), rec);
      const auto cn = hn::MulAdd(f, LoadLanes(d, lanes, cb + j), hn::Mul(i, g));
      StoreLanes(d, lanes, cn, cb + j);
      StoreLanes(d, lanes, hn::Mul(o, Act(d, cn, act)), hb + j);
      StoreLanes(d, lanes, i, gb + j);
      StoreLanes(d, lanes, f, gb + u + j);
      StoreLanes(d, lanes, g, gb + 2 * u + j);
      StoreLanes(d, lanes, o, gb + 3 * u + j);
    });
  }
}

void GruForwardImpl(const RnnStepRows& s, RnnAct act, RnnAct rec, float* h, float* gates, int64_t ld_gates) {
  const int64_t u = s.units;
  for (int64_t b = 0; b < s.batch; ++b) {
    if (Masked(s.mask, s.ld_mask, b)) continue;
    const float* xp = s.xp + b * s.ld_xp;
    const float* hu = s.hu + b * s.ld_hu;
    float* hb = h + b * u;
    float* gb = gates + b * ld_gates;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto z = Act(d, hn::Add(LoadLanes(d, lanes, xp + j), LoadLanes(d, lanes, hu + j)), rec);
      const auto r = Act(d, hn::Add(LoadLanes(d, lanes, xp + u + j), LoadLanes(d, lanes, hu + u + j)), rec);
      const auto mh = LoadLanes(d, lanes, hu + 2 * u + j);
      const auto hh = Act(d, hn::MulAdd(r, mh, LoadLanes(d, lanes, xp + 2 * u + j)), act);
      const auto hp = LoadLanes(d, lanes, hb + j);
      // z h + (1 - z) hh = hh + z (h - hh)
      StoreLanes(d, lanes, hn::MulAdd(z, hn::Sub(hp, hh), hh), hb + j);
      StoreLanes(d, lanes, z, gb + j);
      StoreLanes(d, lanes, r, gb + u + j);
      StoreLanes(d, lanes, hh, gb + 2 * u + j);
      StoreLanes(d, lanes, mh, gb + 3 * u + j);
    });
  }
}

void GruResetBeforeGatesImpl(const RnnStepRows& s, RnnAct rec, const float* h, float* gates, int64_t ld_gates,
                             float* rh) {
  const int64_t u = s.units;
  for (int64_t b = 0; b < s.batch; ++b) {
    float* rb = rh + b * u;
    if (Masked(s.mask, s.ld_mask, b)) {
      std::memset(rb, 0, static_cast<size_t>(u) * sizeof(float));
      continue;
    }
    const float* xp = s.xp + b * s.ld_xp;
    const float* hu = s.hu + b * s.ld_hu;
    const float* hb = h + b * u;
    float* gb = gates + b * ld_gates;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto z = Act(d, hn::Add(LoadLanes(d, lanes, xp + j), LoadLanes(d, lanes, hu + j)), rec);
      const auto r = Act(d, hn::Add(LoadLanes(d, lanes, xp + u + j), LoadLanes(d, lanes, hu + u + j)), rec);
      StoreLanes(d, lanes, z, gb + j);
      StoreLanes(d, lanes, r, gb + u + j);
      StoreLanes(d, lanes, hn::Mul(r, LoadLanes(d, lanes, hb + j)), rb + j);
    });
  }
}

void GruResetBeforeUpdateImpl(const RnnStepRows& s, RnnAct act, float* h, float* gates, int64_t ld_gates) {
  const int64_t u = s.units;
  for (int64_t b = 0; b < s.batch; ++b) {
    if (Masked(s.mask, s.ld_mask, b)) continue;
    const float* xp = s.xp + b * s.ld_xp;
    const float* hu = s.hu + b * s.ld_hu;
    float* hb = h + b * u;
    float* gb = gates + b * ld_gates;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto hh = Act(d, hn::Add(LoadLanes(d, lanes, xp + 2 * u + j), LoadLanes(d, lanes, hu + j)), act);
      const auto z = LoadLanes(d, lanes, gb + j);
      const auto hp = LoadLanes(d, lanes, hb + j);
      StoreLanes(d, lanes, hn::MulAdd(z, hn::Sub(hp, hh), hh), hb + j);
      StoreLanes(d, lanes, hh, gb + 2 * u + j);
    });
  }
}

// A masked row: no gate gradient, the state's gradient passes through.
HWY_INLINE void PassThrough(const RnnGradRows& g, int64_t width, int64_t b, const float* dh, float* dh_prev) {
  const size_t u = static_cast<size_t>(g.units);
  std::memset(g.dpre + b * g.ld_dpre, 0, static_cast<size_t>(width) * sizeof(float));
  std::memcpy(dh_prev + b * g.units, dh + b * g.units, u * sizeof(float));
}

void SimpleRnnBackwardImpl(const RnnGradRows& g, RnnAct act, const float* dh, float* dh_prev) {
  const int64_t u = g.units;
  for (int64_t b = 0; b < g.batch; ++b) {
    if (Masked(g.mask, g.ld_mask, b)) {
      PassThrough(g, u, b, dh, dh_prev);
      continue;
    }
    const float* gb = g.gates + b * g.ld_gates;
    const float* dhb = dh + b * u;
    float* dp = g.dpre + b * g.ld_dpre;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      StoreLanes(d, lanes, hn::Mul(LoadLanes(d, lanes, dhb + j), ActGrad(d, LoadLanes(d, lanes, gb + j), act)), dp + j);
    });
    std::memset(dh_prev + b * u, 0, static_cast<size_t>(u) * sizeof(float));
  }
}

void LstmBackwardImpl(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* c_prev, int64_t ld_c_prev,
                      const float* dh, float* dc, float* dh_prev) {
  const int64_t u = g.units;
  for (int64_t b = 0; b < g.batch; ++b) {
    if (Masked(g.mask, g.ld_mask, b)) {
      PassThrough(g, 4 * u, b, dh, dh_prev);  // dc stays as it is
      continue;
    }
    const float* gb = g.gates + b * g.ld_gates;
    const float* cp = c_prev + b * ld_c_prev;
    const float* dhb = dh + b * u;
    float* dcb = dc + b * u;
    float* dp = g.dpre + b * g.ld_dpre;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto i = LoadLanes(d, lanes, gb + j);
      const auto f = LoadLanes(d, lanes, gb + u + j);
      const auto gg = LoadLanes(d, lanes, gb + 2 * u + j);
      const auto o = LoadLanes(d, lanes, gb + 3 * u + j);
      const auto c0 = LoadLanes(d, lanes, cp + j);
      const auto dhv = LoadLanes(d, lanes, dhb + j);
      // c and act(c) are recomputed rather than stored: one more activation per element per step
      // against a fifth [batch, units] block of history per step.
      const auto ac = Act(d, hn::MulAdd(f, c0, hn::Mul(i, gg)), act);
      const auto dct = hn::MulAdd(hn::Mul(dhv, o), ActGrad(d, ac, act), LoadLanes(d, lanes, dcb + j));
      StoreLanes(d, lanes, hn::Mul(hn::Mul(dct, gg), ActGrad(d, i, rec)), dp + j);
      StoreLanes(d, lanes, hn::Mul(hn::Mul(dct, c0), ActGrad(d, f, rec)), dp + u + j);
      StoreLanes(d, lanes, hn::Mul(hn::Mul(dct, i), ActGrad(d, gg, act)), dp + 2 * u + j);
      StoreLanes(d, lanes, hn::Mul(hn::Mul(dhv, ac), ActGrad(d, o, rec)), dp + 3 * u + j);
      StoreLanes(d, lanes, hn::Mul(dct, f), dcb + j);
    });
    std::memset(dh_prev + b * u, 0, static_cast<size_t>(u) * sizeof(float));
  }
}

void GruBackwardImpl(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* dh, float* dh_prev, float* dmi,
                     int64_t ld_dmi) {
  const int64_t u = g.units;
  for (int64_t b = 0; b < g.batch; ++b) {
    float* dm = dmi + b * ld_dmi;
    if (Masked(g.mask, g.ld_mask, b)) {
      PassThrough(g, 3 * u, b, dh, dh_prev);
      std::memset(dm, 0, static_cast<size_t>(3 * u) * sizeof(float));
      continue;
    }
    const float* gb = g.gates + b * g.ld_gates;
    const float* hp = g.h_prev + b * g.ld_h_prev;
    const float* dhb = dh + b * u;
    float* dp = g.dpre + b * g.ld_dpre;
    float* dhp = dh_prev + b * u;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto z = LoadLanes(d, lanes, gb + j);
      const auto r = LoadLanes(d, lanes, gb + u + j);
      const auto hh = LoadLanes(d, lanes, gb + 2 * u + j);
      const auto mh = LoadLanes(d, lanes, gb + 3 * u + j);
      const auto dhv = LoadLanes(d, lanes, dhb + j);
      const auto h0 = LoadLanes(d, lanes, hp + j);
      const auto dhh = hn::Mul(hn::Mul(dhv, hn::Sub(hn::Set(d, 1.0f), z)), ActGrad(d, hh, act));
      const auto dz = hn::Mul(hn::Mul(dhv, hn::Sub(h0, hh)), ActGrad(d, z, rec));
      const auto dr = hn::Mul(hn::Mul(dhh, mh), ActGrad(d, r, rec));
      StoreLanes(d, lanes, dz, dp + j);
      StoreLanes(d, lanes, dr, dp + u + j);
      StoreLanes(d, lanes, dhh, dp + 2 * u + j);
      StoreLanes(d, lanes, dz, dm + j);
      StoreLanes(d, lanes, dr, dm + u + j);
      StoreLanes(d, lanes, hn::Mul(dhh, r), dm + 2 * u + j);
      StoreLanes(d, lanes, hn::Mul(dhv, z), dhp + j);
    });
  }
}

void GruResetBeforeBackwardAImpl(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* dh, float* dh_prev) {
  const int64_t u = g.units;
  for (int64_t b = 0; b < g.batch; ++b) {
    if (Masked(g.mask, g.ld_mask, b)) {
      PassThrough(g, 3 * u, b, dh, dh_prev);
      continue;
    }
    const float* gb = g.gates + b * g.ld_gates;
    const float* hp = g.h_prev + b * g.ld_h_prev;
    const float* dhb = dh + b * u;
    float* dp = g.dpre + b * g.ld_dpre;
    float* dhp = dh_prev + b * u;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto z = LoadLanes(d, lanes, gb + j);
      const auto hh = LoadLanes(d, lanes, gb + 2 * u + j);
      const auto dhv = LoadLanes(d, lanes, dhb + j);
      const auto h0 = LoadLanes(d, lanes, hp + j);
      StoreLanes(d, lanes, hn::Mul(hn::Mul(dhv, hn::Sub(h0, hh)), ActGrad(d, z, rec)), dp + j);
      StoreLanes(d, lanes, hn::Zero(d), dp + u + j);
      StoreLanes(d, lanes, hn::Mul(hn::Mul(dhv, hn::Sub(hn::Set(d, 1.0f), z)), ActGrad(d, hh, act)), dp + 2 * u + j);
      StoreLanes(d, lanes, hn::Mul(dhv, z), dhp + j);
    });
  }
}

void GruResetBeforeBackwardBImpl(const RnnGradRows& g, RnnAct rec, const float* drh, float* dh_prev) {
  const int64_t u = g.units;
  for (int64_t b = 0; b < g.batch; ++b) {
    if (Masked(g.mask, g.ld_mask, b)) continue;
    const float* gb = g.gates + b * g.ld_gates;
    const float* hp = g.h_prev + b * g.ld_h_prev;
    const float* drb = drh + b * u;
    float* dp = g.dpre + b * g.ld_dpre;
    float* dhp = dh_prev + b * u;
    Row(u, [=](auto d, auto lanes, int64_t j) HWY_ATTR {
      const auto r = LoadLanes(d, lanes, gb + u + j);
      const auto dr = LoadLanes(d, lanes, drb + j);
      StoreLanes(d, lanes, hn::Mul(hn::Mul(dr, LoadLanes(d, lanes, hp + j)), ActGrad(d, r, rec)), dp + u + j);
      StoreLanes(d, lanes, hn::MulAdd(dr, r, LoadLanes(d, lanes, dhp + j)), dhp + j);
    });
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace kerasm::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace kerasm::kernels {

HWY_EXPORT(SimpleRnnForwardImpl);
HWY_EXPORT(LstmForwardImpl);
HWY_EXPORT(GruForwardImpl);
HWY_EXPORT(GruResetBeforeGatesImpl);
HWY_EXPORT(GruResetBeforeUpdateImpl);
HWY_EXPORT(SimpleRnnBackwardImpl);
HWY_EXPORT(LstmBackwardImpl);
HWY_EXPORT(GruBackwardImpl);
HWY_EXPORT(GruResetBeforeBackwardAImpl);
HWY_EXPORT(GruResetBeforeBackwardBImpl);

bool RnnActSupported(UnaryOp op) {
  return op == UnaryOp::kTanh || op == UnaryOp::kSigmoid || op == UnaryOp::kHardSigmoid || op == UnaryOp::kRelu ||
         op == UnaryOp::kLinear;
}

void SimpleRnnForward(const RnnStepRows& s, RnnAct act, float* h, float* gates, int64_t ld_gates) {
  HWY_DYNAMIC_DISPATCH(SimpleRnnForwardImpl)(s, act, h, gates, ld_gates);
}
void LstmForward(const RnnStepRows& s, RnnAct act, RnnAct rec, float* h, float* c, float* gates,
                 int64_t ld_gates) {
  HWY_DYNAMIC_DISPATCH(LstmForwardImpl)(s, act, rec, h, c, gates, ld_gates);
}
void GruForward(const RnnStepRows& s, RnnAct act, RnnAct rec, float* h, float* gates, int64_t ld_gates) {
  HWY_DYNAMIC_DISPATCH(GruForwardImpl)(s, act, rec, h, gates, ld_gates);
}
void GruResetBeforeGates(const RnnStepRows& s, RnnAct rec, const float* h, float* gates, int64_t ld_gates,
                         float* rh) {
  HWY_DYNAMIC_DISPATCH(GruResetBeforeGatesImpl)(s, rec, h, gates, ld_gates, rh);
}
void GruResetBeforeUpdate(const RnnStepRows& s, RnnAct act, float* h, float* gates, int64_t ld_gates) {
  HWY_DYNAMIC_DISPATCH(GruResetBeforeUpdateImpl)(s, act, h, gates, ld_gates);
}
void SimpleRnnBackward(const RnnGradRows& g, RnnAct act, const float* dh, float* dh_prev) {
  HWY_DYNAMIC_DISPATCH(SimpleRnnBackwardImpl)(g, act, dh, dh_prev);
}
void LstmBackward(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* c_prev, int64_t ld_c_prev,
                  const float* dh, float* dc, float* dh_prev) {
  HWY_DYNAMIC_DISPATCH(LstmBackwardImpl)(g, act, rec, c_prev, ld_c_prev, dh, dc, dh_prev);
}
void GruBackward(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* dh, float* dh_prev, float* dmi,
                 int64_t ld_dmi) {
  HWY_DYNAMIC_DISPATCH(GruBackwardImpl)(g, act, rec, dh, dh_prev, dmi, ld_dmi);
}
void GruResetBeforeBackwardA(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* dh, float* dh_prev) {
  HWY_DYNAMIC_DISPATCH(GruResetBeforeBackwardAImpl)(g, act, rec, dh, dh_prev);
}
void GruResetBeforeBackwardB(const RnnGradRows& g, RnnAct rec, const float* drh, float* dh_prev) {
  HWY_DYNAMIC_DISPATCH(GruResetBeforeBackwardBImpl)(g, rec, drh, dh_prev);
}

}  // namespace kerasm::kernels
#endif  // HWY_ONCE
