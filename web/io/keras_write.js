// Keras files from a kerasm model: Keras 3 `.keras` (a zip of metadata.json, config.json and
// model.weights.h5) and Keras 2 `.h5` (full model or weights only), laid out as those Keras versions save
// them so that keras.models.load_model / load_weights read them. h5wasm writes the HDF5 in its in-memory
// file system and fflate zips; both are imported on first use (io/keras.js).
import {dispose} from '../engine.js';
import {version} from '../version.js';
import {wasm} from '../wasm.js';
import {weightFileNames} from './artifacts.js';
import {fflateModule, h5, keras3StructuralNames, snakeCase} from './keras.js';
import {keras2OptimizerWeights, keras3OptimizerVariables} from './keras_optimizer.js';
import {
  DTYPE_POLICY, hasBuildConfig, isModelClass, keras2ModelConfig, keras2TrainingConfig, keras3CompileConfig,
  keras3BuildConfig, keras3LayerEntry as keras3Layer, keras3NodeArgs, refuseUnportable,
} from './keras_configs.js';

// The Keras releases whose layouts these files follow (written as keras_version, which Keras and kerasm
// read to decide what a file's defaults and hard_sigmoid mean).
export const KERAS3_VERSION = '3.12.0';
export const KERAS2_VERSION = '2.15.0';

const RNN_WITH_CELL = new Set(['SimpleRNN', 'LSTM', 'GRU', 'ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D', 'RNN']);

// Layers written in JS (km.layers.Layer subclasses) are not in the C++ catalogue; Keras has no class for them.
function refuseJsLayers(model, what) {
  const builtIn = new Set(JSON.parse(wasm().layerClassList()).map(([c]) => c));
  for (const c of ['InputLayer', 'Sequential', 'Functional', 'Model']) builtIn.add(c);
  const visit = (entry) => {
    if (Array.isArray(entry)) return entry.forEach(visit);
    if (entry == null || typeof entry !== 'object') return;
    if (typeof entry.class_name === 'string' && entry.config != null && typeof entry.config === 'object' && !Array.isArray(entry.config)) {
      refuseUnportable(entry, what);
      // Initializers and the like are also {class_name, config}; only layer configs carry name and trainable.
      const isLayer = typeof entry.config.name === 'string' && 'trainable' in entry.config;
      if (isLayer && !builtIn.has(entry.class_name)) {
        throw new Error(`${what}: layer '${entry.config.name}' is a layer written in JavaScript (${entry.class_name}); Keras cannot rebuild it from a file. Save in the tfjs format (a directory URL) instead`);
      }
    }
    for (const v of Object.values(entry)) if (v !== null && typeof v === 'object') visit(v);
  };
  visit(model.toJSON(null, false));
}

// ---- Keras 3 config.json --------------------------------------------------------------------------------

const isShape = (s) => Array.isArray(s) && s.every((d) => d === null || typeof d === 'number');
const shapeList = (s) => (isShape(s) ? [s] : s);
const keepOne = (list) => (list.length === 1 ? list[0] : list);

function kerasTensor(shape, ref) {
  return {class_name: '__keras_tensor__', config: {shape, dtype: 'float32', keras_history: [ref[0], ref[1], ref[2]]}};
}

function layerOf(modelObj, name, what) {
  try {
    return modelObj.getLayer(name);
  } catch (e) {
    throw new Error(`${what}: model '${modelObj.name}' has no layer '${name}' (${e.message})`);
  }
}

