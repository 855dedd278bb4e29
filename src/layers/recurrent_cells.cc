// SimpleRNNCell, GRUCell, LSTMCell (see recurrent_cells.h). The step formulas are Keras 3's (the same as
// Keras 2's and tfjs' without dropout); dropout masks are drawn once per sequence call, one for the input
// and one for the recurrent state, shared by the gates, as Keras 3 does.
#include "layers/recurrent_cells.h"

#include "core/error.h"
#include "layers/dropout_mask.h"
#include "layers/registry.h"
#include "ops/ops.h"
#include "ops/rnn_ops.h"
#include "ops/tape.h"
#include "params/arguments.h"
#include "params/initializers.h"
#include "params/regularizers.h"

namespace kerasm::layers {

namespace {

const char* CellClassName(CellKind kind) {
  switch (kind) {
    case CellKind::kSimpleRnn: return "SimpleRNNCell";
    case CellKind::kGru: return "GRUCell";
    case CellKind::kLstm: return "LSTMCell";
  }
  return "?";
}

const char* CellDefaultName(CellKind kind) {
  switch (kind) {
    case CellKind::kSimpleRnn: return "simple_rnn_cell";
    case CellKind::kGru: return "gru_cell";
    case CellKind::kLstm: return "lstm_cell";
  }
  return "?";
}

}  // namespace

double ReadDropoutRate(ConfigReader& config, const char* key) {
  const double rate = config.Number(key, 0.0);
  if (!(rate >= 0.0 && rate <= 1.0)) config.Invalid(key, "must be a float between 0 and 1");
  return rate;
}

CellArgs CellArgs::Read(ConfigReader& config, CellKind kind, bool cudnn) {
  CellArgs a;
  a.kind = kind;
  a.cudnn = cudnn;
  a.units = config.RequiredInt("units");
  if (a.units <= 0) config.Invalid("units", "must be a positive integer");
  if (!cudnn) {
    a.activation = params::ReadActivation(config, "activation", "tanh");
    if (kind != CellKind::kSimpleRnn) {
      a.recurrent_activation = params::ReadActivation(config, "recurrent_activation", "sigmoid");
    }
    a.use_bias = config.Bool("use_bias", true);
  }
  a.kernel = WeightArgs::Read(config, "kernel", "glorot_uniform");
  a.recurrent = WeightArgs::Read(config, "recurrent", "orthogonal");
  a.bias = WeightArgs::Read(config, "bias", "zeros");
  if (kind == CellKind::kLstm) a.unit_forget_bias = config.Bool("unit_forget_bias", true);
  if (kind == CellKind::kGru) a.reset_after = cudnn || config.Bool("reset_after", true);
  if (!cudnn) {
    a.dropout = ReadDropoutRate(config, "dropout");
    a.recurrent_dropout = ReadDropoutRate(config, "recurrent_dropout");
    if (kind != CellKind::kSimpleRnn) {
      const int64_t impl = config.Int("implementation", 2);
      // Keras 2 also wrote 0 (its old default, computed like 1).
      if (impl < 0 || impl > 2) config.Invalid("implementation", "must be 1 or 2");
      a.implementation = static_cast<int>(impl);
    }
    if (const std::optional<uint64_t> seed = config.Seed()) a.seed = static_cast<int64_t>(*seed);
  }
  return a;
}

void CellArgs::Write(json* config) const {
  json& c = *config;
  c["units"] = units;
  if (!cudnn) {
    c["activation"] = activation;
    if (kind != CellKind::kSimpleRnn) c["recurrent_activation"] = recurrent_activation;
    c["use_bias"] = use_bias;
  }
  kernel.Write(&c, "kernel");
  recurrent.Write(&c, "recurrent");
  bias.Write(&c, "bias");
  if (kind == CellKind::kLstm) c["unit_forget_bias"] = unit_forget_bias;
  if (!cudnn) {
    c["dropout"] = dropout;
    c["recurrent_dropout"] = recurrent_dropout;
    if (kind != CellKind::kSimpleRnn) c["implementation"] = implementation;
    if (kind == CellKind::kGru) c["reset_after"] = reset_after;
    c["seed"] = seed ? json(*seed) : json(nullptr);
  }
}

namespace {

class DenseCell : public RnnCell {
 public:
  DenseCell(ConfigReader& config, CellKind kind)
      : RnnCell(config), args_(CellArgs::Read(config, kind)), rng_(SeedOf(args_)) {
    // Keras accepts it on any layer (tfjs' cells write it); a cell's outputs are its step's.
    activity_regularizer_ = params::ReadRegularizer(config, "activity_regularizer");
    AcceptStates();
  }
  explicit DenseCell(const CellArgs& args)
      : RnnCell(CellClassName(args.kind), CellDefaultName(args.kind), ""), args_(args), rng_(SeedOf(args_)) {
    AcceptStates();
  }

