// One layer of each family on fixed, seeded inputs and weights, forward and input gradient, as plain
// numbers: the browser test runs it in Chromium and in Node and compares the two (Node's layers are
// checked against tfjs-layers and Keras by the other js-tests).
import * as km from '../../web/index.js';

function values(n, seed) {
  // A small linear congruential generator: the same numbers in every JS engine.
  let s = seed >>> 0;
  return Array.from({length: n}, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

const SIZE = (shape) => shape.reduce((a, b) => a * b, 1);

// [label, factory config, input shape, input dtype].
const LAYERS = [
  ['conv2d', {filters: 3, kernelSize: 3, padding: 'same', activation: 'relu'}, [2, 6, 5, 2]],
  ['conv2dTranspose', {filters: 2, kernelSize: 2, strides: 2}, [1, 3, 3, 2]],
  ['depthwiseConv2d', {kernelSize: 3, depthMultiplier: 2}, [1, 5, 5, 3]],
  ['separableConv1d', {filters: 2, kernelSize: 3}, [2, 7, 3]],
  ['locallyConnected1d', {filters: 2, kernelSize: 2}, [2, 5, 3]],
  ['maxPooling2d', {poolSize: 2}, [2, 4, 4, 3]],
  ['averagePooling1d', {poolSize: 3, strides: 1, padding: 'same'}, [2, 5, 2]],
  ['upSampling2d', {size: [2, 2], interpolation: 'bilinear'}, [1, 3, 3, 2]],
  ['batchNormalization', {}, [4, 3]],
  ['simpleRNN', {units: 3, returnSequences: true}, [2, 4, 3]],
  ['gru', {units: 3, goBackwards: true}, [2, 4, 3]],
  ['lstm', {units: 4, returnSequences: true}, [2, 5, 3]],
  ['cudnnLstm', {units: 2}, [2, 3, 3]],
  ['convLstm2d', {filters: 2, kernelSize: 2, returnSequences: true}, [1, 3, 4, 4, 1]],
  ['prelu', {}, [3, 4]],
  ['dense', {units: 3, activation: 'softmax'}, [2, 5]],
  ['lambda', {function: (x, {k}) => x.mul(k).tanh().sum(-1, true), arguments: {k: 1.5}}, [3, 4]],
  // Wrappers: their configs hold a layer, made when the smoke runs (a config given as a function).
  ['bidirectional', () => ({layer: km.layers.gru({units: 2, returnSequences: true}), mergeMode: 'mul'}), [2, 4, 3]],
  ['timeDistributed', () => ({layer: km.layers.dense({units: 2, activation: 'tanh'})}), [2, 3, 4]],
];

export function layersSmoke() {
  const before = km.memory().numTensors;
  const out = {};
  km.tidy(() => {
    LAYERS.forEach(([factory, config, shape], i) => {
      const layer = km.layers[factory](typeof config === 'function' ? config() : config);
      layer.build([null, ...shape.slice(1)]);
      // Positive weights for BatchNormalization, whose moving variance must be.
      const positive = factory === 'batchNormalization';
      layer.setWeights(layer.getWeights().map((w, j) => km.tensor(values(w.size, 100 * i + j + 1).map((v) => (positive ? v + 1 : v)),
                                                                  w.shape)));
      const x = km.tensor(values(SIZE(shape), 7 + i), shape);
      const y = layer.apply(x);
      const dy = km.tensor(values(y.size, 11 + i), y.shape);
      const dx = km.grad((v) => layer.apply(v).mul(dy).sum())(x);
      out[factory] = {y: Array.from(y.dataSync()), shape: y.shape, dx: Array.from(dx.dataSync())};
      layer.dispose();
    });
    // Embedding with maskZero into an LSTM: the mask crosses layers.
    const model = km.sequential({layers: [km.layers.embedding({inputDim: 6, outputDim: 3, maskZero: true, inputLength: 5}),
                                          km.layers.lstm({units: 2})]});
    model.setWeights(model.getWeights().map((w, j) => km.tensor(values(w.size, 500 + j), w.shape)));
    const y = model.predict(km.tensor([[1, 4, 0, 2, 0], [0, 0, 5, 3, 1]], [2, 5], 'int32'));
    out.maskedEmbeddingLstm = {y: Array.from(y.dataSync()), shape: y.shape, dx: []};
    model.dispose();
  });
  out.leaked = km.memory().numTensors - before;
  return out;
}
