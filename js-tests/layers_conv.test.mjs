// Convolution layers beyond the generic test: groups (which tfjs-layers lacks) against one tfjs conv per
// group, Conv2DTranspose's outputPadding against tf.conv2dTranspose with the output shape Keras computes,
// Keras' own outputs for the published fixtures, a small CNN trained side by side with the same model in
// tfjs, configs in Keras' spelling, errors and leaks.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, pair, randomValues, tf} from './support.mjs';

const CASES_FILE = new URL('../../shared/fixtures/keras-layer-outputs/cases.json', import.meta.url);

// Forward and all gradients (input, then each weight) of a km layer and a tfjs function of the same
// weights, with the same random output weighting.
function compareWithWeights(kmLayer, inputShape, tfFn, {rtol = 1e-4, atol = 1e-5} = {}) {
  tf.tidy(() => km.tidy(() => {
    const [x, tx] = pair(inputShape, 11);
    const y = kmLayer.apply(x);
    const weights = kmLayer.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape));
    const ty = tfFn(tx, ...weights);
    assertClose(y, ty, {rtol: 1e-5, atol: 1e-5, what: 'forward'});
    const [dy, tdy] = pair(y.shape, 12);
    const kmVars = kmLayer.trainableWeights.map((w) => w.read());
    const kg = km.grads((v) => kmLayer.apply(v))([x], dy);
    const tg = tf.grads((v, ...w) => tfFn(v, ...w))([tx, ...weights], tdy);
    assertClose(kg[0], tg[0], {rtol, atol, what: 'input gradient'});
    const vg = km.variableGrads(() => kmLayer.apply(x).mul(dy).sum(), kmVars);
    kmVars.forEach((v, i) => assertClose(vg.grads[v.name], tg[1 + i], {rtol, atol, what: `gradient of ${v.name}`}));
  }));
}

// tfjs has no groups: the grouped conv is one conv per slice of channels, concatenated.
function groupedConv(rank, groups, {strides = 1, padding = 'valid', dilation = 1}) {
  const conv = rank === 1 ? (x, k) => tf.conv1d(x, k, strides, padding, 'NWC', dilation)
    : (x, k) => tf.conv2d(x, k, strides, padding, 'NHWC', dilation);
  return (x, kernel, bias) => {
    const cin = x.shape[x.rank - 1] / groups;
    const f = kernel.shape[kernel.rank - 1] / groups;
    const outs = [];
    for (let g = 0; g < groups; ++g) {
      const xs = tf.slice(x, [...Array(x.rank - 1).fill(0), g * cin], [...Array(x.rank - 1).fill(-1), cin]);
      const ks = tf.slice(kernel, [...Array(kernel.rank - 1).fill(0), g * f], [...Array(kernel.rank - 1).fill(-1), f]);
      outs.push(conv(xs, ks));
    }
    const y = tf.concat(outs, -1);
    return bias ? y.add(bias) : y;
  };
}

test('Conv1D and Conv2D with groups equal one tfjs convolution per group', () => {
  compareWithWeights(km.layers.conv2d({filters: 6, kernelSize: 3, groups: 3, padding: 'same', biasInitializer: 'randomUniform'}),
                     [2, 5, 6, 6], groupedConv(2, 3, {padding: 'same'}));
  compareWithWeights(km.layers.conv2d({filters: 4, kernelSize: [2, 3], groups: 2, strides: 2}),
                     [1, 7, 7, 4], groupedConv(2, 2, {strides: 2}));
  compareWithWeights(km.layers.conv1d({filters: 8, kernelSize: 3, groups: 4, padding: 'same', useBias: false}),
                     [2, 9, 4], groupedConv(1, 4, {padding: 'same'}));
  // groups == channels == filters is a depthwise convolution.
  compareWithWeights(km.layers.conv2d({filters: 5, kernelSize: 3, groups: 5, biasInitializer: 'randomUniform'}),
                     [2, 6, 5, 5], groupedConv(2, 5, {}));
});

