// A model as tfjs "model artifacts" and back: {modelTopology, weightSpecs, weightData, format, generatedBy,
// convertedBy, trainingConfig}, the in-memory form every IO handler (file, http, IndexedDB, ...) reads or
// writes. Weights are matched by name (layer/weight, as tfjs and Keras name them), so a model saved by
// tfjs-layers or converted from Keras loads with its weights in place.
import {tensor} from '../creation.js';
import {dispose} from '../engine.js';
import {describeValue} from '../tensor.js';
import {Optimizer} from '../train.js';
import {version} from '../version.js';
import {checkError, wasm} from '../wasm.js';
import {decodeWeights, encodeWeights} from './weights.js';

export const GENERATED_BY = `kerasm ${version}`;

// The training configuration tfjs writes beside the topology: {loss, metrics, loss_weights,
// optimizer_config: {class_name, config}}. Null when the model is not compiled.
function trainingConfigOf(model) {
  const c = model._compileArgs;
  if (c == null || model.optimizer == null || model.optimizer._handle === null) return null;
  return {
    loss: c.loss,
    metrics: c.metrics,
    loss_weights: c.lossWeights ?? null,
    optimizer_config: {class_name: model.optimizer.getClassName(), config: model.optimizer.getConfig()},
  };
}

// "<layer>/<weight>" for each of the model's weights, in getWeights() order: the names files use. (The
// variables' own names get a suffix when another live model has a layer of the same name.)
export function weightFileNames(model, op) {
  const text = wasm().layerWeightNames(model._handle(op));
  checkError(null);
  return JSON.parse(text);
}

// The artifacts of a model: its Keras topology, and its weights by name in getWeights() order. With
// includeOptimizer, a compiled model's optimizer state follows in the same blob, its specs marked
// group 'optimizer' (tfjs' layout: 'iter', then the slots in its getWeights() order); as in tfjs, an
// uncompiled model saves without one.
export function modelToArtifacts(model, {includeOptimizer = false} = {}) {
  const values = model.getWeights();
  let optimizerWeights = [];
  try {
    const names = weightFileNames(model, 'save');
    const named = values.map((t, i) => ({name: names[i], tensor: t}));
    const optimizer = includeOptimizer ? liveOptimizer(model) : null;
    if (optimizer !== null) optimizerWeights = optimizer._weightsNow('save');
    const {data, specs} = encodeWeights([...named, ...optimizerWeights]);
    specs.forEach((spec, i) => {
      if (i >= named.length) spec.group = 'optimizer';
    });
    const artifacts = {
      modelTopology: model.toJSON(null, false),
      format: 'layers-model',
      generatedBy: GENERATED_BY,
      convertedBy: null,
      weightSpecs: specs,
      weightData: data,
    };
    const training = trainingConfigOf(model);
    if (training) artifacts.trainingConfig = training;
    return artifacts;
  } finally {
    dispose(values);
    dispose(optimizerWeights.map((w) => w.tensor));
  }
}

function liveOptimizer(model) {
  const o = model.optimizer;
  return o != null && o._handle !== null ? o : null;
}

// The names of the model's trainable variables in training order: what its optimizer's slots belong to.
export function trainableVariableNames(model) {
  return model.trainableWeights.map((w) => w.name);
}

// Restores a compiled model's optimizer from [{name, shape, dtype, values}] ('iter' first, then the
// slots in tfjs' getWeights() order), bound to the model's trainable variables. `what` names the source.
export function restoreOptimizerState(model, decoded, what) {
  const optimizer = liveOptimizer(model);
  if (optimizer === null || decoded.length === 0) return;
  const named = decoded.map((w) => ({name: w.name, tensor: tensor(w.values, w.shape, w.dtype)}));
  try {
    optimizer._setWeightsNow(named, trainableVariableNames(model), 'setWeights');
  } catch (e) {
    throw new Error(`${what}: the saved optimizer state does not fit model '${model.name}': ${e.message}`, {cause: e});
  } finally {
    dispose(named.map((w) => w.tensor));
  }
}

// Keras writes "dense/kernel:0"; tfjs and kerasm write "dense/kernel".
function baseName(name) {
  return name.replace(/:\d+$/, '');
}

// Sets the model's weights from decoded [{name, shape, dtype, values}] by name. strict: every weight of
// the model must be given and every given weight must belong to the model; otherwise unmatched model
// weights keep their initial values and unmatched given ones are ignored.
export function assignWeightsByName(model, decoded, {strict = true, what = 'weights'} = {}) {
  const given = new Map();
  for (const w of decoded) given.set(baseName(w.name), w);
  const current = model.getWeights();
  const names = weightFileNames(model, 'loadWeights');
  const targets = current.map((t, i) => ({name: names[i], shape: t.shape}));
  const next = [];
  try {
    const used = new Set();
    targets.forEach((target, i) => {
      const w = given.get(target.name);
      if (w === undefined) {
        if (strict) throw new Error(`${what}: no value for weight '${target.name}' of model '${model.name}' (shape [${target.shape}]); the file has ${[...given.keys()].map((n) => `'${n}'`).join(', ') || 'none'}`);
        next.push(current[i]);
        return;
      }
      if (w.shape.length !== target.shape.length || w.shape.some((d, k) => d !== target.shape[k])) {
        throw new Error(`${what}: weight '${target.name}' has shape [${w.shape}] in the file but [${target.shape}] in the model`);
      }
      used.add(target.name);
      next.push(tensor(w.values, w.shape, w.dtype));
    });
    if (strict) {
      const extra = [...given.keys()].filter((n) => !used.has(n));
      if (extra.length > 0) throw new Error(`${what}: the file has weights the model lacks: ${extra.map((n) => `'${n}'`).join(', ')}`);
    }
    model.setWeights(next);
  } finally {
    dispose(next);
    dispose(current);
  }
}

