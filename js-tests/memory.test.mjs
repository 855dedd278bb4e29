// tidy / keep / dispose and the counts memory() reports: repeated work returns to the baseline both in
// live JS tensors and in live C++ buffers (which also catches leaks inside wasm, e.g. from tapes).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {km} from './support.mjs';

function counts() {
  const m = km.memory();
  return {numTensors: m.numTensors, numDataBuffers: m.numDataBuffers};
}

test('memory() counts live tensors and their bytes', () => {
  const base = km.memory();
  const a = km.zeros([2, 3]);
  const b = km.ones([5], 'int32');
  const m = km.memory();
  assert.equal(m.numTensors, base.numTensors + 2);
  assert.equal(m.numBytes, base.numBytes + 6 * 4 + 5 * 4);
  assert.equal(m.numDataBuffers, base.numDataBuffers + 2);
  assert.ok(m.wasmHeapBytes >= 16 * 1024 * 1024);
  km.dispose([a, b]);
  assert.deepEqual(counts(), {numTensors: base.numTensors, numDataBuffers: base.numDataBuffers});
  assert.equal(km.memory().numBytes, base.numBytes);
});

test('tidy disposes intermediates, keeps results (tensor, array, object), and nests', () => {
  const base = counts();
  const kept = km.tidy(() => {
    const x = km.ones([4]);
    const y = x.mul(2).add(1);
    const inner = km.tidy('inner', () => {
      const z = y.square();
      return {z, list: [z.sum(), z.mean()]};
    });
    assert.equal(inner.z.isDisposed, false);
    return [y, inner];
  });
  const [y, inner] = kept;
  assert.deepEqual(y.arraySync(), [3, 3, 3, 3]);
  assert.equal(inner.list[0].arraySync(), 36);
  assert.equal(counts().numTensors, base.numTensors + 4);
  km.dispose(kept);
  assert.deepEqual(counts(), base);
});

test('a result moved out of an inner tidy is disposed by the outer one unless returned', () => {
  const base = counts();
  let escaped;
  km.tidy(() => {
    escaped = km.tidy(() => km.ones([2]).add(1));
    assert.equal(escaped.isDisposed, false);
  });
  assert.equal(escaped.isDisposed, true);
  assert.deepEqual(counts(), base);
});

test('tensors made outside a tidy survive it even when returned from it', () => {
  const outside = km.ones([2]);
  const back = km.tidy(() => km.tidy(() => outside));
  assert.equal(back, outside);
  km.tidy(() => outside.add(1));
  assert.equal(outside.isDisposed, false);
  outside.dispose();
});

test('keep exempts a tensor from tidy', () => {
  const base = counts();
  let k;
  km.tidy(() => {
    k = km.keep(km.ones([3]).mul(3));
  });
  assert.equal(k.isDisposed, false);
  k.dispose();
  assert.deepEqual(counts(), base);
});

test('tidy disposes everything when fn throws, and refuses async functions', () => {
  const base = counts();
  assert.throws(() => km.tidy(() => {
    km.ones([10]).add(1);
    throw new Error('boom');
  }), /boom/);
  assert.deepEqual(counts(), base);
  assert.throws(() => km.tidy(async () => km.ones([1])), /tidy: fn returned a Promise/);
  assert.throws(() => km.tidy(3), /tidy: expected a function/);
});

test('100 iterations of ops, gradients and errors inside tidy leave no tensors or buffers behind', () => {
  const w = km.variable(km.randomNormal([8, 4], 0, 1, 'float32', 1), true, 'leakW');
  const x = km.randomNormal([16, 8], 0, 1, 'float32', 2);
  const warm = () => km.tidy(() => km.variableGrads(() => x.matMul(w).relu().softmax().sum(1).mean()));
  warm();
  const base = counts();
  for (let i = 0; i < 100; ++i) {
    const kept = km.tidy(() => {
      const h = km.concat([x.matMul(w).tanh(), x.slice([0, 0], [16, 4])], 1);
      const {grads} = km.variableGrads(() => h.mean().add(x.matMul(w).square().mean()));
      km.grads((a, b) => a.matMul(b).sum())([x, w]);
      km.valueAndGrad((a) => a.l2Normalize().max())(x);
      assert.throws(() => x.matMul(x));
      assert.throws(() => km.grad((a) => a.matMul(a))(x));
      return grads;
    });
    km.dispose(kept);
  }
  assert.deepEqual(counts(), base);
  km.dispose([w, x]);
});

test('100 iterations of explicit dispose return to the baseline', () => {
  const base = counts();
  for (let i = 0; i < 100; ++i) {
    const a = km.tensor(new Float32Array(64).fill(i / 100), [8, 8]);
    const at = a.transpose();
    const p = at.matMul(a);
    const b = p.sum(0);
    const g = km.grad((v) => v.exp().sum())(b);
    km.dispose([a, at, p, b, g]);
  }
  assert.deepEqual(counts(), base);
});

test('a tensor left to the garbage collector has its handle deleted by the FinalizationRegistry', async (t) => {
  if (typeof global.gc !== 'function') {
    t.skip('needs node --expose-gc');
    return;
  }
  // Finalizers run in later tasks: collect and yield until the counts stop changing.
  const settle = async () => {
    for (let i = 0, last = null; i < 20 && JSON.stringify(counts()) !== last; ++i) {
      last = JSON.stringify(counts());
      global.gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  await settle();
  const base = counts();
  (() => {
    for (let i = 0; i < 50; ++i) km.ones([1000]);
  })();
  assert.equal(counts().numTensors, base.numTensors + 50);
  await settle();
  assert.deepEqual(counts(), base);
});
