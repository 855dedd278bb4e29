// Sequential and functional models against tfjs-layers: predictions with copied weights, weight order,
// summary, Keras JSON both ways, and the errors users meet.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, randomValues, sizeOf, tf} from './support.mjs';

function tfTensors(ts) {
  return ts.map((t) => tf.tensor(t.dataSync(), t.shape));
}

function both(shape, seed) {
  const v = randomValues(sizeOf(shape), seed);
  return [km.tensor(v, shape), tf.tensor(v, shape)];
}

// The same functional graph in either library: two inputs, a layer shared by both, two outputs.
function twoTower(lib) {
  const a = lib.input({shape: [4], name: 'a'});
  const b = lib.input({shape: [4], name: 'b'});
  const shared = lib.layers.dense({units: 3, activation: 'tanh', name: 'shared'});
  const ha = shared.apply(a);
  const hb = shared.apply(b);
  const outA = lib.layers.dense({units: 2, activation: 'softmax', name: 'out_a'}).apply(ha);
  const hb2 = lib.layers.dense({units: 5, activation: 'relu', name: 'mid_b'}).apply(hb);
  const outB = lib.layers.dense({units: 1, activation: 'sigmoid', name: 'out_b'}).apply(hb2);
  return {model: lib.model({inputs: [a, b], outputs: [outA, outB], name: 'towers'}), shared};
}

test('Sequential: predict matches tfjs with the weights copied; layers are the objects given', () => {
  km.tidy(() => tf.tidy(() => {
    const layers = [
      km.layers.dense({units: 8, inputShape: [5], activation: 'relu'}),
      km.layers.dropout({rate: 0.5}),
      km.layers.reshape({targetShape: [2, 4]}),
      km.layers.flatten(),
      km.layers.dense({units: 3, activation: 'softmax'}),
    ];
    const model = km.sequential({layers});
    const tfModel = tf.sequential({layers: [
      tf.layers.dense({units: 8, inputShape: [5], activation: 'relu'}),
      tf.layers.dropout({rate: 0.5}),
      tf.layers.reshape({targetShape: [2, 4]}),
      tf.layers.flatten(),
      tf.layers.dense({units: 3, activation: 'softmax'}),
    ]});
    assert.deepEqual(model.layers, layers);
    assert.equal(model.getLayer(layers[1].name), layers[1]);
    assert.equal(model.getLayer(4), layers[4]);
    assert.deepEqual(model.getWeights().map((w) => w.shape), tfModel.getWeights().map((w) => w.shape));
    tfModel.setWeights(tfTensors(model.getWeights()));
    const [x, tx] = both([7, 5], 1);
    assertClose(model.predict(x), tfModel.predict(tx), {rtol: 1e-5, atol: 1e-6});
    assertClose(model.predict(x, {batchSize: 3}), tfModel.predict(tx), {rtol: 1e-5, atol: 1e-6});
    assert.equal(model.countParams(), tfModel.countParams());
    assert.deepEqual(model.outputs[0].shape, tfModel.outputs[0].shape);
    model.dispose();
  }));
});

test('functional: two inputs, a shared layer, two outputs match tfjs, in the same weight order', () => {
  km.tidy(() => tf.tidy(() => {
    const {model, shared} = twoTower(km);
    const {model: tfModel} = twoTower(tf);
    assert.deepEqual(model.layers.map((l) => l.name), tfModel.layers.map((l) => l.name));
    assert.equal(model.getLayer('shared'), shared);
    assert.deepEqual(model.inputNames, ['a', 'b']);
    assert.deepEqual(model.outputNames, ['out_a', 'out_b']);
    assert.deepEqual(model.getWeights().map((w) => w.shape), tfModel.getWeights().map((w) => w.shape));
    tfModel.setWeights(tfTensors(model.getWeights()));
    const [xa, txa] = both([6, 4], 2);
    const [xb, txb] = both([6, 4], 3);
    const out = model.predict([xa, xb]);
    const expected = tfModel.predict([txa, txb]);
    assert.equal(out.length, 2);
    out.forEach((o, i) => assertClose(o, expected[i], {rtol: 1e-5, atol: 1e-6}));
    // The shared layer has two nodes, so layer.output is ambiguous; a model applied as a layer works.
    assert.throws(() => shared.output, /2 inbound nodes/);
    const again = model.apply([xa, xb]);
    again.forEach((o, i) => assertClose(o, out[i]));
    model.dispose();
    shared.dispose();
  }));
});

