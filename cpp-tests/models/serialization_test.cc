// Keras JSON: the form written (Keras 2 / tfjs inbound_nodes), round trips for Sequential, functional
// graphs with shared layers and nested models, and reading Keras 3 / tfjs model.json variants.
#include "models/model_test_util.h"
#include "models/serialization.h"

namespace kerasm::testing {
namespace {

using models::Model;
using models::ModelFromJson;
using models::ModelToJson;
using models::Sequential;

// Same JSON back, and the same predictions once the weights are copied over.
void ExpectRoundTrip(const std::shared_ptr<Model>& model, const Tensors& inputs) {
  const json j = ModelToJson(*model);
  std::shared_ptr<Model> back = ModelFromJson(j);
  EXPECT_EQ(ModelToJson(*back), j);
  EXPECT_EQ(back->ClassName(), model->ClassName());
  back->SetWeights(model->GetWeights());
  const Tensors want = model->Predict(inputs), got = back->Predict(inputs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ExpectAllClose(got[i], want[i]);
  // Through text as well, as files carry it.
  EXPECT_EQ(ModelToJson(*ModelFromJson(json(j.dump()))), j);
}

TEST(Serialization, SequentialWritesTheTfjsForm) {
  auto model = std::make_shared<Sequential>("ser_seq");
  model->Add(MakeDense(3, "relu", "s_d1", {{"input_shape", {4}}}));
  model->Add(layers::CreateLayer("Dropout", {{"rate", 0.2}, {"name", "s_drop"}}));
  model->Add(MakeDense(2, "softmax", "s_d2"));
  const json j = ModelToJson(*model);
  EXPECT_EQ(j["class_name"], "Sequential");
  EXPECT_EQ(j["config"]["name"], "ser_seq");
  const json& layer_list = j["config"]["layers"];
  ASSERT_EQ(layer_list.size(), 3u);
  EXPECT_EQ(layer_list[0]["class_name"], "Dense");
  EXPECT_EQ(layer_list[0]["config"]["batch_input_shape"], json({nullptr, 4}));
  EXPECT_EQ(layer_list[1]["config"]["rate"], 0.2);
  EXPECT_EQ(layer_list[2]["config"]["activation"], "softmax");
  ExpectRoundTrip(model, {RandomTensor({3, 4}, 1)});
}

TEST(Serialization, SequentialStartedWithAnInputLayer) {
  auto model = std::make_shared<Sequential>();
  model->Add(layers::CreateLayer("InputLayer", {{"shape", {2, 3}}}));
  model->Add(layers::CreateLayer("Flatten", json::object()));
  model->Add(MakeDense(2));
  const json j = ModelToJson(*model);
  EXPECT_EQ(j["config"]["layers"][0]["config"]["batch_input_shape"], json({nullptr, 2, 3}));
  ExpectRoundTrip(model, {RandomTensor({2, 2, 3}, 2)});
}

TEST(Serialization, DeferredSequentialKeepsItsBuildShape) {
  auto model = Sequential::Create({MakeDense(3), MakeDense(1)});
  model->Predict({RandomTensor({2, 5}, 3)});
  const json j = ModelToJson(*model);
  EXPECT_EQ(j["config"]["build_input_shape"], json({nullptr, 5}));
  EXPECT_FALSE(j["config"]["layers"][0]["config"].contains("batch_input_shape"));
  ExpectRoundTrip(model, {RandomTensor({2, 5}, 3)});
}

TEST(Serialization, FunctionalWritesKeras2InboundNodes) {
  SymbolicTensor a = layers::Input(Shape{4}, DType::kFloat32, "fa");
  SymbolicTensor b = layers::Input(Shape{4}, DType::kFloat32, "fb");
  LayerPtr shared = MakeDense(3, "tanh", "fshared");
  SymbolicTensor o1 = Apply1(MakeDense(2, "linear", "fhead1"), Apply1(shared, a));
  SymbolicTensor o2 = Apply1(MakeDense(1, "sigmoid", "fhead2"), Apply1(shared, b));
  auto model = std::make_shared<Model>(SymbolicTensors{a, b}, SymbolicTensors{o1, o2}, "fmodel");
  const json j = ModelToJson(*model);
  EXPECT_EQ(j["class_name"], "Functional");
  const json& c = j["config"];
  EXPECT_EQ(c["name"], "fmodel");
  EXPECT_EQ(c["input_layers"], json::parse(R"([["fa", 0, 0], ["fb", 0, 0]])"));
  EXPECT_EQ(c["output_layers"], json::parse(R"([["fhead1", 0, 0], ["fhead2", 0, 0]])"));
  std::map<std::string, json> by_name;
  for (const json& l : c["layers"]) by_name[l["name"]] = l;
  EXPECT_EQ(by_name["fa"]["class_name"], "InputLayer");
  EXPECT_EQ(by_name["fa"]["inbound_nodes"], json::array());
  EXPECT_EQ(by_name["fa"]["config"]["batch_input_shape"], json({nullptr, 4}));
  EXPECT_EQ(by_name["fshared"]["inbound_nodes"], json::parse(R"([[["fa", 0, 0, {}]], [["fb", 0, 0, {}]]])"));
  EXPECT_EQ(by_name["fhead2"]["inbound_nodes"], json::parse(R"([[["fshared", 1, 0, {}]]])"));
  ExpectRoundTrip(model, {RandomTensor({3, 4}, 4), RandomTensor({3, 4}, 5)});
}

TEST(Serialization, NestedModelsCountTheirOwnNode) {
  SymbolicTensor x = layers::Input(Shape{3}, DType::kFloat32, "nx");
  auto inner = std::make_shared<Model>(SymbolicTensors{x}, SymbolicTensors{Apply1(MakeDense(2, "relu", "n_inner_d"), x)},
                                       "n_inner");
  auto seq = Sequential::Create({MakeDense(2, "linear", "n_seq_d", {{"input_shape", {2}}})}, "n_seq");
  SymbolicTensor y = layers::Input(Shape{3}, DType::kFloat32, "ny");
  SymbolicTensor h = seq->Apply(inner->Apply(SymbolicTensors{y}))[0];
  auto outer = std::make_shared<Model>(SymbolicTensors{y}, SymbolicTensors{Apply1(MakeDense(1, "linear", "n_out"), h)},
                                       "n_outer");
  const json j = ModelToJson(*outer);
  std::map<std::string, json> by_name;
  for (const json& l : j["config"]["layers"]) by_name[l["name"]] = l;
  // As Keras: a functional model's node 0 links its own inputs to outputs, so its first call is node 1.
  EXPECT_EQ(by_name["n_seq"]["inbound_nodes"], json::parse(R"([[["n_inner", 1, 0, {}]]])"));
  EXPECT_EQ(by_name["n_out"]["inbound_nodes"], json::parse(R"([[["n_seq", 1, 0, {}]]])"));
  EXPECT_EQ(by_name["n_inner"]["class_name"], "Functional");
  EXPECT_EQ(by_name["n_seq"]["class_name"], "Sequential");
  ExpectRoundTrip(outer, {RandomTensor({2, 3}, 6)});
}

TEST(Serialization, ReadsKeras3Configs) {
  const json keras3 = json::parse(R"({
    "module": "keras.src.models.functional", "class_name": "Functional", "registered_name": "Functional",
    "config": {
      "name": "k3", "trainable": true,
      "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null, "name": "k3_in",
         "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "k3_in"},
         "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": null, "name": "k3_dense",
         "build_config": {"input_shape": [null, 4]},
         "config": {"name": "k3_dense", "trainable": true,
                    "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
                    "units": 3, "activation": "relu", "use_bias": true,
                    "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
                    "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
                    "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null},
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                      "config": {"shape": [null, 4], "dtype": "float32", "keras_history": ["k3_in", 0, 0]}}],
                            "kwargs": {}}]},
        {"module": "keras.layers", "class_name": "Dropout", "registered_name": null, "name": "k3_drop",
         "config": {"name": "k3_drop", "trainable": true, "dtype": "float32", "rate": 0.5, "seed": null, "noise_shape": null},
         "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                      "config": {"shape": [null, 3], "dtype": "float32", "keras_history": ["k3_dense", 0, 0]}}],
                            "kwargs": {"training": false}}]}
      ],
      "input_layers": ["k3_in", 0, 0],
      "output_layers": ["k3_drop", 0, 0]
    },
    "build_config": {"input_shape": null}, "compile_config": null})");
  std::shared_ptr<Model> model = ModelFromJson(keras3);
  EXPECT_EQ(model->name(), "k3");
  ASSERT_EQ(model->layers().size(), 3u);
  EXPECT_EQ(model->GetLayer("k3_dense")->GetWeights()[0].shape(), (Shape{4, 3}));
  EXPECT_EQ(model->Predict({RandomTensor({2, 4}, 7)})[0].shape(), (Shape{2, 3}));
  // Written back in the Keras 2 form, with the node's call argument kept.
  const json written = ModelToJson(*model);
  std::map<std::string, json> by_name;
  for (const json& l : written["config"]["layers"]) by_name[l["name"]] = l;
  EXPECT_EQ(by_name["k3_drop"]["inbound_nodes"], json::parse(R"([[["k3_dense", 0, 0, {"training": false}]]])"));
}

