// Recurrent cells written in JS (class extends km.layers.RNNCell): a SimpleRNN cell and an LSTM cell
// written by hand from the Keras formulas run inside km.layers.rnn and must equal the built-in SimpleRNN and
// LSTM with the same weights (forward, states, masks, go_backwards, gradients, training with fit); stacked,
// saved and reloaded once registered; and the errors.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, randomValues} from './support.mjs';

// h' = tanh(x W + h U + b), Keras' SimpleRNNCell.
class MySimpleCell extends km.layers.RNNCell {
  static className = 'MySimpleCell';

  constructor(config = {}) {
    super(config);
    this.units = config.units;
    this.stateSize = config.units;
  }

  build(inputShape) {
    const features = inputShape[inputShape.length - 1];
    this.kernel = this.addWeight('kernel', [features, this.units], 'float32', 'glorotUniform');
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units], 'float32', 'orthogonal');
    this.bias = this.addWeight('bias', [this.units], 'float32', 'zeros');
  }

  call([x, h]) {
    const out = km.matMul(x, this.kernel.read()).add(km.matMul(h, this.recurrentKernel.read())).add(this.bias.read()).tanh();
    return [out, out];
  }

  getConfig() {
    return {...super.getConfig(), units: this.units};
  }
}

// Keras' LSTMCell with sigmoid gates (i, f, c, o blocks), returning Keras' [h, [h, c]] form.
class MyLstmCell extends km.layers.RNNCell {
  constructor(config) {
    super(config);
    this.units = config.units;
    this.stateSize = [config.units, config.units];
  }

  build(inputShape) {
    const u = this.units;
    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1], 4 * u], 'float32', 'glorotUniform');
    this.recurrentKernel = this.addWeight('recurrent_kernel', [u, 4 * u], 'float32', 'orthogonal');
    this.bias = this.addWeight('bias', [4 * u], 'float32', 'zeros');
  }

  call([x, h, c]) {
    const z = km.matMul(x, this.kernel.read()).add(km.matMul(h, this.recurrentKernel.read())).add(this.bias.read());
    const u = this.units;
    const [i, f, g, o] = [0, 1, 2, 3].map((k) => km.slice(z, [0, k * u], [z.shape[0], u]));
    const c2 = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
    const h2 = o.sigmoid().mul(c2.tanh());
    return [h2, [h2, c2]];
  }
}

function copyWeights(from, to) {
  const ws = from.getWeights();
  to.setWeights(ws);
  km.dispose(ws);
}

test('a SimpleRNN cell written in JS computes what SimpleRNN computes: sequences, go_backwards, masks, gradients', () => {
  const before = km.memory().numTensors;
  const x = km.tensor(randomValues(3 * 5 * 4, 1, -1, 1), [3, 5, 4]);
  for (const args of [{}, {returnSequences: true}, {goBackwards: true, returnState: true}]) {
    const cell = new MySimpleCell({units: 6});
    const mine = km.layers.rnn({cell, ...args});
    const theirs = km.layers.simpleRNN({units: 6, ...args});
    mine.build(x.shape);
    theirs.build(x.shape);
    copyWeights(mine, theirs);
    assert.deepEqual(mine.weights.map((w) => w.name), theirs.weights.map((w) => w.name.replace(/^[^/]+/, mine.name)));
    km.tidy(() => {
      [mine.apply(x)].flat().forEach((t, i) => assertClose(t, [theirs.apply(x)].flat()[i], {rtol: 1e-5, atol: 1e-6}));
      const loss = (layer) => () => [layer.apply(x)].flat()[0].square().sum();
      const gm = km.variableGrads(loss(mine), mine.trainableWeights.map((w) => w.read()));
      const gt = km.variableGrads(loss(theirs), theirs.trainableWeights.map((w) => w.read()));
      Object.values(gm.grads).forEach((g, i) => assertClose(g, Object.values(gt.grads)[i], {rtol: 1e-4, atol: 1e-5}));
      const dx = (layer) => km.grad((v) => [layer.apply(v)].flat()[0].square().sum())(x);
      assertClose(dx(mine), dx(theirs), {rtol: 1e-4, atol: 1e-5});
    });
    mine.dispose();
    theirs.dispose();
    cell.dispose();  // a JS layer object holds its weights' read() tensors until disposed
  }
  // Masked steps keep the states, as for every cell.
  const build = (cell) => {
    const inp = km.input({shape: [5, 4]});
    const out = km.layers.rnn({cell, returnSequences: true}).apply(km.layers.masking({maskValue: 0}).apply(inp));
    return km.model({inputs: inp, outputs: out});
  };
  const cell = new MySimpleCell({units: 3});
  const mine = build(cell);
  const theirs = build(km.layers.simpleRNNCell({units: 3}));
  copyWeights(mine, theirs);
  const xm = km.tensor(randomValues(2 * 5 * 4, 2, -1, 1).map((v, i) => (Math.floor(i / 4) % 5 === 2 ? 0 : v)), [2, 5, 4]);
  km.tidy(() => assertClose(mine.predict(xm), theirs.predict(xm), {rtol: 1e-5, atol: 1e-6}));
  km.dispose([x, xm]);
  mine.dispose();
  theirs.dispose();
  cell.dispose();
  assert.equal(km.memory().numTensors, before);
});

