// Reductions, argMax / argMin and l2Normalize against tfjs (l2Normalize against its formula in tfjs ops).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, checkOp, km, scoped, tf} from './support.mjs';

const axisForms = [
  [[7], undefined, false],
  [[3, 4], undefined, true],
  [[3, 4], 0, false],
  [[3, 4], 1, true],
  [[2, 3, 5], -1, false],
  [[2, 3, 5], [0, 2], false],
  [[2, 3, 5], [1, -1], true],
  [[2, 3, 5], [], false],
  [[4, 33], 1, false],
];

for (const op of ['sum', 'mean', 'max', 'min']) {
  test(`${op} matches tfjs over all, one, negative and several axes, with keepDims`, () => {
    axisForms.forEach(([shape, axis, keepDims], seed) => {
      checkOp({shapes: [shape], seed, kmFn: (x) => km[op](x, axis, keepDims), tfFn: (x) => tf[op](x, axis, keepDims),
               rtol: 1e-5, atol: 1e-5});
    });
    checkOp({shapes: [[3, 4]], kmFn: (x) => x[op](1), tfFn: (x) => x[op](1)});
  });
}

test('argMax and argMin match tfjs (axis defaults to 0, int32 result)', () => {
  scoped(() => {
    const values = tf.randomNormal([4, 5, 6], 0, 1, 'float32', 3).dataSync();
    const x = km.tensor(values, [4, 5, 6]);
    const t = tf.tensor(values, [4, 5, 6]);
    for (const axis of [undefined, 0, 1, 2, -1]) {
      assertClose(km.argMax(x, axis), tf.argMax(t, axis));
      assertClose(x.argMin(axis), t.argMin(axis));
    }
  });
});

test('l2Normalize matches x / sqrt(max(sum(x^2), epsilon)) on the last, given and all axes', () => {
  const formula = (axis) => (x) => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), axis, true), 1e-12)));
  checkOp({shapes: [[3, 4]], kmFn: (x) => km.l2Normalize(x), tfFn: formula(-1)});
  checkOp({shapes: [[3, 4, 2]], kmFn: (x) => x.l2Normalize(1), tfFn: formula(1)});
  checkOp({shapes: [[3, 4, 2]], kmFn: (x) => km.l2Normalize(x, [0, 2]), tfFn: formula([0, 2])});
  checkOp({shapes: [[5, 2]], kmFn: (x) => km.l2Normalize(x, null), tfFn: formula(null)});
  scoped(() => {
    assert.deepEqual(km.l2Normalize(km.zeros([2, 2])).arraySync(), [[0, 0], [0, 0]]);
  });
});
