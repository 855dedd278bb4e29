// End to end: a CNN (conv32 3x3 - maxpool - conv64 3x3 - maxpool - flatten - dense128 - dense10) trained
// with fit() for 3 epochs (Adam 0.001, batch 32) on the MNIST split of mnist_data.mjs (8000 training images)
// reaches a stated test accuracy, with memory flat from epoch to epoch.
//
// The bar: measured here, this model and schedule reach 0.956-0.969 on the 1756 test digits depending on
// the initial weights and the batch order (0.964 in this test's run, 0.956 in the browser demo's, 0.969 at
// batch 16); 0.95 sits below that range, and the accuracy reached is printed as a diagnostic.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km} from './support.mjs';
import {loadDigits} from './mnist_data.mjs';

test('MNIST CNN: 3 epochs of fit reach >= 95% test accuracy, numTensors flat across epochs', async (t) => {
  const {train, test: testSet} = await loadDigits([28, 28, 1]);
  const model = km.sequential({layers: [
    km.layers.conv2d({inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu'}),
    km.layers.maxPooling2d({poolSize: 2}),
    km.layers.conv2d({filters: 64, kernelSize: 3, activation: 'relu'}),
    km.layers.maxPooling2d({poolSize: 2}),
    km.layers.flatten(),
    km.layers.dense({units: 128, activation: 'relu'}),
    km.layers.dense({units: 10, activation: 'softmax'}),
  ]});
  model.compile({optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});

  const tensorsPerEpoch = [];
  const started = performance.now();
  const history = await model.fit(train.x, train.y, {
    epochs: 3, batchSize: 32, verbose: 0,
    callbacks: {onEpochEnd: () => { tensorsPerEpoch.push(km.memory().numTensors); }},
  });
  const seconds = (performance.now() - started) / 1000;
  const [loss, acc] = model.evaluate(testSet.x, testSet.y).map((s) => {
    const v = s.dataSync()[0];
    s.dispose();
    return v;
  });
  t.diagnostic(`fit: 3 epochs of ${train.count} images in ${seconds.toFixed(1)} s; train loss ` +
               `${history.history.loss.map((v) => v.toFixed(3))}; test loss ${loss.toFixed(4)}, test accuracy ${acc.toFixed(4)}`);
  assert.ok(acc >= 0.95, `test accuracy ${acc}`);
  assert.ok(tensorsPerEpoch.every((n) => n === tensorsPerEpoch[0]), `numTensors per epoch ${tensorsPerEpoch}`);

  km.dispose([train.x, train.y, testSet.x, testSet.y]);
  model.optimizer.dispose();
  model.dispose();
});
