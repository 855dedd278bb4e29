// The fused recurrent sequence op of rnn_ops.h: shape checks, the forward step loop and BPTT.
//
// Row layout: the gradient of the input projection, DXP, is [batch * T, g * units] with row b * T + t
// (x's own row order, so dx = DXP . W^T and dW = x^T . DXP are single GEMMs). Step s processes time t
// (t = T-1-s with go_backwards) and writes rows b * T + t, a stride of T * g * units. The history the backward needs is
// kept in the same row order: HP (the state h before the step at time t), CP (LSTM's c before it) and G
// (the gate activations the kernels wrote), so dU = HP^T . DXP is one GEMM over every step too.
#include "ops/rnn_ops.h"

#include <cstring>
#include <utility>

#include "core/error.h"
#include "core/workspace.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"
#include "kernels/rnn.h"
#include "ops/activation_list.h"
#include "ops/op_util.h"
#include "ops/tape.h"

namespace kerasm::ops {
using detail::CheckFloat;

namespace {

constexpr const char* kOp = "rnnSequence";

int GateCount(RnnCell cell) { return cell == RnnCell::kSimpleRnn ? 1 : cell == RnnCell::kGru ? 3 : 4; }
int StateCount(RnnCell cell) { return cell == RnnCell::kLstm ? 2 : 1; }

// The kernel activation for `name`, or false when the gate kernels have none for it.
bool ResolveAct(const std::string& name, kernels::RnnAct* act) {
  kernels::UnaryOp op;
  float alpha = 0.f;
  try {
    if (!UnaryActivation(name, &op, &alpha)) return false;
  } catch (const ValueError&) {
    return false;
  }
  if (!kernels::RnnActSupported(op)) return false;
  act->op = op;
  act->alpha = alpha;
  return true;
}

kernels::RnnAct RequireAct(const std::string& name, const char* what) {
  kernels::RnnAct act;
  if (!ResolveAct(name, &act)) {
    Fail<ValueError>(kOp, ": ", what, " '", name,
                     "' is not supported by the fused recurrent kernels (supported: tanh, sigmoid, hard_sigmoid, "
                     "hard_sigmoid_keras2, relu, linear)");
  }
  return act;
}

// Gate history width per row: SimpleRNN [h], LSTM [i, f, g, o], GRU reset_after [z, r, hh, hu_h],
// GRU reset before [z, r, hh].
int64_t GateWidth(const RnnSequenceOptions& o, int64_t u) {
  switch (o.cell) {
    case RnnCell::kSimpleRnn: return u;
    case RnnCell::kLstm: return 4 * u;
    case RnnCell::kGru: return o.reset_after ? 4 * u : 3 * u;
  }
  return u;
}

struct Dims {
  int64_t B, T, I, u, g;
};

Dims CheckInputs(const Tensor& x, const std::vector<Tensor>& states, const Tensor& kernel, const Tensor& rk,
                 const Tensor& bias, const Tensor& mask, const RnnSequenceOptions& o) {
  CheckFloat(x, kOp, "input");
  CheckFloat(kernel, kOp, "kernel");
  CheckFloat(rk, kOp, "recurrent_kernel");
  if (x.rank() != 3) Fail<ShapeError>(kOp, ": input must be [batch, timesteps, features], got shape ", x.shape());
  Dims d{x.dim(0), x.dim(1), x.dim(2), 0, GateCount(o.cell)};
  if (d.T == 0) Fail<ShapeError>(kOp, ": input has no timesteps (shape ", x.shape(), ")");
  if (rk.rank() != 2 || rk.dim(1) != d.g * rk.dim(0)) {
    Fail<ShapeError>(kOp, ": recurrent_kernel must be [units, ", d.g, " * units], got shape ", rk.shape());
  }
  d.u = rk.dim(0);
  if (d.u == 0) Fail<ShapeError>(kOp, ": units must be positive, got recurrent_kernel shape ", rk.shape());
  if (kernel.rank() != 2 || kernel.dim(0) != d.I || kernel.dim(1) != d.g * d.u) {
    Fail<ShapeError>(kOp, ": kernel must be ", Shape{d.I, d.g * d.u}, " for input shape ", x.shape(),
                     " and recurrent_kernel ", rk.shape(), ", got shape ", kernel.shape());
  }
  const int want = StateCount(o.cell);
  if (static_cast<int>(states.size()) != want) {
    Fail<ValueError>(kOp, ": ", o.cell == RnnCell::kLstm ? "LSTM" : o.cell == RnnCell::kGru ? "GRU" : "SimpleRNN",
                     " takes ", want, " state(s), got ", states.size());
  }
  for (const Tensor& s : states) {
    CheckFloat(s, kOp, "state");
    if (s.shape() != Shape{d.B, d.u}) {
      Fail<ShapeError>(kOp, ": each state must be [batch, units] = ", Shape{d.B, d.u}, ", got shape ", s.shape());
    }
  }
  if (bias.defined()) {
    CheckFloat(bias, kOp, "bias");
    const bool two_rows = o.cell == RnnCell::kGru && o.reset_after;
    const Shape want_bias = two_rows ? Shape{2, 3 * d.u} : Shape{d.g * d.u};
    if (bias.shape() != want_bias) {
      Fail<ShapeError>(kOp, ": bias must have shape ", want_bias, two_rows ? " (GRU reset_after: input and recurrent rows)" : "",
                       ", got shape ", bias.shape());
    }
  }
  if (mask.defined()) {
    CheckFloat(mask, kOp, "mask");
    if (mask.shape() != Shape{d.B, d.T}) {
      Fail<ShapeError>(kOp, ": mask must be [batch, timesteps] = ", Shape{d.B, d.T}, ", got shape ", mask.shape());
    }
  }
  return d;
}

// Packed-weight cache keys: the whole U is packed as Dense packs a kernel (same key, same contents);
// GRU's reset-before variant packs U_zr and U_h as two products (tag 1).
constexpr int64_t kPackWhole = 0;
constexpr int64_t kPackGruSplit = 0x52424752;  // "RGBR"

// C[rows, N] = A . U[:, col0 : col0 + N] (+ bias) with U [K, ld] packed (or read in place for one row).
struct Recurrent {
  const float* U = nullptr;      // raw weights
  int64_t ld = 0;                // g * units
  const float* packed = nullptr; // whole (or the split pair), null for batch 1
  int64_t K = 0;

