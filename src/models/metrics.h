// Keras metrics for compile({metrics}): accuracy (binary / categorical / sparse categorical, picked from the
// loss as Keras does), mse, mae, and any loss by name. Metrics are computed without recording and return the
// batch mean as a scalar tensor; fit/evaluate average them over batches weighted by batch size.
#pragma once

#include <functional>
#include <string>

#include "core/tensor.h"

namespace kerasm::models {

using MetricFn = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

struct Metric {
  std::string name;  // the History key: "acc" for accuracy as tfjs uses, "mse", "mae", or the loss name
  MetricFn fn;
};

// `loss_name` is the compiled loss, used to resolve "accuracy"/"acc": binaryCrossentropy -> binary accuracy
// (threshold 0.5), sparseCategoricalCrossentropy -> sparse categorical accuracy, otherwise categorical
// (argmax equality) unless the output has one unit, in which case binary. ValueError for an unknown name.
Metric GetMetric(const std::string& name, const std::string& loss_name, int64_t output_units);

}  // namespace kerasm::models
