// Optimizer plumbing and CreateOptimizer; the update rules themselves are in optimizer_rules.cc.
#include "models/optimizers.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "core/error.h"
#include "params/names.h"
#include "models/optimizer_base.h"
#include "ops/tape.h"

namespace kerasm::models {
namespace {

double SumOfSquares(const Tensor& g) {
  const float* p = g.f32();
  double s = 0;
  for (int64_t i = 0; i < g.size(); ++i) s += double(p[i]) * double(p[i]);
  return s;
}

Tensor Scaled(const Tensor& g, double factor) {
  Tensor out(g.shape());
  const float* p = g.f32();
  float* q = out.f32();
  for (int64_t i = 0; i < g.size(); ++i) q[i] = static_cast<float>(p[i] * factor);
  return out;
}

// Keras' gradient clipping, applied to copies (the caller's gradients stay untouched).
std::vector<Tensor> ClipGradients(const std::vector<Tensor>& grads, const CommonOptions& c) {
  std::vector<Tensor> out = grads;
  if (c.clipnorm) {
    for (Tensor& g : out) {
      if (!g.defined()) continue;
      const double norm = std::sqrt(SumOfSquares(g));
      if (norm > *c.clipnorm) g = Scaled(g, *c.clipnorm / norm);
    }
  }
  if (c.clipvalue) {
    const float lim = static_cast<float>(*c.clipvalue);
    for (Tensor& g : out) {
      if (!g.defined()) continue;
      Tensor clipped(g.shape());
      const float* p = g.f32();
      float* q = clipped.f32();
      for (int64_t i = 0; i < g.size(); ++i) q[i] = std::clamp(p[i], -lim, lim);
      g = clipped;
    }
  }
  if (c.global_clipnorm) {
    double total = 0;
    for (const Tensor& g : out) {
      if (g.defined()) total += SumOfSquares(g);
    }
    const double norm = std::sqrt(total);
    if (norm > *c.global_clipnorm) {
      for (Tensor& g : out) {
        if (g.defined()) g = Scaled(g, *c.global_clipnorm / norm);
      }
    }
  }
  return out;
}

}  // namespace

void OptimizerBase::ForgetDeadVariables() {
  for (auto it = slots_.begin(); it != slots_.end();) {
    it = it->second.lifetime.expired() ? slots_.erase(it) : std::next(it);
  }
  order_.erase(std::remove_if(order_.begin(), order_.end(), [&](uint64_t s) { return slots_.count(s) == 0; }),
               order_.end());
}

std::vector<Tensor>& OptimizerBase::SlotsFor(const ops::Variable* var) {
  auto [it, fresh] = slots_.try_emplace(var->serial());
  Slots& entry = it->second;
  if (fresh) {
    order_.push_back(var->serial());
    entry.lifetime = var->Lifetime();
    entry.name = var->name();
  }
  std::vector<Tensor>& slots = entry.tensors;
  if (slots.size() != static_cast<size_t>(num_slots_)) {
    slots.clear();
    for (int k = 0; k < num_slots_; ++k) {
      Tensor s(var->shape());
      std::fill_n(s.f32(), s.size(), SlotInit(k));
      slots.push_back(s);
    }
  }
  return slots;
}

void OptimizerBase::Install(const std::vector<Tensor>& slots, const std::vector<ops::Variable*>& vars) {
  slots_.clear();
  order_.clear();
  const size_t n = vars.size();
  for (size_t i = 0; i < n; ++i) {
    Slots& entry = slots_[vars[i]->serial()];
    order_.push_back(vars[i]->serial());
    entry.lifetime = vars[i]->Lifetime();
    entry.name = vars[i]->name();
    // Copies: slots are updated in place, and the caller's tensors must not change under it.
    for (int k = 0; k < num_slots_; ++k) entry.tensors.push_back(slots[k * n + i].Clone());
  }
}

namespace {

// Slot k of variable i must have the variable's shape; the message names both.
void CheckSlots(const std::string& who, const std::vector<std::string>& slot_names, const std::vector<Tensor>& slots,
                const std::vector<ops::Variable*>& vars) {
  const size_t n = vars.size();
  if (slots.size() != slot_names.size() * n) {
    Fail<ValueError>(who, "got ", slots.size(), " slot weights (after 'iter') but the ", n,
                     " variables need ", slot_names.size() * n, " (", slot_names.size(), " per variable)");
  }
  for (size_t k = 0; k < slot_names.size(); ++k) {
    for (size_t i = 0; i < n; ++i) {
      const Tensor& t = slots[k * n + i];
      const std::string what = "'" + vars[i]->name() + "/" + slot_names[k] + "'";
      if (!t.defined()) Fail<ValueError>(who, "slot weight ", what, " is missing");
      if (t.dtype() != DType::kFloat32) Fail<ValueError>(who, "slot weight ", what, " must be float32");
      if (t.shape() != vars[i]->shape()) {
        Fail<ValueError>(who, "slot weight ", what, " has shape ", ShapeToString(t.shape()), " but variable '",
                         vars[i]->name(), "' has shape ", ShapeToString(vars[i]->shape()));
      }
    }
  }
}

}  // namespace

void OptimizerBase::BindPending(const std::vector<ops::Variable*>& vars, const std::vector<Tensor>& grads) {
  std::vector<ops::Variable*> updated;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (grads[i].defined()) updated.push_back(vars[i]);
  }
  const size_t restored = num_slots_ == 0 ? updated.size() : pending_.size() / num_slots_;
  if (restored != updated.size()) {
    Fail<ValueError>(Who("applyGradients"), "the weights given to setWeights hold slots for ", restored,
                     " variables but this step updates ", updated.size());
  }
  CheckSlots(Who("applyGradients"), slot_names_, pending_, updated);
  Install(pending_, updated);
  pending_.clear();
  has_pending_ = false;
}

