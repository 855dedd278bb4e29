#include "ops/tape.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "ops/ops.h"

namespace kerasm::ops {
namespace {
// Tapes are per thread: a worker pool running kernels never records, only the thread running ops does.
thread_local std::vector<GradientTape*> t_tapes;
thread_local int t_active_tapes = 0;
thread_local int t_paused = 0;
}  // namespace

GradientTape::GradientTape() {
  t_tapes.push_back(this);
  ++t_active_tapes;
}

GradientTape::~GradientTape() {
  if (active_) --t_active_tapes;
  auto it = std::find(t_tapes.begin(), t_tapes.end(), this);
  if (it != t_tapes.end()) t_tapes.erase(it);
}

bool IsRecording() { return t_paused == 0 && t_active_tapes > 0; }

void Record(const char* op, std::vector<Tensor> inputs, std::vector<Tensor> outputs, BackwardFn backward) {
  // The common case is one tape; share the vectors only when several record.
  int active = 0;
  for (GradientTape* tape : t_tapes) active += tape->recording();
  for (GradientTape* tape : t_tapes) {
    if (!tape->recording()) continue;
    if (--active == 0) {
      tape->Append({op, std::move(inputs), std::move(outputs), std::move(backward)});
      return;
    }
    tape->Append({op, inputs, outputs, backward});
  }
}

NoGradScope::NoGradScope() { ++t_paused; }
NoGradScope::~NoGradScope() { --t_paused; }

std::vector<Tensor> GradientTape::Gradient(const Tensor& y, const std::vector<Tensor>& xs, const Tensor& dy,
                                           bool allow_unconnected) {
  CheckDefined(y, "gradient", "y");
  if (active_) {
    active_ = false;
    --t_active_tapes;
  }
  NoGradScope no_grad;

  // Forward pass over the records: which tensors depend on a source. Records off that set cannot carry a
  // gradient to a source, so their backward functions are skipped.
  std::unordered_set<uint64_t> reach;
  for (const Tensor& x : xs) {
    CheckDefined(x, "gradient", "a source");
    reach.insert(x.id());
  }
  std::vector<char> relevant(records_.size(), 0);
  for (size_t r = 0; r < records_.size(); ++r) {
    for (const Tensor& in : records_[r].inputs) {
      if (in.defined() && reach.count(in.id())) {
        relevant[r] = 1;
        break;
      }
    }
    if (relevant[r]) {
      for (const Tensor& out : records_[r].outputs) reach.insert(out.id());
    }
  }

  input_grads_computed_ = 0;
  std::unordered_map<uint64_t, Tensor> grads;
  if (dy.defined()) {
    CheckShape(dy, y.shape(), "gradient", "dy");
    grads[y.id()] = dy;
  } else {
    grads[y.id()] = OnesLike(y);
  }

  for (size_t r = records_.size(); r-- > 0;) {
    if (!relevant[r]) continue;
    TapeRecord& rec = records_[r];
    bool any = false;
    std::vector<Tensor> out_grads(rec.outputs.size());
    for (size_t i = 0; i < rec.outputs.size(); ++i) {
      auto it = grads.find(rec.outputs[i].id());
      if (it != grads.end()) {
        out_grads[i] = it->second;
        any = true;
      }
    }
    if (!any) continue;
    for (size_t i = 0; i < rec.outputs.size(); ++i) {
      if (!out_grads[i].defined()) out_grads[i] = ZerosLike(rec.outputs[i]);
    }
    NeedsGrad needs(rec.inputs.size());
    for (size_t i = 0; i < rec.inputs.size(); ++i) needs[i] = rec.inputs[i].defined() && reach.count(rec.inputs[i].id());
    std::vector<Tensor> in_grads = rec.backward(out_grads, needs);
    for (size_t i = 0; i < rec.inputs.size() && i < in_grads.size(); ++i) {
      const Tensor& in = rec.inputs[i];
      const Tensor& g = in_grads[i];
      if (g.defined()) ++input_grads_computed_;
      if (!g.defined() || !needs[i]) continue;
      if (g.shape() != in.shape()) {
        Fail<Error>("gradient of ", rec.op, ": internal error, gradient shape ", g.shape(), " differs from input ",
                    in.shape());
      }
      auto it = grads.find(in.id());
      if (it == grads.end()) {
        grads.emplace(in.id(), g);
      } else {
        it->second = Add(it->second, g);
      }
    }
    // Free what this record held as soon as it has been used.
    rec = TapeRecord{rec.op, {}, {}, nullptr};
  }
  records_.clear();

  std::vector<Tensor> result;
  result.reserve(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    auto it = grads.find(xs[i].id());
    if (it != grads.end()) {
      result.push_back(it->second);
    } else if (allow_unconnected) {
      result.emplace_back();
    } else {
      Fail<ValueError>("gradient: source ", i, " (shape ", xs[i].shape(),
                       ") is not connected to the result: make sure the function computes its result from it");
    }
  }
  return result;
}

}  // namespace kerasm::ops
