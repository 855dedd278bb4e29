// Keras files without Python: .h5 models of Keras 1 and 2 (the published fixtures that use the layers
// kerasm has so far, and files written here with h5wasm in Keras' own layout), Keras 3 .keras zips written
// here, weights-only files, content sniffing, and bad files. The oracle is tfjs-layers built from the
// same config with the weights read from the file by the test itself.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import h5wasm from 'h5wasm/node';
import {unzipSync, zipSync} from 'fflate';
import {assertClose, km, randomValues, tf, scratchH5} from './support.mjs';

const {FS} = await h5wasm.ready;
const FIXTURES = new URL('../../shared/fixtures/models/dl4j-keras-import/modelimport/keras/', import.meta.url);

// The test's own reading of a Keras 2 weights group: {layerName: [Float32Array-backed {shape, values}]}.
function readKeras2Weights(bytes) {
  const name = scratchH5('read');
  FS.writeFile(name, bytes);
  const f = new h5wasm.File(name, 'r');
  try {
    const root = f.get('model_weights') ?? f;
    const layerNames = root.attrs.layer_names.value;
    const out = {};
    for (const layer of layerNames) {
      const names = root.get(layer).attrs.weight_names?.value;
      if (!Array.isArray(names) || names.length === 0) continue;
      out[layer] = names.map((w) => {
        const ds = root.get(`${layer}/${w}`);
        return {shape: ds.shape, values: Float32Array.from(ds.value)};
      });
    }
    return {weights: out, config: f.attrs.model_config ? JSON.parse(f.attrs.model_config.value) : null,
      version: f.attrs.keras_version?.value};
  } finally {
    f.close();
    FS.unlink(name);
  }
}

// tfjs-layers' model from a Keras 2 config, with the weights the test read from the file.
async function tfjsTwin(config, weights) {
  const model = await tf.models.modelFromJSON({modelTopology: config});
  for (const layer of model.layers) {
    const w = weights[layer.name];
    if (w) layer.setWeights(w.map((t) => tf.tensor(t.values, t.shape)));
  }
  return model;
}

function comparePredictions(ours, theirs, inputShape, what) {
  const shape = [3, ...inputShape.slice(1)];
  const values = randomValues(shape.reduce((a, b) => a * b, 1), 17);
  const got = ours.predict(km.tensor(values, shape));
  const want = theirs.predict(tf.tensor(values, shape));
  assertClose(got, {shape: want.shape, dtype: 'float32', dataSync: () => want.dataSync()}, {atol: 1e-5, rtol: 1e-4, what});
  got.dispose();
  want.dispose();
}

// tfkeras/act_3.h5's Activation is 'hard_sigmoid', which Keras 2 (and tfjs) compute as clip(0.2 x + 0.5, 0, 1):
// the file's keras_version makes kerasm read it so (LAYERS.md).
const KERAS2_FIXTURES = ['tfkeras/mlp_1.h5', 'tfkeras/mlp_6.h5', 'tfkeras/mlp_12.h5', 'tfkeras/mlp_24.h5', 'tfkeras/act_1.h5',
  'tfkeras/act_3.h5', 'tfkeras/misc_1.h5', 'weights/dense_tensorflow_2.h5', 'weights/dense_theano_2.h5'];

