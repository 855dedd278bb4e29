// The gradient API against tf.grad / tf.grads / tf.valueAndGrad(s) / tf.variableGrads on composite
// functions; per-op gradients are checked in the ops_*.test.mjs files.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, pair, scoped, tf} from './support.mjs';

// A small MLP-like loss that chains most op families.
function loss(lib) {
  return (x, w, b) => lib.mean(lib.square(lib.sub(lib.softmax(lib.tanh(lib.add(lib.matMul(x, w), b))), 0.25)));
}

test('grad, grads, valueAndGrad and valueAndGrads match tfjs on a composite function', () => {
  scoped(() => {
    const [x, tx] = pair([4, 3], 1);
    const [w, tw] = pair([3, 5], 2);
    const [b, tb] = pair([5], 3);
    const kmGrads = km.grads(loss(km))([x, w, b]);
    const tfGrads = tf.grads(loss(tf))([tx, tw, tb]);
    kmGrads.forEach((g, i) => assertClose(g, tfGrads[i], {rtol: 1e-4, atol: 1e-6}));

    const g = km.grad((v) => loss(km)(x, v, b))(w);
    assertClose(g, tf.grad((v) => loss(tf)(tx, v, tb))(tw), {rtol: 1e-4, atol: 1e-6});

    const {value, grad} = km.valueAndGrad((v) => loss(km)(v, w, b))(x);
    const expected = tf.valueAndGrad((v) => loss(tf)(v, tw, tb))(tx);
    assertClose(value, expected.value, {rtol: 1e-5});
    assertClose(grad, expected.grad, {rtol: 1e-4, atol: 1e-6});

    const both = km.valueAndGrads(loss(km))([x, w, b]);
    const tfBoth = tf.valueAndGrads(loss(tf))([tx, tw, tb]);
    assertClose(both.value, tfBoth.value, {rtol: 1e-5});
    both.grads.forEach((gi, i) => assertClose(gi, tfBoth.grads[i], {rtol: 1e-4, atol: 1e-6}));
  });
});

test('dy weights the output; without it the gradient is that of sum(y)', () => {
  scoped(() => {
    const [x, tx] = pair([2, 3], 4);
    const [dy, tdy] = pair([2, 3], 5);
    assertClose(km.grad((v) => v.square())(x, dy), tf.grad((v) => v.square())(tx, tdy));
    assertClose(km.grad((v) => v.exp())(x), tf.grad((v) => v.exp())(tx));
    assert.throws(() => km.grad((v) => v.square())(x, km.ones([3])), /\[3\]/);
  });
});

test('gradients are taken through a repeated use of the input and an identity f', () => {
  scoped(() => {
    const [x, tx] = pair([5], 6);
    const f = (lib) => (v) => lib.mul(v, lib.sin(v)).add(v);
    assertClose(km.grad(f(km))(x), tf.grad(f(tf))(tx), {rtol: 1e-5});
    assert.deepEqual(km.grad((v) => v)(x).arraySync(), [1, 1, 1, 1, 1]);
  });
});

test('a source f does not use is an error naming the problem', () => {
  scoped(() => {
    const x = km.ones([2]);
    const y = km.ones([2]);
    assert.throws(() => km.grads((a, b) => a.square())([x, y]), /connect|depend/i);
  });
});

test('tapes nest: a gradient computed inside f of an outer gradient', () => {
  scoped(() => {
    const [x, tx] = pair([3], 7);
    const outer = km.grad((v) => {
      const inner = km.grad((u) => u.square().sum())(v);  // 2v, recorded by the outer tape as well
      return v.mul(inner.sum()).sum();
    })(x);
    // d/dv [sum(v) * stop(sum(2v))]: the inner gradient is first order, computed with recording paused.
    const innerValue = tx.mul(2).sum();
    const expected = tf.grad((v) => v.mul(innerValue).sum())(tx);
    assertClose(outer, expected, {rtol: 1e-5});
  });
});