test('summary: a row per layer with tfjs-equal parameter counts, totals, printFn gets every line', () => {
  const {model} = twoTower(km);
  const {model: tfModel} = twoTower(tf);
  const lines = [];
  const text = model.summary(undefined, undefined, (line) => lines.push(line));
  assert.equal(`${lines.join('\n')}\n`, text);
  assert.match(text, /^Model: "towers"/);
  for (const layer of tfModel.layers) {
    const row = lines.find((l) => l.startsWith(`${layer.name} (${layer.getClassName()})`));
    assert.ok(row, `row for ${layer.name}`);
    assert.ok(row.split(/\s+/).includes(String(layer.countParams())), `param count in ${row}`);
  }
  assert.ok(lines.includes(`Total params: ${tfModel.countParams()}`));
  assert.ok(lines.some((l) => /shared\[0\]\[0\]/.test(l)), 'connected-to column');
  model.dispose();
});

test('getWeights / setWeights: order, values back, and errors that name the weights and shapes', () => {
  km.tidy(() => {
    const model = km.sequential({layers: [km.layers.dense({units: 3, inputShape: [2], name: 'first'}),
                                          km.layers.dense({units: 1, name: 'second'})]});
    const ws = model.getWeights();
    assert.deepEqual(ws.map((w) => w.shape), [[2, 3], [3], [3, 1], [1]]);
    const fresh = ws.map((w) => km.randomNormal(w.shape, 0, 1, 'float32', 5));
    model.setWeights(fresh);
    model.getWeights().forEach((w, i) => assertClose(w, fresh[i]));
    assert.throws(() => model.setWeights(fresh.slice(1)),
                  /setWeights expects 4 weights \(first\/kernel \[2,3\], first\/bias \[3\], second\/kernel \[3,1\], second\/bias \[1\]\), but received 3/);
    const wrong = [fresh[0], km.zeros([4]), fresh[2], fresh[3]];
    assert.throws(() => model.setWeights(wrong), /first\/bias has shape \[3\], but the value given for it has shape \[4\]/);
    model.getWeights().forEach((w, i) => assertClose(w, fresh[i]));  // unchanged by the failed call
    assert.throws(() => model.setWeights('w'), /expects an array of Tensors/);
    model.dispose();
  });
});

test('toJSON -> modelFromJSON round trip, and tfjs reads ours and we read tfjs\'', async () => {
  const {model} = twoTower(km);
  const json = model.toJSON();
  assert.equal(typeof json, 'string');
  const copy = await km.models.modelFromJSON(json);
  assert.deepEqual(copy.toJSON(null, false), model.toJSON(null, false));
  copy.setWeights(model.getWeights());
  const [xa] = both([3, 4], 4);
  const [xb] = both([3, 4], 5);
  km.tidy(() => {
    const a = model.predict([xa, xb]);
    const b = copy.predict([xa, xb]);
    a.forEach((t, i) => assertClose(b[i], t));
  });

  const tfCopy = await tf.models.modelFromJSON(model.toJSON(null, false));
  assert.deepEqual(tfCopy.layers.map((l) => l.name), model.layers.map((l) => l.name));
  assert.equal(tfCopy.countParams(), model.countParams());

  const tfSeq = tf.sequential({layers: [tf.layers.dense({units: 4, inputShape: [3], activation: 'elu'}),
                                        tf.layers.dense({units: 2, useBias: false})]});
  const fromTf = await km.models.modelFromJSON(tfSeq.toJSON(null, false));
  assert.ok(fromTf instanceof km.Sequential);
  assert.equal(fromTf.countParams(), tfSeq.countParams());
  fromTf.setWeights(model.getWeights().length ? tfSeq.getWeights().map((w) => km.tensor(w.dataSync(), w.shape)) : []);
  const [x, tx] = both([5, 3], 6);
  km.tidy(() => tf.tidy(() => assertClose(fromTf.predict(x), tfSeq.predict(tx), {rtol: 1e-5, atol: 1e-6})));
  await assert.rejects(km.models.modelFromJSON('{"class_name": "Nope"}'), /class_name Sequential, Functional or Model/);
  km.dispose([xa, xb, x]);
  for (const m of [model, copy, fromTf]) m.dispose();
});