  Shapes StateShapes() const override {
    if (args_.kind == CellKind::kLstm) return {Shape{args_.units}, Shape{args_.units}};
    return {Shape{args_.units}};
  }
  Shape StepOutputShape() const override { return {args_.units}; }

  void Build(const Shapes& input_shapes) override {
    const Shape& x = OnlyShape(input_shapes);
    if (x.size() != 2 || x[1] <= 0) {
      Fail<ShapeError>(Who(), ": expects steps of shape [batch, features] with known features, got ", ShapeToString(x));
    }
    const int64_t u = args_.units, g = args_.gates();
    kernel_ = AddWeight("kernel", {x[1], g * u}, args_.kernel.initializer, args_.kernel.regularizer,
                        args_.kernel.constraint);
    recurrent_ = AddWeight("recurrent_kernel", {u, g * u}, args_.recurrent.initializer, args_.recurrent.regularizer,
                           args_.recurrent.constraint);
    if (args_.use_bias) {
      Shape shape{g * u};
      if (args_.cudnn) shape = {2 * g * u};
      else if (args_.kind == CellKind::kGru && args_.reset_after) shape = {2, g * u};
      bias_ = AddWeight("bias", shape, args_.bias.initializer, args_.bias.regularizer, args_.bias.constraint);
      if (args_.kind == CellKind::kLstm && args_.unit_forget_bias) {
        // Keras: the forget gate's bias starts at one (the input half of a cuDNN bias only).
        Tensor b = bias_->value().Clone();
        for (int64_t i = u; i < 2 * u; ++i) b.f32()[i] = 1.f;
        bias_->Assign(b);
      }
    }
  }

  void BeginSequence(const Shape& step_input, bool training) override {
    const int64_t batch = step_input[0];
    // As Keras: a rate of 0 or 1 drops nothing.
    if (training && args_.dropout > 0 && args_.dropout < 1) {
      dp_mask_ = DrawKeepMask(rng_, {batch, step_input[1]}, args_.dropout, 1.f / static_cast<float>(1 - args_.dropout), 0.f);
    }
    if (training && args_.recurrent_dropout > 0 && args_.recurrent_dropout < 1) {
      rec_mask_ = DrawKeepMask(rng_, {batch, args_.units}, args_.recurrent_dropout,
                               1.f / static_cast<float>(1 - args_.recurrent_dropout), 0.f);
    }
    Operands(&k_, &r_, &b_);
    const int64_t u = args_.units;
    if (args_.kind == CellKind::kGru) {
      if (args_.reset_after) {
        if (b_.defined()) {
          b_in_ = ops::Reshape(ops::Slice(b_, {0, 0}, {1, 3 * u}), {3 * u});
          b_rec_ = ops::Reshape(ops::Slice(b_, {1, 0}, {1, 3 * u}), {3 * u});
        }
      } else {
        r_zr_ = ops::Slice(r_, {0, 0}, {u, 2 * u});
        r_h_ = ops::Slice(r_, {0, 2 * u}, {u, u});
      }
    }
    in_sequence_ = true;
  }