test('f must be a function and return a Tensor; xs must be Tensors', () => {
  assert.throws(() => km.grad(3), /grad\(f\): f must be a function/);
  assert.throws(() => km.grads((x) => x)([1, 2]), /grads\(f\)\(xs\): xs must be an array of Tensors/);
  scoped(() => {
    assert.throws(() => km.grad(() => 3)(km.ones([1])), /grad: f must return a Tensor, got number 3/);
  });
});

test('variable: tfjs signature, unique names, assign, trainable, survives tidy', () => {
  const v = km.tidy(() => km.variable(km.tensor([1, 2, 3]), true, 'weights'));
  const w = km.variable(km.zeros([2]), false, 'weights');
  const u = km.variable(km.ones([2]), undefined, undefined, 'int32');
  try {
    assert.equal(v.isDisposed, false);
    assert.ok(v instanceof km.Variable && v instanceof km.Tensor);
    assert.equal(v.name, 'weights');
    assert.notEqual(w.name, v.name);
    assert.equal(v.trainable, true);
    assert.equal(w.trainable, false);
    assert.equal(u.dtype, 'int32');
    assert.deepEqual(v.add(1).arraySync(), [2, 3, 4]);
    const before = v.clone();
    v.assign(km.tensor([4, 5, 6]));
    assert.deepEqual(v.arraySync(), [4, 5, 6]);
    assert.deepEqual(before.arraySync(), [1, 2, 3]);
    assert.throws(() => v.assign(km.ones([2])), /weights.*\[3\].*\[2\]|\[2\].*\[3\]/);
    w.trainable = true;
    assert.equal(w.trainable, true);
    assert.throws(() => km.variable([1, 2]), /variable: initialValue must be a Tensor/);
  } finally {
    km.dispose([v, w, u]);
  }
  assert.equal(v.isDisposed, true);
});

test('variableGrads matches tf.variableGrads, keyed by name; varList filters and reports non-trainable', () => {
  const values = {a: [[0.5, -1], [2, 0.25]], b: [0.1, -0.3]};
  const [ka, kb] = [km.variable(km.tensor(values.a), true, 'va'), km.variable(km.tensor(values.b), true, 'vb')];
  const [ta, tb] = [tf.variable(tf.tensor(values.a), true, 'va'), tf.variable(tf.tensor(values.b), true, 'vb')];
  const frozen = km.variable(km.ones([2]), false, 'frozen');
  const x = [[1, 2], [3, 4], [-1, 0.5]];
  const f = (lib, a, b) => () => lib.mean(lib.square(lib.add(lib.matMul(lib.tensor(x), a), b)));
  try {
    const got = km.variableGrads(f(km, ka, kb));
    const expected = tf.variableGrads(f(tf, ta, tb));
    assertClose(got.value, expected.value, {rtol: 1e-5});
    assert.deepEqual(Object.keys(got.grads).sort(), ['va', 'vb']);
    assertClose(got.grads.va, expected.grads.va, {rtol: 1e-5});
    assertClose(got.grads.vb, expected.grads.vb, {rtol: 1e-5});
    km.dispose([got.value, got.grads]);

    const some = km.variableGrads(f(km, ka, kb), [kb, frozen]);
    assert.deepEqual(Object.keys(some.grads).sort(), ['frozen', 'vb']);
    assert.equal(some.grads.frozen, null);
    assertClose(some.grads.vb, expected.grads.vb, {rtol: 1e-5});
    km.dispose([some.value, some.grads]);

    assert.throws(() => km.variableGrads(() => ka.sum(), [frozen]), /none of the 1 given is trainable/);
    assert.throws(() => km.variableGrads(() => km.ones([1]).sum(), [ka]), /cannot find a connection/);
    assert.throws(() => km.variableGrads(() => ka.mul(2)), /must return a scalar.*\[2,2\]/);
    assert.throws(() => km.variableGrads(() => ka.sum(), [km.ones([1])]), /varList must be an array of variables/);
  } finally {
    km.dispose([ka, kb, frozen]);
    tf.dispose([ta, tb]);
  }
});
