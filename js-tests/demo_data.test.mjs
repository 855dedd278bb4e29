// The MNIST demo's shared modules: the fixed train/test split of the `mnist` package (checked against
// the package's raw files) and the MNIST-style preprocessing of drawings (checked against shapes whose
// result can be worked out by hand).
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {test} from 'node:test';
import {PIXELS, TEST_PER_DIGIT, TRAIN_PER_DIGIT, loadMnist, oneHot} from '../demos/mnist-mlp/data.mjs';
import {preprocessDrawing} from '../demos/mnist-mlp/preprocess.mjs';

const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const raw = Array.from({length: 10}, (_, d) => JSON.parse(readFileSync(join(digitsDir, `${d}.json`), 'utf8')).data);
const rowKey = (values) => Buffer.from(Float32Array.from(values).buffer).toString('base64');

test('the split: the first 800 images of each digit train, the next (up to 200) test', async () => {
  const {train, test: testSet} = await loadMnist((d) => ({data: raw[d]}));
  assert.equal(train.count, 10 * TRAIN_PER_DIGIT);
  let expectedTest = 0;
  for (let d = 0; d < 10; ++d) expectedTest += Math.min(TEST_PER_DIGIT, raw[d].length / PIXELS - TRAIN_PER_DIGIT);
  assert.equal(testSet.count, expectedTest);

  // Training rows: exactly the multiset of each digit's first 800 raw images, with their labels.
  const wanted = new Map();
  for (let d = 0; d < 10; ++d) {
    for (let i = 0; i < TRAIN_PER_DIGIT; ++i) {
      const key = `${d}:${rowKey(raw[d].slice(i * PIXELS, (i + 1) * PIXELS))}`;
      wanted.set(key, (wanted.get(key) ?? 0) + 1);
    }
  }
  for (let r = 0; r < train.count; ++r) {
    const key = `${train.labels[r]}:${rowKey(train.images.subarray(r * PIXELS, (r + 1) * PIXELS))}`;
    assert.ok(wanted.get(key) > 0, `training row ${r} is not one of digit ${train.labels[r]}'s first 800 images`);
    wanted.set(key, wanted.get(key) - 1);
  }

  // Test rows: each digit's following images, in order.
  let r = 0;
  for (let d = 0; d < 10; ++d) {
    const n = Math.min(TEST_PER_DIGIT, raw[d].length / PIXELS - TRAIN_PER_DIGIT);
    for (let i = TRAIN_PER_DIGIT; i < TRAIN_PER_DIGIT + n; ++i, ++r) {
      assert.equal(testSet.labels[r], d);
      assert.equal(rowKey(testSet.images.subarray(r * PIXELS, (r + 1) * PIXELS)),
                   rowKey(raw[d].slice(i * PIXELS, (i + 1) * PIXELS)), `test row ${r}`);
    }
  }
});

test('the training order is shuffled, and the same on every load', async () => {
  const a = await loadMnist((d) => ({data: raw[d]}));
  const b = await loadMnist(async (d) => ({data: raw[d]}));
  assert.deepEqual(a.train.labels, b.train.labels);
  const firstHundred = new Set(a.train.labels.subarray(0, 100));
  assert.equal(firstHundred.size, 10, 'the first 100 training rows hold every digit');
});

test('a malformed digit file is refused with a message naming the digit', async () => {
  await assert.rejects(loadMnist((d) => (d === 4 ? {data: [1, 2, 3]} : {data: raw[d]})), /digit 4/);
});

test('oneHot', () => {
  assert.deepEqual(Array.from(oneHot(Uint8Array.of(2, 0), 3)), [0, 0, 1, 1, 0, 0]);
});

// A width x height canvas of zeros with fill(x, y) setting each pixel.
function canvas(width, height, fill) {
  const ink = new Float32Array(width * height);
  for (let y = 0; y < height; ++y) for (let x = 0; x < width; ++x) ink[y * width + x] = fill(x, y);
  return ink;
}

function stats(image) {
  let mass = 0, mx = 0, my = 0, x0 = 28, x1 = -1, y0 = 28, y1 = -1, peak = 0;
  for (let y = 0; y < 28; ++y) {
    for (let x = 0; x < 28; ++x) {
      const p = image[y * 28 + x];
      assert.ok(p >= 0 && p <= 1, `pixel (${x}, ${y}) = ${p} outside [0, 1]`);
      if (p > 0) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
      mass += p; mx += p * (x + 0.5); my += p * (y + 0.5); peak = Math.max(peak, p);
    }
  }
  return {mass, cx: mx / mass, cy: my / mass, width: x1 - x0 + 1, height: y1 - y0 + 1, peak};
}

test('preprocessing: an empty drawing gives null', () => {
  assert.equal(preprocessDrawing(new Float32Array(280 * 280), 280, 280), null);
});

test('preprocessing: a box with a bright quadrant lands where its centre of mass says', () => {
  // 140x140 of ink 0.5 at (60, 30), its top-left 70x70 at full ink. Scaled by 20/140 each target pixel
  // averages exactly 7x7 source pixels: a 20x20 image of 0.5 with a 10x10 block of 1. Its centre of mass
  // is (100*5 + 0.5*(100*5 + 200*15)) / 250 = 9 on both axes, so it moves by 14 - 9 = 5 pixels.
  const ink = canvas(280, 280, (x, y) => {
    if (x < 60 || x >= 200 || y < 30 || y >= 170) return 0;
    return x < 130 && y < 100 ? 1 : 0.5;
  });
  const {image, box} = preprocessDrawing(ink, 280, 280);
  assert.deepEqual(box, {x: 60, y: 30, width: 140, height: 140});
  for (let y = 0; y < 28; ++y) {
    for (let x = 0; x < 28; ++x) {
      const inside = x >= 5 && x < 25 && y >= 5 && y < 25;
      const expected = !inside ? 0 : x < 15 && y < 15 ? 1 : 0.5;
      assert.ok(Math.abs(image[y * 28 + x] - expected) < 1e-5, `(${x}, ${y}): ${image[y * 28 + x]} vs ${expected}`);
    }
  }
});

test('preprocessing: the long side becomes 20 pixels, the aspect ratio stays, the mass is centred', () => {
  // An off-centre slanted stroke 60 wide and 180 tall, with grey edges: 20 x 6.67 -> 20 x 7.
  const ink = canvas(280, 280, (x, y) => {
    if (y < 90 || y >= 270) return 0;
    const centre = 200 + (y - 90) / 180 * 45;  // leans right as it goes down
    const d = Math.abs(x + 0.5 - centre);
    return d < 7 ? 1 : d < 8 ? 0.4 : 0;
  });
  const {image} = preprocessDrawing(ink, 280, 280);
  const s = stats(image);
  assert.equal(s.height, 20);
  assert.equal(s.width, 7);
  assert.equal(s.peak, 1);
  assert.ok(Math.abs(s.cx - 14) <= 0.5 && Math.abs(s.cy - 14) <= 0.5, `centre of mass (${s.cx}, ${s.cy})`);
});

test('preprocessing: a one-pixel vertical line keeps a one-pixel column', () => {
  const ink = canvas(280, 280, (x, y) => (x === 30 && y >= 50 && y < 250 ? 1 : 0));
  const s = stats(preprocessDrawing(ink, 280, 280).image);
  assert.deepEqual([s.width, s.height, s.mass], [1, 20, 20]);
  assert.ok(Math.abs(s.cx - 14) <= 0.5 && Math.abs(s.cy - 14) <= 0.5);
});