  void Multiply(int64_t M, const float* A, int64_t col0, int64_t N, const float* packed_part, const float* bias,
                float* C) const {
    if (M == 1 || packed_part == nullptr) {
      // One row streams U once per step (Gemm's M == 1 path, no packing): the batch-1 GEMV. In wasm an
      // LSTM 128/64/T100 at batch 1 took 0.94-1.05 ms this way against 1.17-1.21 ms through the packed U.
      kernels::Gemm(M, N, K, A, K, false, U + col0, ld, false, bias, C, N, false, nullptr);
    } else {
      kernels::GemmPacked(M, N, K, A, K, false, packed_part, bias, C, N, false);
    }
  }
};

Workspace::Scoped GemmScratch(int64_t K, int64_t N) {
  return Workspace::ThisThread().Reserve(static_cast<size_t>(kernels::GemmWorkspaceSize(K, N)), kOp);
}

void CopyRows(const float* src, int64_t ld_src, float* dst, int64_t ld_dst, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(dst + r * ld_dst, src + r * ld_src, static_cast<size_t>(cols) * sizeof(float));
  }
}

struct Saved {
  Tensor HP, CP, G;  // history, row b * T + t
};

std::vector<Tensor> Forward(const Tensor& x, const std::vector<Tensor>& states, const Tensor& kernel,
                            const Tensor& rk, const Tensor& bias, const Tensor& mask, const RnnSequenceOptions& o,
                            const Dims& dm, kernels::RnnAct act, kernels::RnnAct rec, bool keep, Saved* saved) {
  const int64_t B = dm.B, T = dm.T, I = dm.I, u = dm.u, gu = dm.g * u;
  const bool lstm = o.cell == RnnCell::kLstm;
  const bool gru = o.cell == RnnCell::kGru;
  const bool split = gru && !o.reset_after;
  const float* b_in = bias.defined() ? bias.f32() : nullptr;
  const float* b_rec = (gru && o.reset_after && b_in) ? b_in + gu : nullptr;

  // XP = x . W + b_in. Batch 1: for every step at once (one GEMM of T rows, its [T, g * units] result stays
  // in cache). Larger batches: per step, into a [batch, g * units] block the gate kernel reads while it is
  // still in cache; all steps at once put a step's rows T * g * units floats apart (a page each at T 100)
  // in a block (6.5 MB for the LSTM 128/64/T100 at batch 32) that leaves the cache before it is read.
  // Measured in wasm on that LSTM: 23.5 ms per step against 23.7-24.0 ms all at once, with the memory saved.
  const bool per_step_xp = B > 1;
  Tensor XP = per_step_xp ? Tensor({B, gu}) : Tensor({B * T, gu});
  const int64_t layout = kernels::GemmPackedBLayout();
  const float* packed_w = kernel.Derived({layout, I, gu, kPackWhole}, static_cast<size_t>(kernels::GemmPackedBSize(I, gu)),
                                         [&kernel, I, gu](float* dst) { kernels::GemmPackB(kernel.f32(), gu, false, I, gu, dst); });
  if (!per_step_xp) kernels::GemmPacked(B * T, gu, I, x.f32(), I, false, packed_w, b_in, XP.f32(), gu, false);

  Recurrent R{rk.f32(), gu, nullptr, u};
  const float* packed_zr = nullptr;
  const float* packed_h = nullptr;
  if (B > 1) {
    if (!split) {
      R.packed = rk.Derived({layout, u, gu, kPackWhole}, static_cast<size_t>(kernels::GemmPackedBSize(u, gu)),
                            [&rk, u, gu](float* dst) { kernels::GemmPackB(rk.f32(), gu, false, u, gu, dst); });
      packed_zr = R.packed;
    } else {
      const int64_t zr = kernels::GemmPackedBSize(u, 2 * u);
      R.packed = rk.Derived({layout, u, gu, kPackGruSplit}, static_cast<size_t>(zr + kernels::GemmPackedBSize(u, u)),
                            [&rk, u, gu, zr](float* dst) {
                              kernels::GemmPackB(rk.f32(), gu, false, u, 2 * u, dst);
                              kernels::GemmPackB(rk.f32() + 2 * u, gu, false, u, u, dst + zr);
                            });
      packed_zr = R.packed;
      packed_h = R.packed + zr;
    }
  }

  Tensor h = states[0].Clone();
  Tensor c = lstm ? states[1].Clone() : Tensor();
  const int64_t gw = GateWidth(o, u);
  const bool masked = mask.defined();
  if (keep) {
    saved->HP = Tensor({B * T, u});
    if (lstm) saved->CP = Tensor({B * T, u});
    // Masked steps leave their gate rows unwritten; zeros keep the backward's products over them finite.
    saved->G = masked ? Tensor::Zeros({B * T, gw}) : Tensor({B * T, gw});
  }
  // Per-call buffers are tensors, not workspace: they grow with the batch, the workspace is bounded.
  Tensor hu_t({B, split ? 2 * u : gu});
  Tensor gates_t = keep ? Tensor() : Tensor({B, gw});
  Tensor rh_t = split ? Tensor({B, u}) : Tensor();
  float* hu = hu_t.f32();
  // The previous output of each row (zeros before its first processed step), which masked steps repeat.
  Tensor prev_out = masked ? Tensor::Zeros({B, u}) : Tensor();
  Tensor out = o.return_sequences ? Tensor({B, T, u}) : Tensor({B, u});

  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = o.go_backwards ? T - 1 - s : s;
    kernels::RnnStepRows rows;
    rows.batch = B;
    rows.units = u;
    if (per_step_xp) {
      kernels::GemmPacked(B, gu, I, x.f32() + t * I, T * I, false, packed_w, b_in, XP.f32(), gu, false);
      rows.xp = XP.f32();
      rows.ld_xp = gu;
    } else {
      rows.xp = XP.f32() + t * gu;
      rows.ld_xp = T * gu;
    }
    rows.hu = hu;
    rows.ld_hu = split ? 2 * u : gu;
    rows.mask = masked ? mask.f32() + t : nullptr;
    rows.ld_mask = T;
    float* gates = keep ? saved->G.f32() + t * gw : gates_t.f32();
    const int64_t ld_gates = keep ? T * gw : gw;
    if (keep) {
      CopyRows(h.f32(), u, saved->HP.f32() + t * u, T * u, B, u);
      if (lstm) CopyRows(c.f32(), u, saved->CP.f32() + t * u, T * u, B, u);
    }
    switch (o.cell) {
      case RnnCell::kSimpleRnn:
        R.Multiply(B, h.f32(), 0, gu, R.packed, nullptr, hu);
        kernels::SimpleRnnForward(rows, act, h.f32(), gates, ld_gates);
        break;
      case RnnCell::kLstm:
        R.Multiply(B, h.f32(), 0, gu, R.packed, nullptr, hu);
        kernels::LstmForward(rows, act, rec, h.f32(), c.f32(), gates, ld_gates);
        break;
      case RnnCell::kGru:
        if (!split) {
          R.Multiply(B, h.f32(), 0, gu, R.packed, b_rec, hu);
          kernels::GruForward(rows, act, rec, h.f32(), gates, ld_gates);
        } else {
          R.Multiply(B, h.f32(), 0, 2 * u, packed_zr, nullptr, hu);
          kernels::GruResetBeforeGates(rows, rec, h.f32(), gates, ld_gates, rh_t.f32());
          R.Multiply(B, rh_t.f32(), 2 * u, u, packed_h, nullptr, hu);
          rows.ld_hu = u;
          kernels::GruResetBeforeUpdate(rows, act, h.f32(), gates, ld_gates);
        }
        break;
    }
    const float* step_out = h.f32();
    if (masked) {
      for (int64_t b = 0; b < B; ++b) {
        if (mask.f32()[b * T + t] != 0.f) std::memcpy(prev_out.f32() + b * u, h.f32() + b * u, u * sizeof(float));
      }
      step_out = prev_out.f32();
    }
    if (o.return_sequences) CopyRows(step_out, u, out.f32() + s * u, T * u, B, u);
  }
  if (!o.return_sequences) std::memcpy(out.f32(), masked ? prev_out.f32() : h.f32(), B * u * sizeof(float));
  std::vector<Tensor> result{out, h};
  if (lstm) result.push_back(c);
  return result;
}

