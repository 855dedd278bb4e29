// Keras files without Python: Keras 3 `.keras` zips (config.json, model.weights.h5, metadata.json), Keras
// 1/2 `.h5` full models and weights-only files, and bare Keras JSON. The format is read from the bytes
// (zip, HDF5 or JSON), never from the file name. HDF5 is read by h5wasm and zips by fflate, both imported
// on first use, so a page that never opens a Keras file never downloads them.
import {tensor} from '../creation.js';
import {dispose} from '../engine.js';
import {describeValue} from '../tensor.js';
import {buildFromTopology, compileFromTrainingConfig} from './artifacts.js';
import {compileFromKerasFile, readKeras2OptimizerState, readKeras3OptimizerState, trainingFromCompileConfig} from './keras_optimizer.js';
import {isKeras1, upgradeKeras1} from './keras_versions.js';

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const HDF5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes, magic) {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

export function sniff(bytes) {
  if (startsWith(bytes, ZIP)) return 'zip';
  if (startsWith(bytes, HDF5)) return 'hdf5';
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) ++i;
  if (bytes[i] === 0x7b) return 'json';
  return 'unknown';
}

const isNode = typeof process !== 'undefined' && process.versions?.node != null;

// The first module that imports: bare specifiers work in Node and bundlers; pages served straight from a
// checkout or an installed package find the files beside the package.
async function importFirst(specifiers, what) {
  const errors = [];
  for (const s of specifiers) {
    try {
      return await import(/* @vite-ignore */ s);
    } catch (e) {
      errors.push(`${s}: ${e.message}`);
    }
  }
  throw new Error(`${what} could not be loaded (${errors.join('; ')})`);
}

let h5Promise = null;
let scratchCounter = 0;
// h5wasm, loaded on first use: {h5wasm, FS, scratchName(kind)}, the last naming a fresh scratch file.
export function h5() {
  if (h5Promise === null) {
    const specs = isNode ? ['h5wasm/node']
      : ['h5wasm', new URL('../../node_modules/h5wasm/dist/esm/hdf5_hl.js', import.meta.url).href,
         new URL('../../../h5wasm/dist/esm/hdf5_hl.js', import.meta.url).href];
    h5Promise = importFirst(specs, 'h5wasm (the HDF5 reader for Keras files)').then(async (m) => {
      const h5wasm = m.default ?? m;
      const module = await h5wasm.ready;
      // h5wasm's Node build works on the real file system (its FS is the machine's), the browser build on
      // an in-memory one: scratch files go to the OS's temp folder in Node, under names no other process
      // picks (two processes reading Keras files must not share '/kerasm-1.h5').
      let scratchDir = '';
      let tag = '';
      if (isNode) {
        const [{tmpdir}, {randomBytes}] = await Promise.all([import('node:os'), import('node:crypto')]);
        scratchDir = tmpdir();
        tag = `-${process.pid}-${randomBytes(4).toString('hex')}`;
      }
      return {h5wasm, FS: module.FS, scratchName: (kind) => `${scratchDir}/kerasm${tag}-${kind}-${++scratchCounter}.h5`};
    });
    h5Promise.catch(() => { h5Promise = null; });
  }
  return h5Promise;
}

export function fflateModule() {
  const specs = isNode ? ['fflate']
    : ['fflate', new URL('../../node_modules/fflate/esm/browser.js', import.meta.url).href,
       new URL('../../../fflate/esm/browser.js', import.meta.url).href];
  return importFirst(specs, 'fflate (the zip reader and writer for .keras files)');
}

async function unzip(bytes, what) {
  const fflate = await fflateModule();
  try {
    return fflate.unzipSync(bytes);
  } catch (e) {
    throw new Error(`${what}: not a readable zip (${e.message})`);
  }
}