std::vector<Optimizer::SlotWeight> OptimizerBase::GetWeights() const {
  std::vector<SlotWeight> out;
  std::vector<const Slots*> live;
  for (uint64_t serial : order_) {
    const Slots& entry = slots_.at(serial);
    if (!entry.lifetime.expired()) live.push_back(&entry);
  }
  for (int k = 0; k < num_slots_; ++k) {
    for (const Slots* entry : live) out.push_back({entry->name + "/" + slot_names_[k], entry->tensors[k].Clone()});
  }
  return out;
}

void OptimizerBase::SetWeights(int64_t iterations, const std::vector<Tensor>& slots,
                               const std::vector<ops::Variable*>& vars) {
  if (iterations < 0) Fail<ValueError>(Who("setWeights"), "iterations must be >= 0, got ", iterations);
  for (const ops::Variable* v : vars) {
    if (!v) Fail<ValueError>(Who("setWeights"), "a variable is null");
  }
  if (!vars.empty() || slots.empty()) {
    CheckSlots(Who("setWeights"), slot_names_, slots, vars);
    Install(slots, vars);
    pending_.clear();
    has_pending_ = false;
  } else {
    if (num_slots_ == 0) {
      Fail<ValueError>(Who("setWeights"), "got ", slots.size(), " slot weights after 'iter' but ", class_name_,
                       " keeps none");
    }
    if (slots.size() % num_slots_ != 0) {
      std::string kinds;
      for (const std::string& k : slot_names_) kinds += (kinds.empty() ? "" : ", ") + k;
      Fail<ValueError>(Who("setWeights"), "got ", slots.size(), " slot weights after 'iter'; expected a multiple of ",
                       num_slots_, " (", kinds, " for each variable)");
    }
    for (size_t j = 0; j < slots.size(); ++j) {
      if (!slots[j].defined() || slots[j].dtype() != DType::kFloat32) {
        Fail<ValueError>(Who("setWeights"), "slot weight ", j, " must be a float32 tensor");
      }
    }
    slots_.clear();
    order_.clear();
    pending_.clear();
    for (const Tensor& t : slots) pending_.push_back(t.Clone());
    has_pending_ = true;
  }
  iterations_ = iterations;
  RestoreStep(iterations);
}

