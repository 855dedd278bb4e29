// LayersModel and Sequential: tfjs-layers' model classes over C++ models (models/model.h), which are
// layers themselves, so everything a Layer has works on them too. Training steps, evaluation and prediction
// run in C++; fit's loop (fit.js) drives them batch by batch from JS.
import {scalar} from '../creation.js';
import {describeValue} from '../tensor.js';
import {takeHandles, takeTensors, toTensorArray, withTensorList} from '../lists.js';
import {checkError, readValues, wasm, weightsChanged} from '../wasm.js';
import {Layer, registerLayerKind, wrapLayer} from '../layers/layer.js';
import {symbolicFrom, withSymbolicList} from '../layers/symbolic.js';
import {toOptimizer} from '../train.js';
import {fitLoop} from './fit.js';
import {evaluateDatasetLoop, fitDatasetLoop} from './fit_data.js';
import {sampleWeightsFor} from './sample_weights.js';
import {jsLossOrMetric} from './js_loss.js';
import {loadLayersModel as loadWith, saveModel} from '../io/index.js';
import {loadKerasModel as loadKerasWith, loadWeightsInto} from '../io/keras.js';
import {saveKerasModel} from '../io/keras_write.js';

function positiveInt(value, fallback, op, what) {
  if (value == null) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${op}: ${what} must be a positive integer, got ${describeValue(value)}`);
  return value;
}

// One entry per output: a name (or function, or number) for all, an array, or an object keyed by output name.
function perOutput(value, outputNames, op, what) {
  if (typeof value === 'string' || typeof value === 'function' || typeof value === 'number') return [value];
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') {
    return outputNames.map((name) => {
      if (!(name in value)) throw new Error(`${op}: ${what} has no entry for output '${name}'`);
      return value[name];
    });
  }
  throw new Error(`${op}: ${what} must be a name, an array of names or an object keyed by output name, got ${describeValue(value)}`);
}

export class LayersModel extends Layer {
  constructor(...args) {
    super(...args);
    this.optimizer = null;
    // Set by a callback to end fit() after the current batch, as in tfjs.
    this.stopTraining = false;
    // True while fit() or fitDataset() runs, as in tfjs.
    this.isTraining = false;
    this._fitCalls = 0;
  }

  // The model's layers in Keras' order (a Sequential lists its layers without the InputLayer).
  get layers() {
    return takeHandles(wasm().modelLayers(this._handle('layers'))).map(wrapLayer);
  }

  get inputs() {
    return takeHandles(wasm().modelTensors(this._handle('inputs'), 0)).map(symbolicFrom);
  }

  get outputs() {
    return takeHandles(wasm().modelTensors(this._handle('outputs'), 1)).map(symbolicFrom);
  }

  get inputNames() {
    return this._ioNames(0, 'inputNames');
  }

  get outputNames() {
    return this._ioNames(1, 'outputNames');
  }

  _ioNames(which, what) {
    const text = wasm().modelIONames(this._handle(what), which);
    checkError(null);
    return JSON.parse(text);
  }

  // getLayer(name), getLayer(index) or tfjs' getLayer(undefined, index).
  getLayer(nameOrIndex, index) {
    const h = this._handle('getLayer');
    const key = nameOrIndex ?? index;
    if (typeof key === 'string') return wrapLayer(wasm().modelGetLayer(h, key));
    if (Number.isInteger(key)) return wrapLayer(wasm().modelGetLayerAt(h, key));
    throw new Error(`getLayer: expects a layer name or an index, got ${describeValue(key)}`);
  }

  // Prints the Keras-style table line by line with printFn (default console.log) and returns it.
  summary(lineLength, positions, printFn = console.log) {
    const text = wasm().modelSummary(this._handle('summary'), lineLength ?? 0);
    checkError(null);
    for (const line of text.replace(/\n$/, '').split('\n')) printFn(line);
    return text;
  }

  predict(x, args = {}) {
    const op = `model '${this.name}'.predict`;
    const xs = toTensorArray(x, op, 'x');
    const batchSize = positiveInt(args.batchSize, 32, op, 'batchSize');
    const h = this._handle('predict');
    const out = withTensorList(xs, op, 'x', (l) => takeTensors(wasm().modelPredict(h, l, batchSize)));
    return out.length === 1 ? out[0] : out;
  }

  predictOnBatch(x) {
    const xs = toTensorArray(x, `model '${this.name}'.predictOnBatch`, 'x');
    return this.predict(x, {batchSize: Math.max(1, xs[0].shape[0] ?? 1)});
  }

  // compile({optimizer, loss, metrics, lossWeights}): losses and metrics by name (tfjs and Keras
  // spellings) or as JS functions (yTrue, yPred) => Tensor of km ops, as tfjs takes them; a loss per output
  // as an array or an object keyed by output name. A function loss runs inside the C++ training step
  // (called back under the same gradient tape as the layers), so its gradients, the regularization
  // penalties, the optimizer update and the constraints are those of a named loss.
  compile(args) {
    const op = `model '${this.name}'.compile`;
    if (args == null || typeof args !== 'object') throw new Error(`${op}: expects {optimizer, loss, metrics?}`);
    if (args.loss == null) throw new Error(`${op}: a loss is required`);
    const outputNames = this.outputNames;
    const losses = perOutput(args.loss, outputNames, op, 'loss');
    losses.forEach((l, i) => {
      if (typeof l !== 'string' && typeof l !== 'function') {
        throw new Error(`${op}: loss ${i} must be a loss name or a function (yTrue, yPred) => Tensor, got ${describeValue(l)}`);
      }
    });
    let metrics = args.metrics ?? [];
    if (typeof metrics === 'string' || typeof metrics === 'function') metrics = [metrics];
    if (!Array.isArray(metrics) || metrics.some((m) => typeof m !== 'string' && typeof m !== 'function')) {
      throw new Error(`${op}: metrics must be an array of metric names or functions (yTrue, yPred) => Tensor, got ${describeValue(args.metrics)}`);
    }
    const lossWeights = args.lossWeights == null ? null : perOutput(args.lossWeights, outputNames, op, 'lossWeights');
    const optimizer = toOptimizer(args.optimizer);
    const metricNames = metrics.filter((m) => typeof m === 'string');
    const metricFns = metrics.filter((m) => typeof m === 'function');
    // As tfjs names them: a function by its name (getLossOrMetricName).
    const fnName = (f, fallback) => (f.name === '' ? fallback : f.name);
    const options = JSON.stringify({
      losses: losses.map((l) => (typeof l === 'string' ? l : null)),
      loss_names: losses.map((l) => (typeof l === 'string' ? l : fnName(l, 'loss'))),
      loss_weights: lossWeights, metrics: metricNames,
      metric_fn_names: metricFns.map((f, i) => fnName(f, `metric_${i}`)),
    });
    wasm().modelCompile(this._handle('compile'), optimizer._live('compile'), options,
                        losses.map((l) => (typeof l === 'function' ? jsLossOrMetric(l, 'loss') : null)),
                        metricFns.map((f) => jsLossOrMetric(f, 'metric')));
    checkError(null);
    this.optimizer = optimizer;
    // What save() writes as the training config (io/artifacts.js). A JS function cannot be saved, and its
    // name would make loading fail (an unknown loss), so a model with a function loss saves no training
    // config (it loads uncompiled, as tfjs' does) and function metrics are left out.
    this._compileArgs = losses.some((l) => typeof l === 'function') ? null
      : {loss: args.loss, metrics: metricNames, lossWeights: args.lossWeights ?? null};
  }

  // Names of trainOnBatch's / evaluate's values: 'loss', per-output losses, then metrics ('acc', ...); a
  // repeated name gets '_1', '_2' ... as tfjs' getDedupedMetricsNames does.
  get metricsNames() {
    const text = wasm().modelMetricsNames(this._handle('metricsNames'));
    checkError(null);
    const names = JSON.parse(text);
    const seen = new Map();
    return names.map((name) => {
      const count = seen.get(name) ?? 0;
      seen.set(name, count + 1);
      return count === 0 ? name : `${name}_${count}`;
    });
  }

  // weights: null, or one tensor (or null) per output: sample weights for this batch.
  _trainStep(xs, ys, weights, op) {
    const h = this._handle(op);
    const n = withTensorList(xs, op, 'x', (xl) => withTensorList(ys, op, 'y', (yl) => withTensorList(weights ?? [], op, 'sampleWeight',
      (wl) => wasm().modelTrainOnBatch(h, xl, yl, wl))));
    checkError(null);
    weightsChanged();
    return readValues(n);
  }

  _evaluateValues(xs, ys, batchSize, op, weights = null) {
    const h = this._handle(op);
    const n = withTensorList(xs, op, 'x', (xl) => withTensorList(ys, op, 'y', (yl) => withTensorList(weights ?? [], op, 'sampleWeight',
      (wl) => wasm().modelEvaluate(h, xl, yl, batchSize, wl))));
    checkError(null);
    return readValues(n);
  }

  // One gradient step on a batch; the loss (and metrics) computed on the batch before the update.
  // {sampleWeight, classWeight} weight the samples' losses as fit does (Keras' train_on_batch has both).
  trainOnBatch(x, y, args = {}) {
    const op = `model '${this.name}'.trainOnBatch`;
    const xs = toTensorArray(x, op, 'x');
    const ys = toTensorArray(y, op, 'y');
    const {weights, owned} = args?.sampleWeight == null && args?.classWeight == null ? {weights: null, owned: []}
      : sampleWeightsFor(ys, this.outputNames, args.sampleWeight, args.classWeight, op);
    try {
      const values = this._trainStep(xs, ys, weights, op);
      return values.length === 1 ? values[0] : values;
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  // Loss and metrics in inference mode: a scalar Tensor, or one per value name as tfjs returns them.
  // {sampleWeight} weights the loss as in fit.
  evaluate(x, y, args = {}) {
    const op = `model '${this.name}'.evaluate`;
    const batchSize = positiveInt(args.batchSize, 32, op, 'batchSize');
    const ys = toTensorArray(y, op, 'y');
    const {weights} = args.sampleWeight == null ? {weights: null} : sampleWeightsFor(ys, this.outputNames, args.sampleWeight, null, op);
    const values = this._evaluateValues(toTensorArray(x, op, 'x'), ys, batchSize, op, weights);
    const out = values.map((v) => scalar(v));
    return out.length === 1 ? out[0] : out;
  }

  fit(x, y, args = {}) {
    return fitLoop(this, x, y, args);
  }

  // tfjs' fitDataset / evaluateDataset (fit_data.js says what a dataset may be).
  fitDataset(dataset, args) {
    return fitDatasetLoop(this, dataset, args);
  }

  evaluateDataset(dataset, args) {
    return evaluateDatasetLoop(this, dataset, args);
  }

  // tfjs' model.save(url | handler, {includeOptimizer}): 'file://dir' (Node), 'indexeddb://name',
  // 'localstorage://name', 'downloads://name', 'http(s)://...' (POST), or a handler with save(artifacts).
  async save(handlerOrURL, config = {}) {
    return saveModel(this, handlerOrURL, config);
  }

  // Keras' model.load_weights: a Keras 2 .h5 (full model or weights only; in layer order, or by layer name
  // with {byName: true}) or a Keras 3 .weights.h5; {skipMismatch} leaves layers whose shapes differ alone.
  async loadWeights(fileOrBytes, options = {}) {
    return loadWeightsInto(this, fileOrBytes, options);
  }

  // The Keras JSON of the architecture (model.to_json()): a string, or the object with returnString false.
  toJSON(unused, returnString = true) {
    const text = wasm().modelToJson(this._handle('toJSON'));
    checkError(null);
    return returnString ? text : JSON.parse(text);
  }
}

export class Sequential extends LayersModel {
  add(layer) {
    if (!(layer instanceof Layer)) throw new Error(`model '${this.name}'.add: expects a layer, got ${describeValue(layer)}`);
    wasm().sequentialAdd(this._handle('add'), layer._handle('add'));
    checkError(null);
  }

  pop() {
    wasm().sequentialPop(this._handle('pop'));
    checkError(null);
  }
}

registerLayerKind(1, LayersModel);
registerLayerKind(2, Sequential);

function symbolicArray(value) {
  return Array.isArray(value) ? value : [value];
}

// As tfjs' tf.model({inputs, outputs, name}).
export function model(args) {
  if (args == null || typeof args !== 'object') throw new Error('model: expects {inputs, outputs, name?}');
  const inputs = symbolicArray(args.inputs);
  const outputs = symbolicArray(args.outputs);
  const m = wasm();
  const handle = withSymbolicList(inputs, (il) => withSymbolicList(outputs, (ol) => m.newModel(il, ol, args.name ?? ''),
    'model', 'outputs'), 'model', 'inputs');
  return wrapLayer(handle);
}

// As tfjs' tf.sequential({layers, name}).
export function sequential(args = {}) {
  if (args.layers != null && !Array.isArray(args.layers)) {
    throw new Error(`sequential: layers must be an array of layers, got ${describeValue(args.layers)}`);
  }
  const seq = wrapLayer(wasm().newSequential(args.name ?? ''));
  try {
    for (const layer of args.layers ?? []) seq.add(layer);
  } catch (e) {
    seq.dispose();
    throw e;
  }
  return seq;
}

// km.models.modelFromJSON(kerasJson): a model from Keras' model.to_json() (object or text), a bare
// {class_name, config}, or a tfjs model.json's topology. Weights are freshly initialized.
async function modelFromJSON(json) {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  return wrapLayer(wasm().modelFromJson(text));
}

// km.models.loadKerasModel(urlOrPathOrFileOrBytes): a Keras 3 .keras zip, a Keras 1/2 .h5 model or Keras
// JSON, told apart by content; HDF5 and zip support load on first use.
function loadKerasModel(source, options) {
  return loadKerasWith(source, options, modelFromJSON);
}

export const models = {modelFromJSON, loadKerasModel, saveKerasModel};

// km.loadLayersModel(url | handler | artifacts, {strict, onProgress, weightPathPrefix, requestInit, fetchFunc}):
// a model saved in the tfjs layers-model format, with its weights, compiled if it was saved compiled.
// URLs of .keras and .h5 files are read as Keras files.
export function loadLayersModel(source, options) {
  if (typeof source === 'string' && /\.(keras|h5|hdf5)$/i.test(source.split(/[?#]/)[0])) return loadKerasModel(source, options);
  return loadWith(source, options, modelFromJSON);
}
