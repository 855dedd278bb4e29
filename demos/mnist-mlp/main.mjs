// The MNIST MLP demo page: a 784-128-10 network (ReLU, softmax) trained for 5 epochs with Adam; the page
// itself (loading, training, chart, pad, gallery, saving) is app.mjs, shared with the CNN demo.
//
// window.demoState reports progress for tests: {phase: 'loading' | 'ready' | 'training' | 'trained' |
// 'error', ...}; while training {epoch, batch, progress}; once trained {testAccuracy, epochs, seconds};
// after a drawing is classified, {prediction: {digit, probabilities, input}}; after Save / Load model,
// {saved: {weightDataBytes}} / {phase: 'trained', loaded: true, testAccuracy}.
import {startDemo} from './app.mjs';
import {NUM_CLASSES, PIXELS} from './data.mjs';

startDemo({
  imageShape: [PIXELS],
  epochs: 5,
  savedModel: 'indexeddb://kerasm-mnist-mlp',
  createModel(km) {
    const m = km.sequential({layers: [
      km.layers.dense({units: 128, inputShape: [PIXELS], activation: 'relu'}),
      km.layers.dense({units: NUM_CLASSES, activation: 'softmax'}),
    ]});
    m.compile({optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
    return m;
  },
});
