// Reshaping layers beyond the generic test: more argument forms against tfjs-layers (forward and input
// gradient, both data formats), the 1D and 3D layers against slice / pad / gather formulas, Keras 3's
// bilinear upsampling against the half-pixel resize (and how tfjs-layers differs), the Keras-computed
// fixtures, configs round-tripping through our JSON and tfjs', errors, masks and tensor leaks.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, pair, tf} from './support.mjs';

// Forward and input gradient of km's layer against tfFn (a tfjs layer's apply or a formula on tfjs tensors).
function check(kmLayer, tfFn, shape, {seed = 1, gradFn = tfFn} = {}) {
  tf.tidy(() => km.tidy(() => {
    const [x, tx] = pair(shape, seed);
    const expected = tfFn(tx);
    assertClose(kmLayer.apply(x), expected, {rtol: 1e-5, atol: 1e-6, what: 'forward'});
    const [dy, tdy] = pair(expected.shape, seed + 100);
    const g = km.grad((v) => kmLayer.apply(v))(x, dy);
    const tg = tf.grad((v) => gradFn(v).mul(1))(tx, tdy);
    assertClose(g, tg, {rtol: 1e-4, atol: 1e-5, what: 'input gradient'});
  }));
  kmLayer.dispose();
}

// Both libraries' layer from one config (tfjs writes into configs: each gets its own copy).
function both(factory, config, shape, options) {
  const tfLayer = tf.layers[factory](structuredClone(config));
  check(km.layers[factory](config), (v) => tfLayer.apply(v), shape, options);
}

function gatherRepeat(x, axis, times) {
  const indices = Array.from({length: x.shape[axis] * times}, (_, i) => Math.floor(i / times));
  return tf.gather(x, tf.tensor1d(indices, 'int32'), axis);
}

test('Cropping2D, ZeroPadding2D, UpSampling2D (nearest) against tfjs-layers in both data formats', () => {
  for (const dataFormat of ['channelsLast', 'channelsFirst']) {
    for (const cropping of [1, [2, 1], [[0, 2], [1, 0]]]) both('cropping2D', {cropping, dataFormat}, [2, 6, 6, 5]);
    // Keras also takes one entry per axis, each a number or a pair; tfjs-layers does not (it yields NaN sizes).
    const [begin, size] = dataFormat === 'channelsLast' ? [[0, 1, 2, 0], [-1, 4, 2, -1]] : [[0, 0, 1, 2], [-1, -1, 4, 2]];
    check(km.layers.cropping2D({cropping: [[1, 1], 2], dataFormat}), (x) => x.slice(begin, size), [2, 6, 6, 6]);
    for (const padding of [1, [0, 2], [[2, 0], [1, 3]]]) both('zeroPadding2d', {padding, dataFormat}, [2, 3, 2, 4]);
    // tfjs' resizeNearestNeighbor gradient is wrong once the batch or the channels exceed 1: the forward is
    // checked against tfjs-layers, the gradient against the same repeat as gathers.
    const [h, w] = dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
    for (const size of [[2, 2], [1, 3], [3, 2]]) {
      both('upSampling2d', {size, dataFormat}, [2, 2, 3, 3],
           {gradFn: (x) => gatherRepeat(gatherRepeat(x, h, size[0]), w, size[1])});
    }
    // One number for both axes, as Keras takes it (tfjs-layers wants a pair).
    check(km.layers.upSampling2d({size: 3, dataFormat}), (x) => gatherRepeat(gatherRepeat(x, h, 3), w, 3), [2, 2, 3, 2]);
  }
  // The defaults: Cropping2D crops nothing, ZeroPadding2D pads 1, UpSampling2D doubles.
  both('cropping2D', {cropping: [[0, 0], [0, 0]]}, [1, 3, 3, 2]);
  both('zeroPadding2d', {}, [1, 3, 3, 2]);
  both('upSampling2d', {}, [1, 3, 3, 2], {gradFn: (x) => gatherRepeat(gatherRepeat(x, 1, 2), 2, 2)});
  // cropping2d is the same factory as tfjs' cropping2D.
  assert.equal(km.layers.cropping2d, km.layers.cropping2D);
  const c = km.layers.cropping2d({cropping: 1});
  assert.equal(c.getClassName(), 'Cropping2D');
  c.dispose();
});