function lossesOf(loss, where) {
  const ok = (l) => typeof l === 'string';
  if (ok(loss) || (Array.isArray(loss) && loss.every(ok))) return loss;
  if (loss != null && typeof loss === 'object' && Object.values(loss).every(ok)) return loss;
  throw new Error(`${where}: loss must be a name, a list or a map of names, got ${describeValue(loss)}`);
}

// Keras and tfjs write metrics as a list, a list of lists (one per output) or a map by output name.
export function metricsOf(metrics) {
  if (metrics == null) return [];
  const flat = [];
  const walk = (m) => {
    if (typeof m === 'string') {
      flat.push(m);
    } else if (Array.isArray(m)) {
      m.forEach(walk);
    } else if (m && typeof m === 'object' && typeof m.class_name === 'string') {
      // A serialized metric (Keras 2.10+): MeanMetricWrapper names its function, others their own name.
      const c = m.config ?? {};
      flat.push(m.class_name === 'MeanMetricWrapper' ? (c.fn ?? c.name) : (c.name ?? m.class_name));
    } else if (m && typeof m === 'object') {
      Object.values(m).forEach(walk);  // per-output metrics {output: [...]}
    }
  };
  walk(metrics);
  return [...new Set(flat)];
}

// Compiles a loaded model as its training config says, so fit continues where the writer stopped.
export function compileFromTrainingConfig(model, config, where) {
  const opt = config.optimizer_config;
  if (opt == null || typeof opt.class_name !== 'string') {
    throw new Error(`${where}: trainingConfig.optimizer_config must be {class_name, config}, got ${describeValue(opt)}`);
  }
  const optimizer = Optimizer.fromConfig(opt.class_name, opt.config ?? {});
  try {
    model.compile({
      optimizer,
      loss: lossesOf(config.loss, where),
      metrics: metricsOf(config.metrics),
      lossWeights: config.loss_weights ?? undefined,
    });
  } catch (e) {
    optimizer.dispose();
    throw e;
  }
}

// Layers a saved file can hold but JS cannot run: their error names the layer and what to do instead.
function refuseUnrunnable(topology, what) {
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node == null || typeof node !== 'object') return;
    const name = node.config?.name ?? node.name;
    if (node.class_name === 'Lambda') {
      throw new Error(`${what}: layer '${name}' is a Lambda layer whose function was saved as Python code, which cannot run in JavaScript; rebuild the model in JS with that step as km.layers.lambda({function: (x) => ...}) and load the file's weights into it by name`);
    }
    if (node.class_name === 'TensorFlowOpLayer' || node.class_name === 'TFOpLambda') {
      const op = node.config?.node_def?.op ?? node.config?.function ?? 'unknown';
      throw new Error(`${what}: layer '${name}' is a raw TensorFlow op (${op}), not a Keras layer; kerasm runs Keras layers only: rewrite that step as a Keras layer before saving, or as a JS layer`);
    }
    for (const v of Object.values(node)) if (v !== null && typeof v === 'object') visit(v);
  };
  visit(topology);
}

// modelFromJSON with the source named in its errors.
export async function buildFromTopology(topology, what, modelFromJSON) {
  refuseUnrunnable(topology, what);
  try {
    return await modelFromJSON(topology);
  } catch (e) {
    throw new Error(`${what}: ${e.message}`, {cause: e});
  }
}

// A model from artifacts: the topology's model with the artifacts' weights, compiled when they carry a
// training config. `what` names the source in errors; on any error nothing is left behind.
export async function modelFromArtifacts(artifacts, {strict = true, what = 'loadLayersModel'} = {}, modelFromJSON) {
  if (artifacts == null || typeof artifacts !== 'object') throw new Error(`${what}: expected model artifacts, got ${describeValue(artifacts)}`);
  let topology = artifacts.modelTopology;
  if (topology == null) throw new Error(`${what}: the artifacts have no modelTopology`);
  if (topology instanceof ArrayBuffer) throw new Error(`${what}: a binary (graph-model) topology is not a layers model`);
  if (typeof topology === 'string') topology = JSON.parse(topology);
  if (artifacts.format === 'graph-model' || Array.isArray(topology.node)) {
    throw new Error(`${what}: this is a tfjs graph model (a TensorFlow GraphDef, format 'graph-model'); kerasm runs layers models (Keras architectures) only`);
  }
  // Keras' model.save() JSON keeps the architecture under model_config (the writer's version beside it,
  // which decides what its defaults and hard_sigmoid mean).
  if (topology.model_config != null) {
    const version = topology.keras_version;
    topology = topology.model_config;
    if (version != null && topology.keras_version == null) topology = {...topology, keras_version: version};
  }
  const decoded = artifacts.weightSpecs == null ? [] : decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs, what);
  const model = await buildFromTopology(topology, what, modelFromJSON);
  try {
    // tfjs saves the optimizer's own weights (group 'optimizer') after the model's with includeOptimizer;
    // as in tfjs they are restored only into a model its training config compiled.
    if (artifacts.weightSpecs != null) assignWeightsByName(model, decoded.filter((w) => w.group !== 'optimizer'), {strict, what});
    const training = artifacts.trainingConfig ?? artifacts.modelTopology?.training_config;
    if (training != null) compileFromTrainingConfig(model, training, what);
    restoreOptimizerState(model, decoded.filter((w) => w.group === 'optimizer'), what);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
