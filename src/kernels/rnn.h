// Gate kernels of the fused recurrent sequence op (ops/rnn_ops.h): one call per time step applies a
// cell's gates to rows of precomputed matrix products, forward and backward. The products themselves
// (x . W + b for all steps at once, h . U per step) are GEMMs the op runs; these kernels only do the
// element-wise part, so every row is read and written once per step.
//
// Layout: a step works on `batch` rows. Row b of a matrix argument P with leading dimension ld_P starts
// at P + b * ld_P; within a row the gate blocks follow Keras' kernel column order (LSTM i, f, c, o; GRU
// z, r, h), each `units` wide. State buffers h, c, dh, dc are contiguous [batch, units].
//
// Masks: mask[b * ld_mask] is 0 or 1 per row (null: every row is processed). A row whose mask is 0 keeps
// its state (h, c untouched) forward; backward it passes dh / dc straight through and gets zero gate
// gradients. Activations: linear, relu, sigmoid, hardSigmoid (alpha 0: relu6(x + 3) / 6; alpha 0.2:
// clip(0.2 x + 0.5, 0, 1)) and tanh, with the formulas and accuracy of kernels::Unary (unary.cc);
// their derivatives are taken from the activation's output y: tanh 1 - y^2, sigmoid y (1 - y),
// hardSigmoid its slope where 0 < y < 1, relu 1 where y > 0, linear 1.
#pragma once

#include <cstdint>

#include "kernels/elementwise.h"

namespace kerasm::kernels {

struct RnnAct {
  UnaryOp op = UnaryOp::kTanh;
  float alpha = 0.f;
};

// Whether the gate kernels implement this activation.
bool RnnActSupported(UnaryOp op);

// The rows one step reads.
struct RnnStepRows {
  int64_t batch = 0, units = 0;
  const float* xp = nullptr;  // input projection (bias folded in), g * units per row
  int64_t ld_xp = 0;
  const float* hu = nullptr;  // recurrent product for this step (see each kernel)
  int64_t ld_hu = 0;
  const float* mask = nullptr;
  int64_t ld_mask = 0;
};

// ---- forward. `gates` rows (ld_gates) receive what the backward step reads.

// h = act(xp + hu), hu = h . U. gates: [h_new] (units wide).
void SimpleRnnForward(const RnnStepRows& s, RnnAct act, float* h, float* gates, int64_t ld_gates);
// a = xp + hu (hu = h . U, 4 units); i, f, o = rec(a_i, a_f, a_o), g = act(a_c); c = f c + i g;
// h = o act(c). gates: [i, f, g, o] activated (4 units wide).
void LstmForward(const RnnStepRows& s, RnnAct act, RnnAct rec, float* h, float* c, float* gates,
                 int64_t ld_gates);
// GRU, reset_after: hu = h . U + b_rec (3 units); z = rec(xp_z + hu_z), r = rec(xp_r + hu_r),
// hh = act(xp_h + r hu_h), h = z h + (1 - z) hh. gates: [z, r, hh, hu_h] (4 units wide).
void GruForward(const RnnStepRows& s, RnnAct act, RnnAct rec, float* h, float* gates, int64_t ld_gates);
// GRU, reset before the product, in two phases around the GEMM (r h) . U_h. Phase 1, hu = h . U_zr
// (2 units): z, r into gates, rh = r h ([batch, units]; masked rows get 0).
void GruResetBeforeGates(const RnnStepRows& s, RnnAct rec, const float* h, float* gates, int64_t ld_gates,
                         float* rh);
// Phase 2, hu = rh . U_h (units): hh = act(xp_h + hu) into gates (3 units wide: z, r, hh), h updated.
void GruResetBeforeUpdate(const RnnStepRows& s, RnnAct act, float* h, float* gates, int64_t ld_gates);

// ---- backward. dh: gradient of the state after the step. dpre rows (ld_dpre): gradient of the
// pre-activations, which is the gradient of xp (g * units wide). dh_prev ([batch, units]) receives the
// part of the previous state's gradient that does not go through U (the op adds dpre . U^T).

struct RnnGradRows {
  int64_t batch = 0, units = 0;
  const float* gates = nullptr;  // as the forward step wrote them
  int64_t ld_gates = 0;
  const float* h_prev = nullptr;  // state before the step
  int64_t ld_h_prev = 0;
  const float* mask = nullptr;
  int64_t ld_mask = 0;
  float* dpre = nullptr;
  int64_t ld_dpre = 0;
};

void SimpleRnnBackward(const RnnGradRows& g, RnnAct act, const float* dh, float* dh_prev);
// dc: in, the gradient of c after the step; out, that of c before it (in place).
void LstmBackward(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* c_prev, int64_t ld_c_prev,
                  const float* dh, float* dc, float* dh_prev);
// reset_after. dmi rows (ld_dmi, 3 units): gradient of hu (= h . U + b_rec).
void GruBackward(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* dh, float* dh_prev, float* dmi,
                 int64_t ld_dmi);
// Reset before, phase A: dz and dhh pre-activations into dpre (dr zero), dh_prev = z dh.
void GruResetBeforeBackwardA(const RnnGradRows& g, RnnAct act, RnnAct rec, const float* dh, float* dh_prev);
// Phase B, given drh = dhh_pre . U_h^T ([batch, units]): dr pre-activation into dpre, dh_prev += r drh.
void GruResetBeforeBackwardB(const RnnGradRows& g, RnnAct rec, const float* drh, float* dh_prev);

}  // namespace kerasm::kernels
