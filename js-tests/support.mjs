// Shared by the js-tests: the loaded package, tfjs as the oracle (its cpu backend in Node), seeded input
// data and a tolerance-aware comparison.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as km from '../web/index.js';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

await km.ready();
await tf.setBackend('cpu');

export {km, tf};

// The package's seeded generator, so inputs are the same on every run.
export {seededRandom as rng} from '../web/seeded.js';
import {seededRandom as rng} from '../web/seeded.js';

// size values uniform in [lo, hi).
export function randomValues(size, seed, lo = -2, hi = 2) {
  const next = rng(seed);
  return Float32Array.from({length: size}, () => lo + (hi - lo) * next());
}

export function sizeOf(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

// The same values as a kerasm tensor and a tfjs tensor.
export function pair(shape, seed, lo, hi) {
  const values = randomValues(sizeOf(shape), seed, lo, hi);
  return [km.tensor(values, shape), tf.tensor(values, shape)];
}

// Shape, dtype and every value within atol + rtol * |expected|.
export function assertClose(actual, expected, {rtol = 1e-5, atol = 1e-6, what = ''} = {}) {
  assert.deepEqual(actual.shape, expected.shape, `${what} shape`);
  assert.equal(actual.dtype, expected.dtype, `${what} dtype`);
  const a = actual.dataSync();
  const e = expected.dataSync();
  for (let i = 0; i < e.length; ++i) {
    const tol = atol + rtol * Math.abs(e[i]);
    if (!(Math.abs(a[i] - e[i]) <= tol) && !(Number.isNaN(a[i]) && Number.isNaN(e[i]))) {
      assert.fail(`${what} value ${i}: got ${a[i]}, expected ${e[i]} (tolerance ${tol})`);
    }
  }
}

// Disposes everything created by both libraries in fn.
export function scoped(fn) {
  tf.tidy(() => km.tidy(() => {
    fn();
  }));
}

// Checks one op against tfjs, forward and (unless grad is false) backward: the same random inputs of
// `shapes` (values in [lo, hi)) go through kmFn and tfFn; then km.grads and tf.grads of both with the
// same random dy must agree for every input.
export function checkOp({shapes, kmFn, tfFn, lo = -2, hi = 2, seed = 1, grad = true, rtol = 1e-5, atol = 1e-6,
                         gradRtol = 1e-4, gradAtol = 1e-5}) {
  scoped(() => {
    const inputs = shapes.map((s, i) => pair(s, seed * 31 + i, lo, hi));
    const kmIn = inputs.map(([k]) => k);
    const tfIn = inputs.map(([, t]) => t);
    const expected = tfFn(...tfIn);
    assertClose(kmFn(...kmIn), expected, {rtol, atol, what: 'forward'});
    if (!grad) return;
    const [kmDy, tfDy] = pair(expected.shape, seed * 31 + 17);
    const kmGrads = km.grads(kmFn)(kmIn, kmDy);
    const tfGrads = tf.grads(tfFn)(tfIn, tfDy);
    kmGrads.forEach((g, i) => assertClose(g, tfGrads[i], {rtol: gradRtol, atol: gradAtol, what: `gradient ${i}`}));
  });
}

// A scratch HDF5 path for h5wasm, whose Node build works on the real file system: in the temp folder, under
// a name no other test process uses.
let scratchCount = 0;
export function scratchH5(kind) {
  return join(tmpdir(), `kerasm-test-${process.pid}-${kind}-${++scratchCount}.h5`);
}

// Live tensors and C++ buffers once the finalizers have run (layers made in JS are released by them).
export async function settledCounts() {
  for (let i = 0; i < 3; ++i) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const m = km.memory();
  return {numTensors: m.numTensors, numDataBuffers: m.numDataBuffers};
}