test('Keras 2 .h5 fixtures load and predict what tfjs-layers predicts with the same weights', async (t) => {
  if (!existsSync(FIXTURES)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  for (const f of KERAS2_FIXTURES) {
    const bytes = readFileSync(new URL(f, FIXTURES));
    const model = await km.models.loadKerasModel(bytes);
    const {weights, config, version} = readKeras2Weights(bytes);
    assert.match(version, /^2\./, f);
    const twin = await tfjsTwin(config, weights);
    comparePredictions(model, twin, model.inputs[0].shape, f);
    model.optimizer?.dispose();
    model.dispose();
    twin.dispose();
  }
});

// The recurrent fixtures of Keras 2.2.4 (LSTM / SimpleRNN / GRU with Keras 2's hard_sigmoid default and
// activation mixes, stacked, returning sequences; ConvLSTM2D), against tfjs-layers built from the same config
// and weights: all of them, Bidirectional ones included.
test('Keras 2 .h5 recurrent models predict what tfjs-layers predicts with the same weights', async (t) => {
  if (!existsSync(FIXTURES)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  const registered = new Set(km.layers.registeredLayers().map((c) => c.className));
  const files = readdirSync(new URL('tfkeras/', FIXTURES)).filter((f) => /^(rnn|convlstm2d)_\d+\.h5$/.test(f));
  let checked = 0;
  for (const f of files) {
    const bytes = readFileSync(new URL(`tfkeras/${f}`, FIXTURES));
    const {weights, config} = readKeras2Weights(bytes);
    if (!config.config.layers.every((l) => registered.has(l.class_name))) continue;
    const model = await km.models.loadKerasModel(bytes);
    const twin = await tfjsTwin(config, weights);
    // Unknown time steps take 5.
    const shape = model.inputs[0].shape.map((d) => d ?? 5);
    comparePredictions(model, twin, shape, f);
    model.optimizer?.dispose();
    model.dispose();
    twin.dispose();
    checked += 1;
  }
  assert.equal(checked, files.length, `${checked} of ${files.length} recurrent files checked`);
  assert.ok(checked >= 58);
  t.diagnostic(`${checked} of ${files.length} recurrent files checked`);
});

// The convolution / pooling / padding / cropping / upsampling fixtures, against tfjs-layers built from the
// same config and weights. tfjs has no SpatialDropout2D/3D: its twin gets a Dropout of the same rate there,
// which is the identity at inference as SpatialDropout is; nor causal padding: for the single causal Conv1D
// models its twin is the valid convolution of the input with dilation * (kernel - 1) zeros in front, which
// is Keras' definition. The LocallyConnected2D files (no tfjs layer) load
// with every weight at the shape the file stores, and predict finite values of the configured shape.
const KERAS2_CONV_FIXTURES = ['cnn1d_19', 'cnn1d_21', 'cnn1d_23', 'cnn1d_26', 'cnn1d_30', 'cnn1d_34', 'cnn2d_41', 'cnn2d_43',
  'cnn2d_53', 'cnn2d_55', 'cnn2d_65', 'cnn2d_67', 'cnn2d_69', 'cnn2d_71', 'cnn2d_77', 'cnn2d_79', 'cnn2d_101', 'cnn2d_113',
  'cnn3d_17', 'cnn3d_19', 'cnn3d_21', 'cnn3d_23'];
const KERAS2_LOCALLY_CONNECTED = ['cnn2d_33', 'cnn2d_35', 'cnn2d_93', 'cnn2d_95'];

test('Keras 2 .h5 convolutional models predict what tfjs-layers predicts with the same weights', async (t) => {
  if (!existsSync(FIXTURES)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  for (const name of KERAS2_CONV_FIXTURES) {
    const f = `tfkeras/${name}.h5`;
    const bytes = readFileSync(new URL(f, FIXTURES));
    const model = await km.models.loadKerasModel(bytes);
    const {weights, config} = readKeras2Weights(bytes);
    for (const layer of config.config.layers) {
      // tfjs refuses the unused kernel_* keys tf.keras 2 writes into these configs.
      if (/^(Separable|Depthwise)Conv2D$/.test(layer.class_name)) {
        for (const key of ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint']) delete layer.config[key];
      }
      if (/^SpatialDropout[23]D$/.test(layer.class_name)) {
        layer.class_name = 'Dropout';
        layer.config = {name: layer.config.name, rate: layer.config.rate, trainable: layer.config.trainable};
      }
    }
    const causal = config.config.layers.find((l) => l.config.padding === 'causal');
    if (causal) {
      causal.config.padding = 'valid';
      config.config.layers[0].config.batch_input_shape[1] = null;  // the twin takes the longer, padded input
    }
    const twin = await tfjsTwin(config, weights);
    if (causal) {
      assert.equal(config.config.layers.length, 2, `${f}: the causal check expects Input + Conv1D`);
      const front = causal.config.dilation_rate[0] * (causal.config.kernel_size[0] - 1);
      const shape = [3, ...model.inputs[0].shape.slice(1)];
      const values = randomValues(shape.reduce((a, b) => a * b, 1), 17);
      const got = model.predict(km.tensor(values, shape));
      const want = twin.predict(tf.tensor(values, shape).pad([[0, 0], [front, 0], [0, 0]]));
      assertClose(got, {shape: want.shape, dtype: 'float32', dataSync: () => want.dataSync()}, {atol: 1e-5, rtol: 1e-4, what: f});
      got.dispose();
      want.dispose();
    } else {
      comparePredictions(model, twin, model.inputs[0].shape, f);
    }
    model.optimizer?.dispose();
    model.dispose();
    twin.dispose();
  }
  for (const name of KERAS2_LOCALLY_CONNECTED) {
    const f = `tfkeras/${name}.h5`;
    const bytes = readFileSync(new URL(f, FIXTURES));
    const model = await km.models.loadKerasModel(bytes);
    const {weights} = readKeras2Weights(bytes);
    for (const layer of model.layers) {
      const stored = weights[layer.name];
      if (!stored) continue;
      assert.deepEqual(layer.getWeights().map((w) => { const s = w.shape; w.dispose(); return s; }), stored.map((w) => w.shape), `${f} ${layer.name}`);
    }
    const shape = [2, ...model.inputs[0].shape.slice(1)];
    km.tidy(() => {
      const y = model.predict(km.tensor(randomValues(shape.reduce((a, b) => a * b, 1), 5), shape));
      assert.deepEqual(y.shape, [2, ...model.outputs[0].shape.slice(1)], f);
      assert.ok(y.dataSync().every(Number.isFinite), `${f}: finite outputs`);
    });
    model.optimizer?.dispose();
    model.dispose();
  }
});

test('Keras 1 .h5 fixtures (output_dim, init, W_/b_ names) load with their weights', async (t) => {
  if (!existsSync(FIXTURES)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  for (const f of ['weights/dense_tensorflow_1.h5', 'weights/dense_theano_1.h5', 'tfscope/model.h5']) {
    const bytes = readFileSync(new URL(f, FIXTURES));
    const model = await km.models.loadKerasModel(bytes);
    const {weights, config, version} = readKeras2Weights(bytes);
    assert.match(version, /^1\./);
    // The formula: a Dense stack y = act(x W + b) with the file's W and b, layer by layer.
    const layers = (Array.isArray(config.config) ? config.config : config.config.layers).filter((l) => l.class_name === 'Dense');
    const n = 2;
    const width = model.inputs[0].shape[1];
    let x = Array.from({length: n}, (_, i) => Array.from(randomValues(width, 30 + i)));
    const xs = km.tensor(x.flat(), [n, width]);
    for (const l of layers) {
      const [W, b] = weights[l.config.name];
      const units = W.shape[1];
      const act = {linear: (v) => v, relu: (v) => Math.max(0, v), tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v))}[l.config.activation];
      assert.ok(act, `${f}: activation ${l.config.activation}`);
      x = x.map((row) => Array.from({length: units}, (_, j) => act(row.reduce((s, v, k) => s + v * W.values[k * units + j], b.values[j]))));
      if (l.config.activation === 'softmax') throw new Error('softmax not expected here');
    }
    const y = model.predict(xs);
    assertClose(y, {shape: [n, x[0].length], dtype: 'float32', dataSync: () => Float32Array.from(x.flat())}, {atol: 1e-5, rtol: 1e-4, what: f});
    km.dispose([xs, y]);
    model.optimizer?.dispose();
    model.dispose();
  }
});

// Writes an HDF5 file with h5wasm: fn(file) fills it; returns the bytes.
function writeHdf5(fn) {
  const name = scratchH5('write');
  const f = new h5wasm.File(name, 'w');
  try {
    fn(f);
  } finally {
    f.close();
  }
  const bytes = FS.readFile(name);
  FS.unlink(name);
  return bytes;
}

// A functional kerasm model and its Keras 2 file, written in Keras' layout: the model_config attribute,
// model_weights with layer_names and, per layer, weight_names and the datasets.
function keras2FileOf(model, {weightsOnly = false} = {}) {
  const config = model.toJSON(null, false);
  const layers = model.layers;
  return writeHdf5((f) => {
    if (!weightsOnly) {
      f.create_attribute('model_config', JSON.stringify(config));
      f.create_attribute('keras_version', '2.15.0');
      f.create_attribute('backend', 'tensorflow');
    }
    const root = weightsOnly ? f : f.create_group('model_weights');
    root.create_attribute('layer_names', layers.map((l) => l.name));
    for (const l of layers) {
      const g = root.create_group(l.name);
      const values = l.getWeights();
      const short = ['kernel:0', 'bias:0'];
      g.create_attribute('weight_names', values.length ? values.map((_, i) => `${l.name}/${short[i]}`) : [], values.length ? null : [0], values.length ? null : '<f');
      if (values.length) {
        const inner = g.create_group(l.name);
        values.forEach((v, i) => inner.create_dataset({name: short[i], data: v.dataSync(), shape: v.shape, dtype: '<f'}));
      }
      km.dispose(values);
    }
  });
}

function functionalModel(name) {
  const input = km.input({shape: [6], name: `${name}_in`});
  const h = km.layers.dense({units: 5, activation: 'relu', name: `${name}_h`}).apply(input);
  const out = km.layers.dense({units: 3, activation: 'softmax', name: `${name}_out`}).apply(h);
  return km.model({inputs: input, outputs: out, name});
}

test('a Keras 2 .h5 written in Keras\' layout loads; weights-only files load by order and by name', async () => {
  const model = functionalModel('k2');
  const bytes = keras2FileOf(model);
  const loaded = await km.models.loadKerasModel(bytes);
  const {weights, config} = readKeras2Weights(bytes);
  const twin = await tfjsTwin(config, weights);
  comparePredictions(loaded, twin, [null, 6], 'written .h5 vs tfjs');
  comparePredictions(model, twin, [null, 6], 'original vs tfjs');

  const fresh = functionalModel('k2');
  const weightsOnly = keras2FileOf(model, {weightsOnly: true});
  await fresh.loadWeights(weightsOnly);
  comparePredictions(fresh, twin, [null, 6], 'loadWeights in order');
  const renamed = functionalModel('other');
  // By name, layers whose names the file lacks keep their weights; by order they take the file's.
  const before = renamed.getWeights();
  await renamed.loadWeights(weightsOnly, {byName: true});
  const afterByName = renamed.getWeights();
  before.forEach((w, i) => assertClose(afterByName[i], w, {atol: 0, rtol: 0, what: 'by name, unmatched'}));
  await renamed.loadWeights(weightsOnly);
  comparePredictions(renamed, twin, [null, 6], 'loadWeights by order, other names');
  km.dispose([before, afterByName]);
  [model, loaded, fresh, renamed].forEach((m) => m.dispose());
  twin.dispose();
});

// A Keras 3 .keras zip: config.json (Keras 3's serialized form), metadata.json and model.weights.h5
// with layers/<name>/vars/<i>.
// Keras 3's weights file: layers/<name>/vars/<i>, plus an (empty) optimizer group when asked.
function keras3WeightsOf(model, {withOptimizer = false} = {}) {
  return writeHdf5((f) => {
    const layers = f.create_group('layers');
    for (const l of model.layers) {
      const g = layers.create_group(l.name).create_group('vars');
      const values = l.getWeights();
      values.forEach((v, i) => g.create_dataset({name: String(i), data: v.dataSync(), shape: v.shape, dtype: '<f'}));
      km.dispose(values);
    }
    if (withOptimizer) f.create_group('optimizer').create_group('vars');
  });
}

function keras3ZipOf(model, kerasConfig) {
  const weightsH5 = keras3WeightsOf(model, {withOptimizer: true});
  const enc = (o) => new TextEncoder().encode(JSON.stringify(o));
  return zipSync({
    'metadata.json': enc({keras_version: '3.8.0', date_saved: '2026-12-02@00:00:00'}),
    'config.json': enc(kerasConfig),
    'model.weights.h5': weightsH5,
  });
}

test('a Keras 3 .keras zip loads with its weights and predicts what tfjs predicts', async () => {
  const model = km.sequential({name: 'k3', layers: [
    km.layers.dense({units: 4, inputShape: [3], activation: 'tanh', name: 'dense'}),
    km.layers.dense({units: 2, activation: 'sigmoid', name: 'dense_1'}),
  ]});
  // Keras 3's own serialization of that Sequential, as keras.saving writes it.
  const dense = (name, units, activation, extra = {}) => ({
    module: 'keras.layers', class_name: 'Dense', registered_name: null,
    config: {name, trainable: true, dtype: {module: 'keras', class_name: 'DTypePolicy', config: {name: 'float32'}, registered_name: null},
      units, activation, use_bias: true,
      kernel_initializer: {module: 'keras.initializers', class_name: 'GlorotUniform', config: {seed: null}, registered_name: null},
      bias_initializer: {module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null},
      kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null, ...extra},
    build_config: {input_shape: [null, units]},
  });
  const kerasConfig = {
    module: 'keras', class_name: 'Sequential', registered_name: null,
    config: {name: 'k3', trainable: true, dtype: 'float32', layers: [
      {module: 'keras.layers', class_name: 'InputLayer', registered_name: null,
        config: {batch_shape: [null, 3], dtype: 'float32', sparse: false, name: 'input_layer'}},
      dense('dense', 4, 'tanh'), dense('dense_1', 2, 'sigmoid'),
    ]},
    build_config: {input_shape: [null, 3]},
  };
  const bytes = keras3ZipOf(model, kerasConfig);
  const loaded = await km.models.loadKerasModel(bytes);
  assert.equal(loaded.kerasVersion, '3.8.0');
  const twin = tf.sequential({layers: [
    tf.layers.dense({units: 4, inputShape: [3], activation: 'tanh'}), tf.layers.dense({units: 2, activation: 'sigmoid'})]});
  const w = model.getWeights();
  twin.setWeights(w.map((t) => tf.tensor(t.dataSync(), t.shape)));
  km.dispose(w);
  comparePredictions(loaded, twin, [null, 3], '.keras vs tfjs');
  // km.loadLayersModel takes .keras URLs too; a Keras 3 weights-only file loads into a built model.
  const weightsOnly = keras3WeightsOf(model);
  const fresh = km.sequential({layers: [
    km.layers.dense({units: 4, inputShape: [3], activation: 'tanh', name: 'dense'}),
    km.layers.dense({units: 2, activation: 'sigmoid', name: 'dense_1'}),
  ]});
  await fresh.loadWeights(weightsOnly);
  comparePredictions(fresh, twin, [null, 3], '.weights.h5 vs tfjs');
  [model, loaded, fresh].forEach((m) => m.dispose());
  twin.dispose();
});

async function settled() {
  for (let i = 0; i < 3; ++i) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return km.memory().numTensors;
}

test('the format comes from the bytes; bad Keras files fail clearly and leave nothing behind', async (t) => {
  const model = functionalModel('bad');
  const good = keras2FileOf(model);
  model.dispose();
  const base = await settled();
  const cases = [
    ['truncated HDF5', good.subarray(0, 600), /not a readable HDF5 file|model_config/],
    ['random bytes', Uint8Array.from([1, 2, 3, 4, 5]), /neither a Keras zip/],
    ['zip without config', zipSync({'x.txt': new Uint8Array([1])}), /no config\.json/],
    ['corrupt zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 9, 9, 9]), /not a readable zip/],
    ['weights only', writeHdf5((f) => f.create_attribute('layer_names', ['a'])), /holds weights only/],
    ['malformed JSON', new TextEncoder().encode('{"class_name": '), /malformed JSON/],
  ];
  for (const [name, bytes, message] of cases) {
    await assert.rejects(km.models.loadKerasModel(bytes), message, name);
  }
  assert.equal(await settled(), base, 'no tensors left behind');
  if (!existsSync(FIXTURES)) {
    t.diagnostic('../shared/fixtures is absent: the HDF5-named-.keras fixture is not tried');
    return;
  }
  // An HDF5 file named .keras is read as HDF5: a Keras 2.10 Bidirectional LSTM, compiled as it was saved
  // (loss mae, a serialized mae metric), predicting what tfjs-layers predicts with its weights.
  const bilstm = new URL('../../../keras3-dotkeras/bilstm_hdf5_with_keras_ext.keras', FIXTURES);
  const bilstmBytes = readFileSync(bilstm);
  const bilstmModel = await km.models.loadKerasModel(bilstm.pathname);
  assert.ok(bilstmModel.optimizer, 'compiled from its training config');
  const {weights: bw, config: bc} = readKeras2Weights(bilstmBytes);
  const bilstmTwin = await tfjsTwin(bc, bw);
  comparePredictions(bilstmModel, bilstmTwin, bilstmModel.inputs[0].shape.map((d) => d ?? 5), 'bilstm_hdf5_with_keras_ext.keras');
  bilstmModel.optimizer.dispose();
  bilstmModel.dispose();
  bilstmTwin.dispose();
  // Python Lambda bytecode and raw TensorFlow ops cannot run here: the error names the layer and the way out.
  await assert.rejects(km.models.loadKerasModel(new URL('examples/lambda/sequential_lambda.h5', FIXTURES).pathname),
    /sequential_lambda\.h5: layer '[^']+' is a Lambda layer whose function was saved as Python code.*km\.layers\.lambda/);
  await assert.rejects(km.models.loadKerasModel(new URL('tfkeras/tfop_1.h5', FIXTURES).pathname),
    /tfop_1\.h5: layer '[^']+' is a raw TensorFlow op \(\w+/);
  assert.equal(await settled(), base, 'no tensors left behind by refused files');
});

test('kerasm convert writes the tfjs format from a Keras file, with a summary line', async () => {
  const {execFileSync} = await import('node:child_process');
  const {mkdtempSync, rmSync, writeFileSync} = await import('node:fs');
  const {tmpdir} = await import('node:os');
  const {join} = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'kerasm-convert-'));
  try {
    const model = functionalModel('cli');
    writeFileSync(join(dir, 'm.h5'), keras2FileOf(model));
    const cli = new URL('../bin/kerasm.mjs', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [cli, 'convert', join(dir, 'm.h5'), join(dir, 'out')]).toString();
    assert.match(out, /wrote .*model\.json: 3 layers, 53 parameters, 212 bytes of weights in 1 shard/);
    const loaded = await km.loadLayersModel(`file://${join(dir, 'out', 'model.json')}`);
    const x = km.tensor(randomValues(2 * 6, 8), [2, 6]);
    const a = model.predict(x);
    const b = loaded.predict(x);
    assertClose(b, a, {atol: 0, rtol: 0});
    km.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
    assert.throws(() => execFileSync(process.execPath, [cli, 'convert', join(dir, 'none.h5'), join(dir, 'o2')], {stdio: 'pipe'}),
      (e) => e.status === 1 && /kerasm convert: .*none\.h5/.test(e.stderr.toString()));
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

// A Keras 3 .keras file from the wild (Conv1D, MaxPooling1D, two LSTMs, Dropout, Dense), whose weights file
// addresses layers by class ("lstm", "lstm_1"), not by name: against tfjs-layers built from the file's
// config values with the weights the test reads from its model.weights.h5 itself.
test('a Keras 3 CNN-LSTM .keras file predicts what tfjs-layers predicts with its weights', async (t) => {
  const path = new URL('../../../keras3-dotkeras/cnn_lstm.keras', FIXTURES);
  if (!existsSync(path)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  const bytes = readFileSync(path);
  const entries = unzipSync(new Uint8Array(bytes));
  const config = JSON.parse(new TextDecoder().decode(entries['config.json']));
  const name = scratchH5('read');
  FS.writeFile(name, entries['model.weights.h5']);
  const f = new h5wasm.File(name, 'r');
  const varsOf = (group) => {
    const vars = f.get(`layers/${group}/vars`);
    const own = vars ? vars.keys().sort((a, b) => a - b).map((k) => vars.get(k)) : [];
    const cell = f.get(`layers/${group}/cell/vars`);
    const fromCell = cell ? cell.keys().sort((a, b) => a - b).map((k) => cell.get(k)) : [];
    return [...own, ...fromCell].map((ds) => tf.tensor(Float32Array.from(ds.value), ds.shape));
  };
  const layers = [];
  const seen = {};
  for (const {class_name: cls, config: c} of config.config.layers) {
    if (cls === 'InputLayer') continue;
    const key = cls.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    const group = seen[key] === undefined ? key : `${key}_${seen[key] + 1}`;
    seen[key] = seen[key] === undefined ? 0 : seen[key] + 1;
    const first = layers.length === 0 ? {inputShape: config.config.layers[0].config.batch_shape.slice(1)} : {};
    const layer = cls === 'Conv1D' ? tf.layers.conv1d({...first, filters: c.filters, kernelSize: c.kernel_size, activation: c.activation})
      : cls === 'MaxPooling1D' ? tf.layers.maxPooling1d({poolSize: c.pool_size, strides: c.strides})
      : cls === 'LSTM' ? tf.layers.lstm({units: c.units, returnSequences: c.return_sequences, recurrentActivation: c.recurrent_activation})
      : cls === 'Dropout' ? tf.layers.dropout({rate: c.rate})
      : tf.layers.dense({units: c.units, activation: c.activation});
    layers.push([layer, group]);
  }
  const twin = tf.sequential({layers: layers.map(([l]) => l)});
  for (const [layer, group] of layers) if (layer.weights.length > 0) layer.setWeights(varsOf(group));
  f.close();
  FS.unlink(name);
  const model = await km.models.loadKerasModel(bytes);
  comparePredictions(model, twin, [null, 60, 1], 'cnn_lstm.keras');
  model.optimizer?.dispose();
  model.dispose();
  twin.dispose();
});