void OptimizerBase::ApplyGradients(const std::vector<ops::Variable*>& vars, const std::vector<Tensor>& grads) {
  if (vars.size() != grads.size()) {
    Fail<ValueError>(class_name_, ": got ", vars.size(), " variables but ", grads.size(), " gradients");
  }
  for (size_t i = 0; i < vars.size(); ++i) {
    if (!vars[i]) Fail<ValueError>(class_name_, ": variable ", i, " is null");
    if (!grads[i].defined()) continue;
    const std::string what = "gradient of '" + vars[i]->name() + "'";
    CheckDType(vars[i]->value(), DType::kFloat32, class_name_.c_str(), ("variable '" + vars[i]->name() + "'").c_str());
    CheckDType(grads[i], DType::kFloat32, class_name_.c_str(), what.c_str());
    CheckShape(grads[i], vars[i]->shape(), class_name_.c_str(), what.c_str());
  }
  if (has_pending_) BindPending(vars, grads);
  ForgetDeadVariables();
  ops::NoGradScope no_grad;
  const std::vector<Tensor> clipped = ClipGradients(grads, common_);
  const int64_t t = iterations_ + 1;
  const float lr = static_cast<float>(common_.learning_rate / (1.0 + common_.lr_decay * double(iterations_)));
  BeginStep(t);
  std::vector<float*> slot_ptrs(num_slots_);
  for (size_t i = 0; i < vars.size(); ++i) {
    const Tensor& g = clipped[i];
    if (!g.defined()) continue;
    ops::Variable* var = vars[i];
    Tensor w = var->value();
    if (common_.weight_decay && *common_.weight_decay != 0) {
      w = Scaled(w, 1.0 - double(lr) * *common_.weight_decay);
    }
    std::vector<Tensor>& slots = SlotsFor(var);
    for (int k = 0; k < num_slots_; ++k) slot_ptrs[k] = slots[k].f32();
    Tensor next(var->shape());
    Update(w.f32(), g.f32(), next.f32(), slot_ptrs.data(), w.size(), lr);
    var->Assign(next);
  }
  ++iterations_;
}

json OptimizerBase::GetConfig() const {
  json config = {{"learningRate", common_.learning_rate}};
  config.update(RuleConfig());
  if (common_.lr_decay != 0 || class_name_ == "Adamax") config["decay"] = common_.lr_decay;
  if (common_.clipnorm) config["clipnorm"] = *common_.clipnorm;
  if (common_.clipvalue) config["clipvalue"] = *common_.clipvalue;
  if (common_.global_clipnorm) config["globalClipnorm"] = *common_.global_clipnorm;
  if (common_.weight_decay) config["weightDecay"] = *common_.weight_decay;
  return config;
}

