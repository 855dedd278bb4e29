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
  OptimizerBase(std::string class_name, CommonOptions common, int num_slots)
      : class_name_(std::move(class_name)), common_(common), num_slots_(num_slots) {}

  void ApplyGradients(const std::vector<ops::Variable*>& vars, const std::vector<Tensor>& grads) final;
  std::string ClassName() const override { return class_name_; }
  json GetConfig() const final;

 protected:
  // Called once per ApplyGradients before any variable, with t = iterations() + 1 (the 1-based step).
  virtual void BeginStep(int64_t t) {}
  // Computes the new value `out` from value `w` and gradient `g` (n elements), updating the slots in
  // place. `lr` already includes the legacy decay.
  virtual void Update(const float* w, const float* g, float* out, float* const* slots, int64_t n, float lr) = 0;
  // Initial value of slot k (Adagrad's accumulator starts at 0.1; everything else at 0).
  virtual float SlotInit(int k) const { return 0.f; }
  // The rule's own config entries (camelCase), merged into GetConfig().
  virtual json RuleConfig() const = 0;

  const CommonOptions& common() const { return common_; }

 private:
  std::vector<Tensor>& SlotsFor(const ops::Variable* var);
  // Drops the slots of variables that no longer exist.
  void ForgetDeadVariables();

  std::string class_name_;
  CommonOptions common_;
  int num_slots_;
  // Keyed by the variable's serial, never by its address: one optimizer is often reused across models, and
  // a new variable at a freed one's address must start with fresh moments. Each entry watches its
  // variable's lifetime so the slots go when the variable does.
  struct Slots {
    std::weak_ptr<const bool> lifetime;
    std::vector<Tensor> tensors;
  };
  std::unordered_map<uint64_t, Slots> slots_;
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
