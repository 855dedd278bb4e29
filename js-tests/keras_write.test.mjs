// Writing Keras files: the oracles are the files Keras itself wrote (fixtures): a model loaded from one
// and saved again must give back the same config.json / model_config, the same HDF5 layout and values,
// and the same predictions; models built here round-trip through both formats; tfjs-layers rebuilt from
// a written .keras predicts the same.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {test} from 'node:test';
import h5wasm from 'h5wasm/node';
import {unzipSync} from 'fflate';
import {assertClose, km, randomValues, tf, scratchH5} from './support.mjs';
import {withH5} from './h5_support.mjs';

const MODELS = new URL('../../shared/fixtures/models/', import.meta.url);
const DOTKERAS = new URL('keras3-dotkeras/', MODELS);
const KERAS2 = new URL('dl4j-keras-import/modelimport/keras/', MODELS);

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
// sharing ids, InputLayer's `ragged` (Keras 3.8 does not write it; a Keras 3 whose InputLayer has no such
// argument rejects it), and compile_config of a model that kerasm loaded uncompiled (it does not compile
// from a .keras file's compile_config).
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
        // (The compile_config a compiled load writes back is checked in optimizer_state.test.mjs.)
        assert.deepEqual(roundFloats(dropUnwritten(written.config)), roundFloats(dropUnwritten(original.config)));
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

// ---- models built here ------------------------------------------------------------------------------------

// Every weight set to seeded values (BatchNormalization's variances positive), so a lost or misplaced
// weight shows in the predictions.
function seedWeights(model, seed) {
  const ws = model.getWeights();
  const next = ws.map((w, i) => km.tensor(randomValues(w.size, seed + i, 0.1, 0.9), w.shape));
  model.setWeights(next);
  km.dispose([...ws, ...next]);
  return model;
}

const L = () => km.layers;
const BUILT = {
  dense: () => km.sequential({name: 'mlp', layers: [
    L().dense({units: 6, inputShape: [4], activation: 'relu', name: 'hidden'}),
    L().dropout({rate: 0.3}), L().dense({units: 3, activation: 'softmax'})]}),
  conv: () => km.sequential({name: 'cnn', layers: [
    L().conv2d({filters: 4, kernelSize: 3, inputShape: [9, 9, 2], activation: 'relu', padding: 'same'}),
    L().maxPooling2d({poolSize: 2}), L().conv2d({filters: 3, kernelSize: [2, 2], strides: 2}),
    L().flatten(), L().dense({units: 2})]}),
  pooling: () => km.sequential({name: 'pool1d', layers: [
    L().conv1d({filters: 5, kernelSize: 3, inputShape: [12, 3]}), L().averagePooling1d({poolSize: 2}),
    L().maxPooling1d({poolSize: 2, strides: 1}), L().globalMaxPooling1d()]}),
  recurrent: () => km.sequential({name: 'rnn', layers: [
    L().lstm({units: 4, returnSequences: true, inputShape: [7, 3]}),
    L().bidirectional({layer: L().gru({units: 3, returnSequences: true}), mergeMode: 'concat'}),
    L().timeDistributed({layer: L().dense({units: 2})}),
    L().simpleRNN({units: 2})]}),
  batchnorm: () => km.sequential({name: 'bn', layers: [
    L().dense({units: 5, inputShape: [3]}), L().batchNormalization(), L().activation({activation: 'tanh'}), L().dense({units: 1})]}),
  merge: () => {
    const a = km.input({shape: [4], name: 'a'});
    const b = km.input({shape: [4], name: 'b'});
    const da = L().dense({units: 3, name: 'da'}).apply(a);
    const db = L().dense({units: 3, name: 'db'}).apply(b);
    const sum = L().add().apply([da, db]);
    const cat = L().concatenate().apply([sum, da]);
    return km.model({inputs: [a, b], outputs: [L().dense({units: 2, name: 'out'}).apply(cat), sum], name: 'merge'});
  },
  // An RNN given its initial states (Keras 3: a second argument, shapes_dict in build_config) and a layer
  // shared by two nodes.
  states: () => {
    const x = km.input({shape: [5, 3], name: 'seq'});
    const h = km.input({shape: [4], name: 'h0'});
    const c = km.input({shape: [4], name: 'c0'});
    const rnn = L().lstm({units: 4, name: 'rnn'}).apply(x, {initialState: [h, c]});
    const shared = L().dense({units: 4, name: 'shared'});
    return km.model({inputs: [x, h, c], outputs: L().add().apply([shared.apply(rnn), shared.apply(h)]), name: 'states'});
  },
  nested: () => {
    const inner = km.sequential({name: 'inner', layers: [
      L().dense({units: 5, inputShape: [3], name: 'inner_dense'}), L().batchNormalization({name: 'inner_bn'}), L().dense({units: 4, name: 'inner_a'})]});
    const x = km.input({shape: [3], name: 'x'});
    const y = inner.apply(x);
    const z = L().dense({units: 2, name: 'head'}).apply(L().dense({units: 4, name: 'a_first'}).apply(y));
    return km.model({inputs: x, outputs: z, name: 'outer'});
  },
};