// tfjs has no gradients for dilated convolutions (the native tests check ours by finite differences).
test('dilated convolutions match tfjs forward, in both data formats and with causal padding', () => {
  const check = (layer, shape, tfFn) => tf.tidy(() => km.tidy(() => {
    const [x, tx] = pair(shape, 21);
    const y = layer.apply(x);
    assertClose(y, tfFn(tx, ...layer.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape))),
                {rtol: 1e-5, atol: 1e-5, what: layer.name});
    layer.dispose();
  }));
  const ru = {biasInitializer: 'randomUniform'};
  check(km.layers.conv1d({filters: 3, kernelSize: 3, dilationRate: 2, padding: 'causal', ...ru}), [2, 9, 2],
        (x, k, b) => tf.conv1d(tf.pad(x, [[0, 0], [4, 0], [0, 0]]), k, 1, 'valid', 'NWC', 2).add(b));
  check(km.layers.conv2d({filters: 2, kernelSize: [3, 2], dilationRate: [2, 3], padding: 'same', ...ru}), [1, 7, 8, 3],
        (x, k, b) => tf.conv2d(x, k, 1, 'same', 'NHWC', [2, 3]).add(b));
  check(km.layers.conv2d({filters: 2, kernelSize: 2, dilationRate: 2, dataFormat: 'channelsFirst', ...ru}), [2, 3, 6, 5],
        (x, k, b) => tf.conv2d(x.transpose([0, 2, 3, 1]), k, 1, 'valid', 'NHWC', 2).add(b).transpose([0, 3, 1, 2]));
  check(km.layers.depthwiseConv2d({kernelSize: 3, dilationRate: 2, depthMultiplier: 2, ...ru}), [1, 7, 7, 2],
        (x, k, b) => tf.depthwiseConv2d(x, k, 1, 'valid', 'NHWC', 2).add(b));
  check(km.layers.separableConv2d({filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', ...ru}), [1, 6, 5, 2],
        (x, d, p, b) => tf.separableConv2d(x, d, p, 1, 'same', 2).add(b));
});

test('Conv2DTranspose with outputPadding: Keras output shape, tf.conv2dTranspose values', () => {
  for (const [padding, outputPadding, input, stride] of [['same', [1, 0], [2, 3, 4, 3], 2], ['valid', 1, [1, 4, 3, 2], 2],
                                                          ['same', 2, [1, 3, 3, 2], 3]]) {
    const layer = km.layers.conv2dTranspose({filters: 2, kernelSize: 3, strides: stride, padding, outputPadding,
                                             biasInitializer: 'randomUniform'});
    const op = Array.isArray(outputPadding) ? outputPadding : [outputPadding, outputPadding];
    // Keras: (in - 1) * stride + kernel - 2 * pad + output_padding, pad = kernel // 2 for same, 0 for valid.
    const pad = padding === 'same' ? 1 : 0;
    const outShape = [input[0], (input[1] - 1) * stride + 3 - 2 * pad + op[0], (input[2] - 1) * stride + 3 - 2 * pad + op[1], 2];
    assert.deepEqual(layer.computeOutputShape([null, ...input.slice(1)]), [null, ...outShape.slice(1)]);
    compareWithWeights(layer, input,
                       (x, k, b) => tf.conv2dTranspose(x, k, outShape, stride, padding).add(b));
  }
});

test('Keras-computed fixtures: Conv1D, Conv2D, Conv3D, Conv2DTranspose, SeparableConv2D', (t) => {
  if (!existsSync(CASES_FILE)) {
    t.skip('the shared fixtures are not present');
    return;
  }
  const classes = {Conv1D: 'conv1d', Conv2D: 'conv2d', Conv3D: 'conv3d', Conv2DTranspose: 'conv2dTranspose',
                   SeparableConv2D: 'separableConv2d'};
  const cases = JSON.parse(readFileSync(CASES_FILE, 'utf8')).filter((c) => c.className in classes);
  assert.ok(cases.length >= 15, `${cases.length} conv fixtures`);
  for (const c of cases) {
    km.tidy(() => {
      const layer = km.layers[classes[c.className]](c.config);
      const x = km.tensor(c.input.data, [1, ...c.input.shape]);
      layer.build(x.shape);
      layer.setWeights(c.weights.map((w) => km.tensor(w.data, w.shape)));
      const y = layer.apply(x);
      assert.deepEqual(y.shape, [1, ...c.expected.shape], c.id);
      // The fixtures are printed to 6 decimals.
      assertClose(y, tf.tensor(c.expected.data, [1, ...c.expected.shape]), {rtol: 1e-4, atol: 2e-5, what: c.id});
      layer.dispose();
    });
  }
});