// Runs fn(file) on the bytes as a scratch HDF5 file h5wasm opens, and removes it after.
export async function withHdf5(bytes, what, fn) {
  const {h5wasm, FS, scratchName} = await h5();
  const name = scratchName('read');
  FS.writeFile(name, bytes);
  let file;
  try {
    try {
      file = new h5wasm.File(name, 'r');
      file.keys();  // h5wasm reports some damage only on first use
    } catch (e) {
      throw new Error(`${what}: not a readable HDF5 file (${e.message})`);
    }
    return await fn(file, h5wasm);
  } finally {
    try {
      file?.close();
    } catch {
      // a file that failed to open has nothing to close
    }
    // A failed removal must not hide fn's own error (or its result): the file is scratch.
    try {
      FS.unlink(name);
    } catch {
      // already gone
    }
  }
}

function attr(obj, name) {
  const a = obj?.attrs?.[name];
  if (a === undefined) return undefined;
  const v = a.value;
  const text = (x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : x);
  return Array.isArray(v) ? v.map(text) : text(v);
}

// An attribute holding a list of names: h5wasm gives an array, a lone string, or for Keras' empty lists
// (shape [0], float typed) an empty typed array or object.
function list(v) {
  if (v == null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [v];
  return [];
}

// The float32 values of a dataset, as a tensor of its shape.
function datasetTensor(ds, what) {
  if (ds == null || typeof ds.value === 'undefined') throw new Error(`${what}: missing dataset`);
  const shape = ds.shape ?? [];
  const v = ds.value;
  const values = v instanceof Float32Array ? v : Float32Array.from(typeof v === 'number' ? [v] : v);
  return tensor(values, shape, 'float32');
}

// A Keras 2 weights group ({layer_names} with one group per layer holding {weight_names}) onto the model:
// by layer name, or with byName false in order over the layers that have weights.
async function loadLegacyWeights(model, root, {byName = false, skipMismatch = false, what}) {
  const fileLayers = list(attr(root, 'layer_names')).map(String);
  const withWeights = fileLayers
    .map((name) => ({name, weightNames: list(attr(root.get(name), 'weight_names')).map(String)}))
    .filter((l) => l.weightNames.length > 0);
  const targets = model.layers.filter((l) => l.weights.length > 0);
  if (!byName && withWeights.length !== targets.length) {
    throw new Error(`${what}: the file has ${withWeights.length} layers with weights, the model ${targets.length} (${targets.map((l) => l.name).join(', ')}); load by name with {byName: true}`);
  }
  for (const [i, entry] of withWeights.entries()) {
    const layer = byName ? targets.find((l) => l.name === entry.name) : targets[i];
    if (layer === undefined) continue;
    const group = root.get(entry.name);
    const values = entry.weightNames.map((w) => datasetTensor(group.get(w), `${what}: weight '${entry.name}/${w}'`));
    try {
      const current = layer.getWeights();
      const shapesMatch = current.length === values.length && current.every((t, k) => String(t.shape) === String(values[k].shape));
      const have = current.map((t) => `[${t.shape}]`).join(', ');
      dispose(current);
      if (!shapesMatch) {
        if (skipMismatch) continue;
        throw new Error(`${what}: layer '${layer.name}' has weights ${have} but the file gives ${values.map((t) => `[${t.shape}]`).join(', ')} (${entry.weightNames.join(', ')})`);
      }
      layer.setWeights(values);
    } finally {
      dispose(values);
    }
  }
}

// Keras 3 weights: layers/<name>/vars/<i>, with sub-layers' groups (cell, forward_layer, ...) after the
// layer's own vars. Keras 2.15 on Windows wrote "layers\<name>" as one name.
function keras3Vars(group) {
  const out = [];
  const vars = group.get('vars');
  if (vars != null && typeof vars.keys === 'function') {
    for (const k of vars.keys().sort((a, b) => Number(a) - Number(b))) out.push(vars.get(k));
  }
  const order = ['cell', 'forward_layer', 'backward_layer', 'layer'];
  const children = group.keys().filter((k) => k !== 'vars')
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  for (const k of children) {
    const child = group.get(k);
    if (child != null && typeof child.keys === 'function') out.push(...keras3Vars(child));
  }
  return out;
}

function keras3LayerGroups(file) {
  const groups = new Map();
  const layers = file.get('layers');
  if (layers != null && typeof layers.keys === 'function') for (const k of layers.keys()) groups.set(k, layers.get(k));
  for (const k of file.keys()) {
    if (k.startsWith('layers\\')) groups.set(k.slice('layers\\'.length), file.get(k));
  }
  return groups;
}

// Keras 3's snake_case of a class name (keras.src.utils.naming.to_snake_case): "Conv1D" -> "conv1d",
// "MaxPooling1D" -> "max_pooling1d", "SimpleRNN" -> "simple_rnn".
export function snakeCase(name) {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

// Keras 3 files address a model's layers by class, not by name (names are not reproducible): the
// snake_case class name, with _1, _2 ... for the later layers of the same class, in the model's layer order.
export function keras3StructuralNames(layers) {
  const used = new Map();
  return layers.map((layer) => {
    const base = snakeCase(layer.getClassName());
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  });
}

// A nested model's variables: its layers' groups under `layers`, in the model's layer order (the
// groups' alphabetical order is not it: "dense_10" < "dense_2").
function keras3LayerVars(layer, group) {
  const sub = group.get('layers');
  if (!['Sequential', 'Functional', 'Model'].includes(layer.getClassName()) || sub == null || typeof sub.keys !== 'function') return keras3Vars(group);
  const inner = layer.layers;
  const names = keras3StructuralNames(inner);
  return inner.flatMap((l, i) => {
    const g = sub.get(names[i]) ?? sub.get(l.name);
    return g == null ? [] : keras3LayerVars(l, g);
  });
}

async function loadKeras3Weights(model, file, {what, skipMismatch = false}) {
  const groups = keras3LayerGroups(file);
  const structural = keras3StructuralNames(model.layers);
  for (const [index, layer] of model.layers.entries()) {
    const current = layer.getWeights();
    const count = current.length;
    const shapes = current.map((t) => t.shape);
    dispose(current);
    if (count === 0) continue;
    const group = groups.get(structural[index]) ?? groups.get(layer.name);
    if (group === undefined) throw new Error(`${what}: no weights for layer '${layer.name}' (the file has ${[...groups.keys()].join(', ')})`);
    const datasets = keras3LayerVars(layer, group);
    const values = datasets.map((ds, k) => datasetTensor(ds, `${what}: layers/${layer.name} var ${k}`));
    try {
      if (values.length !== count || values.some((t, k) => String(t.shape) !== String(shapes[k]))) {
        if (skipMismatch) continue;
        throw new Error(`${what}: layer '${layer.name}' has weights ${shapes.map((s) => `[${s}]`).join(', ')} but the file gives ${values.map((t) => `[${t.shape}]`).join(', ')}`);
      }
      layer.setWeights(values);
    } finally {
      dispose(values);
    }
  }
}

function parseJsonText(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: malformed JSON (${e.message})`);
  }
}

// Keras' training config, when it names an optimizer and a loss kerasm has; a model without one is
// returned uncompiled. Keras 3 keeps it as compile_config.
function tryCompile(model, training, what) {
  if (training == null || training.optimizer_config == null || training.loss == null) return;
  compileFromTrainingConfig(model, training, `${what}: training_config`);
}

async function bytesFrom(source, what) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof source === 'string') {
    if (isNode && !/^https?:/.test(source)) {
      const [{readFile}, {fileURLToPath}] = await Promise.all([import('node:fs/promises'), import('node:url')]);
      const path = source.startsWith('file://') ? fileURLToPath(new URL(source.startsWith('file:///') ? source : `file://${process.cwd()}/${source.slice(7)}`)) : source;
      try {
        return new Uint8Array(await readFile(path));
      } catch (e) {
        throw new Error(`${what}: cannot read ${source} (${e.code ?? e.message})`);
      }
    }
    const response = await fetch(source);
    if (!response.ok) throw new Error(`${what}: ${source}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  throw new Error(`${what}: expects a URL, a path, a File/Blob or bytes, got ${describeValue(source)}`);
}

// km.models.loadKerasModel(urlOrFileOrBytes): the model with its weights, compiled when the file carries a
// training configuration. `modelFromJSON` builds the architecture.
export async function loadKerasModel(source, options = {}, modelFromJSON) {
  const name = typeof source === 'string' ? source : (source?.name ?? 'the Keras file');
  const what = `loadKerasModel: ${name}`;
  const bytes = await bytesFrom(source, what);
  const kind = sniff(bytes);
  if (kind === 'json') {
    let config = parseJsonText(new TextDecoder().decode(bytes), what);
    if (isKeras1(config.keras_version)) config = upgradeKeras1(config);
    return buildFromTopology(config, what, modelFromJSON);
  }
  if (kind === 'zip') {
    const entries = await unzip(bytes, what);
    const text = (n) => (entries[n] ? new TextDecoder().decode(entries[n]) : null);
    const configText = text('config.json');
    if (configText === null) throw new Error(`${what}: the zip has no config.json (entries: ${Object.keys(entries).join(', ')})`);
    const config = parseJsonText(configText, `${what}: config.json`);
    const metadata = text('metadata.json') ? parseJsonText(text('metadata.json'), `${what}: metadata.json`) : {};
    const model = await buildFromTopology(config, `${what}: config.json`, modelFromJSON);
    try {
      // As Keras' load_model(compile=True): compiled from compile_config, then the optimizer's variables
      // restored from model.weights.h5.
      const training = options.compile === false ? null : trainingFromCompileConfig(config.compile_config, `${what}: compile_config`);
      if (training !== null) compileFromKerasFile(model, training, `${what}: compile_config`);
      if (entries['model.weights.h5']) {
        const h5what = `${what}: model.weights.h5`;
        await withHdf5(entries['model.weights.h5'], h5what, async (file) => {
          await loadKeras3Weights(model, file, {what: h5what, skipMismatch: options.skipMismatch});
          if (training !== null) readKeras3OptimizerState(model, file, h5what);
        });
      }
      model.kerasVersion = metadata.keras_version ?? null;
    } catch (e) {
      model.optimizer?.dispose();
      model.dispose();
      throw e;
    }
    return model;
  }
  if (kind === 'hdf5') {
    return withHdf5(bytes, what, async (file) => {
      const configText = attr(file, 'model_config');
      if (configText == null) {
        throw new Error(`${what}: an HDF5 file without model_config holds weights only: build the model, then model.loadWeights(file)`);
      }
      const version = attr(file, 'keras_version') ?? null;
      let config = parseJsonText(configText, `${what}: model_config`);
      if (isKeras1(version)) config = upgradeKeras1(config);
      // The writer's version decides what its defaults and hard_sigmoid mean (LAYERS.md).
      if (version != null && config.keras_version == null) config = {...config, keras_version: String(version)};
      const model = await buildFromTopology(config, what, modelFromJSON);
      try {
        const root = file.get('model_weights') ?? file;
        await loadLegacyWeights(model, root, {byName: false, what});
        const training = attr(file, 'training_config');
        if (training != null && options.compile !== false) {
          tryCompile(model, parseJsonText(training, `${what}: training_config`), what);
          const state = file.get('optimizer_weights');
          if (state != null) readKeras2OptimizerState(model, state, list(attr(state, 'weight_names')), what);
        }
        model.kerasVersion = version;
      } catch (e) {
        model.optimizer?.dispose();
        model.dispose();
        throw e;
      }
      return model;
    });
  }
  throw new Error(`${what}: neither a Keras zip (.keras), an HDF5 file (.h5) nor JSON (it starts with bytes ${Array.from(bytes.subarray(0, 4)).join(' ')})`);
}

// model.loadWeights(fileOrBytes, {byName, skipMismatch}): a Keras 2 .h5 (full model or weights only) or a
// Keras 3 .weights.h5 into an existing model.
export async function loadWeightsInto(model, source, options = {}) {
  const what = `model '${model.name}'.loadWeights`;
  const bytes = await bytesFrom(source, what);
  if (sniff(bytes) !== 'hdf5') throw new Error(`${what}: expects an HDF5 weights file (.h5 / .weights.h5)`);
  await withHdf5(bytes, what, async (file) => {
    if (keras3LayerGroups(file).size > 0) {
      await loadKeras3Weights(model, file, {what, skipMismatch: options.skipMismatch});
    } else {
      await loadLegacyWeights(model, file.get('model_weights') ?? file, {byName: options.byName ?? false, skipMismatch: options.skipMismatch, what});
    }
  });
}
