// matMul, shape and data-movement ops against tfjs, forward and gradient.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, checkOp, km, scoped, tf} from './support.mjs';

test('matMul matches tfjs: plain, transposed, batched and batch-broadcast', () => {
  const cases = [
    [[2, 3], [3, 4], false, false],
    [[3, 2], [3, 4], true, false],
    [[2, 3], [4, 3], false, true],
    [[3, 2], [4, 3], true, true],
    [[1, 17], [17, 1], false, false],
    [[2, 5, 3], [2, 3, 6], false, false],
    [[2, 3, 5], [2, 6, 3], true, true],
    [[33, 20], [20, 19], false, false],
  ];
  cases.forEach(([sa, sb, ta, tb], seed) => {
    checkOp({shapes: [sa, sb], seed, kmFn: (a, b) => km.matMul(a, b, ta, tb), tfFn: (a, b) => tf.matMul(a, b, ta, tb),
             rtol: 1e-5, atol: 1e-5});
  });
  // tfjs' gradient does not sum over a broadcast batch axis, so its oracle broadcasts explicitly.
  checkOp({shapes: [[1, 4, 3], [3, 3, 2]], kmFn: (a, b) => km.matMul(a, b),
           tfFn: (a, b) => tf.matMul(tf.broadcastTo(a, [3, 4, 3]), b), rtol: 1e-5, atol: 1e-5});
  checkOp({shapes: [[2, 3], [3, 2]], kmFn: (a, b) => a.matMul(b), tfFn: (a, b) => a.matMul(b)});
});

test('transpose matches tfjs with and without perm', () => {
  checkOp({shapes: [[2, 3]], kmFn: (x) => km.transpose(x), tfFn: (x) => tf.transpose(x)});
  checkOp({shapes: [[2, 3, 4]], kmFn: (x) => x.transpose(), tfFn: (x) => x.transpose()});
  checkOp({shapes: [[2, 3, 4]], kmFn: (x) => km.transpose(x, [1, 2, 0]), tfFn: (x) => tf.transpose(x, [1, 2, 0])});
  checkOp({shapes: [[2, 3, 4, 5]], kmFn: (x) => x.transpose([0, 2, 1, 3]), tfFn: (x) => x.transpose([0, 2, 1, 3])});
});

test('reshape matches tfjs, with -1', () => {
  checkOp({shapes: [[2, 3, 4]], kmFn: (x) => km.reshape(x, [6, 4]), tfFn: (x) => tf.reshape(x, [6, 4])});
  checkOp({shapes: [[2, 3, 4]], kmFn: (x) => x.reshape([-1, 2]), tfFn: (x) => x.reshape([-1, 2])});
  checkOp({shapes: [[6]], kmFn: (x) => x.reshape([1, 6, 1]), tfFn: (x) => x.reshape([1, 6, 1])});
  checkOp({shapes: [[3, 4]], kmFn: (x) => x.flatten(), tfFn: (x) => x.flatten()});
});

test('concat and stack match tfjs on several axes', () => {
  for (const axis of [0, 1, -1]) {
    checkOp({shapes: [[2, 3], [2, 3], [2, 3]], kmFn: (a, b, c) => km.concat([a, b, c], axis),
             tfFn: (a, b, c) => tf.concat([a, b, c], axis)});
    checkOp({shapes: [[2, 3], [2, 3]], kmFn: (a, b) => km.stack([a, b], axis), tfFn: (a, b) => tf.stack([a, b], axis)});
  }
  checkOp({shapes: [[1, 4], [3, 4]], kmFn: (a, b) => a.concat(b), tfFn: (a, b) => a.concat(b)});
  checkOp({shapes: [[4, 2], [4, 5]], kmFn: (a, b) => km.concat([a, b], 1), tfFn: (a, b) => tf.concat([a, b], 1)});
  checkOp({shapes: [[3], [3]], kmFn: (a, b) => a.stack(b, 1), tfFn: (a, b) => tf.stack([a, b], 1)});
});

