// model.fitDataset and evaluateDataset: the same history and weights as fit over the same batches and as
// tfjs' fitDataset over tf.data.generator; batchesPerEpoch, classWeight, the dataset forms accepted, and
// every element's tensors disposed.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km, tf} from './support.mjs';
import {SAMPLES, assertHistoryClose, assertSameWeights, assertWeightsClose, close, data, makeModel, pair} from './fit_support.mjs';

// Batches of (x, y) rows in order as fresh tensors, as a generator function.
function batchesOf(lib, x, y, batchSize, shape = 'object') {
  return function* batches() {
    const n = x.shape[0];
    for (let b = 0; b < n; b += batchSize) {
      const size = Math.min(batchSize, n - b);
      const xs = lib.slice(x, [b], [size]);
      const ys = lib.slice(y, [b], [size]);
      yield shape === 'array' ? [xs, ys] : {xs, ys};
    }
  };
}

test('fitDataset: the same weights and history as fit over the same batches, and as tfjs\' fitDataset', async () => {
  const {model, tfModel} = pair();
  const twin = makeModel(km);
  twin.setWeights(model.getWeights());
  twin.compile({optimizer: km.train.sgd(0.2), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const k = data(km, 11);
  const t = data(tf, 11);
  const v = data(km, 12, 6);
  const tv = data(tf, 12, 6);
  const before = km.memory().numTensors;
  const hd = await model.fitDataset(km.data.generator(batchesOf(km, k.x, k.y, 5)), {
    epochs: 3, verbose: 0, validationData: batchesOf(km, v.x, v.y, 4, 'array'),
  });
  assert.equal(km.memory().numTensors, before, 'every batch the dataset made is disposed');
  const hf = await twin.fit(k.x, k.y, {epochs: 3, batchSize: 5, shuffle: false, verbose: 0, validationData: [v.x, v.y]});
  assertHistoryClose(hd, hf);
  assertSameWeights(model, twin);
  const ht = await tfModel.fitDataset(tf.data.generator(batchesOf(tf, t.x, t.y, 5)), {
    epochs: 3, verbose: 0, validationData: tf.data.generator(batchesOf(tf, tv.x, tv.y, 4)),
  });
  assertHistoryClose(hd, ht);
  assertWeightsClose(model, tfModel);
  km.dispose([k.x, k.y, v.x, v.y]);
  model.dispose();
  twin.dispose();
});

test('fitDataset: batchesPerEpoch reads one iterator across epochs; classWeight as tfjs; out of data stops', async () => {
  const {model, tfModel} = pair();
  const k = data(km, 13);
  const t = data(tf, 13);
  const classWeight = {0: 2, 1: 1, 2: 0.5};
  const args = {epochs: 3, batchesPerEpoch: 2, verbose: 0, classWeight};
  // 12 samples in batches of 2: six batches, two per epoch.
  const before = km.memory();
  const hd = await model.fitDataset(km.data.generator(batchesOf(km, k.x, k.y, 2)), args);
  assert.equal(km.memory().numTensors, before.numTensors, 'batches and their class weights are disposed');
  const ht = await tfModel.fitDataset(tf.data.generator(batchesOf(tf, t.x, t.y, 2)), args);
  assertHistoryClose(hd, ht);
  assertWeightsClose(model, tfModel);
  // Once the model has trained (its first steps allocate what later ones reuse), C++ buffers stay flat too.
  const warm = km.memory();
  await model.fitDataset(km.data.generator(batchesOf(km, k.x, k.y, 2)), {...args, epochs: 2});
  assert.deepEqual([km.memory().numTensors, km.memory().numDataBuffers], [warm.numTensors, warm.numDataBuffers]);
  const warnings = [];
  const warn = console.warn;
  console.warn = (m) => warnings.push(m);
  try {
    const h = await model.fitDataset(batchesOf(km, k.x, k.y, 4), {epochs: 3, batchesPerEpoch: 2, verbose: 0});
    assert.deepEqual(h.epoch, [0, 1]);
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /ran out of data after 1 batches in epoch 2/);
  km.dispose([k.x, k.y]);
  model.dispose();
});

test('fitDataset takes async generators, iterables, [xs, ys] and name-keyed elements; evaluateDataset as evaluate', async () => {
  const inA = km.input({shape: [2], name: 'a'});
  const inB = km.input({shape: [1], name: 'b'});
  const merged = km.layers.concatenate().apply([inA, inB]);
  const out = km.layers.dense({units: 3, activation: 'softmax', name: 'out'}).apply(merged);
  const model = km.model({inputs: [inA, inB], outputs: out});
  model.compile({optimizer: km.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const {x, y} = data(km, 14);
  const a = x.slice([0, 0], [SAMPLES, 2]);
  const b = x.slice([0, 2], [SAMPLES, 1]);
  async function* keyed() {
    for (let i = 0; i < SAMPLES; i += 5) {
      const size = Math.min(5, SAMPLES - i);
      yield {xs: {a: a.slice([i], [size]), b: b.slice([i], [size])}, ys: {out: y.slice([i], [size])}};
    }
  }
  const before = km.memory().numTensors;
  const [loss, acc] = await model.evaluateDataset(keyed);
  const [l2, a2] = model.evaluate([a, b], y);
  close(loss.dataSync()[0], l2.dataSync()[0], 'loss', 1e-6);
  close(acc.dataSync()[0], a2.dataSync()[0], 'acc', 1e-6);
  const firstOnly = await model.evaluateDataset(km.data.generator(keyed), {batches: 1});
  const l3 = firstOnly[0];
  const firstBatch = [a.slice([0], [5]), b.slice([0], [5]), y.slice([0], [5])];
  const onFirst = model.evaluate(firstBatch.slice(0, 2), firstBatch[2]);
  const l4 = onFirst[0];
  close(l3.dataSync()[0], l4.dataSync()[0], 'first batch only', 1e-6);
  km.dispose([loss, acc, l2, a2, firstOnly, onFirst, firstBatch]);
  assert.equal(km.memory().numTensors, before, 'the elements the dataset made are disposed');
  // An array of elements as the dataset; validation tensors as [xs, ys].
  const h = await model.fitDataset([[[a.clone(), b.clone()], y.clone()]], {epochs: 1, verbose: 0, validationData: [[a, b], y]});
  assert.equal(h.history.loss.length, 1);
  const after = model.evaluate([a, b], y);
  close(h.history.val_loss[0], after[0].dataSync()[0], 'val_loss of validation tensors', 1e-6);
  km.dispose(after);
  km.dispose([x, y, a, b]);
  model.dispose();
});
