// Optimizer state: getWeights / setWeights / iterations against tfjs-core, and training continued after
// save(…, {includeOptimizer: true}) in tfjs' layers-model format, both ways with tfjs-layers as the oracle:
// the same losses and weights step for step. Then the errors, and that nothing leaks.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, randomValues, tf, settledCounts} from './support.mjs';

// tfjs has getWeights for all of these but Adamax (it throws "not implemented"); its centered RMSProp is
// left out because tfjs computes sqrt(ms - (mg^2 + eps)), NaN once the variance falls below eps.
const OPTIMIZERS = [
  ['sgd', (t) => t.sgd(0.1), []],
  ['momentum', (t) => t.momentum(0.1, 0.9), ['momentum']],
  ['momentum nesterov', (t) => t.momentum(0.05, 0.8, true), ['momentum']],
  ['rmsprop', (t) => t.rmsprop(0.01, 0.8, 0.5), ['rms', 'momentum']],
  ['adam', (t) => t.adam(0.05), ['m', 'v']],
  ['adagrad', (t) => t.adagrad(0.1), ['accumulator']],
  ['adadelta', (t) => t.adadelta(1), ['accum_grad', 'accum_var']],
];

function smallModel(lib, name) {
  return lib.sequential({name, layers: [
    lib.layers.dense({units: 4, inputShape: [3], activation: 'tanh', name: `${name}_a`}),
    lib.layers.dense({units: 2, name: `${name}_b`}),
  ]});
}

// Batches for step s, the same values for both libraries.
function batch(s) {
  const xv = randomValues(5 * 3, 100 + s);
  const yv = randomValues(5 * 2, 200 + s);
  return {x: km.tensor(xv, [5, 3]), y: km.tensor(yv, [5, 2]), tx: tf.tensor(xv, [5, 3]), ty: tf.tensor(yv, [5, 2])};
}

function sameWeights(ours, theirs, what) {
  const w = ours.getWeights();
  const tw = theirs.getWeights();
  assert.equal(w.length, tw.length, `${what}: weight count`);
  tw.forEach((t, i) => assertClose(w[i], t, {rtol: 1e-4, atol: 1e-6, what: `${what} weight ${i}`}));
  km.dispose(w);
}

function closeLoss(a, b, what) {
  assert.ok(Math.abs(a - b) <= 1e-5 * Math.abs(b) + 1e-6, `${what}: loss ${a} vs ${b}`);
}

// `steps` trainOnBatch calls on both models (steps numbered from `from`), comparing losses and weights.
async function trainBoth(model, tfModel, from, steps, what) {
  for (let s = from; s < from + steps; ++s) {
    const {x, y, tx, ty} = batch(s);
    const loss = model.trainOnBatch(x, y);
    const tfLoss = await tfModel.trainOnBatch(tx, ty);
    closeLoss(loss, tfLoss, `${what} step ${s}`);
    sameWeights(model, tfModel, `${what} step ${s}`);
    km.dispose([x, y]);
    tf.dispose([tx, ty]);
  }
}

async function trainTf(tfModel, from, steps) {
  for (let s = from; s < from + steps; ++s) {
    const {x, y, tx, ty} = batch(s);
    await tfModel.trainOnBatch(tx, ty);
    km.dispose([x, y]);
    tf.dispose([tx, ty]);
  }
}

function trainKm(model, from, steps) {
  for (let s = from; s < from + steps; ++s) {
    const {x, y, tx, ty} = batch(s);
    model.trainOnBatch(x, y);
    km.dispose([x, y]);
    tf.dispose([tx, ty]);
  }
}

function disposeModel(model) {
  model.optimizer?.dispose();
  model.dispose();
}

async function saveToMemory(lib, model, config) {
  let artifacts;
  await model.save(lib.io.withSaveHandler(async (a) => {
    artifacts = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }), config);
  return artifacts;
}