test('errors name the layer, the option and the shapes', () => {
  assert.throws(() => km.layers.dense({units: 2, kernelInitialiser: 'zeros'}),
                /Dense 'dense(_\d+)?': unrecognized argument 'kernelInitialiser'/);
  assert.throws(() => km.layers.dense({units: 2, activation: 'rleu'}), /unknown activation 'rleu'.*Received: activation="rleu"/);
  assert.throws(() => km.layers.dense({units: 2, kernelInitializer: 'glorotUniformish'}), /kernelInitializer/);
  assert.throws(() => km.layers.dense({units: -3}), /units must be a positive integer. Received: units=-3/);
  assert.throws(() => km.layers.dense(5), /layers.dense: expects a config object, got number 5/);
  const model = km.sequential({layers: [km.layers.dense({units: 2, inputShape: [3], name: 'only'})]});
  km.tidy(() => {
    assert.throws(() => model.predict(km.ones([4, 5])), /expects shape \[-1,3\], but it received shape \[4,5\]|\[4,5\]/);
    assert.throws(() => model.predict([km.ones([4, 3]), km.ones([4, 3])]), /predict expects 1 input arrays, but it received 2/);
    assert.throws(() => model.predict([1, 2]), /predict: x must be a Tensor or an array of Tensors/);
  });
  assert.throws(() => model.getLayer('missing'), /no such layer: 'missing'. Existing layers are: \[only\]/);
  assert.throws(() => model.getLayer(3), /index 3 but the model only has 1 layer/);
  assert.throws(() => model.compile({optimizer: 'adam', loss: 'meanSquaredErr'}), /meanSquaredErr/);
  assert.throws(() => model.compile({optimizer: 'adamw', loss: 'mse'}), /unknown optimizer 'adamw'/);
  assert.throws(() => model.compile({optimizer: 'adam', loss: 42}), /loss 0 must be a loss name or a function \(yTrue, yPred\) => Tensor, got number 42/);
  km.tidy(() => assert.throws(() => model.trainOnBatch(km.ones([2, 3]), km.ones([2, 2])), /compile\(\) must be called before trainOnBatch/));
  model.dispose();
  assert.throws(() => model.predict(km.ones([1, 3])), /layer 'only' is disposed|model 'only'|disposed/);
  // A JS layer class without call cannot be constructed (layers_custom.test.mjs has the working ones).
  class Custom extends km.layers.Layer {}
  assert.throws(() => new Custom({}), /Custom: a JS layer needs a call/);
});

test('Sequential without an input shape builds on first data; add and pop', () => {
  km.tidy(() => {
    const model = km.sequential();
    model.add(km.layers.dense({units: 4, activation: 'relu'}));
    model.add(km.layers.dense({units: 2}));
    assert.throws(() => model.summary(undefined, undefined, () => {}), /has not yet been built/);
    const y = model.predict(km.ones([3, 6]));
    assert.deepEqual(y.shape, [3, 2]);
    assert.equal(model.countParams(), 6 * 4 + 4 + 4 * 2 + 2);
    model.pop();
    assert.deepEqual(model.predict(km.ones([1, 6])).shape, [1, 4]);
    assert.throws(() => model.add('dense'), /expects a layer, got string dense/);
    model.dispose();
  });
});

