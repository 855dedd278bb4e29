// Models: functional graphs (multi-input/output, shared layers, nesting, masks), Sequential, weights across
// layers, summary, prediction, and the errors for malformed graphs.
#include "models/model_test_util.h"

#include "ops/ops.h"

namespace kerasm::testing {
namespace {

using models::Model;
using models::Sequential;

TEST(Sequential, ForwardMatchesManualComposition) {
  LayerPtr d1 = MakeDense(5, "relu", "", {{"input_shape", {4}}});
  LayerPtr d2 = MakeDense(3, "softmax");
  auto model = Sequential::Create({d1, d2});
  ASSERT_TRUE(model->has_graph());
  EXPECT_EQ(model->layers().size(), 2u);
  EXPECT_EQ(model->GetLayer(0), d1);
  EXPECT_EQ(model->GetLayer(d2->name()), d2);
  EXPECT_EQ(model->outputs()[0].shape(), (Shape{-1, 3}));
  Tensor x = RandomTensor({6, 4}, 1);
  Tensor y = model->Predict({x})[0];
  ExpectAllClose(y, d2->Apply(d1->Apply(x)));
  EXPECT_EQ(model->Weights().size(), 4u);
  EXPECT_EQ(model->CountParams(), 4 * 5 + 5 + 5 * 3 + 3);
}

TEST(Sequential, WithoutInputShapeBuildsOnFirstData) {
  auto model = Sequential::Create({MakeDense(3), MakeDense(2)});
  EXPECT_FALSE(model->has_graph());
  EXPECT_FALSE(model->built());
  Tensor x = RandomTensor({2, 5}, 2);
  Tensor y = model->Predict({x})[0];
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  ASSERT_TRUE(model->has_graph());
  EXPECT_EQ(model->inputs()[0].shape(), (Shape{-1, 5}));  // the batch size of the data is not kept
  EXPECT_EQ(model->GetLayer(0)->GetWeights()[0].shape(), (Shape{5, 3}));
  EXPECT_EQ(model->layers().size(), 2u);
}

TEST(Sequential, InputLayerFirstAndAddChecks) {
  auto model = std::make_shared<Sequential>("seq_checks");
  model->Add(layers::CreateLayer("InputLayer", {{"shape", {4}}}));
  EXPECT_TRUE(model->layers().empty());
  LayerPtr d = MakeDense(2, "linear", "only");
  model->Add(d);
  EXPECT_EQ(model->layers().size(), 1u);
  ExpectContains(ErrorOf<ValueError>([&] { model->Add(layers::CreateLayer("InputLayer", {{"shape", {4}}})); }),
                 {"seq_checks", "InputLayer"});
  ExpectContains(ErrorOf<ValueError>([&] { model->Add(MakeDense(2, "linear", "only")); }), {"seq_checks", "only"});
  // A layer that cannot take the current output fails at add(), naming itself.
  ExpectContains(ErrorOf<ShapeError>([&] { model->Add(layers::CreateLayer("Reshape", {{"target_shape", {3}}, {"name", "rs"}})); }),
                 {"Reshape 'rs'"});
  EXPECT_EQ(model->layers().size(), 1u);
  model->Add(MakeDense(3));
  model->Pop();
  EXPECT_EQ(model->layers().size(), 1u);
  EXPECT_EQ(model->outputs()[0].shape(), (Shape{-1, 2}));
}

// Two inputs, two outputs, one Dense shared by both branches.
struct TwoBranch {
  SymbolicTensor a, b;
  LayerPtr shared, head1, head2;
  std::shared_ptr<Model> model;
};

TwoBranch MakeTwoBranch() {
  TwoBranch t;
  t.a = layers::Input(Shape{4}, DType::kFloat32, "in_a");
  t.b = layers::Input(Shape{4}, DType::kFloat32, "in_b");
  t.shared = MakeDense(3, "tanh", "shared");
  t.head1 = MakeDense(2, "linear", "head1");
  t.head2 = MakeDense(1, "sigmoid", "head2");
  SymbolicTensor o1 = Apply1(t.head1, Apply1(t.shared, t.a));
  SymbolicTensor o2 = Apply1(t.head2, Apply1(t.shared, t.b));
  t.model = std::make_shared<Model>(SymbolicTensors{t.a, t.b}, SymbolicTensors{o1, o2}, "two_branch");
  return t;
}

TEST(Functional, TwoInputsTwoOutputsSharedLayer) {
  TwoBranch t = MakeTwoBranch();
  std::vector<std::string> names;
  for (const LayerPtr& l : t.model->layers()) names.push_back(l->name());
  // Keras' order: inputs, then by decreasing depth, ties in the order the outputs reach them.
  EXPECT_EQ(names, (std::vector<std::string>{"in_a", "in_b", "shared", "head1", "head2"}));
  EXPECT_EQ(t.shared->inbound_nodes().size(), 2u);
  EXPECT_EQ(t.model->OutputNames(), (std::vector<std::string>{"head1", "head2"}));

  Tensor xa = RandomTensor({5, 4}, 3), xb = RandomTensor({5, 4}, 4);
  Tensors y = t.model->Predict({xa, xb});
  ASSERT_EQ(y.size(), 2u);
  ExpectAllClose(y[0], t.head1->Apply(t.shared->Apply(xa)));
  ExpectAllClose(y[1], t.head2->Apply(t.shared->Apply(xb)));
  // The shared layer's weights are counted once.
  EXPECT_EQ(t.model->Weights().size(), 6u);
  EXPECT_EQ(t.model->CountParams(), (4 * 3 + 3) + (3 * 2 + 2) + (3 * 1 + 1));
  EXPECT_EQ(t.model->ComputeOutputShape({{7, 4}, {7, 4}}), (layers::Shapes{{7, 2}, {7, 1}}));
}

TEST(Functional, GradientsFlowThroughTheGraph) {
  TwoBranch t = MakeTwoBranch();
  Tensor xa = RandomTensor({2, 4}, 5), xb = RandomTensor({2, 4}, 6);
  ExpectGradientsMatch(
      [&](const std::vector<Tensor>& v) {
        Tensors y = t.model->Apply(Tensors{v[0], v[1]});
        return ops::Concat({ops::Reshape(y[0], {-1}), ops::Reshape(y[1], {-1})}, 0);
      },
      {xa, xb}, "two-branch model");
}

TEST(Functional, ModelsNestAsLayers) {
  SymbolicTensor x = layers::Input(Shape{3});
  LayerPtr inner_dense = MakeDense(2, "relu");
  auto inner = std::make_shared<Model>(SymbolicTensors{x}, SymbolicTensors{Apply1(inner_dense, x)}, "inner");
  SymbolicTensor x2 = layers::Input(Shape{3});
  LayerPtr head = MakeDense(1);
  SymbolicTensor h = inner->Apply(SymbolicTensors{x2})[0];
  EXPECT_EQ(h.shape(), (Shape{-1, 2}));
  auto outer = std::make_shared<Model>(SymbolicTensors{x2}, SymbolicTensors{Apply1(head, h)}, "outer");
  Tensor in = RandomTensor({4, 3}, 7);
  ExpectAllClose(outer->Predict({in})[0], head->Apply(inner_dense->Apply(in)));
  EXPECT_EQ(outer->Weights().size(), 4u);
  EXPECT_EQ(outer->CountParams(), 3 * 2 + 2 + 2 + 1);

  // A functional model inside a Sequential, and that Sequential inside another one.
  auto seq = Sequential::Create({inner, MakeDense(4)});
  EXPECT_EQ(seq->outputs()[0].shape(), (Shape{-1, 4}));
  auto seq2 = Sequential::Create({seq, MakeDense(1)});
  EXPECT_EQ(seq2->Predict({in})[0].shape(), (Shape{4, 1}));
  EXPECT_EQ(seq2->Weights().size(), 6u);

  // Freezing the outer model freezes everything inside.
  seq2->SetTrainable(false);
  EXPECT_TRUE(seq2->TrainableWeights().empty());
  EXPECT_TRUE(inner_dense->TrainableWeights().empty());
  seq2->SetTrainable(true);
  EXPECT_EQ(seq2->TrainableWeights().size(), 6u);
}

// Test layers that make and read masks, as Masking / Embedding(mask_zero) / RNNs will.
class MaskMaker : public layers::Layer {
 public:
  MaskMaker() : Layer("MaskMaker", "", "mask_maker") { supports_masking_ = true; }
  layers::Tensors Call(const layers::Tensors& inputs, const layers::CallContext&) override { return inputs; }
  // [batch, time, features] -> [batch, time]: 1 where any feature is non-zero.
  layers::Tensors ComputeMask(const layers::Tensors& inputs, const layers::Tensors&) override {
    const Tensor& x = inputs[0];
    const int64_t f = x.dim(-1);
    Tensor m({x.dim(0), x.dim(1)});
    for (int64_t r = 0; r < m.size(); ++r) {
      float any = 0.f;
      for (int64_t j = 0; j < f; ++j) any = x.f32()[r * f + j] != 0.f ? 1.f : any;
      m.f32()[r] = any;
    }
    return {m};
  }
};

class MaskReader : public layers::Layer {
 public:
  MaskReader() : Layer("MaskReader", "", "mask_reader") { supports_masking_ = true; }
  layers::Tensors Call(const layers::Tensors& inputs, const layers::CallContext& ctx) override {
    seen = ctx.masks.empty() ? Tensor() : ctx.masks[0];
    return inputs;
  }
  Tensor seen;
};

TEST(Functional, MasksFlowFromNodeToNode) {
  SymbolicTensor x = layers::Input(Shape{3, 2});
  auto maker = std::make_shared<MaskMaker>();
  auto reader = std::make_shared<MaskReader>();
  auto blocked = std::make_shared<MaskReader>();
  // Dense supports masking, so the mask passes through it; Flatten does not, so it stops there.
  SymbolicTensor masked = Apply1(maker, x);
  SymbolicTensor through = Apply1(reader, Apply1(MakeDense(4), masked));
  SymbolicTensor stopped = Apply1(blocked, Apply1(layers::CreateLayer("Flatten", json::object()), masked));
  auto model = std::make_shared<Model>(SymbolicTensors{x}, SymbolicTensors{through, stopped});
  const float data[] = {1, 2, 0, 0, 3, 0,   0, 0, 0, 0, 0, 5};
  Tensor in = Tensor::FromData({2, 3, 2}, data);
  layers::CallResult r = model->ApplyWithMasks({in});
  ASSERT_TRUE(reader->seen.defined());
  EXPECT_EQ(reader->seen.ToFloatVector(), (std::vector<float>{1, 0, 1, 0, 0, 1}));
  EXPECT_FALSE(blocked->seen.defined());
  ASSERT_TRUE(r.masks[0].defined());  // the model reports its outputs' masks
  EXPECT_EQ(r.masks[0].ToFloatVector(), reader->seen.ToFloatVector());
  EXPECT_FALSE(r.masks[1].defined());
}

TEST(Functional, TrainingArgumentOfANodeOverridesTheMode) {
  SymbolicTensor x = layers::Input(Shape{50});
  LayerPtr dropout = layers::CreateLayer("Dropout", {{"rate", 0.5}, {"seed", 3}});
  SymbolicTensor y = dropout->Apply(SymbolicTensors{x}, json{{"training", true}})[0];
  auto model = std::make_shared<Model>(SymbolicTensors{x}, SymbolicTensors{y});
  Tensor out = model->Predict({Tensor::Full({4, 50}, 1.f)})[0];
  int zeros = 0;
  for (float v : out.ToFloatVector()) zeros += v == 0.f;
  EXPECT_GT(zeros, 40);  // dropout ran although predict is inference
}

TEST(Models, SetAndGetWeightsAcrossLayers) {
  TwoBranch t = MakeTwoBranch();
  Tensors ws;
  for (size_t i = 0; i < t.model->Weights().size(); ++i) ws.push_back(RandomTensor(t.model->Weights()[i]->shape(), 40 + i));
  t.model->SetWeights(ws);
  // Keras order: layer by layer (shared, head1, head2), kernel then bias.
  EXPECT_EQ(t.shared->GetWeights()[0].id(), ws[0].id());
  EXPECT_EQ(t.head1->GetWeights()[1].id(), ws[3].id());
  EXPECT_EQ(t.head2->GetWeights()[0].id(), ws[4].id());
  EXPECT_EQ(t.model->WeightNames(),
            (std::vector<std::string>{"shared/kernel", "shared/bias", "head1/kernel", "head1/bias", "head2/kernel", "head2/bias"}));
  ExpectContains(ErrorOf<ValueError>([&] { t.model->SetWeights({ws[0]}); }),
                 {"two_branch", "expects 6 weights", "received 1"});
  Tensors bad = ws;
  bad[2] = Tensor::Zeros({2, 3});
  ExpectContains(ErrorOf<ShapeError>([&] { t.model->SetWeights(bad); }), {"head1/kernel", "[3,2]", "[2,3]"});
}

TEST(Models, SummaryListsLayersShapesAndParams) {
  auto model = std::make_shared<Sequential>("summary_seq");
  model->Add(MakeDense(40, "relu", "wide", {{"input_shape", {30}}}));
  model->Add(layers::CreateLayer("Dropout", {{"rate", 0.1}, {"name", "drop"}}));
  model->Add(MakeDense(2, "linear", "frozen", {{"trainable", false}}));
  const std::string s = model->Summary();
  const int64_t wide = 30 * 40 + 40, frozen = 40 * 2 + 2;
  ExpectContains(s, {"Model: \"summary_seq\"", "Layer (type)", "Output Shape", "Param #", "wide (Dense)",
                     "(None, 40)", "1,240", "drop (Dropout)", "frozen (Dense)", "(None, 2)"});
  EXPECT_NE(s.find("Total params: " + std::string("1,322")), std::string::npos) << s;
  EXPECT_EQ(wide + frozen, 1322);
  EXPECT_NE(s.find("Trainable params: 1,240"), std::string::npos) << s;
  EXPECT_NE(s.find("Non-trainable params: 82"), std::string::npos) << s;
  // Keras' default width for a sequential table is 65 columns.
  EXPECT_EQ(s.substr(s.find('\n') + 1, 66), std::string(65, '_') + "\n");

  TwoBranch t = MakeTwoBranch();
  const std::string f = t.model->Summary();
  ExpectContains(f, {"Connected to", "in_a (InputLayer)", "[(None, 4)]", "shared (Dense)", "(None, 3)",
                     "in_a[0][0]", "in_b[0][0]", "shared[1][0]", "head2 (Dense)"});
  ExpectContains(ErrorOf<ValueError>([] { Sequential::Create({MakeDense(1)})->Summary(); }), {"not yet been built"});
}

TEST(Models, PredictInBatchesEqualsOneBatch) {
  auto model = Sequential::Create({MakeDense(4, "tanh", "", {{"input_shape", {3}}}), MakeDense(2)});
  Tensor x = RandomTensor({10, 3}, 9);
  ExpectAllClose(model->Predict({x}, 3)[0], model->Predict({x}, 100)[0]);
}

TEST(Models, GraphErrorsNameTheProblem) {
  SymbolicTensor a = layers::Input(Shape{2}, DType::kFloat32, "ga");
  SymbolicTensor b = layers::Input(Shape{2}, DType::kFloat32, "gb");
  SymbolicTensor from_b = Apply1(MakeDense(1, "linear", "uses_b"), b);
  ExpectContains(ErrorOf<ValueError>([&] { Model({a}, {from_b}); }), {"disconnected", "gb"});
  SymbolicTensor h = Apply1(MakeDense(2, "linear", "hidden"), a);
  ExpectContains(ErrorOf<ValueError>([&] { Model({h}, {Apply1(MakeDense(1), h)}); }), {"Input", "hidden"});
  SymbolicTensor twin = Apply1(MakeDense(1, "linear", "hidden"), a);
  ExpectContains(ErrorOf<ValueError>([&] { Model({a}, {h, twin}); }), {"hidden", "unique"});

  auto model = std::make_shared<Model>(SymbolicTensors{a}, SymbolicTensors{h}, "gm");
  ExpectContains(ErrorOf<ShapeError>([&] { model->Predict({Tensor::Zeros({3, 5})}); }), {"gm", "[null,2]", "[3,5]"});
  ExpectContains(ErrorOf<ValueError>([&] { model->Predict({Tensor::Zeros({3, 2}), Tensor::Zeros({3, 2})}); }),
                 {"gm", "expects 1"});
  ExpectContains(ErrorOf<ValueError>([&] { model->GetLayer("nope"); }), {"gm", "nope", "hidden"});
  ExpectContains(ErrorOf<IndexError>([&] { model->GetLayer(9); }), {"gm", "9"});
}

TEST(Models, SliceAndGatherBatches) {
  const float data[] = {0, 1, 2, 3, 4, 5, 6, 7};
  Tensor x = Tensor::FromData({4, 2}, data);
  EXPECT_EQ(models::SliceBatch({x}, 1, 2)[0].ToFloatVector(), (std::vector<float>{2, 3, 4, 5}));
  const int32_t idx[] = {3, 0};
  EXPECT_EQ(models::GatherBatch({x}, Tensor::FromData({2}, idx))[0].ToFloatVector(), (std::vector<float>{6, 7, 0, 1}));
}

}  // namespace
}  // namespace kerasm::testing
