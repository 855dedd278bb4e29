// Pooling layers beyond the generic test: forward and input gradient against tfjs-layers in both data
// formats and both paddings with strides (tfjs' 1D poolings have no dataFormat: those are checked on the
// transposed input; the 3D global poolings, which tfjs lacks, against tf.max / tf.mean), the Keras 2.1
// fixtures, masks on the 1D global poolings against the formula, keepdims, config round trips, a model read
// back by tfjs, the errors, and tensor accounting.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, pair, tf} from './support.mjs';

// Forward and input gradient of a km layer against tfFn (a tfjs layer's apply or a formula in tfjs ops);
// gradFn, when given, is the gradient's oracle instead.
function checkLayer(kmLayer, tfFn, shape, {seed = 1, what = '', gradFn = tfFn} = {}) {
  tf.tidy(() => km.tidy(() => {
    const [x, tx] = pair(shape, seed);
    const expected = tfFn(tx);
    const y = kmLayer.apply(x);
    assertClose(y, expected, {rtol: 1e-5, atol: 1e-6, what: `${what} forward`});
    const [dy, tdy] = pair(expected.shape, seed + 50);
    assertClose(km.grad((v) => kmLayer.apply(v))(x, dy), tf.grad((v) => gradFn(v).mul(1))(tx, tdy),
                {rtol: 1e-4, atol: 1e-5, what: `${what} gradient`});
  }));
  kmLayer.dispose();
}

// 3D max pooling (valid) from 2D max poolings of the depth planes and a max across each depth window:
// tfjs' maxPool3d gradient is wrong for some overlapping windows (pool [2, 3, 2], strides [1, 2, 2]: off by
// whole output gradients against finite differences of its own forward), its 2D one is not.
function maxPool3dByPlanes(k, s) {
  const plane = tf.layers.maxPooling2d({poolSize: [k[1], k[2]], strides: [s[1], s[2]], padding: 'valid'});
  return (x) => {
    const [n, d, h, w, c] = x.shape;
    const slabs = [];
    for (let od = 0; od * s[0] + k[0] <= d; od++) {
      const planes = [];
      for (let j = 0; j < k[0]; j++) planes.push(plane.apply(tf.slice(x, [0, od * s[0] + j, 0, 0, 0], [n, 1, h, w, c]).squeeze([1])));
      slabs.push(tf.stack(planes).max(0));
    }
    return tf.stack(slabs, 1);
  };
}

// The gradient oracle for channels_last x: TF's same padding made explicit (pad by (out - 1) * s + k - in,
// the smaller half before, then pool with valid padding; -inf padding for max, and for average the sum
// divided by the count of cells inside the input, the valid average of the padded ones). tfjs' own
// same-padding gradients disagree with finite differences of its forward (its avgPool gradient divides by
// the whole window, its maxPool3d one misroutes); its valid-padding 1D / 2D gradients are right.
function gradOracle(kind, rank, {poolSize = 2, strides = null, padding = 'valid'}) {
  const k = Array.isArray(poolSize) ? poolSize : Array(rank).fill(poolSize);
  const s = strides === null ? k : Array.isArray(strides) ? strides : Array(rank).fill(strides);
  const valid = kind === 'max' && rank === 3 ? {apply: maxPool3dByPlanes(k, s)}
    : tf.layers[`${kind}Pooling${rank}d`]({poolSize: k, strides: s, padding: 'valid'});
  return (x) => {
    const pads = [[0, 0]];
    for (let i = 0; i < rank; i++) {
      const size = x.shape[i + 1];
      const out = Math.ceil(size / s[i]);
      const total = padding === 'same' ? Math.max((out - 1) * s[i] + k[i] - size, 0) : 0;
      pads.push([Math.floor(total / 2), total - Math.floor(total / 2)]);
    }
    pads.push([0, 0]);
    if (kind === 'max') return valid.apply(tf.pad(x, pads, -Infinity));
    return valid.apply(tf.pad(x, pads)).div(valid.apply(tf.pad(tf.onesLike(x), pads)));
  };
}