  void EndSequence() override {
    dp_mask_ = rec_mask_ = k_ = r_ = b_ = b_in_ = b_rec_ = r_zr_ = r_h_ = Tensor();
    in_sequence_ = false;
  }

  Tensors Step(const Tensor& x_in, const Tensors& states, bool) override {
    if (!in_sequence_) Fail<ValueError>(Who(), ": Step outside a sequence");
    const int64_t u = args_.units;
    const int64_t batch = x_in.dim(0);
    Tensor x = dp_mask_.defined() ? ops::Mul(x_in, dp_mask_) : x_in;
    Tensor h = rec_mask_.defined() ? ops::Mul(states[0], rec_mask_) : states[0];
    auto block = [&](const Tensor& t, int64_t i) { return ops::Slice(t, {0, i * u}, {batch, u}); };
    switch (args_.kind) {
      case CellKind::kSimpleRnn: {
        const Tensor y = ops::Activation(args_.activation, ops::Add(ops::Dense(x, k_, b_), ops::MatMul(h, r_)));
        return {y, y};
      }
      case CellKind::kLstm: {
        const Tensor z = ops::Add(ops::Dense(x, k_, b_), ops::MatMul(h, r_));
        const Tensor i = ops::Activation(args_.recurrent_activation, block(z, 0));
        const Tensor f = ops::Activation(args_.recurrent_activation, block(z, 1));
        const Tensor g = ops::Activation(args_.activation, block(z, 2));
        const Tensor o = ops::Activation(args_.recurrent_activation, block(z, 3));
        const Tensor c = ops::Add(ops::Mul(f, states[1]), ops::Mul(i, g));
        const Tensor y = ops::Mul(o, ops::Activation(args_.activation, c));
        return {y, y, c};
      }
      case CellKind::kGru: {
        const Tensor mx = ops::Dense(x, k_, args_.reset_after ? b_in_ : b_);
        Tensor z, r, hh;
        if (args_.reset_after) {
          const Tensor mi = ops::Dense(h, r_, b_rec_);
          z = ops::Activation(args_.recurrent_activation, ops::Add(block(mx, 0), block(mi, 0)));
          r = ops::Activation(args_.recurrent_activation, ops::Add(block(mx, 1), block(mi, 1)));
          hh = ops::Activation(args_.activation, ops::Add(block(mx, 2), ops::Mul(r, block(mi, 2))));
        } else {
          const Tensor mi = ops::MatMul(h, r_zr_);
          z = ops::Activation(args_.recurrent_activation, ops::Add(block(mx, 0), block(mi, 0)));
          r = ops::Activation(args_.recurrent_activation, ops::Add(block(mx, 1), block(mi, 1)));
          hh = ops::Activation(args_.activation, ops::Add(block(mx, 2), ops::MatMul(ops::Mul(r, h), r_h_)));
        }
        // z h + (1 - z) hh
        const Tensor y = ops::Add(hh, ops::Mul(z, ops::Sub(h, hh)));
        return {y, y};
      }
    }
    return {};
  }

  // The fused sequence op computes exactly these formulas; dropout (masks drawn per call) stays with the
  // step loop, as do activations the op's kernels lack.
  bool CanFuse(bool training) const override {
    if (training && (args_.dropout > 0 || args_.recurrent_dropout > 0)) return false;
    ops::RnnSequenceOptions o;
    FillOptions(&o);
    return ops::RnnSequenceSupported(o);
  }

  void FusedOperands(ops::RnnSequenceOptions* options, Tensor* kernel, Tensor* recurrent, Tensor* bias) const override {
    FillOptions(options);
    Operands(kernel, recurrent, bias);
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    args_.Write(&c);
    c["activity_regularizer"] = params::ToConfig(activity_regularizer_);
    return c;
  }

  const CellArgs& args() const { return args_; }

