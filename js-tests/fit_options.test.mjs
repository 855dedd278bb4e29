// fit's tfjs options beyond the basics, against tfjs-layers where it has them: verbose, classWeight (tfjs)
// and sampleWeight (Keras; tfjs 4.22 rejects it, so against classWeight and the formula), validationFreq,
// losses and metrics as JS functions, earlyStopping (tfjs' rule, Keras' restoreBestWeights), and the errors
// (fitDataset's included; its behaviour is fit_dataset.test.mjs).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km, tf} from './support.mjs';
import {SAMPLES, assertHistoryClose, assertSameWeights, assertWeightsClose, captureLog, close, data, makeModel, pair,
        weightsOf} from './fit_support.mjs';

test('verbose defaults to 1: one line per epoch with its number, time and logs; 0 is silent', async () => {
  const {model} = pair();
  const {x, y} = data(km);
  const lines = await captureLog(() => model.fit(x, y, {epochs: 2, batchSize: 4, validationSplit: 0.25}));
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^Epoch 1\/2 - \d+ms - loss: [\d.]+ - acc: [\d.]+ - val_loss: [\d.]+ - val_acc: [\d.]+$/);
  assert.match(lines[1], /^Epoch 2\/2 /);
  assert.deepEqual(await captureLog(() => model.fit(x, y, {epochs: 2, verbose: 0})), []);
  const dsLines = await captureLog(() => model.fitDataset([{xs: x.clone(), ys: y.clone()}], {epochs: 1}));
  assert.equal(dsLines.length, 1);
  km.dispose([x, y]);
  model.dispose();
});

test('classWeight: the history and the weights match tfjs (one-hot targets; validation unweighted)', async () => {
  const {model, tfModel} = pair();
  const k = data(km, 2);
  const t = data(tf, 2);
  const classWeight = {0: 1, 1: 3, 2: 0.25};
  const args = {epochs: 3, batchSize: 5, shuffle: false, classWeight, verbose: 0, validationSplit: 0.25};
  const ours = await model.fit(k.x, k.y, args);
  const theirs = await tfModel.fit(t.x, t.y, args);
  assertHistoryClose(ours, theirs);
  assertWeightsClose(model, tfModel);
  // The weighted loss differs from the plain one, so the weights matter.
  const plain = pair();
  const h = await plain.model.fit(k.x, k.y, {...args, classWeight: undefined});
  assert.ok(Math.abs(h.history.loss[0] - ours.history.loss[0]) > 1e-3);
  km.dispose([k.x, k.y]);
  model.dispose();
  plain.model.dispose();
});

test('classWeight with sparse targets (class indices) and sparseCategoricalCrossentropy as tfjs', async () => {
  const {model, tfModel} = pair({loss: 'sparseCategoricalCrossentropy'});
  const k = data(km, 3);
  const yk = km.tensor(k.labels, [SAMPLES, 1]);
  const t = data(tf, 3);
  const yt = tf.tensor(t.labels, [SAMPLES, 1]);
  const args = {epochs: 2, batchSize: 4, shuffle: false, classWeight: {0: 2, 1: 0.5, 2: 1}, verbose: 0};
  assertHistoryClose(await model.fit(k.x, yk, args), await tfModel.fit(t.x, yt, args));
  assertWeightsClose(model, tfModel);
  km.dispose([k.x, k.y, yk]);
  model.dispose();
});

