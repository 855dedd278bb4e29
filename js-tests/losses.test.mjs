// Every loss of API.md, as compile() uses it, against tfjs-layers' loss of the same name: the value
// (model.evaluate) and the gradient with respect to the predictions.
//
// The gradient is read off one SGD step with learning rate 1 of a model whose prediction is its own
// kernel: a bias-free linear Dense fed the identity matrix predicts W, so the step changes W by exactly
// -dLoss/dPrediction. Both libraries run the same model, so the comparison covers compile, the loss, its
// gradient through the tape and the optimizer.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, randomValues, tf} from './support.mjs';

const N = 4;  // samples = classes = units: the kernel is the N x N prediction

function eye(lib) {
  return lib.tensor(Array.from({length: N * N}, (_, i) => (i % (N + 1) === 0 ? 1 : 0)), [N, N]);
}

// Rows that sum to 1 (for the cross-entropies and the divergence), from seeded values.
function probabilities(seed) {
  const v = randomValues(N * N, seed, 0.1, 1);
  for (let r = 0; r < N; ++r) {
    let s = 0;
    for (let j = 0; j < N; ++j) s += v[r * N + j];
    for (let j = 0; j < N; ++j) v[r * N + j] /= s;
  }
  return v;
}

const oneHot = Float32Array.from({length: N * N}, (_, i) => (Math.floor(i / N) + 1) % N === i % N ? 1 : 0);
const labels = Float32Array.from({length: N}, (_, r) => (r + 1) % N);
const signs = Float32Array.from(randomValues(N * N, 31), (v) => (v >= 0 ? 1 : -1));

// name: [y_true values, y_true shape, y_pred values]
const CASES = {
  meanSquaredError: [randomValues(N * N, 1), [N, N], randomValues(N * N, 2)],
  meanAbsoluteError: [randomValues(N * N, 3), [N, N], randomValues(N * N, 4)],
  meanAbsolutePercentageError: [randomValues(N * N, 5, 0.5, 2), [N, N], randomValues(N * N, 6)],
  meanSquaredLogarithmicError: [randomValues(N * N, 7, 0, 3), [N, N], randomValues(N * N, 8, 0.1, 3)],
  binaryCrossentropy: [Float32Array.from(randomValues(N * N, 9), (v) => (v > 0 ? 1 : 0)), [N, N], randomValues(N * N, 10, 0.05, 0.95)],
  categoricalCrossentropy: [oneHot, [N, N], probabilities(11)],
  sparseCategoricalCrossentropy: [labels, [N, 1], probabilities(12)],
  hinge: [signs, [N, N], randomValues(N * N, 13)],
  squaredHinge: [signs, [N, N], randomValues(N * N, 14)],
  categoricalHinge: [oneHot, [N, N], randomValues(N * N, 15)],
  logcosh: [randomValues(N * N, 16), [N, N], randomValues(N * N, 17)],
  kullbackLeiblerDivergence: [probabilities(18), [N, N], probabilities(19)],
  poisson: [randomValues(N * N, 20, 0, 3), [N, N], randomValues(N * N, 21, 0.2, 3)],
  cosineProximity: [randomValues(N * N, 22), [N, N], randomValues(N * N, 23)],
};

const SNAKE = {
  meanSquaredError: 'mean_squared_error', categoricalCrossentropy: 'categorical_crossentropy',
  kullbackLeiblerDivergence: 'kl_divergence', sparseCategoricalCrossentropy: 'sparse_categorical_crossentropy',
  meanAbsolutePercentageError: 'mape', squaredHinge: 'squared_hinge', logcosh: 'log_cosh',
};

