// model.fit against tfjs-layers' fit: the same model, weights and data without shuffling give the same
// history; callbacks come in the same order with the same log keys; shuffling is seeded; memory stays flat.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km, randomValues, tf} from './support.mjs';

const SAMPLES = 10;

function data(lib, seed = 1) {
  const x = lib.tensor(randomValues(SAMPLES * 3, seed), [SAMPLES, 3]);
  const labels = Array.from({length: SAMPLES}, (_, i) => (i * 7 + seed) % 3);
  const y = lib.tensor(labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0))), [SAMPLES, 3]);
  return {x, y};
}

function makeModel(lib) {
  return lib.sequential({layers: [
    lib.layers.dense({units: 6, inputShape: [3], activation: 'relu'}),
    lib.layers.dense({units: 3, activation: 'softmax'}),
  ]});
}

// A kerasm model and a tfjs model with the same weights, compiled alike.
function pair(optimizer = (lib) => lib.train.sgd(0.1)) {
  const model = makeModel(km);
  const tfModel = makeModel(tf);
  tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
  model.compile({optimizer: optimizer(km), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  tfModel.compile({optimizer: optimizer(tf), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  return {model, tfModel};
}

// Callbacks recording [hook, number, sorted log keys].
function recorder(events) {
  const hook = (name) => (...args) => {
    const logs = args.length === 2 ? args[1] : args[0];
    events.push([name, args.length === 2 ? args[0] : null, Object.keys(logs ?? {}).sort()]);
  };
  return Object.fromEntries(['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd']
    .map((name) => [name, hook(name)]));
}

function assertHistoryClose(ours, theirs) {
  assert.deepEqual(Object.keys(ours.history).sort(), Object.keys(theirs.history).sort());
  assert.deepEqual(ours.epoch, theirs.epoch);
  for (const [key, values] of Object.entries(theirs.history)) {
    values.forEach((v, i) => assert.ok(Math.abs(ours.history[key][i] - v) <= 1e-4 * Math.abs(v) + 1e-6,
                                       `${key}[${i}]: ${ours.history[key][i]} vs ${v}`));
  }
}

test('without shuffling, the history matches tfjs epoch by epoch, validationSplit included', async () => {
  const {model, tfModel} = pair();
  const k = data(km);
  const t = data(tf);
  const args = {verbose: 0, epochs: 4, batchSize: 4, shuffle: false, validationSplit: 0.3};
  const ours = await model.fit(k.x, k.y, args);
  const theirs = await tfModel.fit(t.x, t.y, args);
  assertHistoryClose(ours, theirs);
  assert.deepEqual(Object.keys(ours.history), ['loss', 'acc', 'val_loss', 'val_acc']);
  km.dispose([k.x, k.y]);
  model.dispose();
});

test('validationData: val_ keys and values as tfjs; callbacks in tfjs order with tfjs log keys', async () => {
  const {model, tfModel} = pair((lib) => lib.train.adam(0.01));
  const k = data(km, 2);
  const t = data(tf, 2);
  const kv = data(km, 3);
  const tv = data(tf, 3);
  const ourEvents = [];
  const theirEvents = [];
  const ours = await model.fit(k.x, k.y, {verbose: 0, epochs: 2, batchSize: 4, shuffle: false, validationData: [kv.x, kv.y],
                                          callbacks: recorder(ourEvents)});
  const theirs = await tfModel.fit(t.x, t.y, {epochs: 2, batchSize: 4, shuffle: false, validationData: [tv.x, tv.y],
                                              callbacks: [recorder(theirEvents)]});
  assertHistoryClose(ours, theirs);
  // tfjs hands onBatchBegin an empty object; here it already holds {batch, size}.
  const comparable = (events) => events.map(([name, n, keys]) => [name, n, name === 'onBatchBegin' ? [] : keys]);
  assert.deepEqual(comparable(ourEvents), comparable(theirEvents));
  assert.deepEqual(ourEvents.find((e) => e[0] === 'onBatchBegin')[2], ['batch', 'size']);
  km.dispose([k.x, k.y, kv.x, kv.y]);
  model.dispose();
});

test('batch logs hold the batch index, its size and its values; epoch logs their size-weighted means', async () => {
  const {model} = pair();
  const {x, y} = data(km);
  const batches = [];
  const epochs = [];
  await model.fit(x, y, {verbose: 0, epochs: 2, batchSize: 4, callbacks: {
    onBatchEnd: (batch, logs) => batches.push({...logs}),
    onEpochEnd: (epoch, logs) => epochs.push({epoch, ...logs}),
  }});
  assert.deepEqual(batches.map((b) => [b.batch, b.size]), [[0, 4], [1, 4], [2, 2], [0, 4], [1, 4], [2, 2]]);
  for (const [e, logs] of epochs.entries()) {
    const mine = batches.slice(3 * e, 3 * e + 3);
    for (const key of ['loss', 'acc']) {
      const mean = mine.reduce((s, b) => s + b[key] * b.size, 0) / SAMPLES;
      assert.ok(Math.abs(logs[key] - mean) < 1e-9, `${key}: ${logs[key]} vs ${mean}`);
    }
  }
  km.dispose([x, y]);
  model.dispose();
});

test('shuffling is seeded: equal models and calls give equal results; it differs from no shuffling', async () => {
  const runs = [];
  for (const shuffle of [true, true, false]) {
    const model = makeModel(km);
    const weights = km.tidy(() => model.getWeights().map((w, i) => km.randomNormal(w.shape, 0, 0.5, 'float32', 40 + i)));
    model.setWeights(weights);
    km.dispose(weights);
    model.compile({optimizer: km.train.sgd(0.2), loss: 'categoricalCrossentropy'});
    const {x, y} = data(km);
    const h = await model.fit(x, y, {verbose: 0, epochs: 3, batchSize: 3, shuffle});
    runs.push({loss: h.history.loss, w: model.getWeights().map((t) => Array.from(t.dataSync()))});
    km.dispose([x, y]);
    model.dispose();
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.notDeepEqual(runs[0].loss, runs[2].loss);
});

test('memory: numTensors is the same after every epoch and after fit; loss decreases', async () => {
  const {model} = pair((lib) => lib.train.adam(0.05));
  const {x, y} = data(km, 4);
  const before = km.memory();
  const counts = [];
  const h = await model.fit(x, y, {verbose: 0, epochs: 6, batchSize: 4, validationSplit: 0.2, callbacks: {
    onEpochEnd: () => { counts.push([km.memory().numTensors, km.memory().numDataBuffers]); },
  }});
  assert.ok(counts.every((c) => c[0] === before.numTensors + 4), `${JSON.stringify(counts)} vs ${before.numTensors}`);
  assert.ok(counts.slice(1).every((c) => c[1] === counts[1][1]), JSON.stringify(counts));
  assert.equal(km.memory().numTensors, before.numTensors);
  const loss = h.history.loss;
  assert.ok(loss[loss.length - 1] < loss[0], `loss ${loss}`);
  km.dispose([x, y]);
  model.dispose();
});

test('stopTraining, initialEpoch, onYield and yieldEvery', async () => {
  const {model} = pair();
  const {x, y} = data(km);
  let yields = 0;
  const h = await model.fit(x, y, {verbose: 0, epochs: 5, initialEpoch: 2, batchSize: 5, yieldEvery: 'batch', callbacks: {
    onYield: () => { yields += 1; },
    onEpochEnd: (epoch) => { if (epoch === 3) model.stopTraining = true; },
  }});
  assert.deepEqual(h.epoch, [2, 3]);
  assert.equal(yields, 4);
  yields = 0;
  await model.fit(x, y, {verbose: 0, epochs: 1, batchSize: 5, yieldEvery: 'never', callbacks: {onYield: () => { yields += 1; }}});
  assert.equal(yields, 0);
  const stopped = await model.fit(x, y, {verbose: 0, epochs: 3, batchSize: 2, callbacks: {
    onBatchEnd: (batch) => { if (batch === 1) model.stopTraining = true; },
  }});
  assert.deepEqual(stopped.epoch, [0]);
  km.dispose([x, y]);
  model.dispose();
});

test('fit errors name the problem', async () => {
  const model = makeModel(km);
  const {x, y} = data(km);
  await assert.rejects(model.fit(x, y), /compile\(\) must be called before fit/);
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  const short = km.ones([4, 3]);
  await assert.rejects(model.fit(x, short), /same number of samples; input 0 has 10 and target 0 has 4/);
  await assert.rejects(model.fit(x, y, {batchSize: 0}), /batchSize must be an integer >= 1/);
  await assert.rejects(model.fit(x, y, {validationSplit: 1}), /validationSplit must be a number in \[0, 1\)/);
  await assert.rejects(model.fit(x, y, {shuffle: 'batch'}), /shuffle must be true or false/);
  await assert.rejects(model.fit(x, y, {yieldEvery: 'sometimes'}), /yieldEvery must be/);
  await assert.rejects(model.fit(x, km.ones([10, 4])), /\[10,4\]|\[4\]|shape/);
  km.dispose([x, y, short]);
  model.dispose();
});