test('an LSTM cell written in JS (two states, Keras\' [h, [h, c]] form) equals LSTM; it trains with fit as LSTM does', async () => {
  const build = (custom) => {
    const inp = km.input({shape: [6, 3]});
    const rnn = custom ? km.layers.rnn({cell: new MyLstmCell({units: 4}), returnState: true})
                       : km.layers.lstm({units: 4, recurrentActivation: 'sigmoid', returnState: true});
    const [h, , c] = rnn.apply(inp);
    const out = km.layers.dense({units: 2}).apply(km.layers.concatenate().apply([h, c]));
    const model = km.model({inputs: inp, outputs: out});
    model.compile({optimizer: km.train.sgd(0.1), loss: 'meanSquaredError'});
    return model;
  };
  const mine = build(true), theirs = build(false);
  copyWeights(mine, theirs);
  const x = km.tensor(randomValues(16 * 6 * 3, 3, -1, 1), [16, 6, 3]);
  const y = km.tensor(randomValues(16 * 2, 4, -1, 1), [16, 2]);
  km.tidy(() => assertClose(mine.predict(x), theirs.predict(x), {rtol: 1e-5, atol: 1e-6}));
  const hm = await mine.fit(x, y, {epochs: 3, batchSize: 4, shuffle: false, verbose: 0});
  const ht = await theirs.fit(x, y, {epochs: 3, batchSize: 4, shuffle: false, verbose: 0});
  hm.history.loss.forEach((l, i) => assert.ok(Math.abs(l - ht.history.loss[i]) < 1e-5, `epoch ${i}: ${l} vs ${ht.history.loss[i]}`));
  const wm = mine.getWeights(), wt = theirs.getWeights();
  wm.forEach((w, i) => assertClose(w, wt[i], {rtol: 1e-4, atol: 1e-5}));
  km.dispose([x, y, ...wm, ...wt]);
  for (const m of [mine, theirs]) { m.optimizer.dispose(); m.dispose(); }
});

test('JS cells stack (a list of cells) and, registered, save and load with the model', async () => {
  km.serialization.registerClass(MySimpleCell);
  const inp = km.input({shape: [4, 3]});
  const out = km.layers.rnn({cell: [new MySimpleCell({units: 5}), new MySimpleCell({units: 2})]}).apply(inp);
  const model = km.model({inputs: inp, outputs: out});
  assert.deepEqual(model.outputs[0].shape, [null, 2]);
  // The same stack from built-in cells.
  const inp2 = km.input({shape: [4, 3]});
  const twin = km.model({inputs: inp2, outputs: km.layers.rnn({cell: [km.layers.simpleRNNCell({units: 5}),
                                                                       km.layers.simpleRNNCell({units: 2})]}).apply(inp2)});
  copyWeights(model, twin);
  const x = km.tensor(randomValues(2 * 4 * 3, 5, -1, 1), [2, 4, 3]);
  let saved;
  await model.save(km.io.withSaveHandler(async (a) => { saved = a; return {modelArtifactsInfo: {dateSaved: new Date()}}; }));
  const loaded = await km.loadLayersModel(km.io.fromMemory(saved));
  km.tidy(() => {
    assertClose(model.predict(x), twin.predict(x), {rtol: 1e-5, atol: 1e-6});
    assertClose(loaded.predict(x), model.predict(x), {rtol: 0, atol: 0});
  });
  const cells = JSON.stringify(saved.modelTopology);
  assert.match(cells, /"class_name":"MySimpleCell"/);
  x.dispose();
  for (const m of [model, twin, loaded]) m.dispose();
});

test('JS cells: bad stateSize, wrong results and a plain Layer as a cell are clear errors', () => {
  const before = km.memory().numTensors;
  class NoSize extends km.layers.RNNCell {
    call([x]) { return [x, x]; }
  }
  assert.throws(() => km.layers.rnn({cell: new NoSize()}), /NoSize: stateSize is not set/);
  class BadSize extends km.layers.RNNCell {
    constructor() { super({}); this.stateSize = [3, 0]; }
    call([x]) { return [x, x]; }
  }
  assert.throws(() => km.layers.rnn({cell: new BadSize()}), /BadSize: stateSize must be a positive integer.*got \[3,0\]/);
  class WrongCount extends km.layers.RNNCell {
    constructor() { super({}); this.stateSize = 3; }
    call([x]) { return [x]; }
  }
  const x = km.ones([2, 4, 3]);
  assert.throws(() => km.layers.rnn({cell: new WrongCount()}).apply(x), /WrongCount.*call must return \[output, 1 new state\(s\)\], got 1/);
  class WrongShape extends km.layers.RNNCell {
    constructor() { super({}); this.stateSize = 5; }
    call([x]) { return [x, x]; }
  }
  assert.throws(() => km.layers.rnn({cell: new WrongShape()}).apply(x), /WrongShape.*output of shape \[2,3\].*\[2,5\]/);
  class Plain extends km.layers.Layer {
    call(x) { return x; }
  }
  assert.throws(() => km.layers.rnn({cell: new Plain()}), /extending km\.layers\.RNNCell.*got Plain/);
  assert.throws(() => new km.layers.RNNCell(), /base class/);
  // The module still works.
  const cell = new MySimpleCell({units: 2});
  const r = km.layers.rnn({cell}).apply(x);
  assert.deepEqual(r.shape, [2, 2]);
  km.dispose([x, r]);
  cell.dispose();  // a JS layer object holds its weights' read() tensors until disposed
  assert.equal(km.memory().numTensors, before);
});