// Sequential: an explicit InputLayer first (as Keras 3 writes it), each layer's input shape found by
// running computeOutputShape along the stack.
function keras3Sequential(modelObj, entry, what, convert) {
  const inputShape = modelObj.inputs[0]?.shape;
  if (!isShape(inputShape)) throw new Error(`${what}: Sequential model '${modelObj.name}' has no input shape yet; build it (give its first layer an inputShape) before saving`);
  const layers = [{
    module: 'keras.layers', class_name: 'InputLayer',
    config: {batch_shape: inputShape, dtype: 'float32', sparse: false, name: modelObj.inputNames?.[0] ?? `${modelObj.name}_input`},
    registered_name: null,
  }];
  let shape = inputShape;
  for (const layerEntry of entry.config.layers) {
    const obj = layerOf(modelObj, layerEntry.config.name, what);
    layers.push(convert(layerEntry, obj, {buildShapes: [shape]}));
    shape = obj.computeOutputShape(shape);
  }
  return {
    module: 'keras', class_name: 'Sequential',
    config: {name: modelObj.name, trainable: modelObj.trainable, dtype: DTYPE_POLICY(), layers, build_input_shape: inputShape},
    registered_name: null,
    build_config: {input_shape: inputShape},
  };
}

// Functional: layers in the config's (topological) order; each node's input shapes come from the outputs
// of the nodes it reads, computed with computeOutputShape as the graph is walked.
function keras3Functional(modelObj, entry, what, convert) {
  const outputs = new Map();  // "layer|node" -> [shape per output]
  const key = (name, node) => `${name}|${node}`;
  // A layer's nodes are numbered from an offset (a built Sequential's own first node is not in this
  // graph): the lowest index anything in the graph reads of it.
  const offset = new Map();
  const note = (ref) => offset.set(ref[0], Math.min(offset.get(ref[0]) ?? Infinity, ref[1]));
  for (const l of entry.config.layers) for (const node of l.inbound_nodes ?? []) node.forEach(note);
  entry.config.output_layers.forEach(note);
  const layers = [];
  for (const layerEntry of entry.config.layers) {
    const name = layerEntry.config.name ?? layerEntry.name;
    const first = offset.get(name) ?? 0;
    const obj = layerOf(modelObj, name, what);
    if (layerEntry.class_name === 'InputLayer') {
      outputs.set(key(name, 0), [layerEntry.config.batch_input_shape ?? layerEntry.config.batch_shape]);
      layers.push({...convert(layerEntry, obj, {}), name, inbound_nodes: []});
      continue;
    }
    const nodes = [];
    let buildShapes;
    for (const [nodeIndex, node] of (layerEntry.inbound_nodes ?? []).entries()) {
      const shapes = node.map((ref) => {
        const out = outputs.get(key(ref[0], ref[1]));
        if (out === undefined || out[ref[2]] === undefined) throw new Error(`${what}: layer '${name}' reads ${JSON.stringify(ref.slice(0, 3))}, which comes later in the config`);
        return out[ref[2]];
      });
      const tensors = node.map((ref, i) => kerasTensor(shapes[i], ref));
      nodes.push({args: keras3NodeArgs(layerEntry.class_name, tensors), kwargs: node[0]?.[3] ?? {}});
      const given = keepOne(shapes);
      if (nodeIndex === 0) buildShapes = shapes;
      outputs.set(key(name, first + nodeIndex), shapeList(obj.computeOutputShape(given)));
    }
    layers.push({...convert(layerEntry, obj, {buildShapes}), name, inbound_nodes: nodes});
  }
  const refs = (list) => keepOne(list.map((r) => [r[0], r[1], r[2]]));
  const inputShapes = modelObj.inputs.map((t) => t.shape);
  return {
    module: 'keras.src.models.functional', class_name: 'Functional',
    config: {name: modelObj.name, trainable: modelObj.trainable, layers, input_layers: refs(entry.config.input_layers), output_layers: refs(entry.config.output_layers)},
    registered_name: 'Functional',
    build_config: {input_shape: keepOne(inputShapes)},
  };
}

// The model (or a nested one) as Keras 3 serializes it.
function keras3ModelEntry(modelObj, entry, what) {
  const convert = (layerEntry, obj, {buildShapes}) => {
    if (isModelClass(layerEntry.class_name)) return keras3ModelEntry(obj, layerEntry, what);
    const build = buildShapes !== undefined && hasBuildConfig(layerEntry.class_name) ? keras3BuildConfig(layerEntry.class_name, buildShapes) : undefined;
    return keras3Layer(layerEntry, build, what);
  };
  return entry.class_name === 'Sequential' ? keras3Sequential(modelObj, entry, what, convert)
    : keras3Functional(modelObj, entry, what, convert);
}

