import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km, tf} from './support.mjs';

// Each input form against what tfjs makes of it: shape, dtype, values.
const forms = [
  ['a number', [3.5]],
  ['a flat array', [[1, 2, 3]]],
  ['a nested array', [[[1, 2, 3], [4, 5, 6]]]],
  ['a 3-d nested array', [[[[1], [2]], [[3], [4]]]]],
  ['a flat array with a shape', [[1, 2, 3, 4, 5, 6], [3, 2]]],
  ['a Float32Array', [new Float32Array([0.5, -1, 2])]],
  ['a Float32Array with a shape', [new Float32Array(6).map((_, i) => i / 3), [2, 1, 3]]],
  ['an Int32Array', [new Int32Array([7, -8, 9])]],
  ['a Uint8Array', [new Uint8Array([0, 200, 255])]],
  ['an array of TypedArrays', [[new Float32Array([1, 2]), new Float32Array([3, 4])]]],
  ['an int32 dtype from floats', [[1.7, -2.7, 3], [3], 'int32']],
  ['a float32 dtype from an Int32Array', [new Int32Array([1, 2]), [2], 'float32']],
  ['an empty array', [[]]],
  ['a zero-size shape', [[], [0, 3]]],
];

for (const [what, args] of forms) {
  test(`tensor from ${what} matches tfjs`, () => {
    const t = km.tensor(...args);
    const e = tf.tensor(...args);
    assert.deepEqual(t.shape, e.shape);
    assert.equal(t.dtype, e.dtype);
    assert.equal(t.size, e.size);
    assert.equal(t.rank, e.rank);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(e.dataSync()));
    assert.deepEqual(t.arraySync(), e.arraySync());
    t.dispose();
    e.dispose();
  });
}

test('dataSync copies: Float32Array / Int32Array detached from the wasm heap', () => {
  const t = km.tensor([1, 2, 3]);
  const d = t.dataSync();
  assert.ok(d instanceof Float32Array);
  d[0] = 100;
  assert.equal(t.dataSync()[0], 1);
  const i = km.tensor([1, 2], [2], 'int32');
  assert.ok(i.dataSync() instanceof Int32Array);
  t.dispose();
  i.dispose();
});

test('data() and array() resolve to the values', async () => {
  const t = km.tensor([[1, 2], [3, 4]]);
  assert.deepEqual(Array.from(await t.data()), [1, 2, 3, 4]);
  assert.deepEqual(await t.array(), [[1, 2], [3, 4]]);
  assert.equal(km.scalar(5).arraySync(), 5);
  t.dispose();
});

test('tensor1d ... tensor4d and scalar check the rank', () => {
  assert.deepEqual(km.tensor1d([1, 2]).shape, [2]);
  assert.deepEqual(km.tensor2d([1, 2, 3, 4], [2, 2]).shape, [2, 2]);
  assert.deepEqual(km.tensor3d([[[1]]]).shape, [1, 1, 1]);
  assert.deepEqual(km.tensor4d([1, 2], [1, 1, 2, 1]).shape, [1, 1, 2, 1]);
  assert.equal(km.scalar(2, 'int32').dtype, 'int32');
  assert.throws(() => km.tensor1d([[1]]), /tensor1d: expected rank 1, got values of shape \[1,1\]/);
  assert.throws(() => km.tensor2d([1, 2]), /tensor2d: expected rank 2/);
  assert.throws(() => km.scalar([1]), /scalar: expected a number/);
});

test('zeros, ones, fill', () => {
  assert.deepEqual(km.zeros([2, 3]).arraySync(), tf.zeros([2, 3]).arraySync());
  assert.equal(km.zeros([2], 'int32').dtype, 'int32');
  assert.deepEqual(km.ones([3], 'int32').arraySync(), [1, 1, 1]);
  assert.deepEqual(km.fill([2, 2], 7.5).arraySync(), tf.fill([2, 2], 7.5).arraySync());
  assert.deepEqual(km.zerosLike(km.ones([2, 2])).arraySync(), [[0, 0], [0, 0]]);
  assert.deepEqual(km.onesLike(km.zeros([1, 2])).arraySync(), [[1, 1]]);
});

test('dispose and isDisposed; dispose twice is harmless', () => {
  const t = km.tensor([1]);
  assert.equal(t.isDisposed, false);
  t.dispose();
  assert.equal(t.isDisposed, true);
  t.dispose();
  assert.throws(() => t.dataSync(), /dataSync: tensor 'x' is disposed/);
});

test('km.dispose takes tensors, arrays and objects of them', () => {
  const a = km.tensor([1]);
  const b = km.tensor([2]);
  const c = km.tensor([3]);
  km.dispose([a, {b, nested: [c]}]);
  assert.ok(a.isDisposed && b.isDisposed && c.isDisposed);
});

test('bad creation input throws naming the problem', () => {
  assert.throws(() => km.tensor([[1, 2], [3]]), /tensor: element values\[1\] should have 2 elements, but has 1/);
  assert.throws(() => km.tensor([1, 2, 3], [2, 2]), /shape \[2,2\], the tensor should have 4 values but has 3/);
  assert.throws(() => km.tensor([[1, 2], [3, 4]], [4, 1]), /values' shape \[2,2\] does not match the provided shape \[4,1\]/);
  assert.throws(() => km.tensor([1, 'a']), /element values\[1\] is string a, expected a number/);
  assert.throws(() => km.tensor([true, false]), /boolean values are not supported/);
  assert.throws(() => km.tensor([1], [1], 'bool'), /unsupported dtype 'bool'/);
  assert.throws(() => km.zeros([2, -1]), /zeros: shape \[2,-1\] must hold non-negative integers/);
  assert.throws(() => km.zeros([1.5]), /must hold non-negative integers/);
  assert.throws(() => km.tensor({}), /values must be a TypedArray, a number or a \(nested\) array/);
});

test('randomNormal / randomUniform: seeded draws repeat, statistics fit the distribution', () => {
  const a = km.randomNormal([4000], 2, 0.5, 'float32', 42).dataSync();
  const b = km.randomNormal([4000], 2, 0.5, 'float32', 42).dataSync();
  assert.deepEqual(a, b);
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
  // Standard error of the mean is 0.5 / sqrt(4000) = 0.008; of the std about 0.0056.
  assert.ok(Math.abs(mean - 2) < 0.04, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(variance) - 0.5) < 0.03, `std ${Math.sqrt(variance)}`);
  const u = km.randomUniform([4000], -3, 5, 'float32', 1).dataSync();
  assert.ok(u.every((v) => v >= -3 && v < 5));
  assert.ok(Math.abs(u.reduce((s, v) => s + v, 0) / u.length - 1) < 0.15);
  assert.notDeepEqual(km.randomUniform([8]).dataSync(), km.randomUniform([8]).dataSync());
  const ints = km.randomUniform([1000], 0, 4, 'int32', 3);
  assert.equal(ints.dtype, 'int32');
  assert.ok(ints.dataSync().every((v) => Number.isInteger(v) && v >= 0 && v <= 4));
});

test('toString and print show dtype, shape and values', () => {
  const t = km.tensor([[1, 2]]);
  assert.match(t.toString(), /float32 \[1,2\]\n\[\[1,2\]\]/);
});
