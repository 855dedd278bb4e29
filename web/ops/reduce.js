// Reductions with tfjs' signatures: axis is a number, a list, or null / undefined for every axis.
import {callOp, checkInt, intList, writeArgs} from './run.js';
import {clone} from './shape.js';
import {describeValue} from '../tensor.js';

function reduction(op) {
  return (x, axis = null, keepDims = false) => {
    const axes = intList(axis, op, 'axis');
    // tfjs reads an empty axis list as "no axes": the values unchanged.
    if (Array.isArray(axis) && axes.length === 0) return clone(x);
    return callOp(op, [[x, 'x']], (m, h) => {
      writeArgs(axes);
      return m[op](h, axes.length, !!keepDims);
    });
  };
}

export const sum = reduction('sum');
export const mean = reduction('mean');
export const max = reduction('max');
export const min = reduction('min');

// As tfjs, the axis defaults to 0; the result is int32.
export function argMax(x, axis = 0) {
  checkInt(axis, 'argMax', 'axis');
  return callOp('argMax', [[x, 'x']], (m, h) => m.argMax(h, axis));
}

export function argMin(x, axis = 0) {
  checkInt(axis, 'argMin', 'axis');
  return callOp('argMin', [[x, 'x']], (m, h) => m.argMin(h, axis));
}

// x / sqrt(max(sum(x^2, axis), epsilon)), as Keras' l2_normalize; axis defaults to the last one, null
// means every axis.
export function l2Normalize(x, axis = -1, epsilon = 1e-12) {
  const axes = intList(axis, 'l2Normalize', 'axis');
  if (typeof epsilon !== 'number') throw new Error(`l2Normalize: epsilon must be a number, got ${describeValue(epsilon)}`);
  return callOp('l2Normalize', [[x, 'x']], (m, h) => {
    writeArgs(axes);
    return m.l2Normalize(h, axes.length, epsilon);
  });
}
