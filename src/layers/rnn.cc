// The RNN layer over any cell, the cell base class and StackedRNNCells (see recurrent.h).
#include <algorithm>

#include "core/error.h"
#include "layers/recurrent.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/rnn_ops.h"
#include "params/arguments.h"
#include "params/regularizers.h"

namespace kerasm::layers {

// ---- cells ------------------------------------------------------------------------------------------

RnnCell::RnnCell(ConfigReader& config, const std::string& name_prefix) : Layer(config, name_prefix) {}

RnnCell::RnnCell(std::string class_name, const std::string& name, const std::string& name_prefix)
    : Layer(std::move(class_name), name, name_prefix) {}

void RnnCell::AcceptStates() {
  SetInputCount(1, 1 + static_cast<int>(StateShapes().size()));
}

Shapes RnnCell::StateShapesFor(const Shape&) const { return StateShapes(); }
Shape RnnCell::StepOutputShapeFor(const Shape&) const { return StepOutputShape(); }

namespace {

// [batch] + shape.
Shape WithBatch(int64_t batch, const Shape& shape) {
  Shape out{batch};
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

}  // namespace

void RnnCell::BeginSequence(const Shape&, bool) {}
void RnnCell::EndSequence() {}

bool RnnCell::CanFuse(bool) const { return false; }

void RnnCell::FusedOperands(ops::RnnSequenceOptions*, Tensor*, Tensor*, Tensor*) const {
  Fail<ValueError>(Who(), ": has no fused sequence op");
}

Tensors RnnCell::Call(const Tensors& inputs, const CallContext& ctx) {
  const Shapes states = StateShapesFor(inputs[0].shape());
  if (inputs.size() != states.size() + 1) {
    Fail<ValueError>(Who(), ": a cell is called on [x, ", states.size(), " state(s)], got ", inputs.size(), " tensor(s)");
  }
  const Tensor& x = inputs[0];
  for (size_t i = 0; i < states.size(); ++i) {
    const Shape want = WithBatch(x.dim(0), states[i]);
    if (inputs[i + 1].shape() != want) {
      Fail<ShapeError>(Who(), ": state ", i, " must have shape ", ShapeToString(want), " for an input of shape ",
                       ShapeToString(x.shape()), ", got ", ShapeToString(inputs[i + 1].shape()));
    }
  }
  struct SequenceScope {
    RnnCell* cell;
    ~SequenceScope() { cell->EndSequence(); }
  };
  BeginSequence(x.shape(), ctx.training);
  SequenceScope scope{this};
  return Step(x, Tensors(inputs.begin() + 1, inputs.end()), ctx.training);
}

Shapes RnnCell::ComputeOutputShape(const Shapes& input_shapes) {
  const Shape& x = input_shapes[0];
  const int64_t batch = x.empty() ? -1 : x[0];
  Shapes out{WithBatch(batch, StepOutputShapeFor(x))};
  for (const Shape& s : StateShapesFor(x)) out.push_back(WithBatch(batch, s));
  return out;
}

Tensors RnnCell::ComputeMask(const Tensors&, const Tensors&) { return Tensors(StateShapes().size() + 1); }

RnnCellPtr DeserializeCell(const json& spec, const std::string& who) {
  LayerPtr layer = DeserializeLayer(spec);
  auto cell = std::dynamic_pointer_cast<RnnCell>(layer);
  if (!cell) {
    Fail<ValueError>(who, ": a cell must be an RNN cell (SimpleRNNCell, GRUCell, LSTMCell, StackedRNNCells, or a JS class ",
                     "extending km.layers.RNNCell), got ",
                     layer->ClassName(), " '", layer->name(), "'");
  }
  return cell;
}

// ---- StackedRNNCells ----------------------------------------------------------------------------------

namespace {

std::vector<RnnCellPtr> ReadCells(ConfigReader& config, const std::string& key) {
  const json cells = config.Raw(key);
  if (!cells.is_array() || cells.empty()) config.Invalid(key, "must be a non-empty list of RNN cells");
  std::vector<RnnCellPtr> out;
  for (const json& c : cells) out.push_back(DeserializeCell(c, config.Who()));
  return out;
}

}  // namespace

StackedRNNCells::StackedRNNCells(ConfigReader& config) : RnnCell(config) {
  if (!config.Has("cells")) config.Missing("cells");
  Adopt(ReadCells(config, "cells"));
}

StackedRNNCells::StackedRNNCells(std::vector<RnnCellPtr> cells, const std::string& name)
    : RnnCell("StackedRNNCells", name, "stacked_rnn_cells") {
  Adopt(std::move(cells));
}

void StackedRNNCells::Adopt(std::vector<RnnCellPtr> cells) {
  cells_ = std::move(cells);
  for (const RnnCellPtr& c : cells_) AdoptLayer(c);
  AcceptStates();
}

Shapes StackedRNNCells::StateShapes() const {
  Shapes out;
  for (const RnnCellPtr& c : cells_) {
    for (const Shape& s : c->StateShapes()) out.push_back(s);
  }
  return out;
}

Shape StackedRNNCells::StepOutputShape() const { return cells_.back()->StepOutputShape(); }

Shapes StackedRNNCells::StateShapesFor(const Shape& step_input) const {
  Shapes out;
  Shape shape = step_input;
  for (const RnnCellPtr& c : cells_) {
    for (const Shape& s : c->StateShapesFor(shape)) out.push_back(s);
    shape = WithBatch(shape[0], c->StepOutputShapeFor(shape));
  }
  return out;
}

Shape StackedRNNCells::StepOutputShapeFor(const Shape& step_input) const {
  Shape shape = step_input;
  for (const RnnCellPtr& c : cells_) shape = WithBatch(shape[0], c->StepOutputShapeFor(shape));
  return Shape(shape.begin() + 1, shape.end());
}

void StackedRNNCells::Build(const Shapes& input_shapes) {
  Shape shape = input_shapes[0];
  for (const RnnCellPtr& c : cells_) {
    c->MaybeBuild({shape});
    shape = WithBatch(shape[0], c->StepOutputShapeFor(shape));
  }
}

void StackedRNNCells::BeginSequence(const Shape& step_input, bool training) {
  Shape shape = step_input;
  for (const RnnCellPtr& c : cells_) {
    c->BeginSequence(shape, training);
    shape = WithBatch(shape[0], c->StepOutputShapeFor(shape));
  }
}

void StackedRNNCells::EndSequence() {
  for (const RnnCellPtr& c : cells_) c->EndSequence();
}

Tensors StackedRNNCells::Step(const Tensor& x, const Tensors& states, bool training) {
  Tensor h = x;
  Tensors new_states;
  size_t at = 0;
  for (const RnnCellPtr& c : cells_) {
    const size_t n = c->StateShapes().size();
    Tensors r = c->Step(h, Tensors(states.begin() + at, states.begin() + at + n), training);
    at += n;
    h = r[0];
    new_states.insert(new_states.end(), r.begin() + 1, r.end());
  }
  Tensors out{h};
  out.insert(out.end(), new_states.begin(), new_states.end());
  return out;
}

json StackedRNNCells::GetConfig() const {
  json c = Layer::GetConfig();
  c["cells"] = json::array();
  for (const RnnCellPtr& cell : cells_) c["cells"].push_back(SerializeLayer(*cell));
  return c;
}

// ---- RNN --------------------------------------------------------------------------------------------

RNN::RNN(ConfigReader& config) : Layer(config) {
  if (!config.Has("cell")) config.Missing("cell");
  const json spec = config.Raw("cell");
  if (spec.is_array()) {
    // Keras: a list of cells is stacked.
    ConfigReader list(json{{"cells", spec}}, config.Who());
    SetCell(std::make_shared<StackedRNNCells>(ReadCells(list, "cells"), ""));
  } else {
    SetCell(DeserializeCell(spec, config.Who()));
  }
  ReadRnnArgs(config);
}

RNN::RNN(ConfigReader& config, RnnCellPtr cell) : Layer(config) {
  SetCell(std::move(cell));
  ReadRnnArgs(config);
}

void RNN::SetCell(RnnCellPtr cell) {
  cell_ = std::move(cell);
  // The cell's weights are the layer's, by name too: "lstm/kernel", as tfjs names them.
  AdoptLayer(cell_, /*named_in_paths=*/false);
  SetInputCount(1, 1 + static_cast<int>(cell_->StateShapes().size()));
}

void RNN::ReadRnnArgs(ConfigReader& config) {
  return_sequences_ = config.Bool("return_sequences", false);
  return_state_ = config.Bool("return_state", false);
  go_backwards_ = config.Bool("go_backwards", false);
  stateful_ = config.Bool("stateful", false);
  unroll_ = config.Bool("unroll", false);  // the step loop rather than the fused op: same results
  time_major_ = config.Bool("time_major", false);
  zero_output_for_mask_ = config.Bool("zero_output_for_mask", false);
  activity_regularizer_ = params::ReadRegularizer(config, "activity_regularizer");
  supports_masking_ = true;
  // Keras 2 and tfjs: input_dim and input_length give the input shape [batch, input_length, input_dim].
  const bool shaped = config.Has("input_shape") || config.Has("batch_input_shape") || config.Has("batch_shape");
  if ((config.Has("input_dim") || config.Has("input_length")) && !shaped) {
    const std::optional<int64_t> dim = config.OptionalInt("input_dim");
    const std::optional<int64_t> length = config.OptionalInt("input_length");
    const std::optional<int64_t> batch = config.OptionalInt("batch_size");
    if ((dim && *dim <= 0) || (length && *length <= 0)) config.Invalid("input_dim", "and input_length must be positive");
    set_batch_input_shape(Shape{batch.value_or(-1), length.value_or(-1), dim.value_or(-1)});
  } else {
    config.Get("input_length");  // null in Keras 2 configs that give the shape otherwise
  }
}

Shape RNN::StepShape(const Shape& x) const {
  if (x.size() < 3) {
    Fail<ShapeError>(Who(), ": expects an input of rank >= 3 ([batch, time, features...]), got shape ",
                     ShapeToString(x));
  }
  Shape step = x;
  step.erase(step.begin() + (time_major_ ? 0 : 1));
  return step;
}

void RNN::Build(const Shapes& input_shapes) {
  const Shape step = StepShape(input_shapes[0]);
  cell_->MaybeBuild({step});
  if (stateful_) {
    if (step[0] < 0) {
      Fail<ValueError>(Who(), ": a stateful RNN needs to know its batch size: give the first layer "
                       "batch_input_shape (or batchInputShape / batch_size), got the input shape ",
                       ShapeToString(input_shapes[0]));
    }
    stateful_step_ = step;
    ResetStates();
  }
}

void RNN::ResetStates() {
  if (!stateful_ || stateful_step_.empty()) return;
  kept_states_.clear();
  for (const Shape& s : cell_->StateShapesFor(stateful_step_)) kept_states_.push_back(Tensor::Zeros(WithBatch(stateful_step_[0], s)));
}

void RNN::ResetStates(const Tensors& states) {
  if (!stateful_) Fail<ValueError>(Who(), ": resetStates(states) needs a stateful layer (stateful: true)");
  if (stateful_step_.empty()) Fail<ValueError>(Who(), ": resetStates(states) before the layer is built");
  const Shapes shapes = cell_->StateShapesFor(stateful_step_);
  if (states.size() != shapes.size()) {
    Fail<ValueError>(Who(), ": resetStates expects ", shapes.size(), " state(s), got ", states.size());
  }
  Tensors kept;
  for (size_t i = 0; i < states.size(); ++i) {
    const Shape want = WithBatch(stateful_step_[0], shapes[i]);
    if (!states[i].defined() || states[i].shape() != want) {
      Fail<ShapeError>(Who(), ": state ", i, " must have shape ", ShapeToString(want), ", got ",
                       states[i].defined() ? ShapeToString(states[i].shape()) : std::string("nothing"));
    }
    kept.push_back(ops::Cast(ops::StopGradient(states[i]), DType::kFloat32));
  }
  kept_states_ = kept;
}

Tensors RNN::InitialStates(const Tensors& inputs, const Shape& step) {
  const int64_t batch = step[0];
  const Shapes shapes = cell_->StateShapesFor(step);
  if (inputs.size() > 1) {
    if (inputs.size() != shapes.size() + 1) {
      Fail<ValueError>(Who(), ": initialState needs ", shapes.size(), " state(s) (one per state of ", cell_->ClassName(),
                       "), got ", inputs.size() - 1);
    }
    Tensors states(inputs.begin() + 1, inputs.end());
    for (size_t i = 0; i < states.size(); ++i) {
      const Shape want = WithBatch(batch, shapes[i]);
      if (states[i].shape() != want) {
        Fail<ShapeError>(Who(), ": initial state ", i, " must have shape ", ShapeToString(want), " for an input of batch ",
                         batch, ", got ", ShapeToString(states[i].shape()));
      }
    }
    return states;
  }
  if (stateful_) {
    if (batch != stateful_step_[0]) {
      Fail<ValueError>(Who(), ": a stateful layer keeps states for batch size ", stateful_step_[0],
                       ", got an input with batch size ", batch);
    }
    return kept_states_;
  }
  Tensors zeros;
  for (const Shape& s : shapes) zeros.push_back(Tensor::Zeros(WithBatch(batch, s)));
  return zeros;
}

Tensors RNN::Call(const Tensors& inputs, const CallContext& ctx) {
  Tensor x = inputs[0];
  if (time_major_) {
    std::vector<int> perm(x.rank());
    for (int i = 0; i < x.rank(); ++i) perm[i] = i;
    std::swap(perm[0], perm[1]);
    x = ops::Transpose(x, perm);
  }
  StepShape(x.shape());
  const int64_t batch = x.dim(0), steps = x.dim(1);
  if (steps == 0) Fail<ShapeError>(Who(), ": the input has no time steps (shape ", ShapeToString(x.shape()), ")");
  Tensor mask = ctx.masks.empty() ? Tensor() : ctx.masks[0];
  if (mask.defined()) {
    if (mask.shape() != Shape{batch, steps}) {
      Fail<ShapeError>(Who(), ": the mask must have shape [batch, time] = ", ShapeToString(Shape{batch, steps}), ", got ",
                       ShapeToString(mask.shape()));
    }
    if (mask.dtype() != DType::kFloat32) mask = ops::Cast(mask, DType::kFloat32);
  }
  Shape step = x.shape();
  step.erase(step.begin() + 1);
  Tensors states = InitialStates(inputs, step);

  // The built-in cells run the whole sequence as one fused op when they can; unroll asks for the step
  // loop over ordinary ops (the same values), which alone does zero_output_for_mask.
  const bool fuse = !unroll_ && cell_->CanFuse(ctx.training) && !(zero_output_for_mask_ && mask.defined());
  Tensors result = fuse ? RunFused(x, states, mask) : RunSteps(x, states, mask, ctx.training);
  if (stateful_) {
    kept_states_.clear();
    for (size_t i = 1; i < result.size(); ++i) kept_states_.push_back(ops::StopGradient(result[i]));
  }
  if (time_major_ && return_sequences_) {
    std::vector<int> perm(result[0].rank());
    for (int i = 0; i < result[0].rank(); ++i) perm[i] = i;
    std::swap(perm[0], perm[1]);
    result[0] = ops::Transpose(result[0], perm);
  }
  if (!return_state_) result.resize(1);
  return result;
}

namespace {

// [batch] + shape: a mask column [batch, 1] reshaped to broadcast over a state or output of that shape.
Tensor MaskFor(const Tensor& column, const Tensor& like) {
  Shape s(like.rank(), 1);
  s[0] = like.dim(0);
  return ops::Reshape(column, s);
}

}  // namespace

Tensors RNN::RunSteps(const Tensor& x, Tensors states, const Tensor& mask, bool training) {
  const int64_t batch = x.dim(0), steps = x.dim(1);
  Shape step_shape = x.shape();
  step_shape.erase(step_shape.begin() + 1);
  std::vector<int64_t> begin(x.rank(), 0), size(x.shape().begin(), x.shape().end());
  size[1] = 1;

  struct SequenceScope {
    RnnCell* cell;
    ~SequenceScope() { cell->EndSequence(); }
  };
  cell_->BeginSequence(step_shape, training);
  SequenceScope scope{cell_.get()};

  Tensors outputs;
  Tensor previous;  // the previous step's output (a masked step repeats it)
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = go_backwards_ ? steps - 1 - s : s;
    begin[1] = t;
    const Tensor x_t = ops::Reshape(ops::Slice(x, begin, size), step_shape);
    Tensors r = cell_->Step(x_t, states, training);
    Tensor out = r[0];
    if (mask.defined()) {
      const Tensor column = ops::Slice(mask, {0, t}, {batch, 1});
      if (!previous.defined()) previous = Tensor::Zeros(out.shape());
      const Tensor m = MaskFor(column, out);
      out = ops::Where(m, out, zero_output_for_mask_ ? Tensor::Zeros(out.shape()) : previous);
      for (size_t i = 0; i < states.size(); ++i) states[i] = ops::Where(MaskFor(column, r[i + 1]), r[i + 1], states[i]);
    } else {
      states.assign(r.begin() + 1, r.end());
    }
    previous = out;
    if (return_sequences_) outputs.push_back(out);
  }
  Tensors result{return_sequences_ ? ops::Stack(outputs, 1) : previous};
  result.insert(result.end(), states.begin(), states.end());
  return result;
}

Tensors RNN::RunFused(const Tensor& x, const Tensors& states, const Tensor& mask) {
  ops::RnnSequenceOptions options;
  Tensor kernel, recurrent, bias;
  cell_->FusedOperands(&options, &kernel, &recurrent, &bias);
  options.go_backwards = go_backwards_;
  options.return_sequences = return_sequences_;
  // The op wants [batch, T, features] steps: the cells that fuse take rank-2 steps.
  return ops::RnnSequence(x, states, kernel, recurrent, bias, mask, options);
}

Shapes RNN::ComputeOutputShape(const Shapes& input_shapes) {
  Shape x = input_shapes[0];
  const Shape step = StepShape(x);
  if (time_major_) std::swap(x[0], x[1]);
  const int64_t batch = x[0];
  Shape y{batch};
  if (return_sequences_) y.push_back(x[1]);
  const Shape out_step = cell_->StepOutputShapeFor(step);
  y.insert(y.end(), out_step.begin(), out_step.end());
  if (time_major_ && return_sequences_) std::swap(y[0], y[1]);
  Shapes out{y};
  if (return_state_) {
    for (const Shape& s : cell_->StateShapesFor(step)) out.push_back(WithBatch(batch, s));
  }
  return out;
}

Tensors RNN::ComputeMask(const Tensors&, const Tensors& masks) {
  Tensors out(return_state_ ? 1 + cell_->StateShapes().size() : 1);
  if (return_sequences_ && !masks.empty()) out[0] = masks[0];
  return out;
}

json RNN::RnnConfig() const {
  json c;
  c["return_sequences"] = return_sequences_;
  c["return_state"] = return_state_;
  c["go_backwards"] = go_backwards_;
  c["stateful"] = stateful_;
  c["unroll"] = unroll_;
  c["time_major"] = time_major_;
  c["zero_output_for_mask"] = zero_output_for_mask_;
  c["activity_regularizer"] = params::ToConfig(activity_regularizer_);
  return c;
}

json RNN::GetConfig() const {
  json c = Layer::GetConfig();
  c.update(RnnConfig());
  c["cell"] = SerializeLayer(*cell_);
  return c;
}

LayerPtr CreateRNN(const json& config) { return MakeLayer<RNN>(config, "RNN"); }
LayerPtr CreateStackedRNNCells(const json& config) { return MakeLayer<StackedRNNCells>(config, "StackedRNNCells"); }

}  // namespace kerasm::layers
