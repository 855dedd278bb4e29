// ConvLSTM2D: an LSTM whose input and recurrent products are 2D convolutions, over inputs [batch, time, rows,
// cols, channels] (channels_first: [batch, time, channels, rows, cols]). The states are feature maps of the
// input convolution's output size; the recurrent convolution keeps that size (stride 1, 'same'), as Keras.
// The cell works in channels_last, the layout of the conv op, and moves channels_first steps across.
#include "core/error.h"
#include "layers/conv_base.h"
#include "layers/dropout_mask.h"
#include "layers/recurrent_cells.h"
#include "layers/registry.h"
#include "ops/conv_ops.h"
#include "ops/ops.h"
#include "params/arguments.h"
#include "params/regularizers.h"

namespace kerasm::layers {

namespace {

struct ConvLstmArgs {
  int64_t filters = 0;
  std::vector<int64_t> kernel_size, strides, dilation;
  std::string padding = "valid";
  bool channels_first = false;
  std::string activation = "tanh", recurrent_activation = "sigmoid";
  bool use_bias = true, unit_forget_bias = true;
  WeightArgs kernel, recurrent, bias;
  double dropout = 0, recurrent_dropout = 0;
  std::optional<int64_t> seed;

  static ConvLstmArgs Read(ConfigReader& config) {
    ConvLstmArgs a;
    a.filters = ReadFilters(config);
    a.kernel_size = ReadSpatialTuple(config, "kernel_size", 2, {}, 1);
    a.strides = ReadSpatialTuple(config, "strides", 2, {1, 1}, 1);
    a.dilation = ReadSpatialTuple(config, "dilation_rate", 2, {1, 1}, 1);
    if (std::max(a.strides[0], a.strides[1]) > 1 && std::max(a.dilation[0], a.dilation[1]) > 1) {
      config.Reject("strides", "strides > 1 is not supported together with dilation_rate > 1");
    }
    a.padding = config.String("padding", "valid");
    for (char& c : a.padding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (a.padding != "valid" && a.padding != "same") config.Invalid("padding", "must be one of 'valid', 'same'");
    a.channels_first = params::ReadDataFormat(config) == "channels_first";
    a.activation = params::ReadActivation(config, "activation", "tanh");
    a.recurrent_activation = params::ReadActivation(config, "recurrent_activation", "sigmoid");
    a.use_bias = config.Bool("use_bias", true);
    a.kernel = WeightArgs::Read(config, "kernel", "glorot_uniform");
    a.recurrent = WeightArgs::Read(config, "recurrent", "orthogonal");
    a.bias = WeightArgs::Read(config, "bias", "zeros");
    a.unit_forget_bias = config.Bool("unit_forget_bias", true);
    a.dropout = ReadDropoutRate(config, "dropout");
    a.recurrent_dropout = ReadDropoutRate(config, "recurrent_dropout");
    if (const std::optional<uint64_t> seed = config.Seed()) a.seed = static_cast<int64_t>(*seed);
    config.Get("implementation");  // tfjs writes its LSTM's; one computation here
    return a;
  }

  void Write(json* config) const {
    json& c = *config;
    c["filters"] = filters;
    c["kernel_size"] = kernel_size;
    c["strides"] = strides;
    c["padding"] = padding;
    c["data_format"] = channels_first ? "channels_first" : "channels_last";
    c["dilation_rate"] = dilation;
    c["activation"] = activation;
    c["recurrent_activation"] = recurrent_activation;
    c["use_bias"] = use_bias;
    kernel.Write(&c, "kernel");
    recurrent.Write(&c, "recurrent");
    bias.Write(&c, "bias");
    c["unit_forget_bias"] = unit_forget_bias;
    c["dropout"] = dropout;
    c["recurrent_dropout"] = recurrent_dropout;
    c["seed"] = seed ? json(*seed) : json(nullptr);
  }
};

class ConvLstmCell : public RnnCell {
 public:
  explicit ConvLstmCell(const ConvLstmArgs& args)
      : RnnCell("ConvLSTM2DCell", "conv_lstm2d_cell", ""), a_(args),
        rng_(args.seed ? static_cast<uint64_t>(*args.seed) : NextAutoSeed()) {
    AcceptStates();
  }

