// The Layer surface beyond the generic test: config spellings, weights as variables, trainability,
// regularization losses, symbolic tensors, masks and disposal.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, randomValues, tf} from './support.mjs';

test('configs: camelCase in, tfjs-style camelCase out; specs as names or {className, config}', () => {
  const layer = km.layers.dense({
    units: 3, inputShape: [4], useBias: true, activation: 'leaky_relu',
    kernelInitializer: {className: 'RandomUniform', config: {minval: -0.5, maxval: 0.5, seed: 7}},
    biasInitializer: 'ones',
    kernelRegularizer: {className: 'L1L2', config: {l1: 0.01, l2: 0.02}},
    biasConstraint: 'nonNeg',
    kernelConstraint: {className: 'MaxNorm', config: {maxValue: 2, axis: 0}},
  });
  const c = layer.getConfig();
  assert.equal(c.activation, 'leakyRelu');
  assert.deepEqual(c.batchInputShape, [null, 4]);
  assert.equal(c.useBias, true);
  assert.deepEqual(c.kernelInitializer, {className: 'RandomUniform', config: {minval: -0.5, maxval: 0.5, seed: 7}});
  assert.equal(c.biasInitializer.className, 'Ones');
  assert.deepEqual(c.kernelRegularizer, {className: 'L1L2', config: {l1: 0.01, l2: 0.02}});
  assert.equal(c.biasConstraint.className, 'NonNeg');
  assert.equal(c.kernelConstraint.config.maxValue, 2);
  // tfjs accepts our config (names it knows), and we accept tfjs' own getConfig() output.
  const tfLayer = tf.layers.dense({...c, activation: 'relu', kernelInitializer: 'glorotUniform'});
  const fromTf = km.layers.dense(tfLayer.getConfig());
  assert.deepEqual(Object.keys(fromTf.getConfig()).sort(), Object.keys(c).sort());
  assert.deepEqual(layer.getWeights(), [], 'no weights before build');
  layer.build([null, 4]);
  km.tidy(() => {
    const w = layer.getWeights();
    assert.deepEqual(Array.from(w[1].dataSync()), [1, 1, 1]);
    for (const v of w[0].dataSync()) assert.ok(v >= -0.5 && v < 0.5);
  });
  for (const l of [layer, fromTf]) l.dispose();
});

test('activation names in both spellings give the same function', () => {
  km.tidy(() => {
    const x = km.tensor(randomValues(12, 2), [3, 4]);
    for (const [camel, snake] of [['leakyRelu', 'leaky_relu'], ['hardSigmoid', 'hard_sigmoid'], ['logSoftmax', 'log_softmax']]) {
      const a = km.layers.activation({activation: camel});
      const b = km.layers.activation({activation: snake});
      assertClose(a.apply(x), b.apply(x));
      assert.equal(b.getConfig().activation, camel);
      a.dispose();
      b.dispose();
    }
  });
});

test('weights are LayerVariables whose read() follows setWeights and training', () => {
  const layer = km.layers.dense({units: 2, inputShape: [3]});
  layer.build([null, 3]);
  const [kernel, bias] = layer.weights;
  assert.deepEqual([kernel.shape, kernel.dtype, kernel.trainable], [[3, 2], 'float32', true]);
  assert.match(kernel.name, new RegExp(`^${layer.name}/kernel`));
  assert.equal(layer.trainableWeights[0], kernel, 'the same LayerVariable each time');
  const v = kernel.read();
  assert.ok(v instanceof km.Variable);
  assert.equal(kernel.read(), v);
  km.tidy(() => {
    const values = km.tensor([[1, 2], [3, 4], [5, 6]]);
    layer.setWeights([values, km.zeros([2])]);
    assert.deepEqual(v.arraySync(), [[1, 2], [3, 4], [5, 6]]);
    bias.write(km.tensor([0.5, -0.5]));
    assert.deepEqual(layer.getWeights()[1].arraySync(), [0.5, -0.5]);
    assert.deepEqual(layer.apply(km.ones([1, 3])).arraySync(), [[9.5, 11.5]]);
    // A step of SGD through minimize, by the layer's own variables.
    const opt = km.train.sgd(0.1);
    opt.minimize(() => layer.apply(km.ones([1, 3])).sum(), false, layer.trainableWeights.map((w) => w.read()));
    assert.deepEqual(bias.read().arraySync().map((x) => Math.round(x * 1e5) / 1e5), [0.4, -0.6]);
    opt.dispose();
  });
  assert.throws(() => bias.write(km.ones([3])), /\[2\].*\[3\]|\[3\].*\[2\]/);
  layer.dispose();
  assert.equal(v.isDisposed, true);
  assert.throws(() => kernel.read(), /its layer is disposed/);
});