TEST(Serialization, ReadsTfjsModelJsonAndKeras3Sequential) {
  const json tfjs = json::parse(R"({"modelTopology": {"class_name": "Sequential", "keras_version": "tfjs-layers 4.22.0",
    "backend": "tensor_flow.js", "config": {"name": "tf_seq", "layers": [
      {"class_name": "Dense", "config": {"units": 2, "activation": "linear", "use_bias": true, "name": "tf_d",
        "trainable": true, "batch_input_shape": [null, 3], "dtype": "float32",
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal", "seed": null}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
        "kernel_constraint": null, "bias_constraint": null}}]}},
    "weightsManifest": []})");
  std::shared_ptr<Model> model = ModelFromJson(tfjs);
  EXPECT_EQ(model->name(), "tf_seq");
  EXPECT_EQ(model->outputs()[0].shape(), (Shape{-1, 2}));

  const json keras3_seq = json::parse(R"({"class_name": "Sequential", "config": {"name": "k3_seq", "trainable": true,
    "dtype": "float32", "layers": [
      {"class_name": "InputLayer", "config": {"batch_shape": [null, 5], "dtype": "float32", "sparse": false, "name": "k3s_in"}},
      {"class_name": "Dense", "config": {"name": "k3s_d", "units": 1}}]}})");
  std::shared_ptr<Model> seq = ModelFromJson(keras3_seq);
  EXPECT_EQ(seq->layers().size(), 1u);
  EXPECT_EQ(seq->inputs()[0].shape(), (Shape{-1, 5}));

  const json old_model = json::parse(R"({"class_name": "Model", "config": {"name": "m_old",
    "layers": [{"name": "mo_in", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "mo_in"}, "inbound_nodes": []},
               {"name": "mo_d", "class_name": "Dense", "config": {"units": 1, "name": "mo_d"}, "inbound_nodes": [[["mo_in", 0, 0]]]}],
    "input_layers": [["mo_in", 0, 0]], "output_layers": [["mo_d", 0, 0]]}})");
  EXPECT_EQ(ModelFromJson(old_model)->Predict({RandomTensor({1, 2}, 8)})[0].shape(), (Shape{1, 1}));
}

