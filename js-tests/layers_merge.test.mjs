// Merge layers beyond the generic test: Keras broadcasting, more axes, Dot of higher ranks and normalize
// (against tfjs-layers where it has them, else the Keras formula in tfjs ops), functional models built from
// them (symbolic and eager alike, saved and read back by tfjs, and tfjs' own merge fixture), masks, and the
// errors.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, pair, tf} from './support.mjs';

// Forward and every input's gradient of km's layer against tfFn (a tfjs layer's apply or a formula).
function checkMerge(kmLayer, tfFn, shapes, {seed = 1, rtol = 1e-5, atol = 1e-6} = {}) {
  tf.tidy(() => km.tidy(() => {
    const inputs = shapes.map((s, i) => pair(s, seed * 13 + i));
    const xs = inputs.map(([k]) => k);
    const txs = inputs.map(([, t]) => t);
    const expected = tfFn(txs);
    const f = (...v) => kmLayer.apply(v);
    assertClose(f(...xs), expected, {rtol, atol, what: 'forward'});
    const [dy, tdy] = pair(expected.shape, seed * 13 + 9);
    const g = km.grads(f)(xs, dy);
    const tg = tf.grads((...v) => tfFn(v).mul(1))(txs, tdy);
    g.forEach((gi, i) => assertClose(gi, tg[i], {rtol: 1e-4, atol: 1e-5, what: `gradient ${i}`}));
  }));
  kmLayer.dispose();
}

test('element-wise merges broadcast as Keras does: size-1 axes and lower ranks aligned after the batch', () => {
  const shapes = [[2, 3, 4], [2, 1, 4], [2, 4]];
  for (const name of ['add', 'multiply', 'average', 'maximum', 'minimum']) {
    const tfLayer = tf.layers[name]({});
    // tfjs' maximum / minimum gradients are not summed back to broadcast inputs (tfjs throws): for those the
    // inputs are broadcast explicitly first, which is what the merge means.
    const full = ([a, b, c]) => [a, b.broadcastTo([2, 3, 4]), c.expandDims(1).broadcastTo([2, 3, 4])];
    const tfFn = name === 'maximum' || name === 'minimum' ? (v) => tfLayer.apply(full(v)) : (v) => tfLayer.apply(v);
    checkMerge(km.layers[name](), tfFn, shapes);
    assert.deepEqual(km.layers[name]().computeOutputShape(shapes.map((s) => [null, ...s.slice(1)])), [null, 3, 4]);
  }
  // Subtract has no tfjs twin: a - b with b broadcast from [batch, 4] as Keras expands it at axis 1.
  checkMerge(km.layers.subtract(), ([a, b]) => a.sub(b.expandDims(1)), [[2, 3, 4], [2, 4]]);
  checkMerge(km.layers.subtract(), ([a, b]) => a.sub(b), [[3, 5], [3, 1]]);
});

test('Concatenate on every non-batch axis, positive and negative', () => {
  checkMerge(km.layers.concatenate({axis: 1}), (v) => tf.concat(v, 1), [[2, 3, 2, 2], [2, 1, 2, 2]]);
  checkMerge(km.layers.concatenate({axis: 2}), (v) => tf.concat(v, 2), [[2, 3, 2, 2], [2, 3, 4, 2]]);
  checkMerge(km.layers.concatenate({axis: -1}), (v) => tf.layers.concatenate({axis: -1}).apply(v),
             [[2, 3, 2, 1], [2, 3, 2, 3], [2, 3, 2, 2]]);
  checkMerge(km.layers.concatenate({axis: -3}), (v) => tf.concat(v, 1), [[2, 1, 2, 2], [2, 2, 2, 2]]);
  const cat = km.layers.concatenate({axis: 1});
  assert.deepEqual(cat.computeOutputShape([[null, 3, 4], [null, 2, 4]]), [null, 5, 4]);
  assert.deepEqual(cat.computeOutputShape([[null, null, 4], [null, 2, 4]]), [null, null, 4]);
  cat.dispose();
});