for (const [label, make, slots] of OPTIMIZERS) {
  test(`${label}: getWeights has tfjs' names, order and values after training`, async () => {
    const model = smallModel(km, 'gw');
    const tfModel = smallModel(tf, 'gw');
    tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
    model.compile({optimizer: make(km.train), loss: 'meanSquaredError'});
    tfModel.compile({optimizer: make(tf.train), loss: 'meanSquaredError'});
    assert.equal(model.optimizer.iterations, 0);
    await trainBoth(model, tfModel, 0, 3, label);
    assert.equal(model.optimizer.iterations, 3);
    const ours = await model.optimizer.getWeights();
    const theirs = await tfModel.optimizer.getWeights();
    assert.equal(ours.length, 1 + 4 * slots.length);
    assert.equal(ours.length, theirs.length);
    assert.equal(ours[0].name, 'iter');
    assert.equal(ours[0].tensor.dtype, 'int32');
    assert.equal(ours[0].tensor.dataSync()[0], 3);
    const vars = model.trainableWeights.map((w) => w.name);
    theirs.forEach((t, i) => {
      if (i > 0) {
        // tfjs' variable names differ ('gw_a/kernel' vs ours), the slot and the order do not.
        const k = Math.floor((i - 1) / 4);
        assert.equal(ours[i].name, `${vars[(i - 1) % 4]}/${slots[k]}`);
        assert.ok(t.name.endsWith(`/${slots[k]}`), t.name);
      }
      assertClose(ours[i].tensor, t.tensor, {rtol: 1e-4, atol: 1e-6, what: `${label} ${ours[i].name}`});
    });
    km.dispose(ours.map((w) => w.tensor));
    tf.dispose(theirs.map((w) => w.tensor));
    disposeModel(model);
    tfModel.dispose();
  });
}

test('tfjs -> kerasm: trained in tfjs, saved with includeOptimizer, loaded here, training continues as in tfjs', async () => {
  for (const [label, make] of OPTIMIZERS) {
    const before = await settledCounts();
    const tfModel = smallModel(tf, 'fromtf');
    tfModel.compile({optimizer: make(tf.train), loss: 'meanSquaredError'});
    await trainTf(tfModel, 0, 3);
    const artifacts = await saveToMemory(tf, tfModel, {includeOptimizer: true});
    assert.ok(artifacts.weightSpecs.some((s) => s.group === 'optimizer'), `${label}: tfjs wrote optimizer weights`);
    const model = await km.loadLayersModel(km.io.fromMemory(artifacts));
    assert.equal(model.optimizer.iterations, 3, label);
    sameWeights(model, tfModel, `${label} loaded`);
    await trainBoth(model, tfModel, 3, 4, `${label} continued`);
    disposeModel(model);
    tfModel.dispose();
    assert.deepEqual(await settledCounts(), before, `${label}: nothing left behind`);
  }
});

test('kerasm -> tfjs: trained here, saved with includeOptimizer, loaded in tfjs, training continues as here', async () => {
  for (const [label, make, slots] of OPTIMIZERS) {
    const before = await settledCounts();
    const model = smallModel(km, 'fromkm');
    model.compile({optimizer: make(km.train), loss: 'meanSquaredError'});
    trainKm(model, 0, 3);
    const artifacts = await saveToMemory(km, model, {includeOptimizer: true});
    const opt = artifacts.weightSpecs.filter((s) => s.group === 'optimizer');
    assert.equal(opt.length, 1 + 4 * slots.length, label);
    assert.deepEqual(opt[0], {name: 'iter', shape: [], dtype: 'int32', group: 'optimizer'});
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    assert.equal(tfModel.optimizer.iterations, 3, label);
    // kerasm loading its own save continues the same way.
    const again = await km.loadLayersModel(km.io.fromMemory(artifacts));
    await trainBoth(model, tfModel, 3, 4, `${label} continued`);
    await trainBoth(again, tfModel, 3, 0, `${label} reloaded`);
    trainKm(again, 3, 4);
    sameWeights(again, tfModel, `${label} reloaded here`);
    disposeModel(model);
    disposeModel(again);
    tfModel.dispose();
    assert.deepEqual(await settledCounts(), before, `${label}: nothing left behind`);
  }
});

