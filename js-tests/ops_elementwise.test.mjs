// Element-wise ops and activations against tfjs (or the formula where tfjs lacks the op), forward and
// gradient, on several shapes including numpy broadcasting.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, checkOp, km, pair, scoped, tf} from './support.mjs';

const broadcastShapes = [
  [[7], [7]],
  [[2, 3], [3]],
  [[2, 1, 4], [3, 1]],
  [[], [2, 2]],
  [[4, 1], [1, 5]],
  [[2, 3, 4, 5], [2, 1, 4, 1]],
];

function broadcastShape(a, b) {
  const rank = Math.max(a.length, b.length);
  return Array.from({length: rank}, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

// tfjs' own gradients of maximum, minimum and squaredDifference do not sum over broadcast axes, so the
// oracle broadcasts both operands explicitly first (tf.broadcastTo's gradient does the summing).
const explicitly = (f) => (a, b) => {
  const shape = broadcastShape(a.shape, b.shape);
  return f(tf.broadcastTo(a, shape), tf.broadcastTo(b, shape));
};

const binaries = {
  add: {},
  sub: {},
  mul: {},
  div: {lo: 0.5, hi: 2},
  pow: {lo: 0.5, hi: 2},
  maximum: {tfFn: explicitly(tf.maximum)},
  minimum: {tfFn: explicitly(tf.minimum)},
  squaredDifference: {tfFn: explicitly(tf.squaredDifference)},
};

for (const [op, opts] of Object.entries(binaries)) {
  test(`${op} matches tfjs, with broadcasting`, () => {
    broadcastShapes.forEach((shapes, seed) => {
      checkOp({shapes, kmFn: km[op], tfFn: tf[op], seed: seed + 1, ...opts});
    });
  });
}

test('a number operand becomes a scalar (function and method forms)', () => {
  scoped(() => {
    const [x, tx] = pair([2, 3], 5);
    assertClose(x.add(2), tx.add(2));
    assertClose(km.sub(1, x), tf.sub(1, tx));
    assertClose(x.mul(-0.5), tx.mul(-0.5));
    assertClose(x.div(4), tx.div(4));
    assertClose(km.add(x, [1, 2, 3]), tf.add(tx, [1, 2, 3]));
  });
});

// [op, value range, tfjs op or formula on a float64 number]
const unaries = [
  ['neg', -2, 2, tf.neg],
  ['abs', -2, 2, tf.abs],
  ['square', -2, 2, tf.square],
  ['sqrt', 0.1, 4, tf.sqrt],
  ['exp', -3, 3, tf.exp],
  ['log', 0.1, 5, tf.log],
  ['log1p', -0.5, 3, tf.log1p],
  ['reciprocal', 0.5, 3, tf.reciprocal],
  ['sin', -3, 3, tf.sin],
  ['cos', -3, 3, tf.cos],
  ['relu', -2, 2, tf.relu],
  ['relu6', -2, 8, tf.relu6],
  ['sigmoid', -6, 6, tf.sigmoid],
  ['tanh', -3, 3, tf.tanh],
  ['elu', -3, 2, tf.elu],
  ['selu', -3, 2, tf.selu],
  ['softplus', -5, 5, tf.softplus],
];

for (const [op, lo, hi, tfFn] of unaries) {
  test(`${op} matches tfjs`, () => {
    [[5], [3, 4], [2, 3, 17]].forEach((shape, seed) => {
      checkOp({shapes: [shape], kmFn: km[op], tfFn, lo, hi, seed, rtol: 2e-5, atol: 2e-6});
    });
  });
}

test('sign and step match tfjs (no gradient)', () => {
  checkOp({shapes: [[4, 5]], kmFn: km.sign, tfFn: tf.sign, grad: false});
  checkOp({shapes: [[4, 5]], kmFn: km.step, tfFn: (x) => tf.step(x), grad: false});
});

test('leakyRelu matches tfjs for the default and a given alpha', () => {
  checkOp({shapes: [[3, 7]], kmFn: (x) => km.leakyRelu(x), tfFn: (x) => tf.leakyRelu(x)});
  checkOp({shapes: [[3, 7]], kmFn: (x) => x.leakyRelu(0.05), tfFn: (x) => tf.leakyRelu(x, 0.05)});
});

// Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7), enough for float32 comparisons.
function erf(x) {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const softplus = (x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);

const formulas = {
  softsign: (x) => x / (1 + Math.abs(x)),
  swish: (x) => x / (1 + Math.exp(-x)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  mish: (x) => x * Math.tanh(softplus(x)),
  hardSigmoid: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
};

for (const [op, f] of Object.entries(formulas)) {
  test(`${op} matches its formula`, () => {
    scoped(() => {
      const [x] = pair([4, 9], 3, -4, 4);
      const y = km[op](x).dataSync();
      const xs = x.dataSync();
      xs.forEach((v, i) => assert.ok(Math.abs(y[i] - f(v)) <= 1e-5 + 1e-5 * Math.abs(f(v)), `${op}(${v}) = ${y[i]}, expected ${f(v)}`));
    });
  });
}

test('thresholdedRelu matches its formula', () => {
  scoped(() => {
    const [x] = pair([20], 4, -2, 3);
    const y = km.thresholdedRelu(x, 0.5).dataSync();
    x.dataSync().forEach((v, i) => assert.equal(y[i], v > 0.5 ? v : 0));
  });
});

test('softmax and logSoftmax match tfjs on the last axis and the formula on others', () => {
  for (const shape of [[5], [3, 4], [2, 3, 6]]) {
    checkOp({shapes: [shape], kmFn: (x) => km.softmax(x), tfFn: (x) => tf.softmax(x), seed: shape.length});
    checkOp({shapes: [shape], kmFn: (x) => x.logSoftmax(), tfFn: (x) => tf.logSoftmax(x), seed: shape.length});
  }
  const softmaxOn = (axis) => (x) => tf.div(tf.exp(x), tf.sum(tf.exp(x), axis, true));
  checkOp({shapes: [[3, 4, 2]], kmFn: (x) => km.softmax(x, 1), tfFn: softmaxOn(1)});
  checkOp({shapes: [[3, 4, 2]], kmFn: (x) => km.logSoftmax(x, 0), tfFn: (x) => tf.log(softmaxOn(0)(x)), rtol: 1e-4});
});

test('clipByValue matches tfjs', () => {
  checkOp({shapes: [[6, 5]], kmFn: (x) => km.clipByValue(x, -0.5, 1), tfFn: (x) => tf.clipByValue(x, -0.5, 1)});
  assert.throws(() => km.clipByValue(km.tensor([1]), 2, 1), /clipByValue: clipValueMin \(2\) must be <= clipValueMax \(1\)/);
});

test('where matches tfjs for float and int32 conditions, with broadcasting', () => {
  scoped(() => {
    const cond = [[1, 0, 1], [0, 0, 1]];
    const tfCond = tf.tensor(cond).cast('bool');
    const [a, ta] = pair([2, 3], 1);
    const [b, tb] = pair([3], 2);
    assertClose(km.where(km.tensor(cond), a, b), tf.where(tfCond, ta, tb));
    assertClose(km.where(km.tensor(cond, null, 'int32'), a, b), tf.where(tfCond, ta, tb));
    const [ga, gb] = km.grads((x, y) => km.where(km.tensor(cond), x, y))([a, b]);
    const [ea, eb] = tf.grads((x, y) => tf.where(tfCond, x, y))([ta, tb]);
    assertClose(ga, ea);
    assertClose(gb, eb);
  });
});

test('activation() takes Keras and tfjs names', () => {
  scoped(() => {
    const [x, tx] = pair([3, 5], 9);
    assertClose(km.activation('relu', x), tf.relu(tx));
    assertClose(km.activation('leaky_relu', x), tf.leakyRelu(tx, 0.2));
    assertClose(km.activation('softmax', x), tf.softmax(tx));
    assertClose(km.activation('linear', x), tx);
    assert.throws(() => km.activation('nope', x), /nope/);
  });
});

test('math on int32 tensors throws a DTypeError-style message; cast first', () => {
  scoped(() => {
    const i = km.tensor([1, 2], [2], 'int32');
    assert.throws(() => km.add(i, i), /add: a must be float32, got int32 \(shape \[2\]\); cast it first/);
    assert.throws(() => km.exp(i), /exp: x must be float32, got int32/);
    assert.deepEqual(km.cast(i, 'float32').add(1).arraySync(), [2, 3]);
  });
});
