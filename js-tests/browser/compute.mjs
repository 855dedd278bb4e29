// What the browser test runs, in a page and in a module worker: a few ops, a gradient, a variable's
// gradients, an error, the memory counts, and a small model trained with fit (which yields to the event
// loop through a MessageChannel there), and the every-layer model trained with fit. It reports plain numbers; the test checks them against the
// formulas.
import * as km from '../../web/index.js';
import {layersSmoke} from './layers_smoke.mjs';
import {trainEveryLayerModel} from './every_layer_model.mjs';

export async function compute() {
  await km.ready();
  const base = km.memory().numTensors;
  const out = km.tidy(() => {
    const a = km.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = km.tensor([0.5, -1, 2]);
    const w = km.variable(km.tensor([[0.1], [-0.2], [0.3]]), true, 'w');
    const target = km.tensor([[1], [0]]);
    const result = {
      add: a.add(b).arraySync(),
      matMul: a.matMul(a, false, true).arraySync(),
      softmax: km.softmax(b).arraySync(),
      sum: a.sum(0).arraySync(),
      gradTanhSquared: km.grad((x) => x.tanh().square().sum())(b).arraySync(),
      variableGrad: km.variableGrads(() => a.matMul(w).sub(target).square().mean(), [w]).grads.w.arraySync(),
      backend: km.backendInfo(),
    };
    try {
      a.add(km.ones([2]));
    } catch (e) {
      result.error = e.message;
    }
    result.afterError = a.mul(2).arraySync();
    w.dispose();
    return result;
  });
  out.leaked = km.memory().numTensors - base;
  out.fit = await fitXor();
  out.layers = layersSmoke();
  out.everyLayer = await trainEveryLayerModel();
  return out;
}

// XOR with a 2-8-1 MLP: a warm-up fit, then fit yielding after every batch and the same number of
// batches never yielding, both timed (reported, not checked: the cost of a yield in this browser).
async function fitXor() {
  const before = km.memory().numTensors;
  const x = km.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = km.tensor([[0], [1], [1], [0]]);
  const model = km.sequential({layers: [km.layers.dense({units: 8, inputShape: [2], activation: 'tanh'}),
                                        km.layers.dense({units: 1, activation: 'sigmoid'})]});
  model.compile({optimizer: km.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy']});
  const warmUp = await model.fit(x, y, {epochs: 50, batchSize: 2, yieldEvery: 'never', verbose: 0});
  let yields = 0;
  let started = performance.now();
  await model.fit(x, y, {epochs: 100, batchSize: 2, verbose: 0, callbacks: {onYield: () => { yields += 1; }}});
  const yieldingMs = performance.now() - started;
  started = performance.now();
  const history = await model.fit(x, y, {epochs: 100, batchSize: 2, yieldEvery: 'never', verbose: 0});
  const neverMs = performance.now() - started;
  const predictions = km.tidy(() => Array.from(model.predict(x).dataSync()));
  km.dispose([x, y]);
  model.dispose();
  return {firstLoss: warmUp.history.loss[0], lastLoss: history.history.loss[99], yields, predictions,
          yieldingMs, neverMs, leaked: km.memory().numTensors - before};
}
