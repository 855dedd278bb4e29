// Misuse throws a JS Error whose message names the op and the shapes or values involved; afterwards the
// module computes correctly and nothing has leaked.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km} from './support.mjs';

const a = km.tensor([[1, 2, 3], [4, 5, 6]]);
const b = km.tensor([1, 2, 3, 4]);
const idx = km.tensor([0, 1], [2], 'int32');
const gone = km.ones([2]);
gone.dispose();

// [what, call, expected message]
const cases = [
  ['shape mismatch (matMul)', () => km.matMul(a, a), /^matMul: .*\[2,3\].*\[2,3\]/],
  ['shape mismatch (concat)', () => km.concat([a, b]), /^concat: input 1 has shape \[4\], incompatible with \[2,3\]/],
  ['shape mismatch (stack)', () => km.stack([a, b]), /^stack: .*\[4\].*\[2,3\]/],
  ['reshape to the wrong size', () => a.reshape([4]), /^reshape: .*\[2,3\].*\[4\]/],
  ['assigning another shape to a variable', () => {
    const v = km.variable(km.zeros([3]), true, 'bias');
    try {
      v.assign(km.zeros([2]));
    } finally {
      v.dispose();
    }
  }, /^variable 'bias'.*\[2\].*\[3\]/],
  ['dy of the wrong shape', () => km.grad((x) => x.square())(a, b), /^gradient: dy must have shape \[2,3\], got \[4\]/],
  ['non-broadcastable (add)', () => km.add(a, b), /^add: .*broadcast.*\[2,3\].*\[4\]/],
  ['non-broadcastable (mul, method form)', () => a.mul(b), /^mul: .*\[2,3\].*\[4\]/],
  ['non-broadcastable (where)', () => km.where(km.ones([3]), a, b), /^where: .*\[2,3\].*\[4\]/],
  ['non-broadcastable (broadcastTo)', () => a.broadcastTo([4, 3]), /^broadcastTo: .*\[2,3\].*\[4,3\]/],
  ['wrong dtype (math on int32)', () => km.mul(idx, idx), /^mul: a must be float32, got int32 \(shape \[2\]\)/],
  ['wrong dtype (float gather indices)', () => a.gather(km.tensor([0])), /^gather: 'indices' must be a int32 tensor, got float32/],
  ['wrong dtype name', () => km.zeros([2], 'float64'), /^zeros: unsupported dtype 'float64'/],
  ['disposed tensor (first argument)', () => km.matMul(gone, a), /^matMul: tensor 'a' is disposed$/],
  ['disposed tensor (second argument)', () => a.add(gone), /^add: tensor 'b' is disposed$/],
  ['disposed tensor (in a list)', () => km.concat([a, gone]), /^concat: tensor 'tensors\[1\]' is disposed$/],
  ['disposed tensor (gradient source)', () => km.grad((x) => x)(gone), /^grad: tensor 'x' is disposed$/],
  ['disposed tensor (readback)', () => gone.dataSync(), /^dataSync: tensor 'x' is disposed$/],
  ['bad axis (sum)', () => a.sum(5), /^sum: axis 5 is out of range for a tensor of rank 2/],
  ['bad axis (softmax)', () => a.softmax(2), /^softmax: axis 2 is out of range for a tensor of rank 2/],
  ['bad axis (concat)', () => km.concat([a, a], -3), /^concat: axis -3 is out of range/],
  ['bad axis (expandDims)', () => a.expandDims(4), /^expandDims: axis 4 is out of range/],
  ['bad axis (squeeze of a non-1 axis)', () => a.squeeze([1]), /^squeeze: axis 1 of shape \[2,3\] has size 3, not 1/],
  ['bad axis (argMax)', () => a.argMax(2), /^argMax: axis 2 is out of range for a tensor of rank 2/],
  ['bad axis (gather)', () => a.gather(idx, 2), /^gather: axis 2 is out of range/],
  ['bad permutation', () => a.transpose([0, 0]), /^transpose: perm repeats axis 0/],
  ['out-of-range gather index', () => a.gather([5]), /^gather: index 5 is out of range \[0, 2\) for axis 0 of shape \[2,3\]/],
  ['out-of-range slice', () => a.slice([1, 1], [2, 2]), /^slice: .*\[2,3\]/],
  ['bad paddings', () => a.pad([[1, 1]]), /^pad: expected 2 \(before, after\) pairs for shape \[2,3\], got 1/],
  ['bad tile reps', () => a.tile([2]), /^tile: reps has 1 entries for a tensor of rank 2/],
  ['bad oneHot depth', () => km.oneHot(idx, 0), /^oneHot: depth must be >= 1, got 0/],
  ['a shape larger than memory', () => km.zeros([100000, 100000]), /shape \[100000,100000\].*more values than memory/],
  ['an allocation the heap cannot grow to', () => km.zeros([30000, 30000]), /out of memory/],
  ['a non-integer axis', () => a.sum(0.5), /^sum: axis \[0.5\] must hold integers/],
  ['a string where a tensor belongs', () => km.add('x', a), /^add: argument 'a' must be a Tensor, a number or an array, got string x/],
];

// (a + 1) . a^T, checked against the formula after every error.
function stillComputes() {
  const at = a.transpose();
  const a1 = a.add(1);
  const p = a1.matMul(at);
  const av = [[1, 2, 3], [4, 5, 6]];
  const expected = av.map((r) => av.map((c) => r.reduce((s, v, k) => s + (v + 1) * c[k], 0)));
  assert.deepEqual(p.arraySync(), expected);
  km.dispose([at, a1, p]);
}
// matMul keeps one packing buffer for reuse: let it exist before counting buffers.
stillComputes();

for (const [what, call, message] of cases) {
  test(`${what} throws a clear Error and leaves the module usable`, () => {
    const before = km.memory();
    // tidy: the arguments a case makes for itself are disposed too.
    assert.throws(() => km.tidy(call), (e) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, message);
      return true;
    });
    stillComputes();
    const after = km.memory();
    assert.equal(after.numTensors, before.numTensors);
    assert.equal(after.numDataBuffers, before.numDataBuffers);
  });
}

test('an error thrown inside a gradient function closes the tape and frees its records', () => {
  const before = km.memory();
  assert.throws(() => km.grad((x) => {
    x.square().exp();
    throw new Error('inside f');
  })(a), /inside f/);
  const g = km.grad((x) => x.square())(a);
  assert.deepEqual(g.arraySync(), [[2, 4, 6], [8, 10, 12]]);
  g.dispose();
  assert.equal(km.memory().numDataBuffers, before.numDataBuffers);
});