test('a small CNN trains as the same model does in tfjs (3 epochs of SGD)', async () => {
  const build = (lib) => {
    const m = lib.sequential();
    m.add(lib.layers.conv2d({inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu'}));
    m.add(lib.layers.depthwiseConv2d({kernelSize: 3, strides: 2, padding: 'same'}));
    m.add(lib.layers.conv2dTranspose({filters: 2, kernelSize: 2, strides: 2}));
    m.add(lib.layers.separableConv2d({filters: 3, kernelSize: 3, activation: 'tanh'}));
    m.add(lib.layers.flatten());
    m.add(lib.layers.dense({units: 3, activation: 'softmax'}));
    return m;
  };
  const kmModel = build(km);
  const tfModel = build(tf);
  tfModel.setWeights(kmModel.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
  const xs = randomValues(16 * 8 * 8 * 2, 5);
  const labels = Array.from({length: 16}, (_, i) => [i % 3 === 0, i % 3 === 1, i % 3 === 2].map(Number)).flat();
  const opts = {epochs: 3, batchSize: 4, shuffle: false, verbose: 0};
  kmModel.compile({optimizer: km.train.sgd(0.1), loss: 'categoricalCrossentropy'});
  tfModel.compile({optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy'});
  const kx = km.tensor(xs, [16, 8, 8, 2]);
  const ky = km.tensor(labels, [16, 3]);
  const before = km.memory().numTensors;
  const kh = await kmModel.fit(kx, ky, opts);
  assert.equal(km.memory().numTensors, before, 'fit leaks no tensors');
  const th = await tfModel.fit(tf.tensor(xs, [16, 8, 8, 2]), tf.tensor(labels, [16, 3]), opts);
  kh.history.loss.forEach((l, i) => assert.ok(Math.abs(l - th.history.loss[i]) <= 1e-4 * Math.max(1, Math.abs(l)),
                                              `epoch ${i}: loss ${l} vs tfjs ${th.history.loss[i]}`));
  assert.ok(kh.history.loss[2] < kh.history.loss[0], 'the loss goes down');
  const tw = tfModel.getWeights();
  kmModel.getWeights().forEach((w, i) => assertClose(w, tw[i], {rtol: 1e-3, atol: 1e-4, what: `weight ${i}`}));
  km.dispose([kx, ky]);
  kmModel.dispose();
});

test('configs in Keras spelling build the same layer; tfjs reads our config', () => {
  const keras = km.layers.conv2d({filters: 3, kernel_size: [3, 2], strides: [1, 2], padding: 'SAME',
                                  data_format: 'channels_first', dilation_rate: 1, use_bias: false,
                                  kernel_initializer: {class_name: 'GlorotNormal', config: {seed: 2}}});
  const config = keras.getConfig();
  assert.deepEqual(config.kernelSize, [3, 2]);
  assert.equal(config.padding, 'same');
  assert.equal(config.dataFormat, 'channelsFirst');
  assert.equal(config.groups, 1);
  const theirs = tf.layers.conv2d(structuredClone(config));
  assert.deepEqual(theirs.computeOutputShape([null, 4, 6, 6]), keras.computeOutputShape([null, 4, 6, 6]));
  const sep = km.layers.separableConv2d({filters: 2, kernelSize: 3, depthMultiplier: 2});
  const again = km.layers.separableConv2d(sep.getConfig());
  assert.deepEqual(again.getConfig(), sep.getConfig());
  for (const l of [keras, sep, again]) l.dispose();
});

test('bad arguments and inputs are JS Errors naming the layer and the values', () => {
  assert.throws(() => km.layers.conv2d({filters: 2}), /Conv2D.*kernel_?[sS]ize.*required/);
  assert.throws(() => km.layers.conv2d({filters: 2, kernelSize: 3, padding: 'causal'}), /Conv2D.*padding/);
  assert.throws(() => km.layers.conv1d({filters: 3, kernelSize: 3, groups: 2}), /Conv1D.*groups/);
  assert.throws(() => km.layers.conv2d({filters: 2, kernelSize: 3, strides: 2, dilationRate: 2}), /dilation/);
  assert.throws(() => km.layers.conv2dTranspose({filters: 2, kernelSize: 3, strides: 2, outputPadding: 2}),
                /Conv2DTranspose.*outputPadding/);
  assert.throws(() => km.layers.depthwiseConv2d({kernelSize: -1}), /DepthwiseConv2D.*kernelSize/);
  km.tidy(() => {
    const small = km.layers.conv2d({filters: 2, kernelSize: 5, name: 'tiny'});
    assert.throws(() => small.apply(km.zeros([1, 3, 3, 1])), /Conv2D 'tiny'.*too small/);
    const conv = km.layers.conv1d({filters: 2, kernelSize: 2});
    assert.throws(() => conv.apply(km.zeros([2, 5])), /Conv1D.*ndim|rank/i);
    conv.apply(km.zeros([1, 4, 3]));
    assert.throws(() => conv.apply(km.zeros([1, 4, 2])), /Conv1D/);
    for (const l of [small, conv]) l.dispose();
  });
});

test('predict and apply leave no tensors behind', () => {
  const model = km.sequential({layers: [
    km.layers.conv3d({inputShape: [4, 4, 4, 1], filters: 2, kernelSize: 2}),
    km.layers.conv3dTranspose({filters: 1, kernelSize: 2, strides: 2}),
  ]});
  const x = km.zeros([2, 4, 4, 4, 1]);
  model.predict(x).dispose();
  const before = km.memory().numTensors;
  for (let i = 0; i < 3; ++i) model.predict(x).dispose();
  assert.equal(km.memory().numTensors, before);
  x.dispose();
  model.dispose();
});