test('classWeight per output of a two-output model, by name or as an array, as tfjs', async () => {
  const twoHeads = (lib) => {
    const input = lib.input({shape: [3], name: 'x'});
    const hidden = lib.layers.dense({units: 4, activation: 'tanh', name: 'hidden'}).apply(input);
    const a = lib.layers.dense({units: 3, activation: 'softmax', name: 'a'}).apply(hidden);
    const b = lib.layers.dense({units: 2, activation: 'softmax', name: 'b'}).apply(hidden);
    return lib.model({inputs: input, outputs: [a, b]});
  };
  const k = data(km, 16);
  const t = data(tf, 16);
  const second = (lib, labels) => lib.tensor(labels.flatMap((l) => (l === 2 ? [0, 1] : [1, 0])), [SAMPLES, 2]);
  for (const classWeight of [{a: {0: 1, 1: 2, 2: 3}, b: {0: 0.5, 1: 4}}, [null, {0: 2, 1: 1}]]) {
    const model = twoHeads(km);
    const tfModel = twoHeads(tf);
    tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
    model.compile({optimizer: km.train.sgd(0.2), loss: 'categoricalCrossentropy'});
    tfModel.compile({optimizer: tf.train.sgd(0.2), loss: 'categoricalCrossentropy'});
    const yb = second(km, k.labels);
    const args = {epochs: 2, batchSize: 5, shuffle: false, verbose: 0, classWeight};
    const ours = await model.fit(k.x, [k.y, yb], args);
    assert.deepEqual(Object.keys(ours.history), ['loss', 'a_loss', 'b_loss']);
    assertHistoryClose(ours, await tfModel.fit(t.x, [t.y, second(tf, t.labels)], args));
    assertWeightsClose(model, tfModel);
    yb.dispose();
    model.dispose();
  }
  const model = twoHeads(km);
  model.compile({optimizer: 'sgd', loss: 'categoricalCrossentropy'});
  await assert.rejects(model.fit(k.x, [k.y, k.y], {classWeight: {0: 1, 1: 1, 2: 1}}), /2 outputs, so classWeight must be an array or an object keyed by output name \(a, b\)/);
  await assert.rejects(model.fit(k.x, [k.y, k.y], {sampleWeight: km.ones([SAMPLES])}), /2 outputs, so sampleWeight must be an array or an object keyed by output name/);
  km.dispose([k.x, k.y]);
  model.dispose();
});

test('sampleWeight: the same as the classWeight it spells out, so as tfjs; shuffled too', async () => {
  const classWeight = {0: 0.5, 1: 2, 2: 1.5};
  const {model, tfModel} = pair();
  const k = data(km, 4);
  const t = data(tf, 4);
  const sampleWeight = km.tensor(k.labels.map((c) => classWeight[c]), [SAMPLES]);
  const args = {epochs: 3, batchSize: 5, shuffle: false, verbose: 0};
  const ours = await model.fit(k.x, k.y, {...args, sampleWeight});
  assertHistoryClose(ours, await tfModel.fit(t.x, t.y, {...args, classWeight}));
  assertWeightsClose(model, tfModel);
  // With shuffling, the weights travel with their samples.
  const a = pair();
  const b = pair();
  b.model.setWeights(a.model.getWeights());
  await a.model.fit(k.x, k.y, {epochs: 2, batchSize: 4, seed: 7, verbose: 0, sampleWeight});
  await b.model.fit(k.x, k.y, {epochs: 2, batchSize: 4, seed: 7, verbose: 0, classWeight});
  assertSameWeights(a.model, b.model);
  km.dispose([k.x, k.y, sampleWeight]);
  for (const m of [model, a.model, b.model]) m.dispose();
});

test('sampleWeight normalisation is mean(w * loss) over the batch (Keras 2 / tfjs), in evaluate and trainOnBatch', () => {
  const model = makeModel(km);
  model.compile({optimizer: km.train.sgd(0.1), loss: 'meanSquaredError', metrics: ['mse']});
  const {x, y} = data(km, 5);
  const w = km.tensor(Array.from({length: SAMPLES}, (_, i) => (i % 4) * 0.5), [SAMPLES]);
  const pred = model.predict(x);
  const p = pred.dataSync();
  const t = y.dataSync();
  const wv = w.dataSync();
  let weighted = 0;
  let plain = 0;
  for (let i = 0; i < SAMPLES; ++i) {
    let l = 0;
    for (let j = 0; j < 3; ++j) l += (p[i * 3 + j] - t[i * 3 + j]) ** 2 / 3;
    weighted += wv[i] * l / SAMPLES;
    plain += l / SAMPLES;
  }
  const [loss, mse] = model.evaluate(x, y, {batchSize: 5, sampleWeight: w});
  close(loss.dataSync()[0], weighted, 'weighted loss', 1e-5);
  close(mse.dataSync()[0], plain, 'metrics are unweighted', 1e-5);
  const [stepLoss] = model.trainOnBatch(x, y, {sampleWeight: w});
  close(stepLoss, weighted, 'trainOnBatch loss', 1e-5);
  km.dispose([x, y, w, pred, loss, mse]);
  model.dispose();
});