test('Permute and RepeatVector against tfjs-layers', () => {
  for (const dims of [[1, 2, 3], [3, 2, 1], [2, 3, 1], [1, 3, 2]]) both('permute', {dims}, [2, 2, 3, 4]);
  both('permute', {dims: [4, 1, 3, 2]}, [1, 2, 3, 2, 2]);
  for (const n of [1, 2, 5]) both('repeatVector', {n}, [3, 4]);
});

test('Cropping, ZeroPadding and UpSampling in 1D and 3D against slice / pad / gather', () => {
  check(km.layers.cropping1d({cropping: 2}), (x) => x.slice([0, 2, 0], [-1, 3, -1]), [2, 7, 3]);
  check(km.layers.cropping1d({cropping: [0, 3]}), (x) => x.slice([0, 0, 0], [-1, 2, -1]), [2, 5, 3]);
  check(km.layers.zeroPadding1d({padding: 2}), (x) => x.pad([[0, 0], [2, 2], [0, 0]]), [2, 3, 2]);
  check(km.layers.zeroPadding1d({padding: [3, 0]}), (x) => x.pad([[0, 0], [3, 0], [0, 0]]), [2, 3, 2]);
  check(km.layers.upSampling1d({size: 4}), (x) => gatherRepeat(x, 1, 4), [2, 3, 2]);
  for (const [format, axes] of [['channelsLast', [1, 2, 3]], ['channelsFirst', [2, 3, 4]]]) {
    const shape = format === 'channelsLast' ? [1, 4, 3, 5, 2] : [1, 2, 4, 3, 5];
    const begin = [0, 0, 0, 0, 0];
    const size = [-1, -1, -1, -1, -1];
    [[1, 2], [0, 1], [2, 1]].forEach(([a, b], i) => {
      begin[axes[i]] = a;
      size[axes[i]] = shape[axes[i]] - a - b;
    });
    check(km.layers.cropping3d({cropping: [[1, 2], [0, 1], [2, 1]], dataFormat: format}), (x) => x.slice(begin, size), shape);
    const pads = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]];
    [[1, 0], [2, 2], [0, 1]].forEach((p, i) => { pads[axes[i]] = p; });
    check(km.layers.zeroPadding3d({padding: [[1, 0], 2, [0, 1]], dataFormat: format}), (x) => x.pad(pads), shape);
    check(km.layers.upSampling3d({size: [2, 1, 3], dataFormat: format}),
          (x) => gatherRepeat(gatherRepeat(x, axes[0], 2), axes[2], 3), shape);
  }
  // The defaults: Cropping1D and Cropping3D crop 1 on every side, ZeroPadding3D pads 1, UpSampling1D/3D double.
  check(km.layers.cropping1d(), (x) => x.slice([0, 1, 0], [-1, 2, -1]), [1, 4, 2]);
  check(km.layers.cropping3d(), (x) => x.slice([0, 1, 1, 1, 0], [-1, 1, 1, 2, -1]), [1, 3, 3, 4, 2]);
  check(km.layers.zeroPadding3d(), (x) => x.pad([[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]), [1, 1, 2, 1, 2]);
  check(km.layers.upSampling3d(), (x) => gatherRepeat(gatherRepeat(gatherRepeat(x, 1, 2), 2, 2), 3, 2), [1, 2, 1, 2, 2]);
});

