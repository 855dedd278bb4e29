// Optimizer state in Keras 3 .keras files: the fixtures Keras wrote are the oracle for reading (compiled
// from compile_config, optimizer/vars/<i> restored in kerasm's order) and for the layout written back;
// a model trained here, saved as .keras and loaded continues training as the original does; bad files.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import h5wasm from 'h5wasm/node';
import {unzipSync, zipSync} from 'fflate';
import {assertClose, km, randomValues, scratchH5, settledCounts} from './support.mjs';
import {withH5} from './h5_support.mjs';

const {FS} = await h5wasm.ready;
const DOTKERAS = new URL('../../shared/fixtures/models/keras3-dotkeras/', import.meta.url);
// The zips whose optimizer (Adam) matches their compile_config; cnn_lstm.keras names none (Keras then
// compiles RMSprop and skips the file's Adam variables with a warning, as checked below).
const ADAM_FIXTURES = ['crispr_resnet1d_functional.keras', 'denoise_conv_autoencoder.keras', 'ecg_cnn1d_bn_keras215.keras'];

// optimizer/vars/<i> as [{shape, values}] in index order.
function optimizerVars(zipBytes) {
  const weights = unzipSync(zipBytes)['model.weights.h5'];
  return withH5(weights, (f) => {
    const g = f.get('optimizer/vars');
    if (g == null) return [];
    return g.keys().sort((a, b) => a - b).map((k) => {
      const d = g.get(k);
      const v = d.value;
      return {shape: d.shape, values: typeof v === 'bigint' ? Number(v) : Float32Array.from(typeof v === 'number' ? [v] : v)};
    });
  });
}

async function quietly(fn) {
  const warn = console.warn;
  const warnings = [];
  console.warn = (m) => warnings.push(String(m));
  try {
    return {value: await fn(), warnings};
  } finally {
    console.warn = warn;
  }
}

function disposeModel(model) {
  model.optimizer?.dispose();
  model.dispose();
}

test('fixture .keras files load compiled, with the optimizer variables Keras saved, in kerasm order', async (t) => {
  if (!existsSync(DOTKERAS)) return t.skip('../shared/fixtures is absent');
  for (const file of ADAM_FIXTURES) {
    const bytes = new Uint8Array(readFileSync(new URL(file, DOTKERAS)));
    const stored = optimizerVars(bytes);
    const config = JSON.parse(new TextDecoder().decode(unzipSync(bytes)['config.json']));
    const {value: model} = await quietly(() => km.models.loadKerasModel(bytes));
    assert.equal(model.optimizer.getClassName(), 'Adam', file);
    const lr = config.compile_config.optimizer?.config?.learning_rate ?? 0.001;
    assert.ok(Math.abs(model.optimizer.getConfig().learningRate - lr) < 1e-12, `${file}: learning rate`);
    assert.equal(model.optimizer.iterations, stored[0].values, `${file}: iterations`);
    // Keras 3 keeps learning_rate at index 1; tf.keras 2.15's zip has none.
    const header = stored.length === 2 + 2 * model.trainableWeights.length ? 2 : 1;
    const n = model.trainableWeights.length;
    const state = await model.optimizer.getWeights();
    assert.equal(state.length, 1 + 2 * n, file);
    for (let i = 0; i < n; ++i) {
      for (const [k, kind] of [[0, 'm'], [1, 'v']]) {
        const got = state[1 + k * n + i];
        assert.ok(got.name.endsWith(`/${kind}`), got.name);
        const want = stored[header + 2 * i + k];
        assertClose(got.tensor, {shape: want.shape, dtype: 'float32', dataSync: () => want.values}, {rtol: 0, atol: 0, what: `${file} ${got.name}`});
      }
    }
    km.dispose(state.map((w) => w.tensor));
    // Written back: Keras 3's layout with the same values (a 2.15 file gains Keras 3's learning_rate).
    const out = await km.models.saveKerasModel(model, {format: 'keras'});
    const written = optimizerVars(out);
    assert.equal(written.length, 2 + 2 * n, file);
    assert.equal(written[0].values, stored[0].values);
    assert.ok(Math.abs(written[1].values[0] - Math.fround(lr)) === 0, `${file}: learning_rate written`);
    written.slice(2).forEach((w, i) => {
      const s = stored[header + i];
      assert.deepEqual(w.shape, s.shape, `${file} var ${i + 2}`);
      assert.deepEqual(w.values, s.values, `${file} var ${i + 2}`);
    });
    if (header === 2) assert.deepEqual(written.map((w) => w.shape), stored.map((s) => s.shape), `${file}: the same layout`);
    const writtenConfig = JSON.parse(new TextDecoder().decode(unzipSync(out)['config.json']));
    assert.equal(writtenConfig.compile_config.optimizer.class_name, 'Adam');
    assert.equal(writtenConfig.compile_config.loss, config.compile_config.loss);
    const again = await km.models.loadKerasModel(out);
    assert.equal(again.optimizer.iterations, stored[0].values);
    disposeModel(again);
    disposeModel(model);
  }
});