export function keras3Config(model, what) {
  const entry = model.toJSON(null, false);
  const config = keras3ModelEntry(model, entry, what);
  const compile = keras3CompileConfig(model, what);
  if (compile !== null) config.compile_config = compile;
  return config;
}

// ---- Keras 3 model.weights.h5 --------------------------------------------------------------------------

// A layer's variables as Keras 3 nests them: {name, vars, children: [[group, subtree]]}. Recurrent layers
// keep theirs in `cell`, wrappers in `layer` / `forward_layer` / `backward_layer`, models in `layers`.
function keras3Tree(className, config, weights, obj, what) {
  if (isModelClass(className)) {
    const sub = obj.layers;
    const names = keras3StructuralNames(sub);
    const configs = configsByName(obj.toJSON(null, false));
    const children = sub.map((l, i) => [names[i], keras3Tree(l.getClassName(), configs.get(l.name) ?? null, l.getWeights(), l, what)]);
    dispose(weights);
    return {name: obj.name, vars: [], children: [['layers', {vars: [], children, plain: true}]]};
  }
  if (className === 'Bidirectional') {
    const half = weights.length / 2;
    const inner = config?.layer ?? {};
    const backward = config?.backward_layer ?? inner;
    return {name: config?.name, vars: [], children: [
      ['forward_layer', keras3Tree(inner.class_name, {...inner.config, name: `forward_${inner.config?.name}`}, weights.slice(0, half), null, what)],
      ['backward_layer', keras3Tree(backward.class_name, {...backward.config, name: `backward_${backward.config?.name ?? inner.config?.name}`}, weights.slice(half), null, what)],
    ]};
  }
  if (className === 'TimeDistributed') {
    const inner = config?.layer ?? {};
    if (isModelClass(inner.class_name)) throw new Error(`${what}: layer '${config?.name}' wraps a model in TimeDistributed, which this writer does not lay out yet`);
    return {name: config?.name, vars: [], children: [['layer', keras3Tree(inner.class_name, inner.config, weights, null, what)]]};
  }
  if (RNN_WITH_CELL.has(className)) {
    const cellName = config?.cell?.config?.name ?? `${snakeCase(className)}_cell`;
    return {name: config?.name, vars: [], children: [['cell', {name: cellName, vars: weights, children: []}]]};
  }
  return {name: config?.name, vars: weights, children: []};
}

function writeTree(group, tree) {
  if (!tree.plain) {
    const vars = group.create_group('vars');
    if (typeof tree.name === 'string') vars.create_attribute('name', tree.name);
    tree.vars.forEach((t, i) => {
      vars.create_dataset({name: String(i), data: t.dataSync(), shape: t.shape, dtype: '<f'});
    });
  }
  for (const [name, child] of tree.children) writeTree(group.create_group(name), child);
}

function treeTensors(tree, out = []) {
  out.push(...tree.vars);
  for (const [, child] of tree.children) treeTensors(child, out);
  return out;
}

// Runs fill(file) on a new scratch HDF5 file and returns the file's bytes.
async function h5FileBytes(fill) {
  const {h5wasm, FS, scratchName} = await h5();
  const name = scratchName('write');
  const file = new h5wasm.File(name, 'w');
  try {
    fill(file);
  } catch (e) {
    file.close();
    FS.unlink(name);
    throw e;
  }
  file.close();
  try {
    return FS.readFile(name);
  } finally {
    FS.unlink(name);
  }
}

// The layer configs toJSON wrote, by layer name: the trees need a wrapper's inner classes.
function configsByName(json) {
  const out = new Map();
  const walk = (layers) => {
    for (const l of layers ?? []) {
      out.set(l.config?.name ?? l.name, l.config);
      if (isModelClass(l.class_name)) walk(l.config.layers);
    }
  };
  walk(json.config.layers);
  return out;
}