test('validationSplit splits sample weights with the samples; validationData takes weights third', async () => {
  const {model} = pair();
  const {x, y} = data(km, 6);
  const w = km.tensor(Array.from({length: SAMPLES}, (_, i) => 1 + (i % 3)), [SAMPLES]);
  let expected = null;
  const h = await model.fit(x, y, {epochs: 1, batchSize: 4, validationSplit: 0.25, sampleWeight: w, verbose: 0, callbacks: {
    onEpochEnd: () => {
      const tail = (t) => t.slice([9], [3]);
      const [xv, yv, wv] = [tail(x), tail(y), tail(w)];
      const [l] = model.evaluate(xv, yv, {sampleWeight: wv});
      expected = l.dataSync()[0];
      km.dispose([xv, yv, wv, l]);
    },
  }});
  close(h.history.val_loss[0], expected, 'val_loss');
  const h2 = await model.fit(x, y, {epochs: 1, verbose: 0, validationData: [x, y, w]});
  const [l2] = model.evaluate(x, y, {sampleWeight: w});
  close(h2.history.val_loss[0], l2.dataSync()[0], 'weighted validationData');
  km.dispose([x, y, w, l2]);
  model.dispose();
});

test('validationFreq: an interval or a list of 1-based epochs', async () => {
  const {model} = pair();
  const {x, y} = data(km, 7);
  const logs = [];
  const cb = {onEpochEnd: (e, l) => logs.push(Object.keys(l).filter((k) => k.startsWith('val_')).length)};
  await model.fit(x, y, {epochs: 4, verbose: 0, validationSplit: 0.25, validationFreq: 2, callbacks: cb});
  assert.deepEqual(logs, [0, 2, 0, 2]);
  logs.length = 0;
  const h = await model.fit(x, y, {epochs: 4, verbose: 0, validationData: [x, y], validationFreq: [1, 4], callbacks: cb});
  assert.deepEqual(logs, [2, 0, 0, 2]);
  assert.equal(h.history.val_loss.length, 2);
  assert.equal(h.history.loss.length, 4);
  km.dispose([x, y]);
  model.dispose();
});

// The same formula in km ops and in tf ops.
const kmMse = function myMse(yTrue, yPred) { return km.mean(km.square(km.sub(yPred, yTrue)), -1); };
const tfMse = function myMse(yTrue, yPred) { return tf.mean(tf.square(tf.sub(yPred, yTrue)), -1); };

test('a JS loss trains exactly like the named one; JS metrics are logged under their names as tfjs', async () => {
  const named = makeModel(km);
  const custom = makeModel(km);
  custom.setWeights(named.getWeights());
  named.compile({optimizer: km.train.sgd(0.3), loss: 'meanSquaredError', metrics: ['mse']});
  custom.compile({optimizer: km.train.sgd(0.3), loss: kmMse, metrics: [kmMse]});
  assert.deepEqual(custom.metricsNames, ['loss', 'myMse']);
  const {x, y} = data(km, 8);
  const args = {epochs: 3, batchSize: 4, shuffle: false, verbose: 0};
  const hn = await named.fit(x, y, args);
  const hc = await custom.fit(x, y, args);
  hn.history.loss.forEach((v, i) => close(hc.history.loss[i], v, `loss[${i}]`, 1e-6, 1e-7));
  hn.history.mse.forEach((v, i) => close(hc.history.myMse[i], v, `myMse[${i}]`, 1e-6, 1e-7));
  assertSameWeights(named, custom);
  // And against tfjs with the same function: keys and values.
  const {model, tfModel} = pair({loss: {km: kmMse, tf: tfMse}, metrics: ['accuracy', kmMse]});
  tfModel.compile({optimizer: tf.train.sgd(0.2), loss: tfMse, metrics: ['accuracy', tfMse]});
  const t = data(tf, 8);
  assertHistoryClose(await model.fit(x, y, {...args, validationSplit: 0.25}), await tfModel.fit(t.x, t.y, {...args, validationSplit: 0.25}));
  assertWeightsClose(model, tfModel);
  km.dispose([x, y]);
  for (const m of [named, custom, model]) m.dispose();
});

