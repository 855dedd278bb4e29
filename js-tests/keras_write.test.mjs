// Writing Keras files: the oracles are the files Keras itself wrote (fixtures): a model loaded from one
// and saved again must give back the same config.json / model_config, the same HDF5 layout and values,
// and the same predictions; models built here round-trip through both formats; tfjs-layers rebuilt from
// a written .keras predicts the same.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import h5wasm from 'h5wasm/node';
import {unzipSync} from 'fflate';
import {assertClose, km, randomValues, tf} from './support.mjs';

const {FS} = await h5wasm.ready;
const MODELS = new URL('../../shared/fixtures/models/', import.meta.url);
const DOTKERAS = new URL('keras3-dotkeras/', MODELS);
const KERAS2 = new URL('dl4j-keras-import/modelimport/keras/', MODELS);
let counter = 0;

function withH5(bytes, fn) {
  const name = `/write-test-${++counter}.h5`;
  FS.writeFile(name, bytes);
  const f = new h5wasm.File(name, 'r');
  try {
    return fn(f);
  } finally {
    f.close();
    FS.unlink(name);
  }
}

// Every group and dataset under `layers` (Keras 2.15 on Windows wrote "layers\name" at the root):
// {groups: Set, datasets: Map(path -> {shape, values})}.
function keras3Tree(bytes) {
  return withH5(bytes, (f) => {
    const groups = new Set();
    const datasets = new Map();
    const walk = (g, path) => {
      for (const k of g.keys()) {
        const child = g.get(k);
        const p = `${path}/${k}`;
        if (child instanceof h5wasm.Group) {
          groups.add(p);
          walk(child, p);
        } else {
          datasets.set(p, {shape: child.shape, values: Float32Array.from(child.value)});
        }
      }
    };
    for (const k of f.keys()) {
      if (k === 'layers') walk(f.get(k), 'layers');
      else if (k.startsWith('layers\\')) walk(f.get(k), `layers/${k.slice(7)}`);
      if (k.startsWith('layers\\')) groups.add(`layers/${k.slice(7)}`);
    }
    return {groups, datasets};
  });
}

function unzipKeras(bytes) {
  const entries = unzipSync(bytes);
  return {
    config: JSON.parse(new TextDecoder().decode(entries['config.json'])),
    metadata: JSON.parse(new TextDecoder().decode(entries['metadata.json'])),
    weights: entries['model.weights.h5'],
  };
}

// Keys the writer deliberately leaves out (see the README's saving section): Keras' in-memory object
// sharing ids, InputLayer's `ragged` (Keras 3 before 3.10 rejects it), and compile_config of a model that
// kerasm loaded uncompiled (it does not compile from a .keras file's compile_config).
function dropUnwritten(value) {
  if (Array.isArray(value)) return value.map(dropUnwritten);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'shared_object_id' || k === 'compile_config') continue;
    if (k === 'ragged' && value.sparse !== undefined) continue;
    out[k] = dropUnwritten(v);
  }
  return out;
}

// Numbers as float32 (kerasm keeps configs' floats at float32 precision in places).
function roundFloats(value) {
  if (Array.isArray(value)) return value.map(roundFloats);
  if (typeof value === 'number') return Math.fround(value);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundFloats(v)]));
}

// Unknown dimensions are 24 long; a model starting with an Embedding gets indices 0..3.
function samePredictions(a, b, inputShapes, what) {
  const indices = a.layers.some((l) => l.getClassName() === 'Embedding');
  const xs = inputShapes.map((s, i) => {
    const shape = [s[0] ?? 2, ...s.slice(1).map((d) => d ?? 24)];
    const values = randomValues(shape.reduce((p, q) => p * q, 1), 11 + i, indices ? 0 : -2, indices ? 4 : 2);
    return km.tensor(indices ? values.map(Math.floor) : values, shape);
  });
  const x = xs.length === 1 ? xs[0] : xs;
  const ya = a.predict(x);
  const yb = b.predict(x);
  [ya].flat().forEach((t, i) => assertClose([yb].flat()[i], t, {rtol: 0, atol: 0, what}));
  km.dispose([...xs, ...[ya].flat(), ...[yb].flat()]);
}

function sameTree(written, original, what) {
  assert.deepEqual([...written.groups].sort(), [...original.groups].sort(), `${what}: groups`);
  assert.deepEqual([...written.datasets.keys()].sort(), [...original.datasets.keys()].sort(), `${what}: datasets`);
  for (const [p, d] of original.datasets) {
    const w = written.datasets.get(p);
    assert.deepEqual(w.shape, d.shape, `${what}: ${p} shape`);
    assert.deepEqual(w.values, d.values, `${what}: ${p} values`);
  }
}