export async function keras3WeightsBytes(model, what) {
  const configs = configsByName(model.toJSON(null, false));
  // A Sequential's layers leave out its InputLayer, as in Keras.
  const layers = model.layers;
  const names = keras3StructuralNames(layers);
  const trees = [];
  try {
    for (const [i, l] of layers.entries()) {
      const cls = l.getClassName();
      trees.push([names[i], keras3Tree(cls, configs.get(l.name) ?? null, l.getWeights(), l, what)]);
    }
    // Keras writes a compiled model's optimizer variables whenever it saves (optimizer/vars/<i>).
    const optimizerVars = keras3OptimizerVariables(model);
    return await h5FileBytes((file) => {
      const group = file.create_group('layers');
      for (const [name, tree] of trees) writeTree(group.create_group(name), tree);
      if (optimizerVars !== null) {
        const vars = file.create_group('optimizer').create_group('vars');
        vars.create_attribute('name', model.optimizer.getClassName().toLowerCase());
        optimizerVars.forEach((v, i) => {
          if (v.dtype === 'int64') vars.create_dataset({name: String(i), data: BigInt64Array.from([BigInt(v.values)]), shape: [], dtype: '<q'});
          else vars.create_dataset({name: String(i), data: v.values, shape: v.shape, dtype: '<f'});
        });
      }
      file.create_group('vars').create_attribute('name', model.name);
    });
  } finally {
    for (const [, tree] of trees) dispose(treeTensors(tree));
  }
}