// The same layer in channels_first, for tfjs layers that only know channels_last: transpose around them.
function viaChannelsLast(tfLayer, rank) {
  const toLast = [0, ...Array.from({length: rank - 2}, (_, i) => i + 2), 1];
  const toFirst = [0, rank - 1, ...Array.from({length: rank - 2}, (_, i) => i + 1)];
  return (x) => tfLayer.apply(x.transpose(toLast)).transpose(toFirst);
}

const WINDOWED = [
  // [spatial rank, config, channels_last input shape]
  [1, {poolSize: 2}, [2, 7, 3]],
  [1, {poolSize: 3, strides: 2, padding: 'same'}, [2, 8, 3]],
  [1, {poolSize: 2, strides: 3, padding: 'same'}, [1, 10, 2]],
  [1, {poolSize: [3], strides: [1], padding: 'valid'}, [2, 6, 4]],
  [2, {poolSize: 2}, [2, 5, 6, 3]],
  [2, {poolSize: [3, 2], strides: [1, 2], padding: 'same'}, [2, 5, 6, 3]],
  [2, {poolSize: [2, 3], strides: [2, 1], padding: 'valid'}, [1, 7, 6, 2]],
  [2, {poolSize: 3, strides: 2, padding: 'same'}, [1, 6, 7, 2]],
  [3, {poolSize: 2}, [1, 4, 5, 4, 2]],
  [3, {poolSize: [2, 3, 2], strides: [1, 2, 2], padding: 'same'}, [1, 3, 5, 4, 2]],
  [3, {poolSize: [3, 2, 2], strides: [2, 1, 2], padding: 'valid'}, [2, 5, 3, 4, 1]],
];

function channelsFirstShape(shape) {
  return [shape[0], shape[shape.length - 1], ...shape.slice(1, -1)];
}

for (const kind of ['max', 'average']) {
  test(`${kind} pooling 1D/2D/3D against tfjs-layers: both paddings, strides, both data formats`, () => {
    WINDOWED.forEach(([rank, config, shape], i) => {
      const factory = `${kind}Pooling${rank}d`;
      const what = `${factory} ${JSON.stringify(config)}`;
      const own = config.padding !== 'same' && !(kind === 'max' && rank === 3);
      const gradLast = own ? undefined : gradOracle(kind, rank, config);
      checkLayer(km.layers[factory](config), (x) => tf.layers[factory](config).apply(x), shape,
                 {seed: i + 1, what, gradFn: gradLast});
      const cf = {...config, dataFormat: 'channelsFirst'};
      // tfjs' Pooling1D is channels_last only.
      const tfFn = rank === 1 ? viaChannelsLast(tf.layers[factory](config), 3) : (x) => tf.layers[factory](cf).apply(x);
      const gradFirst = own ? undefined : viaChannelsLast({apply: gradLast}, rank + 2);
      checkLayer(km.layers[factory](cf), tfFn, channelsFirstShape(shape),
                 {seed: i + 20, what: `${what} channelsFirst`, gradFn: gradFirst});
    });
  });
}