test('JS losses: weighted, returning a scalar or [batch, k], errors with the function named; no leaks', async () => {
  const {x, y, labels} = data(km, 9);
  const w = km.tensor(labels.map((c) => c + 0.5), [SAMPLES]);
  const named = makeModel(km);
  const custom = makeModel(km);
  custom.setWeights(named.getWeights());
  named.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  // Per element [batch, 3]: averaged over the last axis, the same per-sample loss.
  custom.compile({optimizer: 'sgd', loss: function squares(t, p) { return km.square(km.sub(p, t)); }});
  for (let i = 0; i < 3; ++i) close(custom.trainOnBatch(x, y, {sampleWeight: w}), named.trainOnBatch(x, y, {sampleWeight: w}), `step ${i}`, 1e-6);
  assertSameWeights(named, custom);
  // A scalar loss: tfjs' mean(loss * w) is loss * mean(w).
  const scalarLoss = makeModel(km);
  scalarLoss.compile({optimizer: 'sgd', loss: (t, p) => km.mean(km.square(km.sub(p, t)))});
  const [plain] = [scalarLoss.evaluate(x, y)];
  const weighted = scalarLoss.evaluate(x, y, {sampleWeight: w});
  const meanW = w.dataSync().reduce((a, b) => a + b, 0) / SAMPLES;
  close(weighted.dataSync()[0], plain.dataSync()[0] * meanW, 'scalar loss weighted');
  const before = km.memory().numTensors;
  await custom.fit(x, y, {epochs: 2, batchSize: 5, verbose: 0, classWeight: {0: 1, 1: 2, 2: 3}});
  assert.equal(km.memory().numTensors, before);
  const bad = makeModel(km);
  bad.compile({optimizer: 'sgd', loss: function broken() { throw new Error('no thanks'); }});
  assert.throws(() => bad.trainOnBatch(x, y), /loss function 'broken'.*no thanks/);
  bad.compile({optimizer: 'sgd', loss: function notATensor() { return 3; }});
  assert.throws(() => bad.trainOnBatch(x, y), /notATensor.*must return a Tensor/);
  bad.compile({optimizer: 'sgd', loss: function wrongShape(t) { return km.ones([2]); }});
  assert.throws(() => bad.trainOnBatch(x, y), /wrongShape.*shape \[2\].*batch of 12/);
  assert.equal(km.memory().numTensors, before);
  // The module stays usable.
  assert.equal(typeof named.trainOnBatch(x, y), 'number');
  km.dispose([x, y, w, plain, weighted]);
  for (const m of [named, custom, scalarLoss, bad]) m.dispose();
});