// Keras' batch_dot: per sample, the tensordot of x and y over axes a0 and a1, x's remaining axes first.
function batchDot(x, y, a0, a1) {
  const rx = x.rank, ry = y.rank;
  const px = [0, ...[...Array(rx).keys()].filter((d) => d > 0 && d !== a0), a0];
  const py = [0, a1, ...[...Array(ry).keys()].filter((d) => d > 0 && d !== a1)];
  const xt = x.transpose(px);
  const yt = y.transpose(py);
  const restX = xt.shape.slice(1, -1);
  const restY = yt.shape.slice(2);
  const k = x.shape[a0];
  const b = x.shape[0];
  const z = tf.matMul(xt.reshape([b, -1, k]), yt.reshape([b, k, -1]));
  const out = [b, ...restX, ...restY];
  return z.reshape(out.length === 1 ? [b, 1] : out);
}

// Keras 3's normalize: x / max(||x||, 1e-7) along the axis.
function normalize(x, axis) {
  return x.div(tf.maximum(x.square().sum(axis, true).sqrt(), 1e-7));
}

test('Dot: integer and pair axes, negative axes, ranks 2 to 4, normalize (against tfjs and batch_dot)', () => {
  checkMerge(km.layers.dot({axes: -1}), (v) => tf.layers.dot({axes: -1}).apply(v), [[3, 4], [3, 4]]);
  checkMerge(km.layers.dot({axes: [2, 1]}), (v) => tf.layers.dot({axes: [2, 1]}).apply(v), [[2, 3, 4], [2, 4, 5]]);
  checkMerge(km.layers.dot({axes: [1, 1], normalize: true}),
             (v) => tf.layers.dot({axes: [1, 1], normalize: true}).apply(v), [[2, 3, 4], [2, 3, 2]]);
  // tfjs-layers' Dot stops at rank 3: Keras' batch_dot is the reference from here.
  checkMerge(km.layers.dot({axes: [1, 1]}), ([x, y]) => batchDot(x, y, 1, 1), [[2, 3], [2, 3, 4]]);
  checkMerge(km.layers.dot({axes: [3, -2]}), ([x, y]) => batchDot(x, y, 3, 1), [[2, 3, 4, 2], [2, 2, 5]]);
  checkMerge(km.layers.dot({axes: [-3, 2], normalize: true}),
             ([x, y]) => batchDot(normalize(x, 1), normalize(y, 2), 1, 2), [[2, 3, 2, 2], [2, 4, 3, 2]]);
  const dot = km.layers.dot({axes: [2, 1]});
  assert.deepEqual(dot.computeOutputShape([[null, 3, 4], [null, 4, 5, 6]]), [null, 3, 5, 6]);
  assert.deepEqual(km.layers.dot({axes: -1}).computeOutputShape([[null, 4], [null, 4]]), [null, 1]);
  assert.deepEqual(dot.getConfig().axes, [2, 1]);
  assert.equal(km.layers.dot({axes: -1}).getConfig().axes, -1);
  dot.dispose();
});

