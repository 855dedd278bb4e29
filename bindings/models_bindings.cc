// Models through the same Layer handles (a model is a Layer): functional and Sequential construction,
// prediction, summary, compile / trainOnBatch / evaluate, Keras JSON. fit's loop lives in web/ and calls
// trainOnBatch once per batch, so the numbers a step returns come back through a small float64 area in wasm
// memory (web/ reads it after the call) instead of an Embind vector that would cost three more calls.
#include <emscripten/bind.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "guard.h"
#include "json_util.h"
#include "models/model.h"
#include "models/optimizers.h"
#include "models/sequential.h"
#include "models/serialization.h"

namespace kerasm::bindings {
namespace {

using layers::LayerPtr;
using layers::SymbolicTensor;
using json = nlohmann::json;
using models::Model;
using models::Sequential;
using LayerList = std::vector<LayerPtr>;
using SymbolicList = std::vector<SymbolicTensor>;
using TensorList = std::vector<Tensor>;

// Losses and metric values of the latest trainOnBatch / evaluate: "loss", per-output losses, metrics.
constexpr int kMaxValues = 256;
double g_values[kMaxValues];

uintptr_t ValuesAddress() { return reinterpret_cast<uintptr_t>(g_values); }

int StoreValues(const std::vector<double>& values) {
  if (values.size() > kMaxValues) Fail<ValueError>("a training step returned ", values.size(), " values; at most ", kMaxValues, " fit");
  std::copy(values.begin(), values.end(), g_values);
  return static_cast<int>(values.size());
}

Model& AsModel(const LayerPtr& layer, const char* what) {
  auto* model = dynamic_cast<Model*>(layer.get());
  if (!model) Fail<ValueError>(what, ": expects a model, got ", layer ? layer->Who() : std::string("an empty handle"));
  return *model;
}

Sequential& AsSequential(const LayerPtr& layer, const char* what) {
  auto* model = dynamic_cast<Sequential*>(layer.get());
  if (!model) Fail<ValueError>(what, ": expects a Sequential model, got ", layer ? layer->Who() : std::string("an empty handle"));
  return *model;
}

// ---- construction -------------------------------------------------------------------------------------------

LayerPtr NewModel(const SymbolicList& inputs, const SymbolicList& outputs, const std::string& name) {
  return Guard([&] { return LayerPtr(std::make_shared<Model>(inputs, outputs, name)); });
}

LayerPtr NewSequential(const std::string& name) {
  return Guard([&] { return LayerPtr(std::make_shared<Sequential>(name)); });
}

void SequentialAdd(const LayerPtr& model, const LayerPtr& layer) {
  Guard([&] { AsSequential(model, "add").Add(layer); });
}

void SequentialPop(const LayerPtr& model) {
  Guard([&] { AsSequential(model, "pop").Pop(); });
}

// ---- structure ----------------------------------------------------------------------------------------------

LayerList ModelLayers(const LayerPtr& model) {
  return Guard([&] { return AsModel(model, "layers").layers(); });
}

// which 0: the inputs, 1: the outputs (empty for a Sequential that has not seen its input shape yet).
SymbolicList ModelTensors(const LayerPtr& model, int which) {
  return Guard([&] {
    Model& m = AsModel(model, which == 0 ? "inputs" : "outputs");
    return which == 0 ? m.inputs() : m.outputs();
  });
}

// JSON list of the names of the layers feeding the inputs (which 0) or producing the outputs (which 1).
std::string ModelIONames(const LayerPtr& model, int which) {
  return Guard([&] {
    Model& m = AsModel(model, which == 0 ? "inputNames" : "outputNames");
    if (!m.has_graph()) return std::string("[]");
    return json(which == 0 ? m.InputNames() : m.OutputNames()).dump();
  });
}

LayerPtr ModelGetLayer(const LayerPtr& model, const std::string& name) {
  return Guard([&] { return AsModel(model, "getLayer").GetLayer(name); });
}

LayerPtr ModelGetLayerAt(const LayerPtr& model, int index) {
  return Guard([&] { return AsModel(model, "getLayer").GetLayer(index); });
}

std::string ModelSummary(const LayerPtr& model, int line_length) {
  return Guard([&] { return AsModel(model, "summary").Summary(line_length); });
}

// ---- inference and training ---------------------------------------------------------------------------------

TensorList ModelPredict(const LayerPtr& model, const TensorList& xs, double batch_size) {
  return Guard([&] { return AsModel(model, "predict").Predict(xs, static_cast<int64_t>(batch_size)); });
}

// optimizer: a handle made by createOptimizer (shared with the JS object, so its state is too).
// options: {"losses": [names], "loss_weights": [numbers] | null, "metrics": [names]}.
void ModelCompile(const LayerPtr& model, const std::shared_ptr<models::Optimizer>& optimizer,
                  const std::string& options) {
  Guard([&] {
    Model& m = AsModel(model, "compile");
    const json o = ParseJson(options, m.Who() + ": compile");
    models::CompileOptions c;
    c.optimizer = optimizer;
    for (const json& l : o.value("losses", json::array())) c.losses.push_back({l.get<std::string>(), nullptr});
    const json weights = o.value("loss_weights", json(nullptr));
    if (weights.is_array()) {
      for (const json& w : weights) c.loss_weights.push_back(w.get<double>());
    }
    for (const json& name : o.value("metrics", json::array())) c.metrics.push_back(name.get<std::string>());
    m.Compile(c);
  });
}

// Returns how many values (MetricsNames' order) were written to the values area.
int ModelTrainOnBatch(const LayerPtr& model, const TensorList& xs, const TensorList& ys) {
  return Guard([&] { return StoreValues(AsModel(model, "trainOnBatch").TrainOnBatch(xs, ys)); });
}

int ModelEvaluate(const LayerPtr& model, const TensorList& xs, const TensorList& ys, double batch_size) {
  return Guard([&] {
    return StoreValues(AsModel(model, "evaluate").Evaluate(xs, ys, static_cast<int64_t>(batch_size)));
  });
}

// JSON list of the names of trainOnBatch's values: ["loss", "acc"].
std::string ModelMetricsNames(const LayerPtr& model) {
  return Guard([&] { return json(AsModel(model, "metricsNames").MetricsNames()).dump(); });
}

bool ModelCompiled(const LayerPtr& model) {
  auto* m = dynamic_cast<Model*>(model.get());
  return m && m->compiled();
}

// ---- Keras JSON -------------------------------------------------------------------------------------------------

std::string ModelToJson(const LayerPtr& model) {
  return Guard([&] { return models::ModelToJson(AsModel(model, "toJSON")).dump(); });
}

LayerPtr ModelFromJson(const std::string& text) {
  return Guard([&] { return LayerPtr(models::ModelFromJson(ParseJson(text, "modelFromJSON"))); });
}

}  // namespace
}  // namespace kerasm::bindings

EMSCRIPTEN_BINDINGS(kerasm_models) {
  using namespace emscripten;
  using namespace kerasm::bindings;

  // Start-up: models join the layer registry before any config is read (runs once, as the module loads).
  kerasm::models::RegisterModelClasses();

  function("valuesAddress", &ValuesAddress);
  function("newModel", &NewModel);
  function("newSequential", &NewSequential);
  function("sequentialAdd", &SequentialAdd);
  function("sequentialPop", &SequentialPop);
  function("modelLayers", &ModelLayers);
  function("modelTensors", &ModelTensors);
  function("modelIONames", &ModelIONames);
  function("modelGetLayer", &ModelGetLayer);
  function("modelGetLayerAt", &ModelGetLayerAt);
  function("modelSummary", &ModelSummary);
  function("modelPredict", &ModelPredict);
  function("modelCompile", &ModelCompile);
  function("modelTrainOnBatch", &ModelTrainOnBatch);
  function("modelEvaluate", &ModelEvaluate);
  function("modelMetricsNames", &ModelMetricsNames);
  function("modelCompiled", &ModelCompiled);
  function("modelToJson", &ModelToJson);
  function("modelFromJson", &ModelFromJson);
}