test('slice matches tfjs for every form of begin and size', () => {
  const forms = [
    [[4, 5], [1, 2], [2, 3]],
    [[4, 5], [1, 0], [-1, 2]],
    [[4, 5], 2, undefined],
    [[4, 5], [1], [2]],
    [[3, 4, 5], [0, 1, 2], [3, 2, -1]],
    [[6], 2, 3],
  ];
  forms.forEach(([shape, begin, size], seed) => {
    checkOp({shapes: [shape], seed, kmFn: (x) => km.slice(x, begin, size), tfFn: (x) => tf.slice(x, begin, size)});
  });
});

test('gather matches tfjs for 1-d and 2-d indices on several axes', () => {
  const cases = [
    [[5, 3], [4, 0, 4, 2], 0],
    [[5, 3], [2, 0], 1],
    [[2, 4, 3], [[3, 1], [0, 3]], 1],
    [[2, 4, 3], [2], -1],
  ];
  cases.forEach(([shape, indices, axis], seed) => {
    checkOp({shapes: [shape], seed, kmFn: (x) => km.gather(x, km.tensor(indices, null, 'int32'), axis),
             tfFn: (x) => tf.gather(x, tf.tensor(indices, null, 'int32'), axis)});
  });
  checkOp({shapes: [[5, 3]], kmFn: (x) => x.gather([1, 1, 0]), tfFn: (x) => x.gather([1, 1, 0])});
  scoped(() => {
    assert.throws(() => km.gather(km.ones([2]), km.tensor([0])), /gather: 'indices' must be a int32 tensor, got float32/);
  });
});

test('broadcastTo, expandDims, squeeze, pad, tile match tfjs', () => {
  checkOp({shapes: [[3, 1]], kmFn: (x) => km.broadcastTo(x, [2, 3, 4]), tfFn: (x) => tf.broadcastTo(x, [2, 3, 4])});
  for (const axis of [0, 1, -1]) {
    checkOp({shapes: [[2, 3]], kmFn: (x) => km.expandDims(x, axis), tfFn: (x) => tf.expandDims(x, axis)});
  }
  checkOp({shapes: [[1, 3, 1, 2]], kmFn: (x) => km.squeeze(x), tfFn: (x) => tf.squeeze(x)});
  checkOp({shapes: [[1, 3, 1, 2]], kmFn: (x) => x.squeeze([2]), tfFn: (x) => x.squeeze([2])});
  checkOp({shapes: [[2, 3]], kmFn: (x) => km.pad(x, [[1, 2], [0, 3]]), tfFn: (x) => tf.pad(x, [[1, 2], [0, 3]])});
  checkOp({shapes: [[2, 2, 2]], kmFn: (x) => x.pad([[0, 1], [1, 1], [2, 0]], 1.5),
           tfFn: (x) => x.pad([[0, 1], [1, 1], [2, 0]], 1.5)});
  checkOp({shapes: [[2, 3]], kmFn: (x) => km.tile(x, [2, 3]), tfFn: (x) => tf.tile(x, [2, 3])});
  checkOp({shapes: [[2, 1, 3]], kmFn: (x) => x.tile([1, 4, 1]), tfFn: (x) => x.tile([1, 4, 1])});
});

test('cast matches tfjs both ways (float to int truncates toward zero)', () => {
  scoped(() => {
    const v = [-2.7, -0.5, 0, 0.5, 2.7, 3];
    assertClose(km.cast(km.tensor(v), 'int32'), tf.cast(tf.tensor(v), 'int32'));
    assertClose(km.tensor([1, -3], [2], 'int32').toFloat(), tf.tensor([1, -3], [2], 'int32').toFloat());
  });
  checkOp({shapes: [[3]], kmFn: (x) => km.cast(km.cast(x, 'int32'), 'float32').add(x),
           tfFn: (x) => tf.cast(tf.cast(x, 'int32'), 'float32').add(x), grad: false});
});