test('compile_config without an optimizer compiles RMSprop, as Keras; mismatched variables are skipped with a warning', async (t) => {
  if (!existsSync(DOTKERAS)) return t.skip('../shared/fixtures is absent');
  const bytes = new Uint8Array(readFileSync(new URL('cnn_lstm.keras', DOTKERAS)));
  const {value: model, warnings} = await quietly(() => km.models.loadKerasModel(bytes));
  assert.equal(model.optimizer.getClassName(), 'RMSProp');
  assert.equal(model.optimizer.iterations, 0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /the Keras file: model\.weights\.h5: skipping the saved optimizer state: RMSProp for this model's 10 trainable variables has 10 slot variables \(plus iterations and learning_rate\), the file has 22 variables/);
  disposeModel(model);
  // {compile: false}: as Keras' load_model(compile=False).
  const plain = await km.models.loadKerasModel(bytes, {compile: false});
  assert.equal(plain.optimizer, null);
  plain.dispose();
  const ecg = await quietly(() => km.models.loadKerasModel(new URL('ecg_cnn1d_bn_keras215.keras', DOTKERAS).pathname));
  assert.deepEqual(ecg.value.metricsNames, ['loss', 'acc']);
  assert.deepEqual(ecg.warnings.map((w) => /metric '(\w+)' is not available/.exec(w)?.[1]), ['precision', 'recall']);
  disposeModel(ecg.value);
});

function smallModel(name) {
  return km.sequential({name, layers: [
    km.layers.dense({units: 4, inputShape: [3], activation: 'tanh'}),
    km.layers.dense({units: 2}),
  ]});
}

test('trained here, saved as .keras, loaded: training continues as the original does', async () => {
  for (const [label, make] of [['adam', () => km.train.adam(0.05)], ['rmsprop', () => km.train.rmsprop(0.01)],
                               ['adagrad', () => km.train.adagrad(0.1)], ['adamax', () => km.train.adamax(0.01)],
                               ['adadelta', () => km.train.adadelta(1)],
                               ['rmsprop momentum centered', () => km.train.rmsprop(0.01, 0.9, 0.3, null, true)]]) {
    const before = await settledCounts();
    const model = smallModel('kfile');
    model.compile({optimizer: make(), loss: 'meanSquaredError'});
    const x = km.tensor(randomValues(15, 1), [5, 3]);
    const y = km.tensor(randomValues(10, 2), [5, 2]);
    // Compiled, not yet stepped: only iterations and learning_rate, as Keras writes an unbuilt optimizer.
    assert.equal(optimizerVars(await km.models.saveKerasModel(model)).length, 2, label);
    for (let s = 0; s < 3; ++s) model.trainOnBatch(x, y);
    const bytes = await km.models.saveKerasModel(model);
    // Keras 3's order: Adam, Adamax interleave their two slots variable by variable; RMSprop and
    // Adadelta create one kind for every variable, then the next.
    const shapes = model.trainableWeights.map((w) => w.shape);
    const groups = {adam: [2], adamax: [2], rmsprop: [1], adagrad: [1], adadelta: [1, 1], 'rmsprop momentum centered': [1, 1, 1]}[label];
    const expected = [[], [], ...groups.flatMap((width) => shapes.flatMap((sh) => Array(width).fill(sh)))];
    assert.deepEqual(optimizerVars(bytes).map((v) => v.shape), expected, `${label}: Keras 3 layout`);
    const loaded = await km.models.loadKerasModel(bytes);
    assert.equal(loaded.optimizer.iterations, 3, label);
    for (let s = 0; s < 3; ++s) {
      const a = model.trainOnBatch(x, y);
      const b = loaded.trainOnBatch(x, y);
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(a) + 1e-6, `${label} step ${s}: ${b} vs ${a}`);
    }
    const wa = model.getWeights();
    // tfjs' tolerance: restored Adam/Adamax form beta^t with one pow where the original multiplied.
    loaded.getWeights().forEach((w, i) => assertClose(w, wa[i], {rtol: 1e-4, atol: 1e-6, what: `${label} weight ${i}`}));
    km.dispose([...wa, x, y]);
    disposeModel(model);
    disposeModel(loaded);
    assert.deepEqual(await settledCounts(), before, `${label}: nothing left behind`);
  }
});