double ReadInRange(ConfigReader& r, const Keys& keys, double fallback, double lo, bool lo_open,
                   double hi, bool hi_open) {
  const double v = r.Number(keys, fallback);
  const bool ok = (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  if (!ok) {
    if (std::isinf(hi)) {
      Fail<ValueError>(r.Who(), ": ", r.PathOf(keys), " must be ", lo_open ? "> " : ">= ", lo, ", got ", v);
    }
    Fail<ValueError>(r.Who(), ": ", r.PathOf(keys), " must be in ", lo_open ? "(" : "[", lo, ", ", hi,
                     hi_open ? ")" : "]", ", got ", v);
  }
  return v;
}

namespace {

constexpr double kInf = INFINITY;

using Maker = std::function<std::unique_ptr<Optimizer>(ConfigReader&, const CommonOptions&)>;
struct Entry {
  const char* class_name;
  double default_lr;  // tfjs-layers' string-name defaults (Keras 2.2's), Nadam from Keras
  Maker make;
};

// Keyed by SpellingKey, so "rmsprop", "RMSProp" and "RMSprop" are one entry.
const std::map<std::string, Entry>& Entries() {
  static const std::map<std::string, Entry> table = {
      {"sgd", {"SGD", 0.01, [](ConfigReader& r, const CommonOptions& c) { return MakeSgd(r, c, false); }}},
      {"momentum", {"Momentum", 0.01, [](ConfigReader& r, const CommonOptions& c) { return MakeSgd(r, c, true); }}},
      {"rmsprop", {"RMSProp", 0.001, MakeRmsprop}},
      {"adam", {"Adam", 0.001, MakeAdam}},
      {"adagrad", {"Adagrad", 0.01, MakeAdagrad}},
      {"adadelta", {"Adadelta", 1.0, MakeAdadelta}},
      {"adamax", {"Adamax", 0.002, MakeAdamax}},
      {"nadam", {"Nadam", 0.001, MakeNadam}},
  };
  return table;
}

std::optional<double> PositiveOption(ConfigReader& r, const Keys& keys) {
  std::optional<double> v = r.OptionalNumber(keys);
  if (v && !(*v > 0)) Fail<ValueError>(r.Who(), ": ", r.PathOf(keys), " must be > 0, got ", *v);
  return v;
}

CommonOptions ReadCommon(ConfigReader& r, const Entry& entry) {
  CommonOptions c;
  c.learning_rate = ReadInRange(r, {"learning_rate", "lr"}, entry.default_lr, 0, true, kInf, false);
  // RMSProp's tfjs config calls rho `decay`; a Keras RMSprop config names rho and uses `decay` for the
  // learning-rate decay, so `decay` is read here only when it cannot mean rho.
  const bool decay_is_rho = std::string(entry.class_name) == "RMSProp" && !r.Has("rho");
  if (!decay_is_rho) c.lr_decay = ReadInRange(r, {"decay"}, 0, 0, false, kInf, false);
  c.clipnorm = PositiveOption(r, {"clipnorm"});
  c.clipvalue = PositiveOption(r, {"clipvalue"});
  c.global_clipnorm = PositiveOption(r, "global_clipnorm");
  if (int(c.clipnorm.has_value()) + int(c.clipvalue.has_value()) + int(c.global_clipnorm.has_value()) > 1) {
    Fail<ValueError>(r.Who(), ": only one of clipnorm, clipvalue and globalClipnorm may be set");
  }
  c.weight_decay = r.OptionalNumber("weight_decay");
  if (c.weight_decay && *c.weight_decay < 0) {
    Fail<ValueError>(r.Who(), ": ", r.PathOf("weight_decay"), " must be >= 0, got ", *c.weight_decay);
  }
  // Keras writes these into every saved optimizer config; they name or tune machinery that has no effect
  // on the update itself.
  r.Ignore({"name", "is_legacy_optimizer", "jit_compile", "ema_momentum", "ema_overwrite_frequency"});
  if (r.Bool("use_ema", false)) Fail<ValueError>(r.Who(), ": use_ema is not supported");
  if (std::optional<double> s = r.OptionalNumber("loss_scale_factor"); s && *s != 1) {
    Fail<ValueError>(r.Who(), ": loss_scale_factor is not supported, got ", *s);
  }
  if (std::optional<double> s = r.OptionalNumber("gradient_accumulation_steps"); s && *s != 1) {
    Fail<ValueError>(r.Who(), ": gradient_accumulation_steps is not supported, got ", *s);
  }
  return c;
}

}  // namespace

std::unique_ptr<Optimizer> CreateOptimizer(const std::string& name, const json& config) {
  const auto& table = Entries();
  auto it = table.find(params::SpellingKey(name));
  if (it == table.end()) {
    Fail<ValueError>("unknown optimizer '", name, "' (expected one of sgd, momentum, rmsprop, adam, adagrad, adadelta, "
                     "adamax, nadam)");
  }
  ConfigReader reader(config, it->second.class_name);
  const CommonOptions common = ReadCommon(reader, it->second);
  std::unique_ptr<Optimizer> opt = it->second.make(reader, common);
  reader.Finish();
  return opt;
}

}  // namespace kerasm::models