test('fixture .keras files: load, save as .keras: the same config.json, weights tree and predictions', async (t) => {
  if (!existsSync(DOTKERAS)) return t.skip('../shared/fixtures is absent');
  const zips = readdirSync(DOTKERAS).filter((f) => f.endsWith('.keras') && sniffZip(new URL(f, DOTKERAS)));
  assert.ok(zips.length >= 4, zips.join(', '));
  for (const file of zips) {
    await t.test(file, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(file, DOTKERAS)));
      const original = unzipKeras(bytes);
      const model = await km.models.loadKerasModel(bytes);
      const out = await km.models.saveKerasModel(model, {format: 'keras'});
      const written = unzipKeras(out);
      assert.equal(written.metadata.keras_version, '3.12.0');
      assert.match(written.metadata.date_saved, /^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
      const version = original.metadata.keras_version;
      if (/^3\.(8|9|1\d)\./.test(version)) {
        // Written by the Keras whose layout the writer follows: the whole config is the same.
        assert.deepEqual(roundFloats(written.config), roundFloats(dropUnwritten(original.config)));
      } else {
        // Keras 3.0 and tf.keras 2.15 spelled modules, build_configs and InputLayer differently; the
        // architecture (classes, names, graph) is the same.
        const summary = (c) => c.config.layers.map((l) => [l.class_name, l.config.name,
          JSON.stringify((l.inbound_nodes ?? []).map((n) => JSON.stringify(n.args ?? n).match(/"keras_history":\[[^\]]*\]/g)))]);
        assert.deepEqual(summary(written.config), summary(original.config));
      }
      sameTree(keras3Tree(written.weights), keras3Tree(original.weights), file);
      const again = await km.models.loadKerasModel(out);
      samePredictions(model, again, model.inputs.map((i) => i.shape), file);
      model.dispose();
      again.dispose();
    });
  }
});

function sniffZip(url) {
  const b = readFileSync(url);
  return b[0] === 0x50 && b[1] === 0x4b;
}

// ---- Keras 2 .h5 ----------------------------------------------------------------------------------------

// A Keras 2 file's weights: {version, config, training, layerNames, layers: {name: [{name, shape, values}]}}.
function keras2File(bytes) {
  return withH5(bytes, (f) => {
    const root = f.get('model_weights') ?? f;
    const list = (v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);
    const layerNames = list(root.attrs.layer_names.value);
    const layers = {};
    for (const l of layerNames) {
      layers[l] = list(root.get(l).attrs.weight_names?.value).map((w) => {
        const ds = root.get(`${l}/${w}`);
        return {name: w, shape: ds.shape, values: Float32Array.from(ds.value)};
      });
    }
    const text = (a) => (a === undefined ? null : a.value);
    return {
      version: text(f.attrs.keras_version), backend: text(f.attrs.backend),
      config: f.attrs.model_config ? JSON.parse(f.attrs.model_config.value) : null,
      training: f.attrs.training_config ? JSON.parse(f.attrs.training_config.value) : null,
      layerNames, layers,
    };
  });
}

// Keras names weights by the variables' own names, which are not in the config (a layer renamed after
// its variables were made keeps "conv1_1/kernel:0"; tf.keras adds an RNN's cell, "lstm/lstm_cell/kernel:0");
// kerasm writes "<layer>/<weight>:0". The weight's own name and its place in the list are what Keras uses.
const ownName = (name) => name.split('/').pop().replace(/:0$/, '');  // Theano-backend files have no ':0'

// Keys the written model_config has that the fixture's Keras did not write, all accepted by tf.keras 2.x
// (newer arguments at their defaults), and keys the writer leaves out (InputLayer's ragged; the noise_shape
// SpatialDropout takes from its class; SeparableConv2D's unused kernel_* arguments; ConvLSTM2D's time_major).
const EXTRA_KEYS = new Set(['time_major', 'implementation', 'groups', 'zero_output_for_mask', 'data_format', 'keepdims', 'dtype', 'synchronized', 'noise_shape', 'seed']);
const MISSING_KEYS = new Set(['ragged', 'noise_shape', 'time_major', 'kernel_initializer', 'kernel_regularizer', 'kernel_constraint']);

