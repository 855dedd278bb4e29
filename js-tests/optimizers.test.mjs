// Optimizers against tfjs: training steps of the same small model from the same weights, the factories'
// defaults, string names in compile, and minimize on variables.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, randomValues, tf} from './support.mjs';

const FACTORIES = [
  ['sgd', (t) => t.sgd(0.1)],
  ['momentum', (t) => t.momentum(0.1, 0.9)],
  ['momentum nesterov', (t) => t.momentum(0.05, 0.8, true)],
  ['rmsprop', (t) => t.rmsprop(0.01)],
  ['rmsprop with momentum', (t) => t.rmsprop(0.01, 0.8, 0.5, 1e-6)],
  ['adam', (t) => t.adam(0.01)],
  ['adam defaults', (t) => t.adam()],
  ['adagrad', (t) => t.adagrad(0.1)],
  ['adagrad initial accumulator', (t) => t.adagrad(0.1, 0.5)],
  ['adadelta', (t) => t.adadelta(1)],
  ['adamax', (t) => t.adamax(0.01)],
  ['adamax with decay', (t) => t.adamax(0.01, 0.8, 0.99, null, 0.1)],
];

function smallModel(lib) {
  return lib.sequential({layers: [
    lib.layers.dense({units: 4, inputShape: [3], activation: 'tanh'}),
    lib.layers.dense({units: 2}),
  ]});
}

// Both models from the same weights; returns the data too.
function setup(optimizer) {
  const model = smallModel(km);
  const tfModel = smallModel(tf);
  tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
  model.compile({optimizer: optimizer(km), loss: 'meanSquaredError'});
  tfModel.compile({optimizer: optimizer(tf), loss: 'meanSquaredError'});
  const xv = randomValues(5 * 3, 21);
  const yv = randomValues(5 * 2, 22);
  return {model, tfModel, x: km.tensor(xv, [5, 3]), y: km.tensor(yv, [5, 2]), tx: tf.tensor(xv, [5, 3]), ty: tf.tensor(yv, [5, 2])};
}

async function compareSteps(optimizer, steps = 3) {
  const {model, tfModel, x, y, tx, ty} = setup(optimizer);
  try {
    for (let s = 0; s < steps; ++s) {
      const loss = model.trainOnBatch(x, y);
      const tfLoss = await tfModel.trainOnBatch(tx, ty);
      assert.ok(Math.abs(loss - tfLoss) <= 1e-5 * Math.abs(tfLoss) + 1e-6, `step ${s}: loss ${loss} vs ${tfLoss}`);
      const w = model.getWeights();
      tfModel.getWeights().forEach((tw, i) => assertClose(w[i], tw, {rtol: 1e-4, atol: 1e-6, what: `step ${s} weight ${i}`}));
      km.dispose(w);
    }
  } finally {
    km.dispose([x, y]);
    tf.dispose([tx, ty]);
    model.optimizer.dispose();
    model.dispose();
  }
}

for (const [label, make] of FACTORIES) {
  test(`km.train.${label}: three training steps match tfjs`, () => compareSteps((lib) => make(lib.train)));
}

for (const name of ['sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax']) {
  test(`compile({optimizer: '${name}'}) uses tfjs-layers' defaults for the name`, () => compareSteps(() => name));
}

test("'nadam' (Keras; tfjs has none) trains, and its config is Keras'", () => {
  const model = smallModel(km);
  model.compile({optimizer: 'nadam', loss: 'meanSquaredError'});
  assert.equal(model.optimizer.getClassName(), 'Nadam');
  assert.equal(model.optimizer.getConfig().learningRate, 0.001);
  km.tidy(() => {
    const x = km.tensor(randomValues(15, 3), [5, 3]);
    const y = km.tensor(randomValues(10, 4), [5, 2]);
    const first = model.trainOnBatch(x, y);
    let last = first;
    for (let i = 0; i < 50; ++i) last = model.trainOnBatch(x, y);
    assert.ok(last < first, `${last} < ${first}`);
  });
  model.dispose();
});

test('factory defaults and configs match tfjs-core', () => {
  const calls = [
    ['sgd', [0.2]], ['momentum', [0.1, 0.5]], ['rmsprop', [0.01]], ['adam', []], ['adagrad', [0.3]],
    ['adadelta', []], ['adamax', []],
  ];
  for (const [name, args] of calls) {
    const ours = km.train[name](...args);
    const theirs = tf.train[name](...args);
    const config = ours.getConfig();
    for (const [key, value] of Object.entries(theirs.getConfig())) {
      assert.ok(key in config, `${name}: '${key}' missing from ${JSON.stringify(config)}`);
      const expected = value ?? 1e-7;  // tfjs reports a defaulted epsilon as null and uses its backend's 1e-7
      assert.ok(Math.abs(config[key] - expected) <= 1e-12 || config[key] === expected, `${name}.${key}: ${config[key]} vs ${expected}`);
    }
    assert.equal(ours.getClassName(), theirs.getClassName());
    ours.dispose();
    theirs.dispose();
  }
  assert.throws(() => km.train.sgd(), /train.sgd: learningRate must be a number/);
  assert.throws(() => km.train.adam(-1), /learningRate must be > 0, got -1/);
  assert.throws(() => km.train.adam(0.1, 1.5), /beta1 must be in \[0, 1\), got 1.5/);
});