test('disposing models and layers releases their C++ memory', () => {
  // Held here so that their handles are released now, not whenever the garbage collector finalizes them.
  const cycle = () => {
    const layers = [km.layers.dense({units: 16, inputShape: [8]}), km.layers.dense({units: 4})];
    const model = km.sequential({layers});
    model.compile({optimizer: km.train.adam(), loss: 'mse'});
    km.tidy(() => model.trainOnBatch(km.ones([4, 8]), km.zeros([4, 4])));
    const weights = model.trainableWeights.map((w) => w.read());
    assert.equal(model.outputNames.length, 1);
    for (const layer of layers) layer.dispose();
    model.optimizer.dispose();
    model.dispose();
    assert.equal(weights[0].isDisposed, true);
  };
  cycle();  // kernels may keep scratch buffers after their first use
  const before = km.memory();
  cycle();
  assert.equal(km.memory().numTensors, before.numTensors);
  assert.equal(km.memory().numDataBuffers, before.numDataBuffers);
});

test('two outputs: per-output losses in trainOnBatch and evaluate as tfjs; loss weights as Keras', async () => {
  const {model} = twoTower(km);
  const {model: tfModel} = twoTower(tf);
  tfModel.setWeights(tfTensors(model.getWeights()));
  const args = (lib) => ({optimizer: lib.train.sgd(0.1), loss: {out_a: 'categoricalCrossentropy', out_b: 'binaryCrossentropy'}});
  model.compile(args(km));
  tfModel.compile(args(tf));
  assert.deepEqual(model.metricsNames, tfModel.metricsNames);
  const [xa, txa] = both([6, 4], 7);
  const [xb, txb] = both([6, 4], 8);
  const ya = [[1, 0], [0, 1], [1, 0], [1, 0], [0, 1], [0, 1]];
  const yb = [[1], [0], [0], [1], [1], [0]];
  const ys = [km.tensor(ya), km.tensor(yb)];
  for (let step = 0; step < 2; ++step) {
    const ours = model.trainOnBatch([xa, xb], ys);
    const theirs = await tfModel.trainOnBatch([txa, txb], [tf.tensor(ya), tf.tensor(yb)]);
    ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]) < 1e-5, `step ${step} value ${i}: ${v} vs ${theirs[i]}`));
  }
  const ev = model.evaluate([xa, xb], ys);
  const tfEv = tfModel.evaluate([txa, txb], [tf.tensor(ya), tf.tensor(yb)]);
  // tfjs 4.22 returns one value too many here (the first output's loss, then the three that trainOnBatch
  // names); its last three are the metricsNames values.
  assert.equal(tfEv.length, 4);
  ev.forEach((t, i) => assertClose(t, tfEv[i + 1], {rtol: 1e-5, atol: 1e-6}));
  // tfjs ignores lossWeights; Keras weighs each output's loss in the total.
  model.compile({...args(km), lossWeights: {out_a: 1, out_b: 0.25}});
  const [total, lossA, lossB] = model.evaluate([xa, xb], ys).map((t) => t.dataSync()[0]);
  assert.ok(Math.abs(total - (lossA + 0.25 * lossB)) < 1e-6, `${total} vs ${lossA} + 0.25 * ${lossB}`);
  km.dispose([...ev, ...ys, xa, xb]);
  model.dispose();
});

test('models nest: a Sequential inside a functional model and a model as a Sequential layer', () => {
  km.tidy(() => tf.tidy(() => {
    const inner = km.sequential({layers: [km.layers.dense({units: 3, inputShape: [4], activation: 'relu', name: 'in1'}),
                                          km.layers.dense({units: 2, name: 'in2'})], name: 'inner'});
    const x = km.input({shape: [4]});
    const outer = km.model({inputs: x, outputs: km.layers.activation({activation: 'softmax'}).apply(inner.apply(x))});
    const stacked = km.sequential({layers: [inner, km.layers.dense({units: 1})]});
    const [v] = both([5, 4], 9);
    const direct = inner.predict(v);
    assertClose(outer.predict(v), km.softmax(direct));
    assert.deepEqual(stacked.predict(v).shape, [5, 1]);
    assert.equal(outer.countParams(), inner.countParams());
    assert.equal(outer.layers[1], inner);
    for (const m of [outer, stacked, inner]) m.dispose();
  }));
});
