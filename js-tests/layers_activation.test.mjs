// Advanced activation layers beyond the generic test: the arguments tfjs-layers lacks (checked against the
// Keras formulas in tfjs ops), Softmax masks (against tfjs), PReLU in a model and training, config spellings
// and the errors; Keras 2.3.1's own predictions for the fixtures that have them.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import h5wasm from 'h5wasm/node';
import {assertClose, km, pair, tf, scratchH5} from './support.mjs';

// Forward and input gradient of a km layer against a formula written with tfjs ops.
function checkFormula(kmLayer, formula, shape, {lo = -3, hi = 3, seed = 1} = {}) {
  tf.tidy(() => km.tidy(() => {
    const [x, tx] = pair(shape, seed, lo, hi);
    assertClose(kmLayer.apply(x), formula(tx), {rtol: 1e-5, atol: 1e-6, what: 'forward'});
    const [dy, tdy] = pair(shape, seed + 50);
    assertClose(km.grad((v) => kmLayer.apply(v))(x, dy), tf.grad((v) => formula(v))(tx, tdy),
                {rtol: 1e-4, atol: 1e-5, what: 'gradient'});
  }));
  kmLayer.dispose();
}

// 1 where x > theta, as a constant: tfjs has no gradient for greater().
function constantMask(x, theta) {
  return tf.tensor(x.dataSync(), x.shape).greater(theta).cast('float32');
}

// Keras' relu(x, negative_slope, max_value, threshold).
function kerasRelu(x, {negativeSlope = 0, maxValue = null, threshold = 0} = {}) {
  let y = x.mul(constantMask(x, threshold));
  if (maxValue !== null) y = tf.clipByValue(y, 0, maxValue);
  return y.sub(tf.relu(tf.scalar(threshold).sub(x)).mul(negativeSlope));
}

test('ReLU: negativeSlope, threshold and maxValue together follow the Keras formula', () => {
  const options = [
    {negativeSlope: 0.2},
    {threshold: 0.5},
    {maxValue: 2, threshold: 0.5},
    {negativeSlope: 0.25, maxValue: 1.5, threshold: 0.5},
    {maxValue: 6},
    {negativeSlope: 0.1, maxValue: 2},
  ];
  for (const o of options) checkFormula(km.layers.reLU(o), (x) => kerasRelu(x, o), [4, 6]);
  // Keras' documented example.
  km.tidy(() => {
    const y = km.layers.reLU({maxValue: 10, negativeSlope: 0.5, threshold: 0}).apply(km.tensor([-10, -5, 0, 5, 10]));
    assert.deepEqual(Array.from(y.dataSync()), [-5, -2.5, 0, 5, 10]);
  });
});

test('LeakyReLU takes Keras 3 negativeSlope and Keras 2 / tfjs alpha; ELU any alpha; ThresholdedReLU theta', () => {
  checkFormula(km.layers.leakyReLU({negativeSlope: 0.05}), (x) => tf.leakyRelu(x, 0.05), [3, 4]);
  checkFormula(km.layers.leakyReLU({negative_slope: 0.5}), (x) => tf.leakyRelu(x, 0.5), [3, 4]);
  const config = km.layers.leakyReLU({alpha: 0.2}).getConfig();
  assert.equal(config.negativeSlope, 0.2);
  assert.equal(config.alpha, 0.2);
  // tfjs' ELU refuses alpha != 1: the formula alpha * (exp(x) - 1) below 0.
  const elu = (alpha) => (x) => {
    const pos = constantMask(x, 0);
    return x.mul(pos).add(tf.exp(x).sub(1).mul(alpha).mul(tf.scalar(1).sub(pos)));
  };
  checkFormula(km.layers.elu({alpha: 0.5}), elu(0.5), [3, 4]);
  checkFormula(km.layers.elu({alpha: 2}), elu(2), [3, 4]);
  checkFormula(km.layers.thresholdedReLU({theta: 0}), (x) => x.mul(constantMask(x, 0)), [3, 4]);
  checkFormula(km.layers.thresholdedReLU({theta: 2.5}), (x) => x.mul(constantMask(x, 2.5)), [3, 4]);
});