function sameWeights(a, b, what) {
  const wa = a.getWeights();
  const wb = b.getWeights();
  assert.equal(wb.length, wa.length, `${what}: weight count`);
  wa.forEach((t, i) => assertClose(wb[i], t, {rtol: 0, atol: 0, what: `${what}: weight ${i}`}));
  km.dispose([...wa, ...wb]);
}

// toJSON with the writer's reader-side notes removed (the version a file was read with).
const topology = (m) => {
  const j = m.toJSON(null, false);
  delete j.keras_version;
  return j;
};

test('models built here round-trip through .keras and .h5: the same config, weights and predictions', async (t) => {
  for (const [name, build] of Object.entries(BUILT)) {
    await t.test(name, async () => {
      const model = seedWeights(build(), name.length);
      for (const format of ['keras', 'h5']) {
        const bytes = await km.models.saveKerasModel(model, {format});
        if (name === 'states' && format === 'keras') {
          const rnn = unzipKeras(bytes).config.config.layers.find((l) => l.name === 'rnn');
          assert.deepEqual(rnn.build_config, {shapes_dict: {sequences_shape: [null, 5, 3], initial_state_shape: [[null, 4], [null, 4]]}});
          assert.equal(rnn.inbound_nodes[0].args[1].length, 2);
        }
        const again = await km.models.loadKerasModel(bytes);
        assert.deepEqual(topology(again), topology(model), `${name} .${format} config`);
        sameWeights(model, again, `${name} .${format}`);
        samePredictions(model, again, model.inputs.map((i) => i.shape), `${name} .${format}`);
        again.dispose();
      }
      model.dispose();
    });
  }
});

// tfjs-layers' twin of a written .keras: its layers made from config.json's Keras 3 configs, its weights
// read from model.weights.h5 where Keras 3 keeps them (layers/<class_n>/vars, .../cell/vars,
// .../forward_layer/cell/vars, .../layer/vars).
function tfjsLayerFrom({class_name: cls, config: c}) {
  const shared = {name: c.name};
  switch (cls) {
    case 'Conv2D': return tf.layers.conv2d({...shared, filters: c.filters, kernelSize: c.kernel_size, strides: c.strides, padding: c.padding, activation: c.activation});
    case 'MaxPooling2D': return tf.layers.maxPooling2d({...shared, poolSize: c.pool_size, strides: c.strides, padding: c.padding});
    case 'Flatten': return tf.layers.flatten(shared);
    case 'Dense': return tf.layers.dense({...shared, units: c.units, activation: c.activation});
    case 'LSTM': return tf.layers.lstm({...shared, units: c.units, returnSequences: c.return_sequences, activation: c.activation, recurrentActivation: c.recurrent_activation});
    case 'SimpleRNN': return tf.layers.simpleRNN({...shared, units: c.units, returnSequences: c.return_sequences, activation: c.activation});
    case 'Bidirectional': return tf.layers.bidirectional({...shared, layer: tfjsLayerFrom(c.layer), mergeMode: c.merge_mode});
    case 'TimeDistributed': return tf.layers.timeDistributed({...shared, layer: tfjsLayerFrom(c.layer)});
    default: throw new Error(`no tfjs twin for ${cls}`);
  }
}

function keras3GroupValues(f, path) {
  const group = f.get(path);
  const out = [];
  const vars = group.get('vars');
  if (vars) for (const k of vars.keys().sort((a, b) => a - b)) out.push(vars.get(k));
  for (const child of ['cell', 'forward_layer', 'backward_layer', 'layer']) {
    if (group.keys().includes(child)) out.push(...keras3GroupValues(f, `${path}/${child}`));
  }
  return out;
}