test('minimize and applyGradients on variables match tfjs', () => {
  const a0 = [[0.5, -1], [2, 0.25]];
  const b0 = [0.1, -0.3];
  const x = [[1, 2], [3, 4], [-1, 0.5]];
  const ka = km.variable(km.tensor(a0), true, 'ma');
  const kb = km.variable(km.tensor(b0), true, 'mb');
  const ta = tf.variable(tf.tensor(a0), true, 'ma');
  const tb = tf.variable(tf.tensor(b0), true, 'mb');
  const f = (lib, a, b) => () => lib.mean(lib.square(lib.add(lib.matMul(lib.tensor(x), a), b)));
  const ours = km.train.adam(0.05);
  const theirs = tf.train.adam(0.05);
  try {
    for (let i = 0; i < 4; ++i) {
      const cost = ours.minimize(f(km, ka, kb), true, [ka, kb]);
      const tfCost = theirs.minimize(f(tf, ta, tb), true, [ta, tb]);
      assertClose(cost, tfCost, {rtol: 1e-5});
      km.dispose(cost);
      tf.dispose(tfCost);
      assertClose(ka, ta, {rtol: 1e-5, atol: 1e-7});
      assertClose(kb, tb, {rtol: 1e-5, atol: 1e-7});
    }
    assert.equal(ours.minimize(f(km, ka, kb)), null);
    assert.equal(ours.iterations, 5);
    // applyGradients by name, as a map or a list.
    const sgd = km.train.sgd(1);
    const before = kb.arraySync();
    km.tidy(() => sgd.applyGradients({mb: km.tensor([1, 2])}));
    km.tidy(() => sgd.applyGradients([{name: 'mb', tensor: km.tensor([1, 1])}]));
    assert.deepEqual(kb.arraySync().map((v, i) => Math.round((before[i] - v) * 1e5) / 1e5), [2, 3]);
    km.tidy(() => assert.throws(() => sgd.applyGradients({nothere: km.ones([2])}), /no live variable named 'nothere'/));
    km.tidy(() => assert.throws(() => sgd.applyGradients({mb: km.ones([3])}), /'mb'.*\[2\].*\[3\]|\[3\].*\[2\]/));
    sgd.dispose();
    assert.throws(() => sgd.getConfig(), /optimizer.getConfig: the optimizer is disposed/);
  } finally {
    km.dispose([ka, kb]);
    tf.dispose([ta, tb]);
    ours.dispose();
  }
});

test('an optimizer object shared by compile keeps its state across compile calls', () => {
  const model = smallModel(km);
  const opt = km.train.adam(0.01);
  model.compile({optimizer: opt, loss: 'mse'});
  km.tidy(() => model.trainOnBatch(km.ones([2, 3]), km.zeros([2, 2])));
  model.compile({optimizer: opt, loss: 'mae'});
  km.tidy(() => model.trainOnBatch(km.ones([2, 3]), km.zeros([2, 2])));
  assert.equal(opt.iterations, 2);
  assert.equal(model.optimizer, opt);
  opt.dispose();
  model.dispose();
});

// One optimizer object reused for model after model, each disposed before the next: every new model's
// first step is the step of a fresh optimizer (its moments start at zero, even where a new variable lands
// at a freed one's address), and the slots of disposed models are freed (C++ buffers and heap stay flat).
test('an optimizer reused across disposed models gives fresh moments and keeps memory flat', async (t) => {
  if (typeof global.gc !== 'function') {
    t.skip('needs node --expose-gc (the layers of a disposed model go with their JS wrappers)');
    return;
  }
  // The layers of a disposed model, and so their variables, are freed once their wrappers are collected.
  const settle = async () => {
    for (let i = 0; i < 3; ++i) {
      global.gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const shared = km.train.momentum(0.1, 0.9);
  const x = km.tensor(randomValues(8 * 3, 5), [8, 3]);
  const y = km.tensor(randomValues(8 * 2, 6), [8, 2]);
  const buffers = [];
  const heap = [];
  for (let round = 0; round < 8; ++round) {
    const model = smallModel(km);
    const twin = smallModel(km);
    const initial = model.getWeights();
    twin.setWeights(initial);
    km.dispose(initial);
    const fresh = km.train.momentum(0.1, 0.9);
    model.compile({optimizer: shared, loss: 'meanSquaredError'});
    twin.compile({optimizer: fresh, loss: 'meanSquaredError'});
    km.tidy(() => model.trainOnBatch(x, y));
    km.tidy(() => twin.trainOnBatch(x, y));
    const got = model.getWeights();
    const want = twin.getWeights();
    got.forEach((w, i) => assertClose(w, want[i], {atol: 0, rtol: 0, what: `round ${round} weight ${i}`}));
    km.dispose([got, want]);
    km.tidy(() => model.trainOnBatch(x, y));  // leaves non-zero moments behind for the next round
    model.dispose();
    twin.dispose();
    fresh.dispose();
    await settle();
    buffers.push(km.memory().numDataBuffers);
    heap.push(km.memory().wasmHeapBytes);
  }
  // The shared optimizer still holds the last model's slots until its next step; none of the earlier ones.
  assert.ok(buffers.slice(2).every((b) => b === buffers[2]), `live C++ buffers per round: ${buffers}`);
  assert.ok(heap.slice(2).every((h) => h === heap[2]), `wasm heap bytes per round: ${heap}`);
  shared.dispose();
  km.dispose([x, y]);
});