test('global poolings against tfjs-layers (1D, 2D) and tf.max / tf.mean (3D, keepdims), both data formats', () => {
  for (const kind of ['Max', 'Average']) {
    const reduce = kind === 'Max' ? (x, axes, keep) => tf.max(x, axes, keep) : (x, axes, keep) => tf.mean(x, axes, keep);
    const g1 = `global${kind}Pooling1d`;
    const g2 = `global${kind}Pooling2d`;
    const g3 = `global${kind}Pooling3d`;
    checkLayer(km.layers[g1](), (x) => tf.layers[g1]().apply(x), [2, 5, 3], {what: g1});
    checkLayer(km.layers[g1]({dataFormat: 'channelsFirst'}), (x) => tf.layers[g1]().apply(x.transpose([0, 2, 1])),
               [2, 3, 5], {what: `${g1} channelsFirst`});
    checkLayer(km.layers[g2](), (x) => tf.layers[g2]({}).apply(x), [2, 4, 5, 3], {what: g2});
    checkLayer(km.layers[g2]({dataFormat: 'channelsFirst'}), (x) => tf.layers[g2]({dataFormat: 'channelsFirst'}).apply(x),
               [2, 3, 4, 5], {what: `${g2} channelsFirst`});
    checkLayer(km.layers[g3](), (x) => reduce(x, [1, 2, 3], false), [2, 3, 4, 2, 3], {what: g3});
    checkLayer(km.layers[g3]({dataFormat: 'channelsFirst', keepdims: true}), (x) => reduce(x, [2, 3, 4], true),
               [2, 3, 3, 4, 2], {what: `${g3} channelsFirst keepdims`});
    checkLayer(km.layers[g1]({keepdims: true}), (x) => reduce(x, [1], true), [2, 5, 3], {what: `${g1} keepdims`});
    checkLayer(km.layers[g2]({keepdims: true, dataFormat: 'channelsFirst'}), (x) => reduce(x, [2, 3], true),
               [2, 3, 4, 5], {what: `${g2} channelsFirst keepdims`});
    const layer = km.layers[g2]({keepdims: true});
    assert.deepEqual(layer.computeOutputShape([null, 4, 5, 3]), [null, 1, 1, 3]);
    assert.deepEqual(km.layers[g3]({dataFormat: 'channelsFirst'}).computeOutputShape([null, 3, 2, 2, 2]), [null, 3]);
    layer.dispose();
  }
});

// Keras snake_case class names to factories: MaxPooling2D -> maxPooling2d.
function factoryOf(className) {
  return className[0].toLowerCase() + className.slice(1).replace(/(\d)D$/, '$1d');
}

const CASES_JSON = new URL('../../shared/fixtures/keras-layer-outputs/cases.json', import.meta.url);

test('Keras 2.1 fixtures: every pooling case gives what Keras computed', (t) => {
  if (!existsSync(CASES_JSON)) {
    t.skip('../shared/fixtures/keras-layer-outputs is absent');
    return;
  }
  const cases = JSON.parse(readFileSync(CASES_JSON, 'utf8')).filter((c) => /Pooling[123]D$/.test(c.className));
  assert.ok(cases.length >= 40, `${cases.length} pooling fixtures`);
  for (const c of cases) {
    const layer = km.layers[factoryOf(c.className)](c.config);
    km.tidy(() => {
      // The fixtures have no batch axis: one sample.
      const y = layer.apply(km.tensor(c.input.data, [1, ...c.input.shape]));
      assertClose(y, {shape: [1, ...c.expected.shape], dtype: 'float32', dataSync: () => Float32Array.from(c.expected.data)},
                  {rtol: 1e-5, atol: 1e-6, what: c.id});
    });
    layer.dispose();
  }
});