// Keras' date_saved: local time as "YYYY-MM-DD@HH:MM:SS".
function dateSaved(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function kerasZipBytes(model, what) {
  refuseJsLayers(model, what);
  const config = keras3Config(model, what);
  const weights = await keras3WeightsBytes(model, what);
  const fflate = await fflateModule();
  const text = (o) => new TextEncoder().encode(JSON.stringify(o));
  // Keras stores the entries uncompressed (Python's zipfile default), in this order.
  return fflate.zipSync({
    'metadata.json': text({keras_version: KERAS3_VERSION, date_saved: dateSaved(), generated_by: `kerasm ${version}`}),
    'config.json': text(config),
    'model.weights.h5': weights,
  }, {level: 0});
}

// ---- Keras 2 .h5 ------------------------------------------------------------------------------------------

// Keras 2's save_weights_to_hdf5_group: layer_names, and one group per layer with its weight_names and the
// datasets at <layer group>/<weight name>.
function writeKeras2Weights(group, model, what) {
  const layers = model.layers;
  group.create_attribute('layer_names', layers.map((l) => l.name));
  group.create_attribute('backend', 'tensorflow');
  group.create_attribute('keras_version', KERAS2_VERSION);
  for (const l of layers) {
    const g = group.create_group(l.name);
    const values = l.getWeights();
    try {
      const names = values.length === 0 ? [] : weightFileNames(l, 'save').map((n) => `${n}:0`);
      if (names.length !== values.length) throw new Error(`${what}: layer '${l.name}' names ${names.length} weights for ${values.length} values`);
      // An empty list is what h5py writes for a layer without weights: a zero-length float array.
      if (names.length === 0) g.create_attribute('weight_names', new Float64Array(0), [0], '<d');
      else g.create_attribute('weight_names', names);
      values.forEach((t, i) => {
        const path = names[i].split('/');
        let at = g;
        for (const part of path.slice(0, -1)) at = at.get(part) ?? at.create_group(part);
        at.create_dataset({name: path[path.length - 1], data: t.dataSync(), shape: t.shape, dtype: '<f'});
      });
    } finally {
      dispose(values);
    }
  }
}

// Keras 2's optimizer_weights group: weight_names and one dataset per name (nested groups at its slashes).
function writeKeras2OptimizerWeights(file, weights) {
  const group = file.create_group('optimizer_weights');
  group.create_attribute('weight_names', weights.map((w) => w.name));
  for (const w of weights) {
    const path = w.name.split('/');
    let at = group;
    for (const part of path.slice(0, -1)) at = at.get(part) ?? at.create_group(part);
    if (w.dtype === 'int64') at.create_dataset({name: path.at(-1), data: BigInt64Array.from([BigInt(w.values)]), shape: [], dtype: '<q'});
    else at.create_dataset({name: path.at(-1), data: w.values, shape: w.shape, dtype: '<f'});
  }
}

async function keras2Bytes(model, what, {weightsOnly = false, includeOptimizer = false} = {}) {
  refuseJsLayers(model, what);
  const modelConfig = keras2ModelConfig(model.toJSON(null, false), what);
  const training = weightsOnly ? null : keras2TrainingConfig(model, what);
  const optimizerWeights = training !== null && includeOptimizer ? keras2OptimizerWeights(model) : null;
  return h5FileBytes((file) => {
    if (weightsOnly) {
      writeKeras2Weights(file, model, what);
      return;
    }
    file.create_attribute('keras_version', KERAS2_VERSION);
    file.create_attribute('backend', 'tensorflow');
    file.create_attribute('model_config', JSON.stringify(modelConfig));
    if (training !== null) file.create_attribute('training_config', JSON.stringify(training));
    file.create_attribute('generated_by', `kerasm ${version}`);
    writeKeras2Weights(file.create_group('model_weights'), model, what);
    if (optimizerWeights !== null) writeKeras2OptimizerWeights(file, optimizerWeights);
  });
}

// km.models.saveKerasModel(model, {format: 'keras' | 'h5', weightsOnly, includeOptimizer}): the file's
// bytes. A .keras file always carries a compiled model's optimizer state; an .h5 with includeOptimizer.
export async function saveKerasModel(model, options = {}) {
  const format = options.format ?? 'keras';
  const what = `saveKerasModel: model '${model?.name}'`;
  if (model == null || typeof model.toJSON !== 'function') throw new Error(`saveKerasModel: expects a model, got ${model}`);
  if (format === 'keras') {
    if (options.weightsOnly) throw new Error(`${what}: weightsOnly is for the 'h5' format (a .keras file always holds the model)`);
    return kerasZipBytes(model, what);
  }
  if (format === 'h5') return keras2Bytes(model, what, {weightsOnly: !!options.weightsOnly, includeOptimizer: !!options.includeOptimizer});
  throw new Error(`${what}: format must be 'keras' (Keras 3) or 'h5' (Keras 2), got ${JSON.stringify(format)}`);
}

// ---- model.save('file://…/m.keras' | 'downloads://m.h5') ------------------------------------------------

// A URL naming a Keras file: its suffix picks the format (a directory or other name keeps tfjs' format).
export function kerasFormatOf(target) {
  if (typeof target !== 'string' || !/^(file|downloads):\/\//.test(target)) return null;
  const path = target.split(/[?#]/)[0];
  if (/\.keras$/i.test(path)) return 'keras';
  if (/\.(h5|hdf5)$/i.test(path)) return 'h5';
  return null;
}

function saveResult(bytes) {
  return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength}};
}

export async function saveKerasFile(model, target, config = {}) {
  const op = `model '${model.name}'.save`;
  const format = kerasFormatOf(target);
  // A .keras file holds a compiled model's optimizer state regardless, as Keras 3 writes it; an .h5 with
  // includeOptimizer (Keras 2's include_optimizer).
  const bytes = await saveKerasModel(model, {format, includeOptimizer: !!config.includeOptimizer});
  if (target.startsWith('downloads://')) {
    if (typeof document === 'undefined') throw new Error(`${op}: downloads:// needs a page (document)`);
    const a = document.createElement('a');
    a.download = target.slice('downloads://'.length).split('/').pop();
    a.href = URL.createObjectURL(new Blob([bytes], {type: 'application/octet-stream'}));
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 0);
    return saveResult(bytes);
  }
  const [fs, path, url] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:url')]);
  // file:///abs/path.keras and file://./relative/path.keras, as tfjs-node takes directories.
  const file = target.startsWith('file:///') ? url.fileURLToPath(target) : target.slice('file://'.length);
  try {
    await fs.mkdir(path.dirname(file), {recursive: true});
    await fs.writeFile(file, bytes);
  } catch (e) {
    throw new Error(`${op}: cannot write ${file} (${e.code ?? e.message})`);
  }
  return saveResult(bytes);
}
