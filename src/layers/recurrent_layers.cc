// SimpleRNN, GRU, LSTM, CuDNNGRU and CuDNNLSTM: the RNN layer with a built-in cell whose arguments sit flat in
// the layer's config, as Keras writes them ({units, activation, ..., return_sequences, ...}, no "cell").
//
// The CuDNN layers are Keras 2's GPU-only layers, run here without a GPU: the GRU (reset_after) and LSTM
// computations with sigmoid and tanh, over weights in the layout cuDNN gave them. Each [in, units] gate block
// of the input kernel holds cuDNN's [units, in] matrix in row-major order, each recurrent block the
// transposed matrix, and the bias is the input biases followed by the recurrent ones ([2 * gates * units]),
// which is how Keras 2's weight converter reads those files (keras/engine/saving.py). The cell turns them
// into Keras' layout once per call, differentiably, so such a layer also trains.
#include "core/error.h"
#include "layers/recurrent_cells.h"
#include "layers/registry.h"

namespace kerasm::layers {

namespace {

class CellLayer : public RNN {
 public:
  CellLayer(ConfigReader& config, CellKind kind, bool cudnn)
      : CellLayer(config, CellArgs::Read(config, kind, cudnn)) {}

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c.update(RnnConfig());
    args_.Write(&c);
    if (args_.cudnn) {
      // Keras 2's CuDNN layers have no unroll / time_major / zero_output_for_mask arguments.
      c.erase("unroll");
      c.erase("time_major");
      c.erase("zero_output_for_mask");
    }
    return c;
  }

 private:
  CellLayer(ConfigReader& config, const CellArgs& args) : RNN(config, MakeDenseCell(args)), args_(args) {}

  CellArgs args_;
};

LayerPtr Create(const json& config, const char* class_name, CellKind kind, bool cudnn) {
  ConfigReader reader(config, class_name);
  try {
    auto layer = std::make_shared<CellLayer>(reader, kind, cudnn);
    layer->ReadInputShapeArgs(reader);
    reader.Finish();
    return layer;
  } catch (const nlohmann::json::exception& e) {
    FailMalformedConfig(reader, e);
  }
}

}  // namespace

LayerPtr CreateSimpleRNN(const json& config) { return Create(config, "SimpleRNN", CellKind::kSimpleRnn, false); }
LayerPtr CreateGRU(const json& config) { return Create(config, "GRU", CellKind::kGru, false); }
LayerPtr CreateLSTM(const json& config) { return Create(config, "LSTM", CellKind::kLstm, false); }
LayerPtr CreateCuDNNGRU(const json& config) { return Create(config, "CuDNNGRU", CellKind::kGru, true); }
LayerPtr CreateCuDNNLSTM(const json& config) { return Create(config, "CuDNNLSTM", CellKind::kLstm, true); }

}  // namespace kerasm::layers