test('a functional model of merge layers: symbolic shapes, the same values eagerly, tfjs reads it back', async () => {
  const a = km.input({shape: [4]});
  const b = km.input({shape: [4]});
  const c = km.input({shape: [3, 4]});
  const sum = km.layers.add({name: 'sum'}).apply([a, b]);
  assert.deepEqual(sum.shape, [null, 4]);
  const diff = km.layers.subtract({name: 'diff'}).apply([a, b]);
  const both = km.layers.concatenate({name: 'both'}).apply([sum, diff]);
  assert.deepEqual(both.shape, [null, 8]);
  const scores = km.layers.dot({axes: [1, 2], name: 'scores'}).apply([b, c]);
  assert.deepEqual(scores.shape, [null, 3]);
  const out = km.layers.concatenate({name: 'out'}).apply([both, km.layers.maximum().apply([scores, scores])]);
  assert.deepEqual(out.shape, [null, 11]);
  const model = km.model({inputs: [a, b, c], outputs: out});

  const [xa, ta] = pair([2, 4], 3);
  const [xb, tb] = pair([2, 4], 4);
  const [xc, tc] = pair([2, 3, 4], 5);
  km.tidy(() => tf.tidy(() => {
    const expected = tf.concat([ta.add(tb), ta.sub(tb), tf.matMul(tc, tb.expandDims(2)).squeeze([2])], 1);
    assertClose(model.predict([xa, xb, xc]), expected, {rtol: 1e-5, atol: 1e-6});
    // Eagerly, layer by layer, the same numbers.
    const layer = (name) => model.layers.find((l) => l.name === name);
    const eager = layer('out').apply([layer('both').apply([layer('sum').apply([xa, xb]), layer('diff').apply([xa, xb])]),
                                      layer('scores').apply([xb, xc])]);
    assertClose(eager, expected, {rtol: 1e-5, atol: 1e-6});
  }));

  // Our JSON back through modelFromJSON, and tfjs-layers reading the layers it has (no Subtract there).
  const copy = await km.models.modelFromJSON(model.toJSON());
  km.tidy(() => assertClose(copy.predict([xa, xb, xc]), model.predict([xa, xb, xc])));
  const x = km.input({shape: [4]});
  const y = km.input({shape: [4]});
  const tfable = km.model({inputs: [x, y], outputs: km.layers.dot({axes: 1, normalize: true}).apply(
    [km.layers.multiply().apply([x, y]), km.layers.average().apply([x, y])])});
  const tfModel = await tf.models.modelFromJSON(tfable.toJSON(null, false));
  km.tidy(() => tf.tidy(() => assertClose(tfable.predict([xa, xb]), tfModel.predict([ta, tb]), {rtol: 1e-5, atol: 1e-6})));
  km.dispose([xa, xb, xc]);
  tf.dispose([ta, tb, tc]);
  for (const m of [model, copy, tfable]) m.dispose();
});

test('masks: element-wise merges OR them when every input has one; Concatenate joins them; Dot drops them', () => {
  km.tidy(() => {
    const xs = [km.ones([2, 3, 2]), km.ones([2, 3, 2])];
    const m0 = km.tensor([[1, 0, 0], [1, 1, 0]]);
    const m1 = km.tensor([[0, 0, 1], [1, 0, 0]]);
    assert.deepEqual(km.layers.add().computeMask(xs, [m0, m1]).arraySync(), [[1, 0, 1], [1, 1, 0]]);
    assert.deepEqual(km.layers.maximum().computeMask(xs, [m0, m1]).arraySync(), [[1, 0, 1], [1, 1, 0]]);
    assert.equal(km.layers.add().computeMask(xs, [m0, null]), null);
    assert.equal(km.layers.dot({axes: -1}).computeMask(xs, [m0, m1]), null);
    const cat = km.layers.concatenate({axis: 1}).computeMask(xs, [m0, null]);
    assert.deepEqual(cat.arraySync(), [[1, 0, 0, 1, 1, 1], [1, 1, 0, 1, 1, 1]]);
    assert.deepEqual(km.layers.concatenate().computeMask(xs, [m0, m1]).arraySync(), [[1, 0, 1], [1, 1, 0]]);
  });
});