// A .keras zip with config.json and model.weights.h5 replaced by edit(config) / the h5 rebuilt with
// editVar(index, {shape, data}) applied to each optimizer variable.
function rezip(bytes, {config, editVar}) {
  const entries = unzipSync(bytes);
  if (config) entries['config.json'] = new TextEncoder().encode(JSON.stringify(config(JSON.parse(new TextDecoder().decode(entries['config.json'])))));
  if (editVar) {
    const src = scratchH5('optstate-src');
    const dst = scratchH5('optstate-dst');
    FS.writeFile(src, entries['model.weights.h5']);
    const f = new h5wasm.File(src, 'r');
    const out = new h5wasm.File(dst, 'w');
    const copy = (from, to, path) => {
      for (const k of from.keys()) {
        const c = from.get(k);
        if (c instanceof h5wasm.Group) {
          copy(c, to.create_group(k), `${path}/${k}`);
        } else {
          let d = {shape: c.shape, data: c.value, dtype: c.dtype};
          if (path === '/optimizer/vars') d = editVar(Number(k), d);
          if (typeof d.data === 'bigint') d = {...d, data: BigInt64Array.from([d.data])};
          to.create_dataset({name: k, data: d.data, shape: d.shape, dtype: d.dtype});
        }
      }
    };
    copy(f, out, '');
    f.close();
    out.close();
    entries['model.weights.h5'] = FS.readFile(dst);
    FS.unlink(src);
    FS.unlink(dst);
  }
  return zipSync(entries, {level: 0});
}