struct BackwardInputs {
  Tensor x, kernel, rk, bias, mask;
  RnnSequenceOptions o;
  Dims dm;
  kernels::RnnAct act, rec;
  Saved saved;
};

// Gradients in the op's input order: x, states..., kernel, recurrent_kernel, bias (when defined).
std::vector<Tensor> Backward(const BackwardInputs& in, const std::vector<Tensor>& grads, const NeedsGrad& needs) {
  const RnnSequenceOptions& o = in.o;
  const int64_t B = in.dm.B, T = in.dm.T, I = in.dm.I, u = in.dm.u, gu = in.dm.g * u;
  const bool lstm = o.cell == RnnCell::kLstm;
  const bool split = o.cell == RnnCell::kGru && !o.reset_after;
  const bool gru_ra = o.cell == RnnCell::kGru && o.reset_after;
  const int64_t gw = GateWidth(o, u);
  const bool masked = in.mask.defined();
  const Tensor& gout = grads[0];

  Tensor dh = grads[1].Clone();
  Tensor dh_prev({B, u});
  Tensor dc = lstm ? grads[2].Clone() : Tensor();
  Tensor dpo = masked ? Tensor::Zeros({B, u}) : Tensor();
  if (!o.return_sequences) {
    float* dst = masked ? dpo.f32() : dh.f32();
    for (int64_t i = 0; i < B * u; ++i) dst[i] += gout.f32()[i];
  }

  // U^T packed once for the per-step dh_prev += dgates . U^T (split GRU: U_zr^T and U_h^T).
  const int64_t k_main = split ? 2 * u : (gru_ra ? 3 * u : gu);
  Tensor UT({kernels::GemmPackedBSize(k_main, u)});
  kernels::GemmPackB(in.rk.f32(), gu, true, k_main, u, UT.f32());
  Tensor UhT;
  if (split) {
    UhT = Tensor({kernels::GemmPackedBSize(u, u)});
    kernels::GemmPackB(in.rk.f32() + 2 * u, gu, true, u, u, UhT.f32());
  }
  Tensor DXP({B * T, gu});
  Tensor DMI = gru_ra ? Tensor({B * T, 3 * u}) : Tensor();
  Tensor drh = split ? Tensor({B, u}) : Tensor();

  for (int64_t s = T - 1; s >= 0; --s) {
    const int64_t t = o.go_backwards ? T - 1 - s : s;
    if (o.return_sequences) {
      float* dst = masked ? dpo.f32() : dh.f32();
      for (int64_t b = 0; b < B; ++b) {
        const float* src = gout.f32() + (b * T + s) * u;
        for (int64_t j = 0; j < u; ++j) dst[b * u + j] += src[j];
      }
    }
    if (masked) {
      // A processed step's output is its state; a masked one's is the previous output (dpo carries on).
      for (int64_t b = 0; b < B; ++b) {
        if (in.mask.f32()[b * T + t] == 0.f) continue;
        for (int64_t j = 0; j < u; ++j) {
          dh.f32()[b * u + j] += dpo.f32()[b * u + j];
          dpo.f32()[b * u + j] = 0.f;
        }
      }
    }
    kernels::RnnGradRows rows;
    rows.batch = B;
    rows.units = u;
    rows.gates = in.saved.G.f32() + t * gw;
    rows.ld_gates = T * gw;
    rows.h_prev = in.saved.HP.f32() + t * u;
    rows.ld_h_prev = T * u;
    rows.mask = masked ? in.mask.f32() + t : nullptr;
    rows.ld_mask = T;
    rows.dpre = DXP.f32() + t * gu;
    rows.ld_dpre = T * gu;
    const float* dg = rows.dpre;
    int64_t ld_dg = T * gu;
    switch (o.cell) {
      case RnnCell::kSimpleRnn:
        kernels::SimpleRnnBackward(rows, in.act, dh.f32(), dh_prev.f32());
        break;
      case RnnCell::kLstm:
        kernels::LstmBackward(rows, in.act, in.rec, in.saved.CP.f32() + t * u, T * u, dh.f32(), dc.f32(), dh_prev.f32());
        break;
      case RnnCell::kGru:
        if (gru_ra) {
          kernels::GruBackward(rows, in.act, in.rec, dh.f32(), dh_prev.f32(), DMI.f32() + t * 3 * u, T * 3 * u);
          dg = DMI.f32() + t * 3 * u;
          ld_dg = T * 3 * u;
        } else {
          kernels::GruResetBeforeBackwardA(rows, in.act, in.rec, dh.f32(), dh_prev.f32());
          kernels::GemmPacked(B, u, u, rows.dpre + 2 * u, T * gu, false, UhT.f32(), nullptr, drh.f32(), u, false);
          kernels::GruResetBeforeBackwardB(rows, in.rec, drh.f32(), dh_prev.f32());
        }
        break;
    }
    kernels::GemmPacked(B, u, k_main, dg, ld_dg, false, UT.f32(), nullptr, dh_prev.f32(), u, true);
    std::swap(dh, dh_prev);
  }

  std::vector<Tensor> out(needs.size());
  size_t k = 0;
  if (needs[k]) {
    Tensor dx(in.x.shape());
    Workspace::Scoped ws = GemmScratch(gu, I);
    kernels::Gemm(B * T, I, gu, DXP.f32(), gu, false, in.kernel.f32(), gu, true, nullptr, dx.f32(), I, false, ws.data());
    out[k] = dx;
  }
  ++k;
  out[k++] = dh;
  if (lstm) out[k++] = dc;
  if (needs[k]) {
    Tensor dW({I, gu});
    Workspace::Scoped ws = GemmScratch(B * T, gu);
    kernels::Gemm(I, gu, B * T, in.x.f32(), I, true, DXP.f32(), gu, false, nullptr, dW.f32(), gu, false, ws.data());
    out[k] = dW;
  }
  ++k;
  if (needs[k]) {
    Tensor dU({u, gu});
    Workspace::Scoped ws = GemmScratch(B * T, gu);
    const float* HP = in.saved.HP.f32();
    if (gru_ra) {
      kernels::Gemm(u, gu, B * T, HP, u, true, DMI.f32(), gu, false, nullptr, dU.f32(), gu, false, ws.data());
    } else if (split) {
      kernels::Gemm(u, 2 * u, B * T, HP, u, true, DXP.f32(), gu, false, nullptr, dU.f32(), gu, false, ws.data());
      // (r h)^T . dhh for U_h: r h rebuilt from the history.
      Tensor RH({B * T, u});
      const float* G = in.saved.G.f32();
      for (int64_t r = 0; r < B * T; ++r) {
        for (int64_t j = 0; j < u; ++j) RH.f32()[r * u + j] = G[r * gw + u + j] * HP[r * u + j];
      }
      kernels::Gemm(u, u, B * T, RH.f32(), u, true, DXP.f32() + 2 * u, gu, false, nullptr, dU.f32() + 2 * u, gu, false,
                    ws.data());
    } else {
      kernels::Gemm(u, gu, B * T, HP, u, true, DXP.f32(), gu, false, nullptr, dU.f32(), gu, false, ws.data());
    }
    out[k] = dU;
  }
  ++k;
  if (in.bias.defined() && needs[k]) {
    Tensor db(in.bias.shape());
    kernels::Reduce(kernels::ReduceOp::kSum, DXP.f32(), db.f32(), 1, B * T, gu);
    if (gru_ra) kernels::Reduce(kernels::ReduceOp::kSum, DMI.f32(), db.f32() + gu, 1, B * T, gu);
    out[k] = db;
  }
  return out;
}

}  // namespace