test('errors name the layer and every input shape; counts and axes are checked', () => {
  km.tidy(() => {
    const add = km.layers.add({name: 'plus'});
    assert.throws(() => add.apply([km.ones([2, 3]), km.ones([2, 4])]), /Add 'plus': inputs have incompatible shapes.*\[\[2,3\],\[2,4\]\]/);
    assert.throws(() => add.apply([km.ones([2, 3]), km.ones([3, 3])]), /different batch sizes.*\[\[2,3\],\[3,3\]\]/);
    assert.throws(() => add.apply(km.ones([2, 3])), /Add 'plus': expects at least 2 inputs, but it received 1 input tensor/);
    assert.throws(() => km.layers.subtract().apply([km.ones([2, 3]), km.ones([2, 3]), km.ones([2, 3])]),
                  /Subtract 'subtract(_\d+)?': expects 2 inputs, but it received 3/);
    assert.throws(() => km.layers.dot({axes: 1}).apply([km.ones([2, 3])]), /Dot .*expects 2 inputs/);
    assert.throws(() => km.layers.concatenate({axis: 0}).apply([km.ones([2, 3]), km.ones([2, 3])]),
                  /Concatenate .*cannot concatenate along the batch axis \(axis=0\)/);
    assert.throws(() => km.layers.concatenate({axis: 1}).apply([km.ones([2, 3, 4]), km.ones([2, 3, 5])]),
                  /matching shapes except for the concatenation axis 1.*\[\[2,3,4\],\[2,3,5\]\]/);
    assert.throws(() => km.layers.concatenate({axis: 5}).apply([km.ones([2, 3]), km.ones([2, 3])]), /axis 5 is out of range/);
    assert.throws(() => km.layers.dot({axes: 0}).apply([km.ones([2, 3]), km.ones([2, 3])]), /batch axis/);
    assert.throws(() => km.layers.dot({axes: [1, 2]}).apply([km.ones([2, 3]), km.ones([2, 4, 5])]),
                  /Dot .*axis 1 of input 0 has size 3 but axis 2 of input 1 has size 5.*\[\[2,3\],\[2,4,5\]\]/);
    assert.throws(() => km.layers.dot({axes: [1, 2, 3]}), /Dot .*axes must be an integer or a list of two integers/);
    assert.throws(() => km.layers.dot({}), /Dot .*axes/);
    // Symbolically too, before any data.
    const a = km.input({shape: [3]});
    const b = km.input({shape: [5]});
    assert.throws(() => km.layers.multiply({name: 'times'}).apply([a, b]), /Multiply 'times'.*\[\[null,3\],\[null,5\]\]/);
    assert.throws(() => km.layers.concatenate().apply([a]), /at least 2 inputs/);
  });
  // The module stays usable.
  km.tidy(() => assertClose(km.layers.add().apply([km.ones([1, 2]), km.ones([1, 2])]), km.tensor([[2, 2]])));
});

// tfjs-layers' integration test data (tfjs2keras): a functional model with Concatenate and Average saved
// by tfjs 1.1, with inputs and the outputs that project checks against Keras.
const TFJS2KERAS = new URL('../../shared/fixtures/models/tfjs-layers-tfjs2keras/integration_tests/tfjs2keras/test-data/',
                           import.meta.url);

test('fixture: the tfjs2keras functional merge model predicts its recorded outputs', async (t) => {
  if (!existsSync(TFJS2KERAS)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  const read = (name) => JSON.parse(readFileSync(new URL(name, TFJS2KERAS), 'utf8'));
  const model = await km.loadLayersModel(`file://${new URL('functional_merge.json/model.json', TFJS2KERAS).pathname}`);
  assert.ok(model.layers.some((l) => l.getClassName() === 'Concatenate'));
  assert.ok(model.layers.some((l) => l.getClassName() === 'Average'));
  const xs = read('functional_merge.json.xs-data.json').map((v, i) => km.tensor(v, read('functional_merge.json.xs-shapes.json')[i]));
  const [yShape] = read('functional_merge.json.ys-shapes.json');
  const [yValues] = read('functional_merge.json.ys-data.json');
  km.tidy(() => {
    const y = model.predict(xs);
    assertClose(Array.isArray(y) ? y[0] : y, {shape: yShape, dtype: 'float32', dataSync: () => Float32Array.from(yValues)},
                {atol: 1e-4, rtol: 1e-3});
  });
  km.dispose(xs);
  model.dispose();
});