test('Softmax: masks as tfjs-layers applies them; one axis or several', () => {
  tf.tidy(() => km.tidy(() => {
    const [x, tx] = pair([2, 3, 4], 3);
    const maskValues = [1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1];
    const mask = km.tensor(maskValues, [2, 3, 4]);
    const tmask = tf.tensor(maskValues, [2, 3, 4]);
    // tfjs' cpu softmax takes the last axis only; several axes go through its logsumexp.
    for (const axis of [-1, [2], [1, 2]]) {
      const layer = km.layers.softmax({axis});
      const tfLayer = tf.layers.softmax({axis});
      assertClose(layer.apply(x, {mask}), tfLayer.apply(tx, {mask: tmask}), {rtol: 1e-5, atol: 1e-6, what: `axis ${axis}`});
      const [dy, tdy] = pair([2, 3, 4], 4);
      assertClose(km.grad((v) => layer.apply(v, {mask}))(x, dy), tf.grad((v) => tfLayer.apply(v, {mask: tmask}))(tx, tdy),
                  {rtol: 1e-4, atol: 1e-5, what: `gradient, axis ${axis}`});
      // The mask passes through unchanged.
      assert.deepEqual(layer.computeMask(x, mask).arraySync(), mask.arraySync());
      layer.dispose();
    }
    // Keras' default axis is -1 (tfjs' is 1).
    assert.equal(km.layers.softmax().getConfig().axis, -1);
    assertClose(km.layers.softmax().apply(x), tf.softmax(tx, -1), {rtol: 1e-5, atol: 1e-6});
  }));
});

test('PReLU: alpha of the input shape with shared axes set to 1, trained in a model, saved and read by tfjs', async () => {
  const layer = km.layers.prelu({sharedAxes: [1, 2], alphaInitializer: 'ones', alphaConstraint: 'nonNeg', name: 'p'});
  layer.build([null, 5, 6, 3]);
  assert.deepEqual(layer.getWeights()[0].shape, [1, 1, 3]);
  assert.deepEqual(layer.getConfig().sharedAxes, [1, 2]);
  assert.equal(layer.getConfig().alphaConstraint.className, 'NonNeg');
  // The alpha gradient sums over the batch and the shared axes: against tfjs' prelu.
  tf.tidy(() => km.tidy(() => {
    const [x, tx] = pair([2, 5, 6, 3], 5);
    const [alpha, talpha] = pair([1, 1, 3], 6, 0.1, 0.9);
    layer.setWeights([alpha]);
    const [dy, tdy] = pair([2, 5, 6, 3], 7);
    const v = layer.trainableWeights[0].read();
    const g = km.variableGrads(() => layer.apply(x).mul(dy).sum(), [v]);
    const tg = tf.grads((a, t) => tf.prelu(t, a).mul(tdy).sum())([talpha, tx]);
    assertClose(g.grads[v.name], tg[0], {rtol: 1e-4, atol: 1e-5});
  }));

  const input = km.input({shape: [4]});
  const model = km.model({inputs: input, outputs: km.layers.dense({units: 1}).apply(
    km.layers.prelu({alphaInitializer: {className: 'Constant', config: {value: 0.25}}}).apply(
      km.layers.dense({units: 4, kernelInitializer: {className: 'GlorotUniform', config: {seed: 1}}}).apply(input)))});
  model.compile({optimizer: km.train.sgd(0.05), loss: 'meanSquaredError'});
  const [xs] = pair([16, 4], 8);
  const ys = km.tidy(() => xs.sum(1, true));
  const before = model.layers[2].getWeights()[0].dataSync();
  const history = await model.fit(xs, ys, {epochs: 20, batchSize: 8, verbose: 0, yieldEvery: 'never'});
  assert.ok(history.history.loss.at(-1) < history.history.loss[0], 'the loss falls');
  assert.notDeepEqual(model.layers[2].getWeights()[0].dataSync(), before, 'alpha is trained');
  const tfModel = await tf.models.modelFromJSON(model.toJSON(null, false));
  tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
  const [x, tx] = pair([3, 4], 9);
  km.tidy(() => tf.tidy(() => assertClose(model.predict(x), tfModel.predict(tx), {rtol: 1e-5, atol: 1e-6})));
  km.dispose([xs, ys, x]);
  tf.dispose(tx);
  model.dispose();
  layer.dispose();
});