test('bad optimizer parts of a .keras file give clear errors and leave nothing behind', async () => {
  const model = smallModel('badk');
  model.compile({optimizer: km.train.adam(0.01), loss: 'meanSquaredError'});
  const x = km.tensor(randomValues(15, 1), [5, 3]);
  const y = km.tensor(randomValues(10, 2), [5, 2]);
  model.trainOnBatch(x, y);
  const bytes = await km.models.saveKerasModel(model);
  km.dispose([x, y]);
  disposeModel(model);
  const before = await settledCounts();
  const unknown = rezip(bytes, {config: (c) => ({...c, compile_config: {...c.compile_config, optimizer: {module: 'keras.optimizers', class_name: 'Lion', config: {}}}})});
  await assert.rejects(km.models.loadKerasModel(unknown), /loadKerasModel: the Keras file: compile_config: unknown optimizer 'Lion'.*\(load with \{compile: false\} to skip compiling\)/);
  const named = rezip(bytes, {config: (c) => ({...c, compile_config: {...c.compile_config, optimizer: 'lamb'}})});
  await assert.rejects(km.models.loadKerasModel(named), /compile_config: unknown optimizer 'lamb' \(kerasm has sgd, rmsprop, adam/);
  const badValue = rezip(bytes, {config: (c) => ({...c, compile_config: {...c.compile_config, optimizer: {class_name: 'Adam', config: {beta_1: 1.5}}}})});
  await assert.rejects(km.models.loadKerasModel(badValue), /Adam: beta_1 must be in \[0, 1\), got 1\.5/);
  // vars/2 is the first kernel's m, [3,4]: stored as [4,3].
  const reshaped = rezip(bytes, {editVar: (i, d) => (i === 2 ? {...d, shape: [4, 3]} : d)});
  await assert.rejects(km.models.loadKerasModel(reshaped),
                       /model\.weights\.h5: optimizer\/vars\/2 \(Adam m of '[^']+'\) has shape \[4,3\] but the variable has shape \[3,4\]/);
  // And loading it uncompiled skips the optimizer entirely.
  const plain = await km.models.loadKerasModel(reshaped, {compile: false});
  plain.dispose();
  assert.deepEqual(await settledCounts(), before);
});

const MODELS = new URL('../../shared/fixtures/models/', import.meta.url);

// optimizer_weights of a Keras 2 .h5: [{name, shape, values}] in weight_names order.
function keras2OptimizerWeights(bytes) {
  return withH5(bytes, (f) => {
    const g = f.get('optimizer_weights');
    const names = [g.attrs.weight_names.value].flat();
    return names.map((name) => {
      const d = g.get(name);
      const v = d.value;
      return {name, shape: d.shape, values: typeof v === 'number' || typeof v === 'bigint' ? Number(v) : Float32Array.from(v)};
    });
  });
}

test('Keras 2 .h5 optimizer_weights: standalone Keras 2.1 Adam (a fixture) and tf.keras 2.x names load into the optimizer', async (t) => {
  if (!existsSync(MODELS)) return t.skip('../shared/fixtures is absent');
  const bytes = new Uint8Array(readFileSync(new URL('tensorspace/docs/keras/rawModel/combined/mnist.h5', MODELS)));
  const stored = keras2OptimizerWeights(bytes);
  const model = await km.models.loadKerasModel(bytes);
  const n = model.trainableWeights.length;
  // iterations, ms, vs, then n placeholder vhats of shape [1] (no amsgrad).
  assert.equal(stored.length, 1 + 3 * n);
  assert.equal(model.optimizer.iterations, stored[0].values);
  const state = await model.optimizer.getWeights();
  assert.equal(state.length, 1 + 2 * n);
  state.slice(1).forEach((w, j) => {
    const want = stored[1 + j];
    assertClose(w.tensor, {shape: want.shape, dtype: 'float32', dataSync: () => want.values}, {rtol: 0, atol: 0, what: `${w.name} <- ${want.name}`});
  });
  km.dispose(state.map((w) => w.tensor));
  disposeModel(model);

  // tf.keras 2.x names, kind by kind: an .h5 written here, given optimizer_weights as tf.keras writes them.
  const ours = smallModel('tfk');
  ours.compile({optimizer: km.train.rmsprop(0.01, 0.9, 0.5), loss: 'meanSquaredError'});
  const x = km.tensor(randomValues(15, 1), [5, 3]);
  const y = km.tensor(randomValues(10, 2), [5, 2]);
  for (let s = 0; s < 2; ++s) ours.trainOnBatch(x, y);
  const h5 = await km.models.saveKerasModel(ours, {format: 'h5'});
  const mine = await ours.optimizer.getWeights();
  const name = scratchH5('optstate-k2');
  FS.writeFile(name, h5);
  const f = new h5wasm.File(name, 'a');
  const g = f.create_group('optimizer_weights');
  const layerNames = ours.layers.map((l) => l.name);
  const names = ['RMSprop/iter:0', ...mine.slice(1).map((w, j) => {
    const i = j % 4;
    return `RMSprop/${layerNames[i >> 1]}/${i % 2 ? 'bias' : 'kernel'}/${w.name.split('/').pop()}:0`;
  })];
  g.create_attribute('weight_names', names);
  names.forEach((nm, j) => {
    const parts = nm.split('/');
    let at = g;
    for (const p of parts.slice(0, -1)) at = at.get(p) ?? at.create_group(p);
    if (j === 0) at.create_dataset({name: parts.at(-1), data: BigInt64Array.from([2n]), shape: [], dtype: '<q'});
    else at.create_dataset({name: parts.at(-1), data: mine[j].tensor.dataSync(), shape: mine[j].tensor.shape, dtype: '<f'});
  });
  f.close();
  const withState = FS.readFile(name);
  FS.unlink(name);
  const loaded = await km.models.loadKerasModel(withState);
  assert.equal(loaded.optimizer.iterations, 2);
  const back = await loaded.optimizer.getWeights();
  back.forEach((w, j) => assertClose(w.tensor, mine[j].tensor, {rtol: 0, atol: 0, what: names[j]}));
  const a = ours.trainOnBatch(x, y);
  const b = loaded.trainOnBatch(x, y);
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.abs(a), `continued: ${b} vs ${a}`);
  km.dispose([...back, ...mine].map((w) => w.tensor));
  km.dispose([x, y]);
  disposeModel(loaded);
  disposeModel(ours);

  // An unnamed legacy layout (Keras 2.0's accumulators, no step count) is skipped with a warning.
  const legacy = await quietly(() => km.models.loadKerasModel(new URL('dl4j-keras-import/modelimport/keras/examples/simple_lstm/simple_lstm_tf_keras_2_model.h5', MODELS).pathname));
  assert.equal(legacy.value.optimizer.iterations, 0);
  assert.match(legacy.warnings[0], /optimizer_weights: the saved RMSProp state is not restored \(the first weight is 'Variable:0', not the step count\)/);
  disposeModel(legacy.value);
});

test('an .h5 saved with includeOptimizer holds tf.keras 2.15 optimizer_weights and training continues after loading', async () => {
  for (const [label, make] of [['adam', () => km.train.adam(0.05)], ['rmsprop momentum', () => km.train.rmsprop(0.01, 0.9, 0.4)],
                               ['adadelta', () => km.train.adadelta(1)]]) {
    const before = await settledCounts();
    const model = smallModel('h5opt');
    model.compile({optimizer: make(), loss: 'meanSquaredError'});
    const x = km.tensor(randomValues(15, 1), [5, 3]);
    const y = km.tensor(randomValues(10, 2), [5, 2]);
    for (let s = 0; s < 3; ++s) model.trainOnBatch(x, y);
    const plainH5 = await km.models.saveKerasModel(model, {format: 'h5'});
    assert.equal(withH5(plainH5, (f) => f.get('optimizer_weights')), null, `${label}: without includeOptimizer, none`);
    const h5 = await km.models.saveKerasModel(model, {format: 'h5', includeOptimizer: true});
    const stored = keras2OptimizerWeights(h5);
    assert.equal(stored[0].name, 'iteration:0');
    assert.equal(stored[0].values, 3);
    const loaded = await km.models.loadKerasModel(h5);
    assert.equal(loaded.optimizer.iterations, 3, label);
    for (let s = 0; s < 3; ++s) {
      const a = model.trainOnBatch(x, y);
      const b = loaded.trainOnBatch(x, y);
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(a) + 1e-6, `${label} step ${s}: ${b} vs ${a}`);
    }
    km.dispose([x, y]);
    disposeModel(model);
    disposeModel(loaded);
    assert.deepEqual(await settledCounts(), before, `${label}: nothing left behind`);
  }
});