test("UpSampling2D bilinear follows Keras 3's half-pixel resize, which tfjs-layers' does not", () => {
  for (const [size, dataFormat, shape] of [[[2, 2], 'channelsLast', [2, 3, 3, 2]], [[3, 2], 'channelsLast', [1, 2, 4, 3]],
    [[2, 3], 'channelsFirst', [1, 2, 3, 2]], [[1, 4], 'channelsFirst', [2, 1, 2, 3]]]) {
    const toLast = (x) => (dataFormat === 'channelsFirst' ? x.transpose([0, 2, 3, 1]) : x);
    const toFormat = (x) => (dataFormat === 'channelsFirst' ? x.transpose([0, 3, 1, 2]) : x);
    const h = shape[dataFormat === 'channelsFirst' ? 2 : 1];
    const w = shape[dataFormat === 'channelsFirst' ? 3 : 2];
    const layer = km.layers.upSampling2d({size, dataFormat, interpolation: 'bilinear'});
    tf.tidy(() => km.tidy(() => {
      const [x, tx] = pair(shape, 3);
      // tfjs' resizeBilinear with halfPixelCenters is TensorFlow's half_pixel_centers=True.
      const expected = toFormat(tf.image.resizeBilinear(toLast(tx), [h * size[0], w * size[1]], false, true));
      const y = layer.apply(x);
      assertClose(y, expected, {rtol: 1e-5, atol: 1e-6, what: `bilinear ${size} ${dataFormat}`});
      // tfjs-layers' bilinear (no half-pixel centres) gives other values.
      const tfjsLayers = tf.layers.upSampling2d({size, dataFormat, interpolation: 'bilinear'}).apply(tx);
      const differs = tfjsLayers.dataSync().some((v, i) => Math.abs(v - y.dataSync()[i]) > 1e-3);
      assert.ok(differs, 'tfjs-layers was expected to differ');
    }));
    layer.dispose();
  }
  // The gradient: each input receives its tent weights times dy. A 1 x 2 image upsampled by [1, 2]:
  // outputs 0, 0.25, 0.75, 1 in terms of (x0, x1) = rows (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1).
  km.tidy(() => {
    const layer = km.layers.upSampling2d({size: [1, 2], interpolation: 'bilinear'});
    const g = km.grad((v) => layer.apply(v))(km.tensor([5, 7], [1, 1, 2, 1]), km.tensor([1, 10, 100, 1000], [1, 1, 4, 1]));
    assertClose(g, km.tensor([1 + 7.5 + 25, 2.5 + 75 + 1000], [1, 1, 2, 1]));
    layer.dispose();
  });
});

// Keras 2.1 computed these; the inputs have no batch axis (one is added).
const CASES_JSON = new URL('../../shared/fixtures/keras-layer-outputs/cases.json', import.meta.url);
const FACTORIES = {
  Cropping1D: 'cropping1d', Cropping2D: 'cropping2D', Cropping3D: 'cropping3d', ZeroPadding1D: 'zeroPadding1d',
  ZeroPadding2D: 'zeroPadding2d', ZeroPadding3D: 'zeroPadding3d', UpSampling1D: 'upSampling1d',
  UpSampling2D: 'upSampling2d', UpSampling3D: 'upSampling3d', Permute: 'permute', RepeatVector: 'repeatVector',
};

test('the Keras fixtures of the reshaping layers', (t) => {
  if (!existsSync(CASES_JSON)) {
    t.skip('../shared/fixtures/keras-layer-outputs is absent');
    return;
  }
  const records = JSON.parse(readFileSync(CASES_JSON, 'utf8')).filter((r) => r.className in FACTORIES);
  assert.ok(records.length >= 20, `${records.length} records`);
  for (const r of records) {
    km.tidy(() => {
      // The Keras snake_case config as it is: the layers read both spellings.
      const layer = km.layers[FACTORIES[r.className]](r.config);
      const y = layer.apply(km.tensor(r.input.data.flat(Infinity), [1, ...r.input.shape]));
      assertClose(y, tf.tensor(r.expected.data.flat(Infinity), [1, ...r.expected.shape]), {rtol: 1e-6, atol: 1e-6, what: r.id});
      assert.deepEqual(layer.computeOutputShape([null, ...r.inputShape]), [null, ...r.expected.shape], r.id);
      layer.dispose();
    });
  }
});