test('fit continues after a round trip through file:// exactly where it stopped', async () => {
  const {mkdtemp, rm} = await import('node:fs/promises');
  const {tmpdir} = await import('node:os');
  const {join} = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'kerasm-opt-'));
  try {
    const {x, y, tx, ty} = batch(7);
    const model = smallModel(km, 'fitted');
    model.compile({optimizer: km.train.adam(0.05), loss: 'meanSquaredError'});
    await model.fit(x, y, {epochs: 2, batchSize: 5, shuffle: false, verbose: 0});
    await model.save(`file://${join(dir, 'm')}`, {includeOptimizer: true});
    const loaded = await km.loadLayersModel(`file://${join(dir, 'm', 'model.json')}`);
    assert.equal(loaded.optimizer.iterations, 2);
    const a = await model.fit(x, y, {epochs: 3, batchSize: 5, shuffle: false, verbose: 0});
    const b = await loaded.fit(x, y, {epochs: 3, batchSize: 5, shuffle: false, verbose: 0});
    a.history.loss.forEach((l, i) => closeLoss(b.history.loss[i], l, `epoch ${i}`));
    const wa = model.getWeights();
    // Within tfjs' own tolerance: a restored Adam recomputes beta^t with one pow where the running one
    // multiplied step by step (tfjs does the same), a float32 rounding apart in 1 - beta2^t.
    loaded.getWeights().forEach((w, i) => assertClose(w, wa[i], {rtol: 1e-4, atol: 1e-6, what: `weight ${i}`}));
    km.dispose(wa);
    // Without includeOptimizer the moments start again: the first step differs.
    await model.save(`file://${join(dir, 'n')}`);
    const fresh = await km.loadLayersModel(`file://${join(dir, 'n', 'model.json')}`);
    assert.equal(fresh.optimizer.iterations, 0);
    disposeModel(fresh);
    disposeModel(model);
    disposeModel(loaded);
    km.dispose([x, y]);
    tf.dispose([tx, ty]);
  } finally {
    await rm(dir, {recursive: true, force: true});
  }
});

test('setWeights copies a state into another optimizer (by position, as tfjs) and both continue the same', async () => {
  for (const [label, make] of [...OPTIMIZERS, ['adamax', (t) => t.adamax(0.01), ['m', 'v']],
                               ['rmsprop centered', (t) => t.rmsprop(0.01, 0.9, 0.2, null, true), []]]) {
    const before = await settledCounts();
    const a = smallModel(km, 'copyA');
    a.compile({optimizer: make(km.train), loss: 'meanSquaredError'});
    trainKm(a, 0, 3);
    const b = smallModel(km, 'copyB');
    const ws = a.getWeights();
    b.setWeights(ws);
    km.dispose(ws);
    b.compile({optimizer: make(km.train), loss: 'meanSquaredError'});
    const state = await a.optimizer.getWeights();
    await b.optimizer.setWeights(state);
    km.dispose(state.map((w) => w.tensor));
    assert.equal(b.optimizer.iterations, 3, label);
    for (let s = 3; s < 6; ++s) {
      const {x, y, tx, ty} = batch(s);
      closeLoss(b.trainOnBatch(x, y), a.trainOnBatch(x, y), `${label} step ${s}`);
      km.dispose([x, y]);
      tf.dispose([tx, ty]);
    }
    const wa = a.getWeights();
    b.getWeights().forEach((w, i) => assertClose(w, wa[i], {rtol: 1e-5, atol: 1e-7, what: `${label} weight ${i}`}));
    km.dispose(wa);
    disposeModel(a);
    disposeModel(b);
    assert.deepEqual(await settledCounts(), before, `${label}: nothing left behind`);
  }
});

