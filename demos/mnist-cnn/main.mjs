// The MNIST CNN demo page: conv32 3x3 - maxpool - conv64 3x3 - maxpool - flatten - dense128 - dense10,
// trained for 3 epochs with Adam by the MLP demo's app (../mnist-mlp/app.mjs: loading, training, chart,
// pad, gallery, saving), plus a view of the first layer: its filters once a model exists, and the feature
// maps of the drawn digit.
//
// window.demoState is the app's (see app.mjs); window.filterView reports {filters, maps} counts drawn.
import * as km from '../../web/index.js';
import {startDemo} from '../mnist-mlp/app.mjs';
import {IMAGE_SIZE, NUM_CLASSES} from '../mnist-mlp/data.mjs';
import {toImageData} from '../mnist-mlp/pad.mjs';

const $ = (id) => document.getElementById(id);
window.filterView = {filters: 0, maps: 0};

// Values rescaled to [0, 1] by their own range (a constant map shows black).
function normalized(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi - lo || 1;
  return Float32Array.from(values, (v) => (v - lo) / span);
}

function canvasOf(image, size) {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  canvas.getContext('2d').putImageData(toImageData(image, size), 0, 0);
  return canvas;
}

// Channel c of an [H, W, C] array as an H x W image.
function channel(values, size, channels, c) {
  return Float32Array.from({length: size * size}, (_, i) => values[i * channels + c]);
}

function showFilters(model) {
  const conv = model.layers[0];
  const [kernel] = conv.getWeights();          // [3, 3, 1, filters]
  const [kh, , , filters] = kernel.shape;
  const values = kernel.dataSync();
  kernel.dispose();
  $('filters').replaceChildren(...Array.from({length: filters}, (_, f) => canvasOf(normalized(channel(values, kh, filters, f)), kh)));
  $('feature-maps').replaceChildren();
  window.filterView = {filters, maps: 0};
}

function showFeatureMaps(model, image) {
  const conv = model.layers[0];
  const maps = km.tidy(() => conv.apply(km.tensor(image, [1, IMAGE_SIZE, IMAGE_SIZE, 1])));
  const [, size, , filters] = maps.shape;
  const values = maps.dataSync();
  maps.dispose();
  $('feature-maps').replaceChildren(...Array.from({length: filters}, (_, f) => canvasOf(normalized(channel(values, size, filters, f)), size)));
  window.filterView = {...window.filterView, maps: filters};
}

startDemo({
  imageShape: [IMAGE_SIZE, IMAGE_SIZE, 1],
  epochs: 3,
  savedModel: 'indexeddb://kerasm-mnist-cnn',
  createModel() {
    const m = km.sequential({layers: [
      km.layers.conv2d({inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1], filters: 32, kernelSize: 3, activation: 'relu'}),
      km.layers.maxPooling2d({poolSize: 2}),
      km.layers.conv2d({filters: 64, kernelSize: 3, activation: 'relu'}),
      km.layers.maxPooling2d({poolSize: 2}),
      km.layers.flatten(),
      km.layers.dense({units: 128, activation: 'relu'}),
      km.layers.dense({units: NUM_CLASSES, activation: 'softmax'}),
    ]});
    m.compile({optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    return m;
  },
  onModel: showFilters,
  onClassified: showFeatureMaps,
});
