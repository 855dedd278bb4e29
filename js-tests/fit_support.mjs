// Shared by the fit tests (fit_options, fit_dataset): small models with a tfjs twin holding the same weights,
// seeded data, and comparisons of histories and weights.
import assert from 'node:assert/strict';
import {km, randomValues, tf} from './support.mjs';

export const SAMPLES = 12;

export function data(lib, seed = 1, n = SAMPLES) {
  const x = lib.tensor(randomValues(n * 3, seed), [n, 3]);
  const labels = Array.from({length: n}, (_, i) => (i * 7 + seed) % 3);
  const y = lib.tensor(labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0))), [n, 3]);
  return {x, y, labels};
}

export function makeModel(lib) {
  return lib.sequential({layers: [
    lib.layers.dense({units: 5, inputShape: [3], activation: 'tanh'}),
    lib.layers.dense({units: 3, activation: 'softmax'}),
  ]});
}

// A kerasm model and a tfjs model with the same weights, compiled alike.
export function pair({loss = 'categoricalCrossentropy', metrics = ['accuracy'], lr = 0.2} = {}) {
  const model = makeModel(km);
  const tfModel = makeModel(tf);
  tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape)));
  model.compile({optimizer: km.train.sgd(lr), loss: typeof loss === 'object' ? loss.km : loss, metrics});
  tfModel.compile({optimizer: tf.train.sgd(lr), loss: typeof loss === 'object' ? loss.tf : loss, metrics});
  return {model, tfModel};
}

export function close(a, b, what, rtol = 1e-4, atol = 1e-5) {
  assert.ok(Math.abs(a - b) <= atol + rtol * Math.abs(b), `${what}: ${a} vs ${b}`);
}

export function assertHistoryClose(ours, theirs) {
  assert.deepEqual(Object.keys(ours.history).sort(), Object.keys(theirs.history).sort());
  assert.deepEqual(ours.epoch, theirs.epoch);
  for (const [key, values] of Object.entries(theirs.history)) {
    const mine = ours.history[key];
    values.forEach((v, i) => close(mine[i], typeof v === 'number' ? v : v.dataSync()[0], `${key}[${i}]`));
  }
}

export function assertWeightsClose(model, tfModel, tol = 1e-4) {
  const ours = model.getWeights();
  tfModel.getWeights().forEach((w, i) => {
    const a = ours[i].dataSync();
    const b = w.dataSync();
    for (let k = 0; k < b.length; ++k) close(a[k], b[k], `weight ${i}[${k}]`, tol, tol);
  });
  km.dispose(ours);
}

export function weightsOf(model) {
  const ws = model.getWeights();
  const out = ws.map((w) => Array.from(w.dataSync()));
  km.dispose(ws);
  return out;
}

export function assertSameWeights(a, b, tol = 1e-6) {
  const wa = weightsOf(a);
  const wb = weightsOf(b);
  wa.forEach((w, i) => w.forEach((v, k) => close(v, wb[i][k], `weight ${i}[${k}]`, tol, tol)));
}

export async function captureLog(fn) {
  const lines = [];
  const original = console.log;
  console.log = (...args) => lines.push(args.join(' '));
  try {
    await fn();
  } finally {
    console.log = original;
  }
  return lines;
}
