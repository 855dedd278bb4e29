// Optimizer update rules as fused element-wise kernels: one pass reads a variable's value w, its gradient g
// and the optimizer's slots (moments, accumulators), writes the new value to out and updates the slots in
// place. The rules are tfjs-core's (Nadam: Keras'), written out in models/optimizer_rules.cc.
//
// Contract: float32 throughout, each element computed with exactly the operations and order of the
// formula stated below (separate multiply and add, never fused; IEEE division and square root), so the
// result is bitwise the same on every Highway target and equal to a plain scalar loop. Max follows
// std::max only for non-NaN inputs. out may alias w; slots must not alias anything else. n may be 0.
#pragma once

#include <cstdint>

namespace kerasm::kernels {

// m = m b1 + g (1-b1); v = v b2 + g g (1-b2); s = amsgrad ? (vmax = max(vmax, v)) : v;
// out = (m / c1) / (sqrt(s / c2) + eps) (-lr) + w, with c1 = 1 - b1^t, c2 = 1 - b2^t.
struct AdamParams {
  float b1, one_minus_b1, b2, one_minus_b2, c1, c2, eps, lr;
};
// vmax is null unless amsgrad.
void AdamUpdate(const float* w, const float* g, float* m, float* v, float* vmax, float* out, int64_t n,
                const AdamParams& p);

// ms = ms rho + g g (1-rho); d = centered ? ms - (mg = mg rho + g (1-rho))^2 : ms;
// mom = mom momentum + g lr / sqrt(d + eps); out = w - mom.
struct RmsPropParams {
  float rho, one_minus_rho, momentum, eps, lr;
};
// mg is null unless centered.
void RmsPropUpdate(const float* w, const float* g, float* ms, float* mom, float* mg, float* out, int64_t n,
                   const RmsPropParams& p);

// acc = acc + g g; out = g / sqrt(acc + eps) (-lr) + w.
void AdagradUpdate(const float* w, const float* g, float* acc, float* out, int64_t n, float eps, float lr);

// u = sqrt(acc_update + eps) / sqrt(acc_grad + eps) g (with both accumulators from before this step);
// acc_grad = acc_grad rho + g g (1-rho); acc_update = acc_update rho + u u (1-rho); out = u (-lr) + w.
void AdadeltaUpdate(const float* w, const float* g, float* acc_grad, float* acc_update, float* out, int64_t n,
                    float rho, float one_minus_rho, float eps, float lr);

// m = m b1 + g (1-b1); u = max(u b2, |g|); out = step (m / (u + eps)) + w, step = -lr / (1 - b1^t).
void AdamaxUpdate(const float* w, const float* g, float* m, float* u, float* out, int64_t n, float b1,
                  float one_minus_b1, float b2, float eps, float step);

// m = m + (g - m)(1-b1); v = v + (g g - v)(1-b2); out = w - (a m + b g) lr / (sqrt(v / c2) + eps).
struct NadamParams {
  float one_minus_b1, one_minus_b2, a, b, c2, eps, lr;
};
void NadamUpdate(const float* w, const float* g, float* m, float* v, float* out, int64_t n, const NadamParams& p);

}  // namespace kerasm::kernels
