// A step-by-step double-precision reference of SimpleRNN, GRU (both variants), LSTM and the CuDNN layouts,
// written from the Keras formulas, for the recurrent layer tests.
#pragma once

#include <string>
#include <vector>

#include "layers/layer_cases.h"

namespace kerasm::testing {

struct RnnRefOptions {
  std::string cell = "lstm";  // "simple", "gru", "lstm"
  int64_t units = 1;
  std::string activation = "tanh", recurrent_activation = "sigmoid";
  bool use_bias = true, reset_after = true, cudnn = false;
  bool return_sequences = false, return_state = false, go_backwards = false;
  bool zero_output_for_mask = false;
};

// x [batch, T, in] (row-major), optional initial states (each [batch, units]) and mask [batch, T];
// weights as the layer stores them. Returns {output, states...} when return_state, else {output}.
std::vector<std::vector<double>> RnnReference(const RnnRefOptions& o, const std::vector<double>& x, int64_t batch,
                                              int64_t steps, int64_t in, const std::vector<std::vector<double>>& w,
                                              std::vector<std::vector<double>> states = {},
                                              const std::vector<double>& mask = {});

// The same as a LayerCase reference (inputs: x, then initial states if any).
Reference RnnCaseReference(const RnnRefOptions& o);

}  // namespace kerasm::testing