test('a written .keras read by Keras 3\'s layout into tfjs-layers predicts what kerasm predicts', async () => {
  const builds = {
    conv: BUILT.conv,
    recurrent: () => km.sequential({name: 'rnn_twin', layers: [
      L().lstm({units: 4, returnSequences: true, inputShape: [6, 3]}),
      L().bidirectional({layer: L().lstm({units: 3, returnSequences: true}), mergeMode: 'concat'}),
      L().timeDistributed({layer: L().dense({units: 2, activation: 'tanh'})}),
      L().simpleRNN({units: 2})]}),
  };
  for (const [name, build] of Object.entries(builds)) {
    const model = seedWeights(build(), 3);
    const {config, weights} = unzipKeras(await km.models.saveKerasModel(model));
    const [input, ...rest] = config.config.layers;
    assert.equal(input.class_name, 'InputLayer');
    const twinLayers = rest.map(tfjsLayerFrom);
    const twin = tf.sequential({layers: [tf.layers.inputLayer({batchInputShape: input.config.batch_shape}), ...twinLayers]});
    withH5(weights, (f) => {
      const seen = {};
      rest.forEach(({class_name: cls}, i) => {
        const base = cls.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
        const group = seen[base] === undefined ? base : `${base}_${seen[base] + 1}`;
        seen[base] = (seen[base] ?? -1) + 1;
        const values = keras3GroupValues(f, `layers/${group}`).map((ds) => tf.tensor(Float32Array.from(ds.value), ds.shape));
        if (values.length > 0) twinLayers[i].setWeights(values);
        tf.dispose(values);
      });
    });
    const shape = [2, ...input.config.batch_shape.slice(1)];
    const values = randomValues(shape.reduce((a, b) => a * b, 1), 5);
    const x = km.tensor(values, shape);
    const got = model.predict(x);
    const want = twin.predict(tf.tensor(values, shape));
    assertClose(got, {shape: want.shape, dtype: 'float32', dataSync: () => want.dataSync()}, {atol: 1e-5, rtol: 1e-4, what: `${name}: kerasm vs tfjs`});
    km.dispose([x, got]);
    tf.dispose(want);
    twin.dispose();
    model.dispose();
  }
});

async function settled() {
  for (let i = 0; i < 3; ++i) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return km.memory().numTensors;
}

// kerasm's scratch files (web/io/keras.js): in the temp folder, tagged with this process's id.
const leftInFs = () => readdirSync(tmpdir()).filter((n) => n.startsWith(`kerasm-${process.pid}-`));

