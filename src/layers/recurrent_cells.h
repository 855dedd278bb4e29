// SimpleRNNCell, GRUCell and LSTMCell: one class, since the three differ only in their gate count and step
// formula, and the layers SimpleRNN / GRU / LSTM / CuDNNGRU / CuDNNLSTM that run them (recurrent_layers.cc).
#pragma once

#include <optional>
#include <string>

#include "core/rng.h"
#include "layers/conv_base.h"
#include "layers/recurrent.h"

namespace kerasm::layers {

enum class CellKind { kSimpleRnn, kGru, kLstm };

// The arguments of a cell, which the layers take flat beside their RNN arguments.
struct CellArgs {
  CellKind kind = CellKind::kLstm;
  int64_t units = 0;
  std::string activation = "tanh";
  std::string recurrent_activation = "sigmoid";  // GRU, LSTM
  bool use_bias = true;
  WeightArgs kernel, recurrent, bias;
  bool unit_forget_bias = true;  // LSTM
  bool reset_after = true;       // GRU
  int implementation = 2;        // GRU, LSTM: 1 and 2 compute the same values here
  double dropout = 0, recurrent_dropout = 0;
  std::optional<int64_t> seed;
  // CuDNNGRU / CuDNNLSTM: each gate block of the kernels holds cuDNN's matrix (see recurrent_layers.cc),
  // the biases are separate input and recurrent vectors, the activations are fixed to tanh / sigmoid.
  bool cudnn = false;

  // Reads the arguments `kind` takes (`cudnn`: the CuDNN layers' smaller set).
  static CellArgs Read(ConfigReader& config, CellKind kind, bool cudnn = false);
  void Write(json* config) const;
  int64_t gates() const { return kind == CellKind::kSimpleRnn ? 1 : kind == CellKind::kGru ? 3 : 4; }
};

// A dropout / recurrent_dropout rate in [0, 1].
double ReadDropoutRate(ConfigReader& config, const char* key);

// A cell built from arguments a layer read (named "lstm_cell" and the like, as Keras names them).
RnnCellPtr MakeDenseCell(const CellArgs& args);

}  // namespace kerasm::layers