test('masked GlobalAveragePooling1D averages the unmasked steps; masked GlobalMaxPooling1D skips masked steps', () => {
  for (const dataFormat of ['channelsLast', 'channelsFirst']) {
    tf.tidy(() => km.tidy(() => {
      const first = dataFormat === 'channelsFirst';
      const shape = first ? [3, 2, 4] : [3, 4, 2];
      const [x, tx] = pair(shape, 7);
      const maskValues = [[1, 1, 0, 1], [0, 1, 0, 0], [1, 1, 1, 1]];
      const mask = km.tensor(maskValues);
      const tm = tf.tensor(maskValues).expandDims(first ? 1 : 2);
      const steps = first ? 2 : 1;
      const avg = km.layers.globalAveragePooling1d({dataFormat});
      // sum(x * m) / sum(m) over the steps, as Keras computes it.
      const avgRef = (v) => v.mul(tm).sum(steps).div(tm.sum(steps));
      assertClose(avg.apply(x, {mask}), avgRef(tx), {what: `average ${dataFormat}`});
      const [dy, tdy] = pair([3, 2], 8);
      assertClose(km.grad((v) => avg.apply(v, {mask}))(x, dy), tf.grad((v) => avgRef(v))(tx, tdy),
                  {rtol: 1e-4, atol: 1e-5, what: `average gradient ${dataFormat}`});
      assert.equal(avg.computeMask(x, mask), null);
      // Masked steps replaced by -inf never win the maximum.
      const mx = km.layers.globalMaxPooling1d({dataFormat, keepdims: true});
      const maxRef = (v) => tf.where(tm.cast('bool').broadcastTo(shape), v, tf.fill(shape, -Infinity)).max(steps, true);
      assertClose(mx.apply(x, {mask}), maxRef(tx), {what: `max ${dataFormat}`});
      const [dy3, tdy3] = pair(first ? [3, 2, 1] : [3, 1, 2], 9);
      assertClose(km.grad((v) => mx.apply(v, {mask}))(x, dy3), tf.grad((v) => maxRef(v))(tx, tdy3),
                  {rtol: 1e-4, atol: 1e-5, what: `max gradient ${dataFormat}`});
      // Without a mask, every step counts.
      assertClose(avg.apply(x), tx.mean(steps), {what: `unmasked ${dataFormat}`});
      avg.dispose();
      mx.dispose();
    }));
  }
  // Windowed poolings take no mask and pass none on.
  km.tidy(() => {
    const layer = km.layers.maxPooling1d();
    assert.equal(layer.computeMask(km.ones([1, 4, 2]), km.ones([1, 4])), null);
    assert.deepEqual(layer.apply(km.ones([1, 4, 2]), {mask: km.ones([1, 4])}).shape, [1, 2, 2]);
    layer.dispose();
  });
});

test('config: Keras names, strides defaulting to poolSize, round trips through the factories and tfjs spellings', () => {
  const layer = km.layers.maxPooling2d({poolSize: 3, padding: 'same', name: 'pool'});
  const config = layer.getConfig();
  assert.deepEqual(config.poolSize, [3, 3]);
  assert.deepEqual(config.strides, [3, 3]);
  assert.equal(config.padding, 'same');
  assert.equal(config.name, 'pool');
  const again = km.layers.maxPooling2d(config);
  assert.deepEqual(again.getConfig(), config);
  // Keras snake_case configs give the same layer.
  const snake = km.layers.maxPooling2d({pool_size: [3, 3], strides: null, padding: 'same', data_format: 'channels_last',
                                        name: 'pool'});
  assert.deepEqual(snake.getConfig(), config);
  const global = km.layers.globalAveragePooling3d({keepdims: true, dataFormat: 'channelsFirst'});
  assert.equal(global.getConfig().keepdims, true);
  assert.deepEqual(km.layers.globalAveragePooling3d(global.getConfig()).getConfig(), global.getConfig());
  // tfjs builds the same layer from our config.
  const tfLayer = tf.layers.maxPooling2d(config);
  assert.deepEqual(tfLayer.getConfig().poolSize, [3, 3]);
  for (const l of [layer, again, snake, global]) l.dispose();
});

test('a model of pooling layers predicts as tfjs does with the same JSON, and fits', async () => {
  const input = km.input({shape: [6, 6, 2]});
  let h = km.layers.maxPooling2d({poolSize: 2, padding: 'same', name: 'mp'}).apply(input);
  h = km.layers.averagePooling2d({poolSize: [2, 1], strides: 1, name: 'ap'}).apply(h);
  const out = km.layers.dense({units: 2, name: 'd'}).apply(km.layers.globalMaxPooling2d({name: 'gm'}).apply(h));
  const model = km.model({inputs: input, outputs: out});
  assert.deepEqual(model.outputs[0].shape, [null, 2]);
  const tfModel = await tf.models.modelFromJSON(model.toJSON(null, false));
  const weights = model.getWeights();
  tfModel.setWeights(weights.map((w) => tf.tensor(w.dataSync(), w.shape)));
  km.dispose(weights);
  const [x, tx] = pair([3, 6, 6, 2], 11);
  km.tidy(() => tf.tidy(() => assertClose(model.predict(x), tfModel.predict(tx), {rtol: 1e-5, atol: 1e-6})));
  // Training reaches the dense weights through the poolings.
  model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  const target = km.zeros([3, 2]);
  const before = km.tidy(() => model.evaluate(x, target).dataSync()[0]);
  await model.fit(x, target, {epochs: 5, batchSize: 3, verbose: 0});
  const after = km.tidy(() => model.evaluate(x, target).dataSync()[0]);
  assert.ok(after < before, `loss ${before} -> ${after}`);
  km.dispose([x, target]);
  tx.dispose();
  model.optimizer?.dispose();
  model.dispose();
});