test('bad optimizer weights give clear errors, change nothing and leak nothing', async () => {
  const model = smallModel(km, 'bad');
  model.compile({optimizer: km.train.adam(0.01), loss: 'meanSquaredError'});
  trainKm(model, 0, 1);
  const artifacts = await saveToMemory(km, model, {includeOptimizer: true});
  const before = await settledCounts();
  const opt = model.optimizer;
  await assert.rejects(opt.setWeights([]), /Adam\.setWeights: expects \[\{name: 'iter', tensor\}, \.\.\.slots\]/);
  await assert.rejects(opt.setWeights('x'), /Adam\.setWeights: expects/);
  const m = km.zeros([2]);
  await assert.rejects(opt.setWeights([{name: 'iter', tensor: m}]), /Adam\.setWeights: the first weight must be the step count \('iter', a scalar\), got 'iter' of shape \[2\]/);
  const iter = km.scalar(4, 'int32');
  await assert.rejects(opt.setWeights([{name: 'iter', tensor: iter}, {name: 'x', tensor: 3}]),
                       /Adam\.setWeights: entry 1 \('x'\) must be \{name, tensor\} with a Tensor, got number 3/);
  await assert.rejects(opt.setWeights([{name: 'iter', tensor: iter}, {name: 'a/m', tensor: m}, {name: 'b/m', tensor: m}, {name: 'a/v', tensor: m}]),
                       /Adam\.setWeights: got 3 slot weights after 'iter'; expected a multiple of 2 \(m, v for each variable\)/);
  assert.equal(opt.iterations, 1, 'a refused setWeights changes nothing');
  assert.deepEqual(await settledCounts(), {numTensors: before.numTensors + 2, numDataBuffers: before.numDataBuffers + 2});
  // By position: the next step checks count and shapes, and refuses without a change.
  await opt.setWeights([{name: 'iter', tensor: iter}, {name: 'a/m', tensor: m}, {name: 'a/v', tensor: m}]);
  const {x, y, tx, ty} = batch(0);
  const refused = /Adam\.applyGradients: the weights given to setWeights hold slots for 1 variables but this step updates 4/;
  assert.throws(() => model.trainOnBatch(x, y), refused);
  // The first refused step leaves the step's own caches, as any first step does; a second adds nothing.
  km.dispose([x, y]);
  tf.dispose([tx, ty]);
  const mid = await settledCounts();
  const again = batch(0);
  assert.throws(() => model.trainOnBatch(again.x, again.y), refused);
  const sgd = km.train.sgd(0.1);
  await assert.rejects(sgd.setWeights([{name: 'iter', tensor: iter}, {name: 'a/m', tensor: m}]), /SGD\.setWeights: got 1 slot weights after 'iter' but SGD keeps none/);
  sgd.dispose();
  await assert.rejects(sgd.getWeights(), /optimizer\.getWeights: the optimizer is disposed/);
  km.dispose([again.x, again.y]);
  tf.dispose([again.tx, again.ty]);
  assert.equal(opt.iterations, 4);
  assert.deepEqual(await settledCounts(), mid);
  km.dispose([m, iter]);
  const base = await settledCounts();

  // A file whose optimizer state does not fit the model.
  const specs = artifacts.weightSpecs;
  const at = specs.findIndex((s) => s.group === 'optimizer');
  const fewer = {...artifacts, weightSpecs: specs.slice(0, -1), weightData: artifacts.weightData.slice(0, artifacts.weightData.byteLength - 4 * 2)};
  await assert.rejects(km.loadLayersModel(km.io.fromMemory(fewer)),
                       /loadLayersModel: the saved optimizer state does not fit model 'bad': Adam\.setWeights: got 7 slot weights \(after 'iter'\) but the 4 variables need 8/);
  const bytesBefore = specs.slice(0, at + 1).reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  const reshaped = specs.map((s, i) => (i === at + 1 ? {...s, shape: [4, 3]} : s));
  assert.equal(reshaped[at + 1].shape.reduce((a, b) => a * b, 1), 12);
  assert.ok(bytesBefore > 0);
  await assert.rejects(km.loadLayersModel(km.io.fromMemory({...artifacts, weightSpecs: reshaped})),
                       /has shape \[4,3\] but variable '[^']+' has shape \[3,4\]/);
  const unknown = {...artifacts, trainingConfig: {...artifacts.trainingConfig, optimizer_config: {class_name: 'Lion', config: {}}}};
  await assert.rejects(km.loadLayersModel(km.io.fromMemory(unknown)), /unknown optimizer 'Lion'/);
  assert.deepEqual(await settledCounts(), base, 'failed loads leave nothing behind');
  disposeModel(model);
});
