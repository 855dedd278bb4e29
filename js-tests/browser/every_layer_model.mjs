// One functional model that uses every core, merge, advanced-activation, normalization and noise layer at
// least once, plus a Lambda and a layer written in JS, trained with fit on a seeded three-class task.
// Everything is seeded (weights, data, noise, shuffling), so Node and a page must report the same numbers;
// the tests check that it learns (the labels are the oracle) and that the two environments agree.
import * as km from '../../web/index.js';

// A learnable per-feature gain, written in JS.
class Gain extends km.layers.Layer {
  static className = 'Gain';

  build(inputShape) {
    this.gain = this.addWeight('gain', [inputShape[inputShape.length - 1]], 'float32', 'ones');
  }

  call(inputs) {
    return inputs.mul(this.gain.read());
  }

  computeOutputShape(inputShape) {
    return inputShape;
  }
}

function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const FEATURES = 6;
const CLASSES = 3;

// The task: the class is the argmax of a fixed linear map of the features.
function task(n, seed) {
  const next = lcg(seed);
  const w = Array.from({length: FEATURES * CLASSES}, lcg(99));
  const x = new Float32Array(n * FEATURES).map(() => 2 * next());
  const y = new Float32Array(n * CLASSES);
  for (let i = 0; i < n; ++i) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < CLASSES; ++c) {
      let s = 0;
      for (let f = 0; f < FEATURES; ++f) s += x[i * FEATURES + f] * w[f * CLASSES + c];
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    y[i * CLASSES + best] = 1;
  }
  return {x: km.tensor(x, [n, FEATURES]), y: km.tensor(y, [n, CLASSES])};
}

function buildModel() {
  const L = km.layers;
  const x = km.input({shape: [FEATURES], name: 'x'});
  const h = L.dense({units: 12, name: 'hidden'}).apply(x);
  const p = L.prelu({name: 'prelu'}).apply(L.batchNormalization({name: 'bn'}).apply(h));
  const a = L.leakyReLU({alpha: 0.1}).apply(p);
  const e = L.elu({alpha: 0.7}).apply(p);
  const r = L.reLU({maxValue: 2, negativeSlope: 0.05, threshold: 0.1}).apply(p);
  const t = L.thresholdedReLU({theta: 0.2}).apply(p);
  const merged = L.concatenate().apply([
    L.add().apply([a, e]), L.subtract().apply([a, r]), L.multiply().apply([e, t]),
    L.average().apply([a, e, r]), L.maximum().apply([a, t]), L.minimum().apply([e, r]),
  ]);
  const noisy = L.dropout({rate: 0.1, seed: 1}).apply(L.gaussianNoise({stddev: 0.05, seed: 2}).apply(merged));
  const gain = new Gain({name: 'gain'});
  const g = gain.apply(L.dense({units: 8, activation: 'tanh'}).apply(noisy));
  const lam = L.lambda({function: (v, {k}) => v.mul(k).tanh(), arguments: {k: 2}, name: 'lambda'}).apply(g);
  // Through the shape layers to 1D, 2D and 3D feature maps for the spatial dropouts.
  const perm = L.permute({dims: [2, 1]}).apply(L.repeatVector({n: 3}).apply(lam));  // [8, 3]
  const sd1 = L.spatialDropout1d({rate: 0.1, seed: 3}).apply(perm);
  const sd2 = L.spatialDropout2d({rate: 0.1, seed: 4}).apply(L.reshape({targetShape: [2, 4, 3]}).apply(sd1));
  const sd3 = L.spatialDropout3d({rate: 0.1, seed: 5}).apply(L.reshape({targetShape: [2, 2, 2, 3]}).apply(sd2));
  const flat = L.flatten().apply(sd3);
  const dropped = L.alphaDropout({rate: 0.05, seed: 7}).apply(L.gaussianDropout({rate: 0.1, seed: 6}).apply(flat));
  const reg = L.activityRegularization({l1: 1e-4, l2: 1e-4}).apply(L.activation({activation: 'relu'}).apply(dropped));
  const d = L.dot({axes: 1, normalize: true}).apply([L.dense({units: 4}).apply(reg), L.dense({units: 4}).apply(lam)]);
  const logits = L.dense({units: CLASSES}).apply(L.concatenate().apply([reg, d]));
  // The JS layer object is the caller's: it holds its weight's read() tensor until disposed.
  return {model: km.model({inputs: x, outputs: L.softmax({name: 'probs'}).apply(logits)}), gain};
}

// Seeded weights instead of the initializers' draws; batch normalization starts as Keras starts it.
function seedWeights(model) {
  const next = lcg(7);
  const old = model.getWeights();
  const fresh = model.weights.map((w, i) => {
    const {shape} = old[i];
    const n = shape.reduce((s, d) => s * d, 1);
    const fill = (v) => km.tensor(new Float32Array(n).fill(v), shape);
    if (/(gamma|moving_variance|gain)$/.test(w.name)) return fill(1);
    if (/(beta|moving_mean|bias)$/.test(w.name)) return fill(0);
    return km.tensor(Float32Array.from({length: n}, () => next() * 1.2), shape);
  });
  model.setWeights(fresh);
  km.dispose([...old, ...fresh]);
}

export async function trainEveryLayerModel({epochs = 25} = {}) {
  await km.ready();
  const before = km.memory().numTensors;
  const {model, gain} = buildModel();
  seedWeights(model);
  model.compile({optimizer: km.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const train = task(240, 1);
  const test = task(120, 2);
  const evaluate = (data) => {
    const [loss, acc] = model.evaluate(data.x, data.y, {batchSize: 60});
    const out = [loss.dataSync()[0], acc.dataSync()[0]];
    km.dispose([loss, acc]);
    return out;
  };
  const [lossBefore] = evaluate(train);
  const history = await model.fit(train.x, train.y, {epochs, batchSize: 24, seed: 11, verbose: 0});
  const [lossAfter, trainAcc] = evaluate(train);
  const [, testAcc] = evaluate(test);
  const probe = km.tidy(() => model.predict(test.x.slice([0, 0], [4, FEATURES])));
  const result = {
    classes: [...new Set(model.layers.map((l) => l.getClassName()))].sort(),
    lossBefore, lossAfter, trainAcc, testAcc,
    fitLoss: history.history.loss,
    probs: Array.from(probe.dataSync()),
  };
  probe.dispose();
  km.dispose([train.x, train.y, test.x, test.y]);
  model.optimizer.dispose();
  model.dispose();
  gain.dispose();
  result.leaked = km.memory().numTensors - before;
  return result;
}