test('configs round-trip through the factories, our model JSON and tfjs-layers', async () => {
  const configs = [
    ['cropping1d', {cropping: [1, 2]}], ['cropping2D', {cropping: [[1, 0], [0, 2]], dataFormat: 'channelsFirst'}],
    ['cropping3d', {cropping: 1}], ['zeroPadding1d', {padding: [2, 0], dataFormat: 'channelsFirst'}],
    ['zeroPadding2d', {padding: [1, 2]}], ['zeroPadding3d', {padding: [[1, 0], [0, 1], [2, 2]]}],
    ['upSampling1d', {size: 3}], ['upSampling2d', {size: [2, 1], interpolation: 'bilinear'}],
    ['upSampling3d', {size: [1, 2, 1], dataFormat: 'channelsFirst'}], ['permute', {dims: [2, 1]}],
    ['repeatVector', {n: 4}],
  ];
  for (const [factory, config] of configs) {
    const layer = km.layers[factory](config);
    const c = layer.getConfig();
    const again = km.layers[factory](c);
    assert.deepEqual(again.getConfig(), c, factory);
    for (const [key, value] of Object.entries(config)) {
      if (key !== 'cropping' && key !== 'padding' && key !== 'size') assert.deepEqual(c[key], value, `${factory} ${key}`);
    }
    layer.dispose();
    again.dispose();
  }
  assert.deepEqual(km.layers.cropping2D({cropping: [1, 2]}).getConfig().cropping, [[1, 1], [2, 2]]);
  assert.deepEqual(km.layers.zeroPadding1d({padding: 3}).getConfig().padding, [3, 3]);
  assert.deepEqual(km.layers.upSampling3d({size: 2}).getConfig().size, [2, 2, 2]);

  // A model of the layers tfjs has: our JSON back through modelFromJSON, and tfjs reading it.
  const model = km.sequential({layers: [
    km.layers.zeroPadding2d({padding: [[1, 0], [2, 1]], inputShape: [3, 4, 2]}),
    km.layers.cropping2D({cropping: [[0, 1], 1]}),
    km.layers.upSampling2d({size: [2, 1]}),
    km.layers.permute({dims: [3, 1, 2]}),
    km.layers.reshape({targetShape: [60]}),
    km.layers.repeatVector({n: 2}),
  ]});
  assert.deepEqual(model.outputs[0].shape, [null, 2, 60]);
  const copy = await km.models.modelFromJSON(model.toJSON());
  assert.deepEqual(copy.toJSON(null, false), model.toJSON(null, false));
  const tfModel = await tf.models.modelFromJSON(model.toJSON(null, false));
  const [x, tx] = pair([2, 3, 4, 2], 12);
  km.tidy(() => tf.tidy(() => {
    assertClose(model.predict(x), tfModel.predict(tx));
    assertClose(copy.predict(x), tfModel.predict(tx));
  }));
  km.dispose(x);
  tf.dispose(tx);
  model.dispose();
  copy.dispose();
});

