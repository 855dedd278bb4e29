// Layers written as JS classes (class extends km.layers.Layer): a Dense written by hand against the built-in
// one (forward, gradients, fit to the same weights), addWeight's options, masks, saving and loading through
// km.serialization.registerClass, the errors, and tensor accounting.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, randomValues} from './support.mjs';

class MyDense extends km.layers.Layer {
  static className = 'MyDense';

  constructor(config = {}) {
    super(config);
    this.units = config.units;
    this.activation = config.activation ?? 'linear';
  }

  build(inputShape) {
    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1], this.units], 'float32', 'glorotUniform');
    this.bias = this.addWeight('bias', [this.units], 'float32', 'zeros');
  }

  call(inputs) {
    const y = km.matMul(inputs, this.kernel.read()).add(this.bias.read());
    return this.activation === 'tanh' ? y.tanh() : y;
  }

  computeOutputShape(inputShape) {
    return [...inputShape.slice(0, -1), this.units];
  }

  getConfig() {
    return {...super.getConfig(), units: this.units, activation: this.activation};
  }
}

test('a Dense written in JS computes, differentiates and trains as the built-in Dense', async () => {
  const build = (custom) => {
    const inp = km.input({shape: [4]});
    const hidden = custom ? new MyDense({units: 5, activation: 'tanh', name: 'hidden'})
                          : km.layers.dense({units: 5, activation: 'tanh', name: 'hidden'});
    const out = km.layers.dense({units: 2, name: 'out'}).apply(hidden.apply(inp));
    const model = km.model({inputs: inp, outputs: out});
    model.compile({optimizer: km.train.sgd(0.2), loss: 'meanSquaredError'});
    return model;
  };
  const mine = build(true), theirs = build(false);
  theirs.setWeights(mine.getWeights());
  assert.deepEqual(mine.layers[1].weights.map((w) => w.name), ['hidden/kernel', 'hidden/bias']);
  assert.ok(mine.layers[1] instanceof MyDense, 'model.layers holds the very object');
  assert.deepEqual(mine.outputs[0].shape, [null, 2]);
  const x = km.tensor(randomValues(24 * 4, 1), [24, 4]);
  const y = km.tensor(randomValues(24 * 2, 2), [24, 2]);
  km.tidy(() => {
    assertClose(mine.predict(x), theirs.predict(x));
    const g = (m) => km.grad((v) => m.apply(v))(x);
    assertClose(g(mine), g(theirs), {rtol: 1e-5, atol: 1e-6});
  });
  const hm = await mine.fit(x, y, {epochs: 4, batchSize: 6, shuffle: false, verbose: 0});
  const ht = await theirs.fit(x, y, {epochs: 4, batchSize: 6, shuffle: false, verbose: 0});
  hm.history.loss.forEach((l, i) => assert.ok(Math.abs(l - ht.history.loss[i]) < 1e-6, `epoch ${i}: ${l} vs ${ht.history.loss[i]}`));
  assert.ok(hm.history.loss[3] < hm.history.loss[0]);
  const wm = mine.getWeights(), wt = theirs.getWeights();
  wm.forEach((w, i) => assertClose(w, wt[i]));
  km.dispose([x, y, wm, wt]);
  mine.dispose();
  theirs.dispose();
});

test('addWeight: initializers, non-trainable weights and regularizer losses', () => {
  class Weights extends km.layers.Layer {
    build() {
      this.a = this.addWeight('a', [3], 'float32', {className: 'Constant', config: {value: 2}}, 'l2');
      this.b = this.addWeight('b', [2, 2], undefined, 'ones', null, false);
    }

    call(x) {
      return x.mul(this.a.read().sum()).add(this.b.read().sum());
    }
  }
  km.tidy(() => {
    const layer = new Weights({name: 'w'});
    const y = layer.apply(km.ones([1, 3]));
    assert.deepEqual([...y.dataSync()], [10, 10, 10]);
    assert.deepEqual(layer.trainableWeights.map((w) => w.name), ['w/a']);
    assert.deepEqual(layer.nonTrainableWeights.map((w) => w.name), ['w/b']);
    // Keras' l2 default factor 0.01: 0.01 * 3 * 2^2.
    const [penalty] = layer.losses;
    assert.ok(Math.abs(penalty.dataSync()[0] - 0.12) < 1e-6);
    assert.throws(() => layer.addWeight('c', [-1]), /non-negative integers/);
    assert.throws(() => layer.addWeight('', [1]), /non-empty string/);
    layer.dispose();
  });
});

test('masks: a JS layer with computeMask passes one on to an LSTM', () => {
  class PassMask extends km.layers.Layer {
    call(x) {
      return x.mul(2);
    }

    computeMask(inputs, mask) {
      return mask;
    }
  }
  km.tidy(() => {
    const indices = km.tensor([[1, 2, 0, 0], [3, 0, 1, 2]], [2, 4], 'int32');
    const emb = () => km.layers.embedding({inputDim: 4, outputDim: 3, maskZero: true, inputLength: 4});
    const a = km.sequential({layers: [emb(), new PassMask(), km.layers.lstm({units: 2})]});
    const b = km.sequential({layers: [emb(), km.layers.lambda({function: (x) => x.mul(2), mask: (x, m) => m}),
                                      km.layers.lstm({units: 2})]});
    b.setWeights(a.getWeights());
    assertClose(a.predict(indices), b.predict(indices));
    a.dispose();
    b.dispose();
  });
});

test('saved and reloaded, a registered JS layer gives the same output', async () => {
  km.serialization.registerClass(MyDense);
  const model = km.sequential({layers: [new MyDense({units: 3, activation: 'tanh', inputShape: [2]}), km.layers.dense({units: 1})]});
  let artifacts;
  await model.save(km.io.withSaveHandler(async (a) => { artifacts = a; }));
  assert.match(JSON.stringify(artifacts.modelTopology), /"MyDense"/);
  const back = await km.loadLayersModel(km.io.fromMemory(artifacts));
  assert.ok(back.layers[0] instanceof MyDense);
  assert.equal(back.layers[0].units, 3);
  km.tidy(() => {
    const x = km.tensor(randomValues(10, 3), [5, 2]);
    assertClose(back.predict(x), model.predict(x));
  });
  model.dispose();
  back.dispose();
});

test('errors name the class or layer; a throwing call keeps its exception; nothing leaks', async () => {
  const before = km.memory().numTensors;
  assert.throws(() => new km.layers.Layer({}), /base class/);
  class NoCall extends km.layers.Layer {}
  assert.throws(() => new NoCall(), /NoCall: a JS layer needs a call/);
  const boom = new Error('boom');
  class Throws extends km.layers.Layer {
    call() {
      throw boom;
    }
  }
  class Wrong extends km.layers.Layer {
    call() {
      return 'nope';
    }
  }
  const t = new Throws({name: 'thrower'});
  const w = new Wrong();
  km.tidy(() => {
    assert.throws(() => t.apply(km.ones([1, 2])), (e) => /Throws 'thrower'.*boom/.test(e.message) && e.cause === boom);
    assert.throws(() => w.apply(km.ones([1, 2])), /Wrong.call returned string/);
    assert.deepEqual([...km.ones([2]).add(1).dataSync()], [2, 2]);
  });
  t.dispose();
  w.dispose();
  // An unregistered class in a model config: the registry says what to do.
  const json = {class_name: 'Sequential', config: {layers: [{class_name: 'Unregistered', config: {name: 'u'}}]}};
  await assert.rejects(km.models.modelFromJSON(json), /Unknown layer: 'Unregistered'.*registerClass/);
  assert.equal(km.memory().numTensors, before);
});
