// The recurrent layers' two halves, as Keras splits them: a cell computes one time step, the RNN layer runs
// a cell over a sequence.
//
// A cell is a Layer whose call takes {x_t, states...} and returns {output_t, new states...}; it says the
// shapes of its states (without the batch axis). The RNN handles what is the same for every cell: initial
// states (zeros, the extra inputs after x, or the stateful layer's kept ones), go_backwards, masks (a masked
// step keeps each row's states and repeats its previous output, as Keras 2 and tfjs do), return_sequences,
// return_state and stateful. SimpleRNN, GRU, LSTM and the CuDNN layers are RNNs with a fixed cell and a flat
// config (recurrent_layers.cc); the cells are in recurrent_cells.cc.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace kerasm::ops {
struct RnnSequenceOptions;
}

namespace kerasm::layers {

class RnnCell : public Layer {
 public:
  // The states' shapes without the batch axis ({units}; LSTM {units, units}; ConvLSTM2D {rows, cols, f}).
  virtual Shapes StateShapes() const = 0;
  // The step output's shape without the batch axis.
  virtual Shape StepOutputShape() const = 0;
  // The same for steps of shape `step_input` (batch first): cells whose states depend on the input's size
  // (ConvLSTM2D's feature maps) override these; the others' do not.
  virtual Shapes StateShapesFor(const Shape& step_input) const;
  virtual Shape StepOutputShapeFor(const Shape& step_input) const;
  // Before the steps of one sequence call: cells with dropout draw their masks here, fixed across the
  // time steps of the call as Keras draws them. `step_input` is the per-step input shape (batch first).
  virtual void BeginSequence(const Shape& step_input, bool training);
  // After the last step: drops the masks.
  virtual void EndSequence();
  // One step: {output, new states...}. `states` has one tensor per StateShapes() entry, batch first.
  virtual Tensors Step(const Tensor& x, const Tensors& states, bool training) = 0;
  // When the whole sequence can run as one fused op (ops::RnnSequence): its options and operands. The
  // default says no; the built-in SimpleRNN, GRU and LSTM cells say yes when their activations and dropout
  // allow it; FusedOperands then fills the op's options (the cell's part) and weights.
  virtual bool CanFuse(bool training) const;
  virtual void FusedOperands(ops::RnnSequenceOptions* options, Tensor* kernel, Tensor* recurrent_kernel,
                             Tensor* bias) const;

  // {x, states...} -> {output, states...}: a cell called on its own (tfjs' cell.apply([x, h])).
  Tensors Call(const Tensors& inputs, const CallContext& ctx) override;
  Shapes ComputeOutputShape(const Shapes& input_shapes) override;
  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override;

 protected:
  explicit RnnCell(ConfigReader& config, const std::string& name_prefix = "");
  RnnCell(std::string class_name, const std::string& name, const std::string& name_prefix);
  // Sets the input count once StateShapes() is known: x alone (the RNN builds a cell from the step shape)
  // or x with every state.
  void AcceptStates();
};

using RnnCellPtr = std::shared_ptr<RnnCell>;

// Keras' RNN layer over any cell (a list of cells is stacked into StackedRNNCells).
class RNN : public Layer {
 public:
  explicit RNN(ConfigReader& config);

  void Build(const Shapes& input_shapes) override;
  Tensors Call(const Tensors& inputs, const CallContext& ctx) override;
  Shapes ComputeOutputShape(const Shapes& input_shapes) override;
  Tensors ComputeMask(const Tensors& inputs, const Tensors& masks) override;
  json GetConfig() const override;
  void ResetStates() override;
  // Keras' reset_states(states): sets the kept states of a stateful layer (one per state, batch first).
  void ResetStates(const Tensors& states);

  RnnCell& cell() const { return *cell_; }
  bool return_sequences() const { return return_sequences_; }
  bool return_state() const { return return_state_; }
  bool go_backwards() const { return go_backwards_; }
  bool stateful() const { return stateful_; }
  size_t state_count() const { return cell_->StateShapes().size(); }

 protected:
  // For the layers with a built-in cell: reads the RNN arguments and adopts `cell`, whose arguments the
  // subclass read from the same config.
  RNN(ConfigReader& config, RnnCellPtr cell);
  // The RNN arguments without the cell (the subclasses write their cell's arguments flat beside them).
  json RnnConfig() const;

 private:
  void ReadRnnArgs(ConfigReader& config);
  void SetCell(RnnCellPtr cell);
  // The step shape (x without its time axis) and a check of the rank.
  Shape StepShape(const Shape& x) const;
  Tensors InitialStates(const Tensors& inputs, const Shape& step);
  // The step loop over ordinary ops (any cell): {output, final states...}.
  Tensors RunSteps(const Tensor& x, Tensors states, const Tensor& mask, bool training);
  // The same as one fused op (ops::RnnSequence), for cells whose CanFuse says so.
  Tensors RunFused(const Tensor& x, const Tensors& states, const Tensor& mask);

  RnnCellPtr cell_;
  bool return_sequences_ = false, return_state_ = false, go_backwards_ = false, stateful_ = false;
  bool unroll_ = false, time_major_ = false, zero_output_for_mask_ = false;
  Tensors kept_states_;  // stateful: the states the next call starts from
  Shape stateful_step_;  // stateful: the step shape (batch first) the layer was built for
};

// Keras' StackedRNNCells: cells run one after the other within a step; the states are every cell's, in order.
class StackedRNNCells : public RnnCell {
 public:
  explicit StackedRNNCells(ConfigReader& config);
  StackedRNNCells(std::vector<RnnCellPtr> cells, const std::string& name);

  Shapes StateShapes() const override;
  Shape StepOutputShape() const override;
  Shapes StateShapesFor(const Shape& step_input) const override;
  Shape StepOutputShapeFor(const Shape& step_input) const override;
  void Build(const Shapes& input_shapes) override;
  void BeginSequence(const Shape& step_input, bool training) override;
  void EndSequence() override;
  Tensors Step(const Tensor& x, const Tensors& states, bool training) override;
  json GetConfig() const override;

 private:
  void Adopt(std::vector<RnnCellPtr> cells);
  std::vector<RnnCellPtr> cells_;
};

// A cell from a config value: {class_name, config} (or a live layer a JS config passed); ValueError naming
// `who` when the layer is not a cell.
RnnCellPtr DeserializeCell(const json& spec, const std::string& who);

}  // namespace kerasm::layers