function sameKeras2Config(mine, theirs, what) {
  assert.equal(mine.class_name === 'Model' ? 'Functional' : mine.class_name, theirs.class_name === 'Model' ? 'Functional' : theirs.class_name, `${what}: class`);
  // tf.keras lists a Sequential's InputLayer; kerasm writes its shape on the first layer, as Keras 2.2 did.
  const layersOf = (c) => (c.class_name === 'Sequential' ? (c.config.layers ?? c.config).filter((l) => l.class_name !== 'InputLayer') : c.config.layers);
  const a = layersOf(mine);
  const b = layersOf(theirs);
  assert.deepEqual(a.map((l) => [l.class_name, l.config.name]), b.map((l) => [l.class_name, l.config.name]), `${what}: layers`);
  const refs = (l) => (l.inbound_nodes ?? []).map((n) => n.map((r) => r.slice(0, 3)));
  b.forEach((lb, i) => {
    const la = a[i];
    assert.deepEqual(refs(la), refs(lb), `${what}: ${lb.config.name} inbound nodes`);
    for (const k of Object.keys(la.config)) {
      if (!(k in lb.config)) {
        assert.ok(EXTRA_KEYS.has(k) || (k === 'batch_input_shape' && i === 0), `${what}: ${lb.config.name} writes ${k}`);
      } else if (k !== 'layer') {
        assert.deepEqual(roundFloats(la.config[k]), roundFloats(normalizeKeras2(lb.config[k])), `${what}: ${lb.config.name}.${k}`);
      }
    }
    for (const k of Object.keys(lb.config)) {
      if (!(k in la.config)) assert.ok(MISSING_KEYS.has(k) || k === 'batch_input_shape', `${what}: ${lb.config.name} lacks ${k}`);
    }
  });
}

// tf.keras 2.2-2.3 wrote an initializer's dtype into its config; later Keras (and kerasm) leave it out.
function normalizeKeras2(v) {
  if (v !== null && typeof v === 'object' && typeof v.class_name === 'string' && v.config?.dtype !== undefined && !('name' in v.config)) {
    const {dtype, ...config} = v.config;
    return {...v, config};
  }
  return v;
}

function keras2Fixtures() {
  if (!existsSync(KERAS2)) return [];
  const out = [];
  for (const dir of ['tfkeras', 'weights', 'examples']) {
    const base = new URL(`${dir}/`, KERAS2);
    if (!existsSync(base)) continue;
    const walk = (u, rel) => {
      for (const e of readdirSync(u, {withFileTypes: true})) {
        if (e.isDirectory()) walk(new URL(`${e.name}/`, u), `${rel}${e.name}/`);
        else if (e.name.endsWith('.h5')) out.push(`${rel}${e.name}`);
      }
    };
    walk(base, `${dir}/`);
  }
  return out.sort();
}

test('fixture Keras 2 .h5 files: load, save as .h5: the same layer_names, weight_names, datasets, model_config and predictions', async (t) => {
  const files = keras2Fixtures();
  if (files.length === 0) return t.skip('../shared/fixtures is absent');
  let checked = 0;
  for (const rel of files) {
    const bytes = new Uint8Array(readFileSync(new URL(rel, KERAS2)));
    let original;
    try {
      original = keras2File(bytes);
    } catch {
      continue;  // not a full model (weights only, or a broken file keras_files.test.mjs covers)
    }
    // Keras 1 files are upgraded on reading (their configs are another vocabulary); files kerasm cannot
    // load are keras_files.test.mjs' business.
    if (original.config === null || !/^2\./.test(String(original.version))) continue;
    let model;
    try {
      model = await km.models.loadKerasModel(bytes);
    } catch {
      continue;
    }
    await t.test(rel, async () => {
      const out = await km.models.saveKerasModel(model, {format: 'h5'});
      const written = keras2File(out);
      assert.equal(written.version, '2.15.0');
      assert.equal(written.backend, 'tensorflow');
      assert.deepEqual(written.layerNames, original.layerNames);
      for (const l of original.layerNames) {
        assert.deepEqual(written.layers[l].map((w) => ownName(w.name)), original.layers[l].map((w) => ownName(w.name)), `${l} weight_names`);
        written.layers[l].forEach((w) => assert.ok(w.name.startsWith(`${l}/`), `${l}: ${w.name}`));
        original.layers[l].forEach((w, i) => {
          assert.deepEqual(written.layers[l][i].shape, w.shape, `${l}/${w.name} shape`);
          assert.deepEqual(written.layers[l][i].values, w.values, `${l}/${w.name} values`);
        });
      }
      sameKeras2Config(written.config, original.config, rel);
      const again = await km.models.loadKerasModel(out);
      samePredictions(model, again, model.inputs.map((i) => i.shape), rel);
      again.optimizer?.dispose();
      again.dispose();
    });
    model.optimizer?.dispose();
    model.dispose();
    checked += 1;
  }
  assert.ok(checked >= 100, `only ${checked} Keras 2 fixtures checked`);
});