  // The count is what the RNN needs before it sees an input; the sizes come with the input.
  Shapes StateShapes() const override { return {MapShape(-1, -1), MapShape(-1, -1)}; }
  Shape StepOutputShape() const override { return MapShape(-1, -1); }
  Shapes StateShapesFor(const Shape& step) const override {
    const Shape s = StepOutputShapeFor(step);
    return {s, s};
  }
  Shape StepOutputShapeFor(const Shape& step) const override {
    CheckStep(step);
    std::vector<int64_t> out;
    InputSpec(step, &out);
    return MapShape(out[0], out[1]);
  }

  void Build(const Shapes& input_shapes) override {
    const Shape& step = OnlyShape(input_shapes);
    CheckStep(step);
    const int64_t channels = step[a_.channels_first ? 1 : 3];
    if (channels <= 0) Fail<ShapeError>(Who(), ": the input's channels must be known, got ", ShapeToString(step));
    const int64_t f = a_.filters;
    kernel_ = AddWeight("kernel", {a_.kernel_size[0], a_.kernel_size[1], channels, 4 * f}, a_.kernel.initializer,
                        a_.kernel.regularizer, a_.kernel.constraint);
    recurrent_ = AddWeight("recurrent_kernel", {a_.kernel_size[0], a_.kernel_size[1], f, 4 * f},
                           a_.recurrent.initializer, a_.recurrent.regularizer, a_.recurrent.constraint);
    if (a_.use_bias) {
      bias_ = AddWeight("bias", {4 * f}, a_.bias.initializer, a_.bias.regularizer, a_.bias.constraint);
      if (a_.unit_forget_bias) {
        Tensor b = bias_->value().Clone();
        for (int64_t i = f; i < 2 * f; ++i) b.f32()[i] = 1.f;
        bias_->Assign(b);
      }
    }
  }

  void BeginSequence(const Shape& step, bool training) override {
    if (training && a_.dropout > 0 && a_.dropout < 1) {
      dp_mask_ = DrawKeepMask(rng_, step, a_.dropout, 1.f / static_cast<float>(1 - a_.dropout), 0.f);
    }
    if (training && a_.recurrent_dropout > 0 && a_.recurrent_dropout < 1) {
      Shape h{step[0]};
      const Shape s = StepOutputShapeFor(step);
      h.insert(h.end(), s.begin(), s.end());
      rec_mask_ = DrawKeepMask(rng_, h, a_.recurrent_dropout, 1.f / static_cast<float>(1 - a_.recurrent_dropout), 0.f);
    }
  }

  void EndSequence() override { dp_mask_ = rec_mask_ = Tensor(); }