// {value, grad (Float32Array)} for a loss name in one library.
async function valueAndGradient(lib, loss, [yTrue, yShape, pred]) {
  const model = lib.sequential({layers: [lib.layers.dense({units: N, inputShape: [N], useBias: false})]});
  const w = lib.tensor(pred, [N, N]);
  model.setWeights([w]);
  model.compile({optimizer: lib.train.sgd(1), loss});
  const x = eye(lib);
  const y = lib.tensor(yTrue, yShape);
  const valueTensor = model.evaluate(x, y, {batchSize: N});
  const value = valueTensor.dataSync()[0];
  await model.trainOnBatch(x, y);
  const after = model.getWeights()[0].dataSync();
  const grad = Float32Array.from(pred, (p, i) => p - after[i]);
  lib.dispose([w, x, y, valueTensor]);
  return {value, grad};
}

for (const [name, c] of Object.entries(CASES)) {
  test(`${name}: value and gradient match tfjs-layers`, async () => {
    const ours = await valueAndGradient(km, name, c);
    const theirs = await valueAndGradient(tf, name, c);
    assert.ok(Math.abs(ours.value - theirs.value) <= 1e-5 * Math.abs(theirs.value) + 1e-6,
              `value ${ours.value} vs ${theirs.value}`);
    assertClose(km.tensor(ours.grad, [N, N]), tf.tensor(theirs.grad, [N, N]), {rtol: 2e-3, atol: 2e-6, what: 'gradient'});
    if (SNAKE[name]) {
      const snake = await valueAndGradient(km, SNAKE[name], c);
      assert.equal(snake.value, ours.value, `${SNAKE[name]} is ${name}`);
    }
  });
}

test('huber: value and gradient match tf.losses.huberLoss (delta 1, mean over elements)', async () => {
  const yTrue = randomValues(N * N, 40, -3, 3);
  const pred = randomValues(N * N, 41, -3, 3);
  const ours = await valueAndGradient(km, 'huber', [yTrue, [N, N], pred]);
  const t = tf.tensor(yTrue, [N, N]);
  const f = (p) => tf.losses.huberLoss(t, p, undefined, 1, tf.Reduction.MEAN);
  const p = tf.tensor(pred, [N, N]);
  assert.ok(Math.abs(ours.value - f(p).dataSync()[0]) < 1e-6);
  assertClose(km.tensor(ours.grad, [N, N]), tf.grad(f)(p), {rtol: 2e-3, atol: 2e-6});
});

test('unknown losses and metrics are errors naming them', () => {
  const model = km.sequential({layers: [km.layers.dense({units: 2, inputShape: [2]})]});
  assert.throws(() => model.compile({optimizer: 'sgd', loss: 'crossEntropyish'}), /crossEntropyish/);
  assert.throws(() => model.compile({optimizer: 'sgd', loss: 'mse', metrics: ['precisionish']}), /unknown metric 'precisionish'/);
  model.dispose();
});

test('metrics: accuracy kinds picked from the loss, mse / mae, with tfjs\' values and names', () => {
  const pred = probabilities(50);
  for (const [loss, yTrue, shape, metrics] of [['categoricalCrossentropy', oneHot, [N, N], ['accuracy', 'mse', 'mae']],
                                               ['sparseCategoricalCrossentropy', labels, [N, 1], ['accuracy']],
                                               ['binaryCrossentropy', CASES.binaryCrossentropy[0], [N, N], ['acc', 'mae']]]) {
    const results = [];
    const names = [];
    for (const lib of [km, tf]) {
      const model = lib.sequential({layers: [lib.layers.dense({units: N, inputShape: [N], useBias: false})]});
      model.setWeights([lib.tensor(pred, [N, N])]);
      model.compile({optimizer: 'sgd', loss, metrics});
      const values = model.evaluate(eye(lib), lib.tensor(yTrue, shape));
      results.push(values.map((v) => v.dataSync()[0]));
      names.push(model.metricsNames);
    }
    assert.deepEqual(names[0], names[1]);
    results[0].forEach((v, i) => assert.ok(Math.abs(v - results[1][i]) < 1e-5, `${loss} value ${i}: ${v} vs ${results[1][i]}`));
  }
});
