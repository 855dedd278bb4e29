// The machinery every optimizer shares (gradient checks, Keras' clipping and weight decay, the legacy
// learning-rate decay, slot storage) and the element-wise update rules built on it. Internal to models/:
// users go through CreateOptimizer (optimizers.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/optimizers.h"
#include "params/config_reader.h"

namespace kerasm::models {

using params::ConfigReader;
using params::Keys;

// Options every optimizer reads from its config, with Keras' meaning.
struct CommonOptions {
  double learning_rate = 0.001;
  double lr_decay = 0;  // Keras 2's `decay` (tfjs Adamax's `decay`): lr / (1 + decay * iterations)
  std::optional<double> clipnorm;         // per variable: g * c / max(||g||, c)
  std::optional<double> clipvalue;        // element-wise clip to [-c, c]
  std::optional<double> global_clipnorm;  // all gradients scaled by c / max(global norm, c)
  std::optional<double> weight_decay;     // Keras 3: w -= w * weight_decay * lr before the update
};

class OptimizerBase : public Optimizer {
 public:
  // slot_names: tfjs' suffixes for the slot kinds, in its getWeights() order ("m", "v").
  OptimizerBase(std::string class_name, CommonOptions common, std::vector<std::string> slot_names)
      : class_name_(std::move(class_name)),
        common_(common),
        slot_names_(std::move(slot_names)),
        num_slots_(static_cast<int>(slot_names_.size())) {}

  void ApplyGradients(const std::vector<ops::Variable*>& vars, const std::vector<Tensor>& grads) final;
  std::string ClassName() const override { return class_name_; }
  json GetConfig() const final;
  std::vector<SlotWeight> GetWeights() const final;
  void SetWeights(int64_t iterations, const std::vector<Tensor>& slots, const std::vector<ops::Variable*>& vars) final;
  const std::vector<std::string>& SlotNames() const final { return slot_names_; }

 protected:
  // Called once per ApplyGradients before any variable, with t = iterations() + 1 (the 1-based step).
  virtual void BeginStep(int64_t t) {}
  // Computes the new value `out` from value `w` and gradient `g` (n elements), updating the slots in
  // place. `lr` already includes the legacy decay.
  virtual void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) = 0;
  // Called after SetWeights with the restored step count, for rules that keep running products of it.
  virtual void RestoreStep(int64_t iterations) {}
  // Initial value of slot k (Adagrad's accumulator starts at 0.1; everything else at 0).
  virtual float SlotInit(int k) const { return 0.f; }
  // The rule's own config entries (camelCase), merged into GetConfig().
  virtual json RuleConfig() const = 0;

  const CommonOptions& common() const { return common_; }

 private:
  std::vector<Tensor>& SlotsFor(const ops::Variable* var);
  // Drops the slots of variables that no longer exist.
  void ForgetDeadVariables();
  // Gives slots restored without variables to `vars` (those with a gradient this step), by position.
  void BindPending(const std::vector<ops::Variable*>& vars, const std::vector<Tensor>& grads);
  // Replaces every slot by slots[k * vars.size() + i] (already checked), copied.
  void Install(const std::vector<Tensor>& slots, const std::vector<ops::Variable*>& vars);
  // "Adam.setWeights: " and the like.
  std::string Who(const char* op) const { return class_name_ + "." + op + ": "; }

  std::string class_name_;
  CommonOptions common_;
  std::vector<std::string> slot_names_;
  int num_slots_;
  // Keyed by the variable's serial, never by its address: one optimizer is often reused across models, and
  // a new variable at a freed one's address must start with fresh moments. Each entry watches its
  // variable's lifetime so the slots go when the variable does.
  struct Slots {
    std::weak_ptr<const bool> lifetime;
    std::string name;  // the variable's, for GetWeights' names
    std::vector<Tensor> tensors;
  };
  std::unordered_map<uint64_t, Slots> slots_;
  // Serials in first-update order: GetWeights' order, which is tfjs' (its slots are kept by position).
  std::vector<uint64_t> order_;
  // Restored by SetWeights without variables: bound by BindPending on the next ApplyGradients.
  std::vector<Tensor> pending_;
  bool has_pending_ = false;
};

// Factories for each rule, reading their own keys from `r` (optimizer_rules.cc).
std::unique_ptr<Optimizer> MakeSgd(ConfigReader& r, const CommonOptions& c, bool momentum_class);
std::unique_ptr<Optimizer> MakeRmsprop(ConfigReader& r, const CommonOptions& c);
std::unique_ptr<Optimizer> MakeAdam(ConfigReader& r, const CommonOptions& c);
std::unique_ptr<Optimizer> MakeAdagrad(ConfigReader& r, const CommonOptions& c);
std::unique_ptr<Optimizer> MakeAdadelta(ConfigReader& r, const CommonOptions& c);
std::unique_ptr<Optimizer> MakeAdamax(ConfigReader& r, const CommonOptions& c);
std::unique_ptr<Optimizer> MakeNadam(ConfigReader& r, const CommonOptions& c);

// Range checks shared by the factories; messages read "Adam: beta1 must be in [0, 1), got 1.5", with the
// argument spelled as the config spells it.
double ReadInRange(ConfigReader& r, const Keys& keys, double fallback, double lo,
                   bool lo_open, double hi, bool hi_open);

}  // namespace kerasm::models