test('configs round-trip in both spellings and tfjs reads ours', async () => {
  const model = km.sequential({layers: [
    km.layers.leakyReLU({alpha: 0.2, inputShape: [4]}),
    km.layers.elu(),
    km.layers.thresholdedReLU({theta: 0.1}),
    km.layers.reLU({maxValue: 3}),
    km.layers.prelu({alphaInitializer: 'ones'}),
    km.layers.softmax({axis: -1}),
  ]});
  const copy = await km.models.modelFromJSON(model.toJSON());
  assert.deepEqual(copy.toJSON(null, false), model.toJSON(null, false));
  const tfModel = await tf.models.modelFromJSON(model.toJSON(null, false));
  tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
  const [x, tx] = pair([3, 4], 10);
  km.tidy(() => tf.tidy(() => assertClose(model.predict(x), tfModel.predict(tx), {rtol: 1e-5, atol: 1e-6})));
  const snake = km.layers.reLU({max_value: 2, negative_slope: 0.1, threshold: 0.5});
  assert.deepEqual([snake.getConfig().maxValue, snake.getConfig().negativeSlope, snake.getConfig().threshold], [2, 0.1, 0.5]);
  assert.equal(km.layers.prelu({shared_axes: 1}).getConfig().sharedAxes[0], 1);
  km.dispose(x);
  tf.dispose(tx);
  for (const m of [model, copy, snake]) m.dispose();
});

test('errors quote the value and name the layer', () => {
  assert.throws(() => km.layers.leakyReLU({negativeSlope: -1}), /LeakyReLU .*negativeSlope must be a float >= 0.*negativeSlope=-1/);
  assert.throws(() => km.layers.reLU({maxValue: -2}), /ReLU .*maxValue=-2/);
  assert.throws(() => km.layers.reLU({threshold: -1}), /ReLU .*threshold=-1/);
  assert.throws(() => km.layers.thresholdedReLU({theta: -0.5}), /ThresholdedReLU .*theta=-0.5/);
  assert.throws(() => km.layers.softmax({axis: 'last'}), /Softmax .*axis must be an integer or a list of integers/);
  assert.throws(() => km.layers.prelu({sharedAxes: [0]}), /PReLU .*sharedAxes/);
  assert.throws(() => km.layers.elu({alpah: 1}), /ELU .*alpah/);
  km.tidy(() => {
    assert.throws(() => km.layers.softmax({axis: 2, name: 's'}).apply(km.ones([2, 3])), /Softmax 's': axis 2 is out of range .*\[2,3\]/);
    const p = km.layers.prelu({name: 'pr'});
    p.apply(km.ones([2, 3]));
    assert.throws(() => p.apply(km.ones([2, 4])), /PReLU 'pr'.*\[2,4\]/);
    assert.throws(() => km.layers.prelu().apply(km.input({shape: [null, 3]})), /PReLU .*must be defined/);
  });
});

// Keras 2.3.1's own outputs (Deeplearning4j's importer test data): Dense then one advanced activation,
// with the inputs and Keras' predictions stored next to each model.
const KERAS_ACTIVATIONS = new URL('../../shared/fixtures/models/dl4j-keras-import/modelimport/keras/examples/activations/',
                                  import.meta.url);

test('Keras 2.3.1 fixtures: each activation layer predicts what Keras predicted', async (t) => {
  if (!existsSync(KERAS_ACTIVATIONS)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  const {FS} = await h5wasm.ready;
  for (const name of ['ELU_0', 'LeakyReLU_0', 'ReLU_0', 'ReLU_1', 'ReLU_2', 'ReLU_3', 'Softmax_0', 'ThresholdReLU_0']) {
    const model = await km.models.loadKerasModel(readFileSync(new URL(`${name}_model.h5`, KERAS_ACTIVATIONS)));
    const file = scratchH5(`activation-${name}`);
    FS.writeFile(file, readFileSync(new URL(`${name}_inputs_and_outputs.h5`, KERAS_ACTIVATIONS)));
    const f = new h5wasm.File(file, 'r');
    try {
      const input = f.get(`inputs/${f.get('inputs').keys()[0]}`);
      const prediction = f.get(`predictions/${f.get('predictions').keys()[0]}`);
      km.tidy(() => {
        const y = model.predict(km.tensor(Float32Array.from(input.value), input.shape));
        assertClose(y, {shape: prediction.shape, dtype: 'float32', dataSync: () => Float32Array.from(prediction.value)},
                    {rtol: 1e-4, atol: 1e-5, what: name});
      });
    } finally {
      f.close();
      FS.unlink(file);
      model.optimizer?.dispose();
      model.dispose();
    }
  }
});