  Tensors Step(const Tensor& x_in, const Tensors& states, bool) override {
    Tensor x = dp_mask_.defined() ? ops::Mul(x_in, dp_mask_) : x_in;
    Tensor h = rec_mask_.defined() ? ops::Mul(states[0], rec_mask_) : states[0];
    Tensor c = states[1];
    if (a_.channels_first) {
      x = ops::Transpose(x, {0, 2, 3, 1});
      h = ops::Transpose(h, {0, 2, 3, 1});
      c = ops::Transpose(c, {0, 2, 3, 1});
    }
    std::vector<int64_t> out;
    const ops::ConvSpec spec = InputSpec(x_in.shape(), &out);
    ops::ConvSpec same;
    same.strides = same.dilations = {1, 1};
    for (int a = 0; a < 2; ++a) {
      const ops::AxisPadding p = ops::ConvAxisPadding(out[a], a_.kernel_size[a], 1, 1, "same");
      same.pad_before.push_back(p.before);
      same.pad_after.push_back(p.after);
    }
    const Tensor z = ops::Add(ops::Conv(x, kernel_->value(), bias_ ? bias_->value() : Tensor(), spec),
                              ops::Conv(h, recurrent_->value(), Tensor(), same));
    const int64_t f = a_.filters;
    auto gate = [&](int64_t i) { return ops::Slice(z, {0, 0, 0, i * f}, {-1, -1, -1, f}); };
    const Tensor ig = ops::Activation(a_.recurrent_activation, gate(0));
    const Tensor fg = ops::Activation(a_.recurrent_activation, gate(1));
    const Tensor g = ops::Activation(a_.activation, gate(2));
    const Tensor og = ops::Activation(a_.recurrent_activation, gate(3));
    Tensor c_new = ops::Add(ops::Mul(fg, c), ops::Mul(ig, g));
    Tensor h_new = ops::Mul(og, ops::Activation(a_.activation, c_new));
    if (a_.channels_first) {
      h_new = ops::Transpose(h_new, {0, 3, 1, 2});
      c_new = ops::Transpose(c_new, {0, 3, 1, 2});
    }
    return {h_new, h_new, c_new};
  }

  json GetConfig() const override {
    json c = Layer::GetConfig();
    a_.Write(&c);
    return c;
  }

 private:
  Shape MapShape(int64_t rows, int64_t cols) const {
    return a_.channels_first ? Shape{a_.filters, rows, cols} : Shape{rows, cols, a_.filters};
  }

  void CheckStep(const Shape& step) const {
    if (step.size() != 4) {
      Fail<ShapeError>(Who(), ": expects steps of rank 4 (inputs [batch, time, rows, cols, channels]), got a step of shape ",
                       ShapeToString(step));
    }
  }

  // The input convolution's spec for steps of shape `step`, and its output rows and cols (-1 if unknown).
  ops::ConvSpec InputSpec(const Shape& step, std::vector<int64_t>* out) const {
    ops::ConvSpec spec;
    spec.strides = a_.strides;
    spec.dilations = a_.dilation;
    out->clear();
    for (int a = 0; a < 2; ++a) {
      const int64_t in = step[a_.channels_first ? 2 + a : 1 + a];
      if (in < 0) {
        spec.pad_before.push_back(0);
        spec.pad_after.push_back(0);
        out->push_back(-1);
        continue;
      }
      const ops::AxisPadding p = ops::ConvAxisPadding(in, a_.kernel_size[a], a_.strides[a], a_.dilation[a], a_.padding);
      if (p.out <= 0) {
        Fail<ShapeError>(Who(), ": the input is too small for the kernel: spatial size ", in, " on axis ", a,
                         " gives an output size of ", p.out, " with padding '", a_.padding, "'");
      }
      spec.pad_before.push_back(p.before);
      spec.pad_after.push_back(p.after);
      out->push_back(p.out);
    }
    return spec;
  }

  ConvLstmArgs a_;
  Rng rng_;
  ops::VariablePtr kernel_, recurrent_, bias_;
  Tensor dp_mask_, rec_mask_;
};

class ConvLSTM2D : public RNN {
 public:
  explicit ConvLSTM2D(ConfigReader& config) : ConvLSTM2D(config, ConvLstmArgs::Read(config)) {}

  json GetConfig() const override {
    json c = Layer::GetConfig();
    c.update(RnnConfig());
    c.erase("time_major");  // not an argument of ConvLSTM2D
    args_.Write(&c);
    return c;
  }

 private:
  ConvLSTM2D(ConfigReader& config, const ConvLstmArgs& args)
      : RNN(config, std::make_shared<ConvLstmCell>(args)), args_(args) {}

  ConvLstmArgs args_;
};

}  // namespace

LayerPtr CreateConvLSTM2D(const json& config) { return MakeLayer<ConvLSTM2D>(config, "ConvLSTM2D"); }

}  // namespace kerasm::layers
