// Keras losses, built from differentiable ops so fit() gets their gradients from the tape.
// Each takes (y_true, y_pred) of the same shape (sparse categorical: integer-valued y_true of shape y_pred
// without its last axis, or with a last axis of 1) and returns the per-sample loss, shape [batch]: the mean
// over every axis but the first, as Keras computes it; ReduceLoss then averages over the batch
// ("sum_over_batch_size", Keras' default reduction).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace kerasm::models {

using LossFn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

// Accepts the tfjs camelCase names (API.md's list) and Keras' snake_case names and aliases ("mse", "mae",
// "mape", "msle", "kld", "cosine_similarity"...). ValueError naming the unknown loss otherwise.
LossFn GetLoss(const std::string& name);
// The canonical camelCase name ("mse" -> "meanSquaredError").
std::string CanonicalLossName(const std::string& name);
std::vector<std::string> LossNames();

// Mean of per-sample losses, optionally weighted per sample (sample_weight [batch], may be undefined).
Tensor ReduceLoss(const Tensor& per_sample, const Tensor& sample_weight = Tensor());

}  // namespace kerasm::models