test('layers Keras cannot rebuild, and activations it has no formula for, fail clearly; nothing leaks', async () => {
  const before = await settled();
  const x = km.input({shape: [3], name: 'x'});
  const lambdaModel = km.model({inputs: x, outputs: L().lambda({function: (t) => t.mul(2), name: 'double'}).apply(x)});
  class Scale extends km.layers.Layer {
    call(inputs) {
      return inputs;
    }
    static get className() {
      return 'Scale';
    }
  }
  const y = km.input({shape: [3], name: 'y'});
  const jsModel = km.model({inputs: y, outputs: L().dense({units: 2}).apply(new Scale({name: 'my_scale'}).apply(y))});
  const hard = km.sequential({layers: [L().dense({units: 2, inputShape: [3], activation: 'hardSigmoid', name: 'hs'})]});
  for (const format of ['keras', 'h5']) {
    await assert.rejects(km.models.saveKerasModel(lambdaModel, {format}), /layer 'double' is a Lambda layer.*Keras cannot rebuild it/);
    await assert.rejects(km.models.saveKerasModel(jsModel, {format}), /layer 'my_scale' is a layer written in JavaScript \(Scale\)/);
  }
  await assert.rejects(km.models.saveKerasModel(hard, {format: 'h5'}), /layer 'hs' has activation hard_sigmoid in Keras 3's formula/);
  const thresholded = km.sequential({layers: [L().thresholdedReLU({theta: 0.5, inputShape: [3], name: 'tr'})]});
  await assert.rejects(km.models.saveKerasModel(thresholded), /layer 'tr' is a ThresholdedReLU, a class Keras 3 does not have; save it as a Keras 2 \.h5 file instead/);
  await km.models.saveKerasModel(thresholded, {format: 'h5'});
  thresholded.dispose();
  await assert.rejects(km.models.saveKerasModel(hard, {format: 'zip'}), /format must be 'keras' \(Keras 3\) or 'h5' \(Keras 2\)/);
  // A model read from a Keras 2 file computes Keras 2's hard_sigmoid: it stays a Keras 2 file.
  const config = JSON.parse(hard.toJSON());
  config.keras_version = '2.15.0';
  const fromKeras2 = await km.models.loadKerasModel(new TextEncoder().encode(JSON.stringify(config)));
  await assert.rejects(km.models.saveKerasModel(fromKeras2, {format: 'keras'}), /layer 'hs' has activation hard_sigmoid in Keras 2's formula/);
  const h5 = await km.models.saveKerasModel(fromKeras2, {format: 'h5'});
  assert.equal(keras2File(h5).config.config.layers[0].config.activation, 'hard_sigmoid');
  [lambdaModel, jsModel, hard, fromKeras2].forEach((m) => m.dispose());
  // Saving reads every weight: none is left behind, nor any file in h5wasm's memory.
  const model = seedWeights(BUILT.recurrent(), 1);
  await km.models.saveKerasModel(model, {format: 'keras'});
  await km.models.saveKerasModel(model, {format: 'h5'});
  await km.models.saveKerasModel(model, {format: 'h5', weightsOnly: true});
  model.dispose();
  assert.equal(await settled(), before);
  assert.deepEqual(leftInFs(), []);
});

test('a weights-only .h5 is laid out as Keras 2\'s save_weights writes it and loads back', async () => {
  const model = seedWeights(BUILT.batchnorm(), 4);
  const bytes = await km.models.saveKerasModel(model, {format: 'h5', weightsOnly: true});
  withH5(bytes, (f) => {
    assert.equal(f.attrs.model_config, undefined);
    assert.equal(f.get('model_weights'), null);
    assert.deepEqual(f.attrs.layer_names.value, model.layers.map((l) => l.name));
    assert.equal(f.attrs.keras_version.value, '2.15.0');
  });
  const fresh = BUILT.batchnorm();
  await fresh.loadWeights(bytes);
  sameWeights(model, fresh, 'weights only');
  await assert.rejects(km.models.saveKerasModel(model, {format: 'keras', weightsOnly: true}), /weightsOnly is for the 'h5' format/);
  model.dispose();
  fresh.dispose();
});

test('model.save(\'file://…/m.keras\' | \'…/m.h5\') writes Keras files; a directory keeps the tfjs format; the CLI converts both ways', async () => {
  const {execFileSync} = await import('node:child_process');
  const {mkdtempSync, rmSync} = await import('node:fs');
  const {tmpdir} = await import('node:os');
  const {join} = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'kerasm-save-'));
  try {
    const model = seedWeights(BUILT.merge(), 2);
    const keras = await model.save(`file://${join(dir, 'sub', 'm.keras')}`);
    assert.ok(keras.modelArtifactsInfo.weightDataBytes > 0);
    await model.save(`file://${join(dir, 'm.h5')}`);
    await model.save(`file://${join(dir, 'tfjs')}`);
    const bytes = new Uint8Array(readFileSync(join(dir, 'sub', 'm.keras')));
    assert.equal(bytes[0], 0x50);
    assert.equal(keras2File(readFileSync(join(dir, 'm.h5'))).version, '2.15.0');
    assert.ok(existsSync(join(dir, 'tfjs', 'model.json')));
    for (const url of [join(dir, 'sub', 'm.keras'), join(dir, 'm.h5'), join(dir, 'tfjs', 'model.json')]) {
      const again = await km.loadLayersModel(`file://${url}`);
      samePredictions(model, again, model.inputs.map((i) => i.shape), url);
      again.dispose();
    }
    await assert.rejects(model.save('downloads://m.keras'), /downloads:\/\/ needs a page/);
    // kerasm convert: tfjs model.json -> .keras and .h5, and a .keras -> .h5.
    const cli = new URL('../bin/kerasm.mjs', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [cli, 'convert', join(dir, 'tfjs', 'model.json'), join(dir, 'c.keras')]).toString();
    assert.match(out, /wrote .*c\.keras \(Keras 3 \.keras\): 7 layers, 44 parameters/);
    execFileSync(process.execPath, [cli, 'convert', join(dir, 'c.keras'), join(dir, 'c.h5')]);
    for (const f of ['c.keras', 'c.h5']) {
      const again = await km.models.loadKerasModel(join(dir, f));
      samePredictions(model, again, model.inputs.map((i) => i.shape), f);
      again.dispose();
    }
    model.dispose();
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test('h5wasm and fflate are imported only on first use (a page that never saves or opens a Keras file does not fetch them)', () => {
  const webDir = new URL('../web/', import.meta.url);
  const files = readdirSync(webDir, {recursive: true}).filter((f) => f.endsWith('.js'));
  for (const f of files) {
    const text = readFileSync(new URL(f, webDir), 'utf8');
    assert.doesNotMatch(text, /^\s*import\s[^;]*from\s+['"](h5wasm|fflate)/m, `web/${f} imports h5wasm or fflate statically`);
  }
});

// Every model file in the fixtures kerasm loads (Keras 1/2 .h5, Keras 3 .keras, tfjs model.json), through
// both writers and back: the same predictions, or (for .keras) a clear refusal: of Keras 2's hard_sigmoid
// (the default recurrent_activation of Keras 2's LSTM and GRU), of classes Keras 3 removed
// (ThresholdedReLU, LocallyConnected, the CuDNN layers), and of StackedRNNCells.
test('every fixture model kerasm loads saves as .keras and .h5 and loads back predicting the same', async (t) => {
  if (!existsSync(MODELS)) return t.skip('../shared/fixtures is absent');
  const files = readdirSync(MODELS, {recursive: true}).filter((f) => /\.(h5|keras)$|(^|\/)model\.json$/.test(f)).sort();
  let saved = 0;
  let refused = 0;
  for (const f of files) {
    const url = new URL(f, MODELS);
    let model;
    try {
      model = f.endsWith('model.json') ? await km.loadLayersModel(url.href) : await km.models.loadKerasModel(new Uint8Array(readFileSync(url)));
    } catch {
      continue;  // what kerasm cannot load is keras_files.test.mjs' and loading.test.mjs' business
    }
    for (const format of ['keras', 'h5']) {
      let bytes;
      try {
        bytes = await km.models.saveKerasModel(model, {format});
      } catch (e) {
        assert.equal(format, 'keras', `${f} .${format}: ${e.message}`);
        assert.match(e.message, /(hard_sigmoid in Keras 2's formula|a class Keras 3 does not have|weights layout this writer does not produce).* save it as a Keras 2 \.h5 file instead/, f);
        refused += 1;
        continue;
      }
      const again = await km.models.loadKerasModel(bytes);
      samePredictions(model, again, model.inputs.map((i) => i.shape), `${f} .${format}`);
      again.optimizer?.dispose();
      again.dispose();
      saved += 1;
    }
    model.optimizer?.dispose();
    model.dispose();
  }
  t.diagnostic(`${saved} saved and loaded back, ${refused} .keras saves refused`);
  assert.ok(saved >= 280, `${saved} saved, ${refused} refused`);
});

test('a compiled model carries Keras 3\'s compile_config and Keras 2\'s training_config, in Keras\' names; the .h5 reloads compiled', async () => {
  const model = BUILT.dense();
  model.compile({optimizer: km.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['categoricalAccuracy']});
  const {config} = unzipKeras(await km.models.saveKerasModel(model));
  assert.deepEqual(config.compile_config, {
    optimizer: {module: 'keras.optimizers', class_name: 'Adam', registered_name: null,
      config: {name: 'adam', learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false}},
    loss: 'categorical_crossentropy', loss_weights: null, metrics: ['categorical_accuracy'],
    weighted_metrics: null, run_eagerly: false, steps_per_execution: 1, jit_compile: false,
  });
  const h5 = await km.models.saveKerasModel(model, {format: 'h5'});
  assert.deepEqual(keras2File(h5).training, {
    loss: 'categorical_crossentropy', metrics: ['categorical_accuracy'], weighted_metrics: null, loss_weights: null,
    optimizer_config: {class_name: 'Adam', config: {name: 'Adam', learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false}},
  });
  const again = await km.models.loadKerasModel(h5);
  assert.equal(again.optimizer.getClassName(), 'Adam');
  assert.equal(again.optimizer.getConfig().learningRate, 0.01);
  const momentum = BUILT.dense();
  momentum.compile({optimizer: km.train.momentum(0.1, 0.9, true), loss: 'meanSquaredError'});
  assert.deepEqual(unzipKeras(await km.models.saveKerasModel(momentum)).config.compile_config.optimizer.config,
    {name: 'sgd', learning_rate: 0.1, momentum: 0.9, nesterov: true});
  [model, again, momentum].forEach((m) => {
    m.optimizer?.dispose();
    m.dispose();
  });
});