bool RnnSequenceSupported(const RnnSequenceOptions& options) {
  kernels::RnnAct a;
  if (!ResolveAct(options.activation, &a)) return false;
  return options.cell == RnnCell::kSimpleRnn || ResolveAct(options.recurrent_activation, &a);
}

std::vector<Tensor> RnnSequence(const Tensor& x, const std::vector<Tensor>& states, const Tensor& kernel,
                                const Tensor& recurrent_kernel, const Tensor& bias, const Tensor& mask,
                                const RnnSequenceOptions& options) {
  const Dims dm = CheckInputs(x, states, kernel, recurrent_kernel, bias, mask, options);
  const kernels::RnnAct act = RequireAct(options.activation, "activation");
  const kernels::RnnAct rec = options.cell == RnnCell::kSimpleRnn
                                  ? kernels::RnnAct{}
                                  : RequireAct(options.recurrent_activation, "recurrent_activation");
  const bool keep = IsRecording();
  BackwardInputs saved{x, kernel, recurrent_kernel, bias, mask, options, dm, act, rec, {}};
  std::vector<Tensor> result =
      Forward(x, states, kernel, recurrent_kernel, bias, mask, options, dm, act, rec, keep, &saved.saved);
  if (keep) {
    std::vector<Tensor> inputs{x};
    for (const Tensor& s : states) inputs.push_back(s);
    inputs.push_back(kernel);
    inputs.push_back(recurrent_kernel);
    if (bias.defined()) inputs.push_back(bias);
    Record(kOp, std::move(inputs), result,
           [in = std::move(saved)](const std::vector<Tensor>& g, const NeedsGrad& needs) { return Backward(in, g, needs); });
  }
  return result;
}

}  // namespace kerasm::ops