test('a model compiled with JS functions saves and loads: no training config for a function loss, named metrics only', async () => {
  const roundTrip = async (model) => {
    let artifacts = null;
    await model.save(km.io.withSaveHandler(async (a) => {
      artifacts = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }));
    return {artifacts, loaded: await km.loadLayersModel(km.io.fromMemory(artifacts))};
  };
  const custom = makeModel(km);
  custom.compile({optimizer: 'sgd', loss: kmMse});
  const a = await roundTrip(custom);
  assert.equal(a.artifacts.trainingConfig, undefined);
  assert.equal(a.loaded.optimizer, null);
  const metricOnly = makeModel(km);
  metricOnly.compile({optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mse', kmMse]});
  const b = await roundTrip(metricOnly);
  assert.deepEqual(b.artifacts.trainingConfig.metrics, ['mse']);
  assert.deepEqual(b.loaded.metricsNames, ['loss', 'mse']);
  for (const m of [custom, metricOnly, a.loaded, b.loaded]) m.dispose();
});

// Runs km's and tfjs' EarlyStopping over the same scripted logs; returns each one's stop epoch.
async function stopsAt(args, values, key = 'val_loss') {
  const tfModel = makeModel(tf);
  tfModel.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  const theirs = tf.callbacks.earlyStopping(args);
  theirs.setModel(tfModel);
  const fake = {stopTraining: false, getWeights: () => [], setWeights: () => {}};
  const ours = km.callbacks.earlyStopping(args);
  ours.setModel(fake);
  await ours.onTrainBegin();
  await theirs.onTrainBegin();
  let mine = null;
  let tfs = null;
  for (const [epoch, v] of values.entries()) {
    await ours.onEpochEnd(epoch, {[key]: v});
    await theirs.onEpochEnd(epoch, {[key]: v});
    if (fake.stopTraining && mine === null) mine = epoch;
    if (tfModel.stopTraining && tfs === null) tfs = epoch;
  }
  return [mine, tfs];
}

test('earlyStopping stops where tfjs does: patience, minDelta, mode, baseline', async () => {
  const cases = [
    [{}, [1, 0.9, 0.95, 0.8]],
    [{patience: 2}, [1, 0.9, 0.95, 0.91, 0.5]],
    [{patience: 2, minDelta: 0.1}, [1, 0.85, 0.8, 0.78, 0.5]],
    [{patience: 1, baseline: 0.5}, [1, 0.9, 0.4]],
    [{patience: 1, baseline: 0.5}, [0.4, 0.3, 0.35]],
    [{monitor: 'val_acc', patience: 1}, [0.5, 0.6, 0.55, 0.7], 'val_acc'],
    [{monitor: 'val_acc', mode: 'min', patience: 1}, [0.5, 0.6, 0.55, 0.7], 'val_acc'],
    [{monitor: 'loss', mode: 'max', patience: 1}, [0.5, 0.6, 0.65, 0.6], 'loss'],
    [{patience: 3}, [3, 2, 1, 0.5]],
  ];
  const seen = new Set();
  for (const [args, values, key] of cases) {
    const [mine, tfs] = await stopsAt(args, values, key);
    assert.equal(mine, tfs, `${JSON.stringify(args)} over ${values}`);
    seen.add(mine);
  }
  assert.ok(seen.size >= 3, 'the cases stop at different epochs (and some never)');
});

test('earlyStopping in fit: stops training; restoreBestWeights sets the best epoch\'s weights back', async () => {
  const {model} = pair({lr: 0.5});
  const {x, y} = data(km, 10);
  const script = [0.9, 0.5, 0.7, 0.6, 0.8, 0.4];
  const snapshots = [];
  // A callback before earlyStopping scripts the monitored value and records each epoch's weights.
  const scripted = {onEpochEnd: (epoch, logs) => { logs.score = script[epoch]; snapshots.push(weightsOf(model)); }};
  const stopper = km.callbacks.earlyStopping({monitor: 'score', patience: 2, restoreBestWeights: true});
  const before = km.memory().numTensors;
  const h = await model.fit(x, y, {epochs: 6, batchSize: 4, verbose: 0, callbacks: [scripted, stopper]});
  assert.deepEqual(h.epoch, [0, 1, 2, 3]);
  assert.equal(stopper.stoppedEpoch, 3);
  assert.notDeepEqual(snapshots[1], snapshots[3]);
  const now = weightsOf(model);
  now.forEach((w, i) => w.forEach((v, k) => assert.equal(v, snapshots[1][i][k])));
  assert.equal(km.memory().numTensors, before, 'the kept best weights are disposed');
  // Without restoreBestWeights the last epoch's weights stay.
  snapshots.length = 0;
  await model.fit(x, y, {epochs: 6, batchSize: 4, verbose: 0,
                         callbacks: [scripted, km.callbacks.earlyStopping({monitor: 'score', patience: 2})]});
  assert.deepEqual(weightsOf(model), snapshots[3]);
  // A real val_loss that stops improving (a far too large step) ends training early too.
  const wild = pair({lr: 50}).model;
  const hw = await wild.fit(x, y, {epochs: 30, verbose: 0, validationData: [x, y], callbacks: km.callbacks.earlyStopping({patience: 1})});
  assert.ok(hw.epoch.length < 30, `${hw.history.val_loss}`);
  km.dispose([x, y]);
  model.dispose();
  wild.dispose();
});

test('errors name fit / the model and the value', async () => {
  const {model} = pair();
  const {x, y} = data(km, 15);
  const name = model.name;
  const rejects = (p, re) => assert.rejects(p, (e) => e instanceof Error && re.test(e.message) && e.message.includes(name));
  const running = model.fit(x, y, {epochs: 2, verbose: 0});
  await rejects(model.fit(x, y, {verbose: 0}), /fit: another fit\(\) or fitDataset\(\) of this model is still running/);
  await running;
  assert.equal(model.isTraining, false);
  await rejects(model.fit(x, y, {stepsPerEpoch: 3}), /fit: stepsPerEpoch \(number 3\).*fitDataset/);
  await rejects(model.fit(x, y, {validationSteps: 2}), /fit: validationSteps/);
  await rejects(model.fit(x, y, {validationFreq: 0}), /validationFreq must be an integer >= 1.*got number 0/);
  await rejects(model.fit(x, y, {verbose: 'loud'}), /verbose must be 0.*loud/);
  await rejects(model.fit(x, y, {classWeight: {0: 1, 1: 1}}), /classWeight must contain every class.*class 2/);
  await rejects(model.fit(x, y, {classWeight: {zero: 1}}), /classWeight keys must be class indices.*'zero'/);
  const w = km.ones([5]);
  await rejects(model.fit(x, y, {sampleWeight: w}), /sampleWeight must have shape \[12\].*got \[5\]/);
  await rejects(model.fit(x, y, {sampleWeight: [w, w]}), /sampleWeight is an array of 2.*1 output/);
  await rejects(model.fitDataset(42, {epochs: 1}), /fitDataset: dataset must be a dataset.*42/);
  await rejects(model.fitDataset([{xs: x}], {epochs: 1, verbose: 0}), /each element of the dataset must be \{xs, ys\}/);
  await rejects(model.fitDataset([], {}), /epochs must be a positive integer/);
  await rejects(model.fitDataset([], {epochs: 1, validationSplit: 0.2}), /validationSplit is not supported by fitDataset/);
  await rejects(model.fitDataset([{xs: x, ys: km.ones([3, 3])}], {epochs: 1, verbose: 0}), /batch size mismatch.*\[3,3\].*12 samples/);
  await rejects(model.evaluateDataset([], {batches: 0}), /batches must be a positive integer, got number 0/);
  assert.throws(() => model.trainOnBatch(x, y, {sampleWeight: km.ones([2, 2])}), /trainOnBatch: sampleWeight must have shape \[12\]/);
  assert.throws(() => model.compile({optimizer: 'sgd', loss: 3}), /compile: loss 0 must be a loss name or a function.*3/);
  assert.throws(() => km.callbacks.earlyStopping({mode: 'up'}), /earlyStopping: mode must be 'auto', 'min' or 'max', got string up/);
  assert.throws(() => km.callbacks.earlyStopping({patience: -1}), /patience must be an integer >= 0, got number -1/);
  assert.throws(() => km.data.generator(3), /data.generator: expects a generator function/);
  km.dispose([x, y, w]);
  model.dispose();
});