 private:
  void FillOptions(ops::RnnSequenceOptions* o) const {
    o->cell = args_.kind == CellKind::kSimpleRnn ? ops::RnnCell::kSimpleRnn
              : args_.kind == CellKind::kGru     ? ops::RnnCell::kGru
                                                 : ops::RnnCell::kLstm;
    o->activation = args_.activation;
    o->recurrent_activation = args_.recurrent_activation;
    o->reset_after = args_.reset_after;
  }

  static uint64_t SeedOf(const CellArgs& a) { return a.seed ? static_cast<uint64_t>(*a.seed) : NextAutoSeed(); }

  // The weights as the step formulas read them: the variables, or for the CuDNN layers their cuDNN
  // layout turned into Keras' (differentiably, so the gradients reach the stored weights).
  void Operands(Tensor* k, Tensor* r, Tensor* b) const {
    *k = kernel_->value();
    *r = recurrent_->value();
    *b = bias_ ? bias_->value() : Tensor();
    if (!args_.cudnn) return;
    // Outside a tape the converted weights are kept until a variable changes (a new value, a new id), so
    // the op's packed copies of them are reused across calls too.
    const bool recording = ops::IsRecording();
    const std::vector<uint64_t> ids = {k->id(), r->id(), b->defined() ? b->id() : 0};
    if (!recording && ids == converted_ids_) {
      *k = converted_[0];
      *r = converted_[1];
      *b = converted_[2];
      return;
    }
    const int64_t u = args_.units, g = args_.gates(), in = k->dim(0);
    Tensors kb, rb;
    for (int64_t i = 0; i < g; ++i) {
      // A gate block of the input kernel holds cuDNN's [units, in] matrix in the [in, units] block's memory:
      // the Keras block is that matrix transposed (Keras 2's converter: kernel.T.reshape(shape, order='F')).
      const Tensor block = ops::Slice(*k, {0, i * u}, {in, u});
      kb.push_back(ops::Transpose(ops::Reshape(block, {u, in}), {1, 0}));
      // A recurrent block holds the transposed matrix.
      rb.push_back(ops::Transpose(ops::Slice(*r, {0, i * u}, {u, u}), {1, 0}));
    }
    *k = ops::Concat(kb, 1);
    *r = ops::Concat(rb, 1);
    if (b->defined()) {
      const Tensor halves = ops::Reshape(*b, {2, g * u});
      // LSTM adds the input and recurrent biases; GRU (reset_after) keeps them apart.
      *b = args_.kind == CellKind::kLstm ? ops::Sum(halves, {0}) : halves;
    }
    if (!recording) {
      converted_ids_ = ids;
      converted_ = {*k, *r, *b};
    }
  }

  CellArgs args_;
  Rng rng_;
  ops::VariablePtr kernel_, recurrent_, bias_;
  bool in_sequence_ = false;
  Tensor dp_mask_, rec_mask_, k_, r_, b_, b_in_, b_rec_, r_zr_, r_h_;
  // CuDNN layers: the Keras-layout weights last converted, and the ids of the values they came from.
  mutable std::vector<uint64_t> converted_ids_;
  mutable Tensors converted_;
};

}  // namespace

RnnCellPtr MakeDenseCell(const CellArgs& args) { return std::make_shared<DenseCell>(args); }

namespace {

LayerPtr CreateCell(const json& config, const char* class_name, CellKind kind) {
  ConfigReader reader(config, class_name);
  try {
    auto cell = std::make_shared<DenseCell>(reader, kind);
    reader.Finish();
    return cell;
  } catch (const nlohmann::json::exception& e) {
    FailMalformedConfig(reader, e);
  }
}

}  // namespace

LayerPtr CreateSimpleRNNCell(const json& config) { return CreateCell(config, "SimpleRNNCell", CellKind::kSimpleRnn); }
LayerPtr CreateGRUCell(const json& config) { return CreateCell(config, "GRUCell", CellKind::kGru); }
LayerPtr CreateLSTMCell(const json& config) { return CreateCell(config, "LSTMCell", CellKind::kLstm); }

}  // namespace kerasm::layers