test('oneHot matches tfjs (int32 by default, float32 on request)', () => {
  scoped(() => {
    assertClose(km.oneHot(km.tensor([0, 3, 1], null, 'int32'), 4), tf.oneHot(tf.tensor1d([0, 3, 1], 'int32'), 4));
    assertClose(km.oneHot([2, 0], 3, 5, -1), tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3, 5, -1));
    const f = km.oneHot([1], 2, 1, 0, 'float32');
    assert.equal(f.dtype, 'float32');
    assert.deepEqual(f.arraySync(), [[0, 1]]);
  });
});

test('int32 tensors move through reshape, transpose, concat, stack, slice, gather, expandDims, squeeze', () => {
  scoped(() => {
    const v = [[1, 2, 3], [4, 5, 6]];
    const x = km.tensor(v, null, 'int32');
    const t = tf.tensor(v, null, 'int32');
    assertClose(x.reshape([3, 2]), t.reshape([3, 2]));
    assertClose(x.transpose(), t.transpose());
    assertClose(km.concat([x, x], 1), tf.concat([t, t], 1));
    assertClose(km.stack([x, x]), tf.stack([t, t]));
    assertClose(x.slice([0, 1], [2, 2]), t.slice([0, 1], [2, 2]));
    assertClose(x.gather([1, 0, 1]), t.gather([1, 0, 1]));
    assertClose(x.expandDims(1), t.expandDims(1));
    assertClose(x.expandDims(0).squeeze(), t.expandDims(0).squeeze());
  });
});

test('clone copies values and passes gradients through', () => {
  checkOp({shapes: [[2, 3]], kmFn: (x) => x.clone().mul(2), tfFn: (x) => x.clone().mul(2)});
});

// Ranks past the limit (8, core/max_rank.h, shared by the ops and the JS exchange) fail with an Error
// that names the rank, whether the large rank comes in or would come out; the module keeps working and
// nothing is left allocated.
test('rank 9 and 10 tensors throw a clear Error and the module keeps working', () => {
  const before = km.memory();
  const shapeOfRank = (rank) => Array.from({length: rank}, (_, i) => (i % 2 ? 1 : 2));
  for (const rank of [9, 10]) {
    const shape = shapeOfRank(rank);
    assert.throws(() => km.transpose(km.zeros(shape)), new RegExp(`rank ${rank}\\b.*exceeds.*\\(8\\)`));
    assert.throws(() => km.add(km.ones(shape), km.ones([2])), new RegExp(`rank ${rank}\\b.*\\(8\\)`));
    scoped(() => {
      const x8 = km.ones(shapeOfRank(8));
      const sameSize = shapeOfRank(8).concat(new Array(rank - 8).fill(1));
      assert.throws(() => km.reshape(x8, sameSize), new RegExp(`rank ${rank}\\b`));
      if (rank === 9) assert.throws(() => km.expandDims(x8, 0), /rank 9\b/);
    });
  }
  // Rank 8 still works end to end, forward and backward, as in tfjs.
  scoped(() => {
    const values = Array.from({length: 16}, (_, i) => i);
    const x = km.tensor(values, shapeOfRank(8)), tx = tf.tensor(values, shapeOfRank(8));
    const perm = [7, 6, 5, 4, 3, 2, 1, 0];
    assertClose(km.transpose(x, perm), tf.transpose(tx, perm));
    assertClose(km.add(x, km.ones([2])), tf.add(tx, tf.ones([2])));
    assertClose(km.grad((t) => km.sum(km.transpose(t, perm)))(x), tf.onesLike(tx));
    assertClose(km.add(km.tensor([1, 2]), km.tensor([3, 4])), tf.tensor([4, 6]));
  });
  const after = km.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numDataBuffers, before.numDataBuffers);
});
