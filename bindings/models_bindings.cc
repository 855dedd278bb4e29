// Models through the same Layer handles (a model is a Layer): functional and Sequential construction,
// prediction, summary, compile (losses and metrics by name, or JS functions called back during the step) /
// trainOnBatch / evaluate (with optional per-sample weights), Keras JSON. fit's loop lives in web/ and calls
// trainOnBatch once per batch, so the numbers a step returns come back through a small float64 area in wasm
// memory (web/ reads it after the call) instead of an Embind vector that would cost three more calls.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "callback.h"
#include "guard.h"
#include "json_util.h"
#include "models/model.h"
#include "models/optimizers.h"
#include "models/sequential.h"
#include "models/serialization.h"
#include "ops/ops.h"

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
using layers::Tensors;

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

bool Given(const emscripten::val& v) { return !v.isNull() && !v.isUndefined(); }

// A JS loss (web/ made it with callable()): (yTrue, yPred) -> one fresh tensor handle. tfjs takes the
// mean of whatever the function returns, optionally times the sample weights first; the C++ step wants
// the per-sample loss [batch], so a result with more axes is averaged over all but the first (the same
// overall mean) and a scalar is broadcast over the batch (so mean(w * loss) = loss * mean(w), as tfjs).
models::LossFn JsLoss(const emscripten::val& fn, const std::string& who) {
  return [fn, who](const Tensor& y_true, const Tensor& y_pred) {
    Tensors out = TakeTensorHandles(CallJs(fn, who, TensorList{y_true, y_pred}));
    if (out.size() != 1 || !out[0].defined()) Fail<ValueError>(who, ": must return one Tensor");
    Tensor loss = out[0];
    const int64_t batch = y_pred.rank() > 0 ? y_pred.dim(0) : 1;
    if (loss.rank() == 0) return ops::BroadcastTo(loss, {batch});
    if (loss.dim(0) != batch) {
      Fail<ShapeError>(who, ": returned a tensor of shape ", ShapeToString(loss.shape()),
                       ", which is neither a scalar nor one value per sample of a batch of ", batch);
    }
    if (loss.rank() == 1) return loss;
    std::vector<int> axes;
    for (int a = 1; a < loss.rank(); ++a) axes.push_back(a);
    return ops::Mean(loss, axes);
  };
}

// A JS metric: its batch value is the mean of what it returns, as tfjs reports it.
models::MetricFn JsMetric(const emscripten::val& fn, const std::string& who) {
  return [fn, who](const Tensor& y_true, const Tensor& y_pred) {
    Tensors out = TakeTensorHandles(CallJs(fn, who, TensorList{y_true, y_pred}));
    if (out.size() != 1 || !out[0].defined()) Fail<ValueError>(who, ": must return one Tensor");
    return ops::Reshape(ops::Mean(out[0]), {});
  };
}

// optimizer: a handle made by createOptimizer (shared with the JS object, so its state is too).
// options: {"losses": [name | null], "loss_names": [name], "loss_weights": [numbers] | null,
// "metrics": [names], "metric_fn_names": [names]}; loss_fns: an array as long as "losses" whose entry is a
// JS loss where "losses" has null; metric_fns: JS metrics, one per "metric_fn_names" entry.
void ModelCompile(const LayerPtr& model, const std::shared_ptr<models::Optimizer>& optimizer,
                  const std::string& options, emscripten::val loss_fns, emscripten::val metric_fns) {
  Guard([&] {
    Model& m = AsModel(model, "compile");
    const json o = ParseJson(options, m.Who() + ": compile");
    models::CompileOptions c;
    c.optimizer = optimizer;
    const json losses = o.value("losses", json::array());
    const json loss_names = o.value("loss_names", json::array());
    for (size_t i = 0; i < losses.size(); ++i) {
      if (!losses[i].is_null()) {
        c.losses.push_back({losses[i].get<std::string>(), nullptr});
        continue;
      }
      const emscripten::val fn = loss_fns[i];
      if (!Given(fn)) Fail<ValueError>(m.Who(), ": compile: loss ", i, " is neither a name nor a function");
      const std::string name = i < loss_names.size() ? loss_names[i].get<std::string>() : std::string();
      c.losses.push_back({name, JsLoss(fn, m.Who() + ": loss function '" + name + "'")});
    }
    const json weights = o.value("loss_weights", json(nullptr));
    if (weights.is_array()) {
      for (const json& w : weights) c.loss_weights.push_back(w.get<double>());
    }
    for (const json& name : o.value("metrics", json::array())) c.metrics.push_back(name.get<std::string>());
    const json fn_names = o.value("metric_fn_names", json::array());
    for (size_t i = 0; i < fn_names.size(); ++i) {
      const std::string name = fn_names[i].get<std::string>();
      c.metric_fns.push_back({name, JsMetric(metric_fns[i], m.Who() + ": metric function '" + name + "'")});
    }
    m.Compile(c);
  });
}

// sample_weights: empty (no weighting) or one per output, an undefined tensor for an unweighted output.
// Returns how many values (MetricsNames' order) were written to the values area.
int ModelTrainOnBatch(const LayerPtr& model, const TensorList& xs, const TensorList& ys,
                      const TensorList& sample_weights) {
  return Guard([&] { return StoreValues(AsModel(model, "trainOnBatch").TrainOnBatch(xs, ys, sample_weights)); });
}

int ModelEvaluate(const LayerPtr& model, const TensorList& xs, const TensorList& ys, double batch_size,
                  const TensorList& sample_weights) {
  return Guard([&] {
    return StoreValues(
        AsModel(model, "evaluate").Evaluate(xs, ys, static_cast<int64_t>(batch_size), sample_weights));
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