// The models joined the layer registry at start-up (cpp-tests/main.cc), so any reader of layer specs
// (wrappers, RNN cell lists, nested models) makes them through DeserializeLayer.
// hard_sigmoid is read with its writer's formula: Keras 2 / tfjs clip(0.2 x + 0.5, 0, 1), Keras 3 (and a
// config without a version) relu6(x + 3) / 6.
TEST(Serialization, HardSigmoidFollowsTheWritersKerasVersion) {
  auto model_for = [](const char* version) {
    json j = json::parse(R"({"class_name": "Sequential", "config": {"name": "hs", "layers": [
      {"class_name": "Activation", "config": {"activation": "hard_sigmoid", "batch_input_shape": [null, 3]}}]}})");
    if (version != nullptr) j["keras_version"] = version;
    return ModelFromJson(j);
  };
  const Tensor x = Tensor::FromVector({1, 3}, {-2.f, 1.f, 2.f});
  auto values = [&](const std::shared_ptr<Model>& m) {
    const Tensor y = m->Predict({x})[0];
    return std::vector<float>(y.f32(), y.f32() + 3);
  };
  for (const char* old : {"2.1.2", "1.2.2", "tfjs-layers 4.22.0"}) {
    SCOPED_TRACE(old);
    const std::vector<float> y = values(model_for(old));
    EXPECT_NEAR(y[0], 0.1f, 1e-6f);  // 0.2 * -2 + 0.5
    EXPECT_NEAR(y[1], 0.7f, 1e-6f);
    EXPECT_NEAR(y[2], 0.9f, 1e-6f);
  }
  for (const char* current : {"3.3.3", "kerasm", static_cast<const char*>(nullptr)}) {
    const std::vector<float> y = values(model_for(current));
    EXPECT_NEAR(y[0], 1.f / 6, 1e-6f);  // (-2 + 3) / 6
    EXPECT_NEAR(y[1], 4.f / 6, 1e-6f);
    EXPECT_NEAR(y[2], 5.f / 6, 1e-6f);
  }
}