test('errors name the layer: rank, a window larger than a valid-padded input, padding, pool sizes, masks', () => {
  assert.throws(() => km.tidy(() => km.layers.maxPooling2d({name: 'mp'}).apply(km.ones([2, 4, 4]))),
                /MaxPooling2D 'mp'.*ndim=4, found ndim=3/);
  assert.throws(() => km.tidy(() => km.layers.averagePooling1d({poolSize: 5, name: 'ap'}).apply(km.ones([1, 3, 2]))),
                /AveragePooling1D 'ap': pool_size \[5\] does not fit the input with padding='valid'.*\[1,3,2\]/);
  assert.throws(() => km.layers.averagePooling1d({poolSize: 5}).computeOutputShape([null, 3, 2]), /AveragePooling1D/);
  // Same padding always fits.
  km.tidy(() => assert.deepEqual(km.layers.averagePooling1d({poolSize: 5, padding: 'same'}).apply(km.ones([1, 3, 2])).shape,
                                 [1, 1, 2]));
  assert.throws(() => km.layers.maxPooling3d({padding: 'causal', name: 'p3'}), /MaxPooling3D 'p3'.*padding.*causal/);
  assert.throws(() => km.layers.maxPooling2d({poolSize: [2, 2, 2]}), /MaxPooling2D.*poolSize.*2 positive integers/);
  assert.throws(() => km.layers.maxPooling2d({strides: [0, 1]}), /MaxPooling2D.*strides/);
  assert.throws(() => km.layers.globalMaxPooling1d({dataFormat: 'nwc'}), /GlobalMaxPooling1D.*dataFormat/);
  assert.throws(() => km.layers.globalMaxPooling2d({poolSize: 2}), /GlobalMaxPooling2D.*poolSize/);
  assert.throws(() => km.tidy(() => km.layers.globalAveragePooling1d({name: 'g'}).apply(km.ones([2, 4, 3]), {mask: km.ones([2, 3])})),
                /GlobalAveragePooling1D 'g'.*mask.*\[2,3\]/);
});

test('no tensors leak: forward, gradients and masked calls leave the count where it was', () => {
  const layers = [km.layers.maxPooling2d({padding: 'same'}), km.layers.averagePooling3d({dataFormat: 'channelsFirst'}),
    km.layers.globalAveragePooling1d(), km.layers.globalMaxPooling1d()];
  const x2 = km.ones([2, 5, 5, 3]);
  const x3 = km.ones([1, 2, 4, 4, 4]);
  const x1 = km.ones([2, 4, 3]);
  const mask = km.tensor([[1, 0, 1, 1], [1, 1, 0, 0]]);
  const inputs = [x2, x3, x1, x1];
  const before = km.memory().numTensors;
  layers.forEach((layer, i) => {
    const y = layer.apply(inputs[i], i >= 2 ? {mask} : undefined);
    y.dispose();
    const g = km.grad((v) => layer.apply(v, i >= 2 ? {mask} : undefined))(inputs[i]);
    g.dispose();
  });
  // A failed call frees what it made.
  assert.throws(() => km.tidy(() => layers[0].apply(km.ones([1, 2]))));
  assert.equal(km.memory().numTensors, before);
  km.dispose([x2, x3, x1, mask]);
  for (const l of layers) l.dispose();
  assert.equal(km.memory().numTensors, before - 4);
});