test('trainable: a frozen layer lists its weights as non-trainable and keeps them in training', () => {
  const layer = km.layers.dense({units: 2, inputShape: [2], name: 'frozen_dense'});
  const model = km.sequential({layers: [layer]});
  model.compile({optimizer: 'sgd', loss: 'mse'});
  layer.trainable = false;
  assert.equal(layer.trainable, false);
  assert.equal(layer.trainableWeights.length, 0);
  assert.equal(layer.nonTrainableWeights.length, 2);
  const before = layer.getWeights();
  km.tidy(() => model.trainOnBatch(km.ones([3, 2]), km.zeros([3, 2])));
  layer.getWeights().forEach((w, i) => assertClose(w, before[i]));
  layer.trainable = true;
  assert.equal(layer.trainableWeights.length, 2);
  km.tidy(() => model.trainOnBatch(km.ones([3, 2]), km.zeros([3, 2])));
  assert.notDeepEqual(layer.getWeights()[0].dataSync(), before[0].dataSync());
  km.dispose(before);
  model.dispose();
  layer.dispose();
});

test('losses: weight regularization penalties as tfjs computes them', () => {
  const config = {units: 3, inputShape: [4], kernelRegularizer: {className: 'L1L2', config: {l1: 0.01, l2: 0.02}},
                  biasInitializer: 'ones', biasRegularizer: {className: 'L1L2', config: {l2: 0.01}}};
  const layer = km.layers.dense(config);
  const tfLayer = tf.layers.dense(config);
  layer.build([null, 4]);
  tfLayer.build([null, 4]);
  tfLayer.setWeights(layer.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
  const x = km.ones([2, 4]);
  km.tidy(() => layer.apply(x));
  tf.tidy(() => tfLayer.apply(tf.ones([2, 4])));
  const ours = layer.losses.map((t) => t.dataSync()[0]);
  // tfjs keeps weight penalties as functions that compute them.
  const theirs = tfLayer.losses.map((t) => (typeof t === 'function' ? t() : t).dataSync()[0]);
  assert.equal(ours.length, theirs.length);
  ours.sort().forEach((v, i) => assert.ok(Math.abs(v - theirs.sort()[i]) < 1e-6 + 1e-5 * Math.abs(v), `${v} vs ${theirs}`));
  x.dispose();
  layer.dispose();
});

test('symbolic tensors: km.input, apply, sourceLayer, layer.input / output', () => {
  const inp = km.input({shape: [5], name: 'features'});
  assert.ok(inp instanceof km.SymbolicTensor);
  assert.deepEqual(inp.shape, [null, 5]);
  assert.equal(inp.dtype, 'float32');
  assert.equal(inp.name, 'features');
  const dense = km.layers.dense({units: 2});
  const out = dense.apply(inp);
  assert.deepEqual(out.shape, [null, 2]);
  assert.equal(out.sourceLayer, dense);
  assert.equal(dense.output.name, out.name);
  assert.deepEqual(dense.input.shape, [null, 5]);
  assert.equal(inp.sourceLayer.getClassName(), 'InputLayer');
  const batched = km.input({batchShape: [4, 3, 2], dtype: 'int32'});
  assert.deepEqual(batched.shape, [4, 3, 2]);
  assert.equal(batched.dtype, 'int32');
  assert.throws(() => dense.apply(km.input({shape: [6]})), /incompatible.*\[-1,6\]|axis -1.*5/);
  km.tidy(() => assert.throws(() => dense.apply([inp, km.ones([1, 5])]), /mix SymbolicTensors and Tensors/));
  assert.throws(() => km.input({}), /give the shape/);
  assert.throws(() => km.input({shape: [2], sparse: true}), /sparse inputs are not supported/);
  dense.dispose();
});

test('apply: training flag, masks, computeMask, wrong input counts', () => {
  km.tidy(() => {
    const dense = km.layers.dense({units: 3});
    const x = km.ones([2, 4]);
    const mask = km.tensor([1, 0]);
    assert.deepEqual(dense.computeMask(x, mask).arraySync(), [1, 0]);
    assert.equal(dense.computeMask(x), null);
    assert.deepEqual(dense.apply(x, {mask}).shape, [2, 3]);
    assert.throws(() => dense.apply([x, x]), /expects 1 input, but it received 2 input tensors/);
    assert.throws(() => dense.apply(x, {mask: [mask, mask]}), /got 2 masks for 1 inputs/);
    assert.throws(() => dense.build('x'), /expected a shape/);
    assert.throws(() => dense.apply(km.ones([2, 5])), /axis -1 of input shape to have value 4/);
    dense.dispose();
  });
});

test('countParams before build is an error; computeOutputShape does not build', () => {
  const dense = km.layers.dense({units: 3});
  assert.deepEqual(dense.computeOutputShape([null, 7]), [null, 3]);
  assert.equal(dense.built, false);
  assert.throws(() => dense.countParams(), /needs the layer built/);
  dense.build([null, 7]);
  assert.equal(dense.countParams(), 24);
  dense.dispose();
  assert.throws(() => dense.getConfig(), /layer 'dense(_\d+)?' is disposed/);
});
