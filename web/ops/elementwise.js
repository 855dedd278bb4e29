// Element-wise ops, softmax and friends, with tfjs' names and argument orders. Binary ops broadcast as
// numpy does; a number or array operand becomes a tensor (a number takes the other operand's dtype).
import {callOp} from './run.js';
import {wasm} from '../wasm.js';
import {Tensor, describeValue} from '../tensor.js';
import {cast} from './shape.js';

function binary(op) {
  return (a, b) => callOp(op, [[a, 'a'], [b, 'b']], (m, ha, hb) => m[op](ha, hb));
}

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');
export const pow = binary('pow');
export const maximum = binary('maximum');
export const minimum = binary('minimum');
export const squaredDifference = binary('squaredDifference');

// The kernels' unary-op codes by name, read from the module once.
let unaryCodes = null;
let unaryModule = null;
function unaryCode(name) {
  const m = wasm();
  if (unaryModule !== m) {
    unaryCodes = new Map(m.unaryOpNames().split(',').map((n, i) => [n, i]));
    unaryModule = m;
  }
  const code = unaryCodes.get(name);
  if (code === undefined) throw new Error(`${name}: this build's kernels have no such op`);
  return code;
}

// A kernels' unary op by name; `alpha` parameterises elu / leakyRelu / thresholdedRelu.
function unaryWithAlpha(op) {
  return (x, alpha) => callOp(op, [[x, 'x']], (m, hx) => m.unary(unaryCode(op), hx, alpha));
}

function unary(op) {
  const f = unaryWithAlpha(op);
  return (x) => f(x, 0);
}

export const neg = unary('neg');
export const abs = unary('abs');
export const square = unary('square');
export const sqrt = unary('sqrt');
export const exp = unary('exp');
export const log = unary('log');
export const log1p = unary('log1p');
export const reciprocal = unary('reciprocal');
export const sin = unary('sin');
export const cos = unary('cos');
export const sign = unary('sign');
export const relu = unary('relu');
export const relu6 = unary('relu6');
export const sigmoid = unary('sigmoid');
export const tanh = unary('tanh');
export const selu = unary('selu');
export const softplus = unary('softplus');
export const softsign = unary('softsign');
export const swish = unary('swish');
export const gelu = unary('gelu');
export const mish = unary('mish');
export const hardSigmoid = unary('hardSigmoid');

const eluOp = unaryWithAlpha('elu');
export function elu(x) {
  return eluOp(x, 1);
}

const leakyReluOp = unaryWithAlpha('leakyRelu');
export function leakyRelu(x, alpha = 0.2) {
  if (typeof alpha !== 'number') throw new Error(`leakyRelu: alpha must be a number, got ${describeValue(alpha)}`);
  return leakyReluOp(x, alpha);
}

const thresholdedReluOp = unaryWithAlpha('thresholdedRelu');
export function thresholdedRelu(x, theta = 1) {
  if (typeof theta !== 'number') throw new Error(`thresholdedRelu: theta must be a number, got ${describeValue(theta)}`);
  return thresholdedReluOp(x, theta);
}

// x > 0 ? 1 : 0 (tfjs' step with its default alpha of 0).
export const step = unary('step');

// An activation by its Keras or tfjs name ('relu', 'leaky_relu', 'softmax', ...).
export function activation(name, x) {
  if (typeof name !== 'string') throw new Error(`activation: name must be a string, got ${describeValue(name)}`);
  return callOp('activation', [[x, 'x']], (m, hx) => m.activation(name, hx));
}

export function softmax(logits, dim = -1) {
  return callOp('softmax', [[logits, 'logits']], (m, h) => m.softmax(h, dim));
}

export function logSoftmax(logits, axis = -1) {
  return callOp('logSoftmax', [[logits, 'logits']], (m, h) => m.logSoftmax(h, axis));
}

export function clipByValue(x, clipValueMin, clipValueMax) {
  if (typeof clipValueMin !== 'number' || typeof clipValueMax !== 'number') {
    throw new Error('clipByValue: clipValueMin and clipValueMax must be numbers');
  }
  if (clipValueMin > clipValueMax) {
    throw new Error(`clipByValue: clipValueMin (${clipValueMin}) must be <= clipValueMax (${clipValueMax})`);
  }
  return callOp('clipByValue', [[x, 'x']], (m, h) => m.clipByValue(h, clipValueMin, clipValueMax));
}

// condition: a tensor (or array) of 0 / 1, float32 or int32, broadcast with a and b.
export function where(condition, a, b) {
  const cond = condition instanceof Tensor && condition.dtype === 'int32' && !condition.isDisposed
    ? cast(condition, 'float32') : condition;
  try {
    return callOp('where', [[cond, 'condition', 'float32'], [a, 'a'], [b, 'b']], (m, hc, ha, hb) => m.where(hc, ha, hb));
  } finally {
    if (cond !== condition) cond.dispose();
  }
}
