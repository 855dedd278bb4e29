// Matrix products: batched matMul with broadcast batch dimensions, and Dense's fused x . kernel + bias.
#include <vector>

#include "core/error.h"
#include "core/workspace.h"
#include "kernels/gemm.h"
#include "kernels/reduce.h"
#include "ops/op_util.h"
#include "ops/ops.h"

namespace kerasm::ops {
using detail::CheckFloat;
using detail::RecordUnaryOut;

namespace {

// Gemm's packed block of B comes from the thread's workspace: one 256 x 1024 block at most (1 MiB), never
// a packed copy of the whole matrix.
Workspace::Scoped GemmScratch(int64_t K, int64_t N, const char* op) {
  return Workspace::ThisThread().Reserve(static_cast<size_t>(kernels::GemmWorkspaceSize(K, N)), op);
}

// A shared b matrix of a batched product is packed once for all its batch entries when the packed copy
// is small enough to sit in the workspace next to Gemm's own block (every MLP and attention-sized
// weight); larger ones go through Gemm per entry, packing block by block.
constexpr size_t kMaxSharedPackedBytes = Workspace::kCapacity / 2;

Tensor MatMulForward(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  CheckFloat(a, "matMul", "a");
  CheckFloat(b, "matMul", "b");
  if (a.rank() < 2 || b.rank() < 2) {
    Fail<ShapeError>("matMul: both operands must have rank >= 2, got shapes ", a.shape(), " and ", b.shape());
  }
  const int64_t M = ta ? a.dim(-1) : a.dim(-2);
  const int64_t Ka = ta ? a.dim(-2) : a.dim(-1);
  const int64_t Kb = tb ? b.dim(-1) : b.dim(-2);
  const int64_t N = tb ? b.dim(-2) : b.dim(-1);
  if (Ka != Kb) {
    Fail<ShapeError>("matMul: inner dimensions differ: a ", a.shape(), (ta ? " (transposed)" : ""), " and b ",
                     b.shape(), (tb ? " (transposed)" : ""), " give ", Ka, " vs ", Kb);
  }
  const int64_t K = Ka;
  Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch = BroadcastShapes(a_batch, b_batch, "matMul");
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out(out_shape);
  if (out.size() == 0) return out;

  const int64_t nbatch = ShapeSize(batch);
  const auto a_strides = BroadcastStrides(a_batch, batch);
  const auto b_strides = BroadcastStrides(b_batch, batch);
  const int64_t a_mat = a.dim(-1) * a.dim(-2);
  const int64_t b_mat = b.dim(-1) * b.dim(-2);
  const int64_t lda = a.dim(-1);
  const int64_t ldb = b.dim(-1);
  // A b matrix shared by several batch entries is packed once; otherwise each product packs as it goes.
  const auto packed_floats = static_cast<size_t>(kernels::GemmPackedBSize(K, N));
  const bool b_shared =
      nbatch > 1 && ShapeSize(b_batch) < nbatch && packed_floats * sizeof(float) <= kMaxSharedPackedBytes;
  Workspace::Scoped scratch = b_shared ? Workspace::ThisThread().Reserve(packed_floats, "matMul")
                                       : GemmScratch(K, N, "matMul");
  float* packed = scratch.data();
  int64_t packed_for = -1;
  std::vector<int64_t> idx(batch.size(), 0);
  for (int64_t bi = 0; bi < nbatch; ++bi) {
    int64_t ao = 0, bo = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      ao += idx[i] * a_strides[i];
      bo += idx[i] * b_strides[i];
    }
    if (!b_shared) {
      // Gemm packs B block by block while it is hot in cache, and reads it in place for a single row.
      kernels::Gemm(M, N, K, a.f32() + ao * a_mat, lda, ta, b.f32() + bo * b_mat, ldb, tb, nullptr,
                    out.f32() + bi * M * N, N, false, packed);
    } else {
      if (bo != packed_for) {
        kernels::GemmPackB(b.f32() + bo * b_mat, ldb, tb, K, N, packed);
        packed_for = bo;
      }
      kernels::GemmPacked(M, N, K, a.f32() + ao * a_mat, lda, ta, packed, nullptr, out.f32() + bi * M * N, N,
                          false);
    }
    for (size_t i = batch.size(); i-- > 0;) {
      if (++idx[i] < batch[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

}  // namespace

Tensor MatMul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  Tensor out = MatMulForward(a, b, ta, tb);
  RecordUnaryOut("matMul", {a, b}, out, [a, b, ta, tb](const Tensor& g, const NeedsGrad& needs) {
    Tensor ga, gb;
    if (needs[0]) {
      ga = !ta ? MatMul(g, b, false, !tb) : tb ? MatMul(b, g, true, true) : MatMul(b, g, false, true);
      ga = SumToShape(ga, a.shape());
    }
    if (needs[1]) {
      gb = !tb ? MatMul(a, g, !ta, false) : ta ? MatMul(g, a, true, true) : MatMul(g, a, true, false);
      gb = SumToShape(gb, b.shape());
    }
    return std::vector<Tensor>{ga, gb};
  });
  return out;
}

Tensor Dense(const Tensor& x, const Tensor& kernel, const Tensor& bias) {
  CheckFloat(x, "dense", "input");
  CheckFloat(kernel, "dense", "kernel");
  if (x.rank() < 1) Fail<ShapeError>("dense: input must have rank >= 1, got a scalar");
  if (kernel.rank() != 2) Fail<ShapeError>("dense: kernel must have rank 2, got shape ", kernel.shape());
  const int64_t in = x.dim(-1);
  const int64_t units = kernel.dim(1);
  if (kernel.dim(0) != in) {
    Fail<ShapeError>("dense: input's last dimension ", in, " (shape ", x.shape(), ") does not match kernel ",
                     kernel.shape());
  }
  if (bias.defined()) {
    CheckFloat(bias, "dense", "bias");
    CheckShape(bias, Shape{units}, "dense", "bias");
  }
  const int64_t M = x.size() / (in ? in : 1);
  Shape out_shape = x.shape();
  out_shape.back() = units;
  Tensor out(out_shape);
  if (out.size() > 0 && (M == 1 || in == 0)) {
    // One row reads the kernel in place, row by row (Gemm streams B for M == 1 and needs no workspace):
    // measured 11 % faster than the packed path for the MLP's predict at batch 1 (22 vs 25 us in wasm).
    kernels::Gemm(M, units, in, x.f32(), in, false, kernel.f32(), units, false, bias.defined() ? bias.f32() : nullptr,
                  out.f32(), units, false, nullptr);
  } else if (out.size() > 0) {
    // The kernel packed once per value and kept with its buffer (DESIGN.md: weights are packed when set,
    // never per call); a new value (assignment, optimizer step) is a new buffer and packs again.
    const int64_t layout = kernels::GemmPackedBLayout();
    const float* packed = kernel.Derived({layout, in, units, 0}, static_cast<size_t>(kernels::GemmPackedBSize(in, units)),
                                         [&kernel, in, units](float* dst) {
                                           kernels::GemmPackB(kernel.f32(), units, false, in, units, dst);
                                         });
    kernels::GemmPacked(M, units, in, x.f32(), in, false, packed, bias.defined() ? bias.f32() : nullptr, out.f32(),
                        units, false);
  }
  std::vector<Tensor> inputs{x, kernel};
  if (bias.defined()) inputs.push_back(bias);
  RecordUnaryOut("dense", std::move(inputs), out,
                 [x, kernel, bias, M, in, units](const Tensor& g, const NeedsGrad& needs) {
    // dx = g . kernel^T, dkernel = x^T . g, dbias = column sums of g; each only when its input needs it
    // (a first layer's dx is a third of its backward work and nobody reads it).
    std::vector<Tensor> grads(needs.size());
    if (needs[0]) {
      Tensor dx(x.shape());
      if (dx.size()) {
        Workspace::Scoped scratch = GemmScratch(units, in, "dense");
        kernels::Gemm(M, in, units, g.f32(), units, false, kernel.f32(), units, true, nullptr, dx.f32(), in, false,
                      scratch.data());
      }
      grads[0] = dx;
    }
    if (needs[1]) {
      Tensor dk(kernel.shape());
      if (dk.size()) {
        Workspace::Scoped scratch = GemmScratch(M, units, "dense");
        kernels::Gemm(in, units, M, x.f32(), in, true, g.f32(), units, false, nullptr, dk.f32(), units, false,
                      scratch.data());
      }
      grads[1] = dk;
    }
    if (bias.defined() && needs[2]) {
      Tensor db(bias.shape());
      kernels::Reduce(kernels::ReduceOp::kSum, g.f32(), db.f32(), 1, M, units);
      grads[2] = db;
    }
    return grads;
  });
  return out;
}

}  // namespace kerasm::ops