test('errors name the layer and the values or shapes', () => {
  assert.throws(() => km.layers.cropping2D({cropping: [1, 2, 3], name: 'c'}), /Cropping2D 'c'.*cropping.*Received: cropping=\[1,2,3\]/);
  assert.throws(() => km.layers.zeroPadding1d({padding: -1}), /ZeroPadding1D .*padding=-1/);
  assert.throws(() => km.layers.upSampling2d({interpolation: 'bicubic'}), /UpSampling2D .*only 'nearest' and 'bilinear'/);
  assert.throws(() => km.layers.upSampling2d({size: [2, 0]}), /UpSampling2D .*size=\[2,0\]/);
  assert.throws(() => km.layers.permute({dims: [1, 1]}), /Permute .*permutation of 1\.\.2.*dims=\[1,1\]/);
  assert.throws(() => km.layers.permute({dims: [0, 1]}), /Permute .*dims=\[0,1\]/);
  assert.throws(() => km.layers.repeatVector({n: 0}), /RepeatVector .*n=0/);
  assert.throws(() => km.layers.repeatVector({}), /RepeatVector .*n/);
  km.tidy(() => {
    const crop = km.layers.cropping2D({cropping: [[2, 2], [0, 0]], name: 'crop'});
    assert.throws(() => crop.apply(km.zeros([1, 4, 3, 1])), /Cropping2D 'crop'.*axis 1 has 4 entries.*\[1,4,3,1\]/);
    assert.throws(() => crop.apply(km.input({shape: [3, 5, 1]})), /Cropping2D 'crop'/);
    const crop3 = km.layers.cropping3d({cropping: [0, 0, 3], name: 'c3'});
    assert.throws(() => crop3.apply(km.zeros([1, 2, 2, 5, 1])), /Cropping3D 'c3'.*axis 3 has 5/);
    assert.throws(() => km.layers.repeatVector({n: 2}).apply(km.zeros([2, 3, 4])), /RepeatVector/);
    assert.throws(() => km.layers.permute({dims: [2, 1]}).apply(km.zeros([2, 3])), /Permute/);
    assert.throws(() => km.layers.upSampling1d().apply(km.zeros([2, 3])), /UpSampling1D/);
    for (const l of [crop, crop3]) l.dispose();
  });
});

test('symbolic shapes keep unknown dimensions; no mask passes through', () => {
  const x = km.input({shape: [null, 6, 3]});
  assert.deepEqual(km.layers.zeroPadding2d({padding: [1, 2]}).apply(x).shape, [null, null, 10, 3]);
  assert.deepEqual(km.layers.cropping2D({cropping: [[1, 1], [2, 3]]}).apply(x).shape, [null, null, 1, 3]);
  assert.deepEqual(km.layers.upSampling2d({size: [2, 3]}).apply(x).shape, [null, null, 18, 3]);
  assert.deepEqual(km.layers.permute({dims: [3, 1, 2]}).apply(x).shape, [null, 3, null, 6]);
  km.tidy(() => {
    const t = km.ones([2, 4, 3]);
    const mask = km.tensor([[1, 1, 0, 0], [1, 0, 0, 0]]);
    for (const layer of [km.layers.cropping1d(), km.layers.zeroPadding1d(), km.layers.upSampling1d(),
      km.layers.permute({dims: [2, 1]})]) {
      assert.equal(layer.computeMask(t, mask), null, layer.getClassName());
      layer.dispose();
    }
    const rv = km.layers.repeatVector({n: 2});
    assert.equal(rv.computeMask(km.ones([2, 3]), mask), null);
    rv.dispose();
  });
});

test('no tensors leak from apply, gradients or errors', () => {
  const layers = [km.layers.cropping2D({cropping: 1}), km.layers.zeroPadding3d(), km.layers.upSampling2d({interpolation: 'bilinear'}),
    km.layers.upSampling1d(), km.layers.permute({dims: [2, 1, 3]}), km.layers.repeatVector({n: 3})];
  const shapes = [[1, 3, 3, 2], [1, 2, 2, 2, 1], [1, 2, 2, 1], [1, 3, 2], [1, 2, 3, 2], [2, 3]];
  const x = shapes.map((s) => km.ones(s));
  const tooSmall = km.ones([1, 2, 2, 1]);
  // Warm up (first calls build the layers) before counting.
  layers.forEach((l, i) => km.dispose(l.apply(x[i])));
  const before = km.memory().numTensors;
  layers.forEach((l, i) => {
    km.dispose(l.apply(x[i]));
    km.dispose(km.grad((v) => l.apply(v))(x[i]));
  });
  assert.throws(() => layers[0].apply(tooSmall), /Cropping2D/);
  assert.throws(() => km.grad((v) => layers[0].apply(v))(tooSmall), /Cropping2D/);
  assert.equal(km.memory().numTensors, before);
  km.dispose([...x, tooSmall]);
  for (const l of layers) l.dispose();
});