TEST(Serialization, ModelsDeserializeThroughTheLayerRegistry) {
  auto seq = Sequential::Create({MakeDense(2, "linear", "r_d", {{"input_shape", {3}}})}, "r_seq");
  auto seq_back = std::dynamic_pointer_cast<Sequential>(layers::DeserializeLayer(layers::SerializeLayer(*seq)));
  ASSERT_TRUE(seq_back);
  EXPECT_EQ(seq_back->name(), "r_seq");
  EXPECT_EQ(seq_back->GetConfig(), seq->GetConfig());
  SymbolicTensor x = layers::Input(Shape{3}, DType::kFloat32, "rx");
  auto fn = std::make_shared<Model>(SymbolicTensors{x}, SymbolicTensors{Apply1(MakeDense(1, "linear", "r_fd"), x)}, "r_fn");
  json spec = layers::SerializeLayer(*fn);
  EXPECT_EQ(spec["class_name"], "Functional");
  for (const char* class_name : {"Functional", "Model"}) {
    spec["class_name"] = class_name;
    auto back = std::dynamic_pointer_cast<Model>(layers::CreateLayer(class_name, spec["config"]));
    ASSERT_TRUE(back) << class_name;
    EXPECT_EQ(back->GetConfig(), fn->GetConfig());
  }
  ExpectContains(ErrorOf<ValueError>([] { layers::RegisterLayerClass("Sequential", nullptr); }), {"built-in"});
}

TEST(Serialization, BadJsonIsAClearError) {
  ExpectContains(ErrorOf<ValueError>([] { ModelFromJson(json("{not json")); }), {"parsed"});
  ExpectContains(ErrorOf<ValueError>([] { ModelFromJson(json::parse(R"({"class_name": "Dense", "config": {}})")); }),
                 {"Sequential", "Dense"});
  ExpectContains(ErrorOf<ValueError>([] {
                   ModelFromJson(json::parse(R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv9D", "config": {}}]}})"));
                 }),
                 {"Conv9D"});
  ExpectContains(ErrorOf<ValueError>([] {
                   ModelFromJson(json::parse(R"({"class_name": "Functional", "config": {"name": "bad",
                     "layers": [{"name": "bi", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "bi"}, "inbound_nodes": []},
                                {"name": "bd", "class_name": "Dense", "config": {"units": 1, "name": "bd"}, "inbound_nodes": [[["ghost", 0, 0, {}]]]}],
                     "input_layers": [["bi", 0, 0]], "output_layers": [["bd", 0, 0]]}})"));
                 }),
                 {"ghost"});
  ExpectContains(ErrorOf<ValueError>([] {
                   ModelFromJson(json::parse(R"({"class_name": "Functional", "config": {"name": "bad2",
                     "layers": [{"name": "ci", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 2], "name": "ci"}, "inbound_nodes": []},
                                {"name": "cd", "class_name": "Dense", "config": {"units": 1, "name": "cd"}, "inbound_nodes": [[["ci", 3, 0, {}]]]}],
                     "input_layers": [["ci", 0, 0]], "output_layers": [["cd", 0, 0]]}})"));
                 }),
                 {"cd", "node 3", "ci"});
}

}  // namespace
}  // namespace kerasm::testing
