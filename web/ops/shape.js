// Linear algebra, shape and data-movement ops, with tfjs' names and argument orders.
import {checkShape, dtypeCode} from '../creation.js';
import {Tensor, describeValue} from '../tensor.js';
import {checkError} from '../wasm.js';
import {callListOp, callOp, checkInt, intList, writeArgs} from './run.js';

export function matMul(a, b, transposeA = false, transposeB = false) {
  return callOp('matMul', [[a, 'a'], [b, 'b']], (m, ha, hb) => m.matMul(ha, hb, !!transposeA, !!transposeB));
}

export function reshape(x, shape) {
  const dims = intList(shape, 'reshape', 'shape');
  return callOp('reshape', [[x, 'x']], (m, h) => {
    writeArgs(dims);
    return m.reshape(h, dims.length);
  });
}

// perm defaults to reversing the axes.
export function transpose(x, perm) {
  const p = intList(perm, 'transpose', 'perm');
  return callOp('transpose', [[x, 'x']], (m, h) => {
    writeArgs(p);
    return m.transpose(h, p.length);
  });
}

export function concat(tensors, axis = 0) {
  checkInt(axis, 'concat', 'axis');
  return callListOp('concat', tensors, (m, list) => m.concat(list, axis));
}

export function stack(tensors, axis = 0) {
  checkInt(axis, 'stack', 'axis');
  return callListOp('stack', tensors, (m, list) => m.stack(list, axis));
}

// As tfjs: begin is a number or a list (missing trailing axes start at 0); size is a number or a list
// (missing or -1 entries run to the end of the axis).
export function slice(x, begin, size) {
  const rank = x instanceof Tensor ? x.rank : undefined;
  const b = intList(begin, 'slice', 'begin');
  const s = size == null ? [] : intList(size, 'slice', 'size');
  return callOp('slice', [[x, 'x']], (m, h) => {
    const r = rank ?? Math.max(b.length, s.length);
    if (b.length > r || s.length > r) {
      throw new Error(`slice: begin [${b}] and size [${s}] must have at most rank ${r} entries (x has shape [${x.shape}])`);
    }
    const fullBegin = Array.from({length: r}, (_, i) => b[i] ?? 0);
    const fullSize = Array.from({length: r}, (_, i) => s[i] ?? -1);
    writeArgs(fullBegin);
    writeArgs(fullSize, r);
    return m.slice(h, r);
  });
}

// indices: an int32 tensor (any shape) or an array of integers.
export function gather(x, indices, axis = 0) {
  checkInt(axis, 'gather', 'axis');
  return callOp('gather', [[x, 'x'], [indices, 'indices', 'int32']], (m, hx, hi) => m.gather(hx, hi, axis));
}

export function broadcastTo(x, shape) {
  const dims = checkShape(shape, 'broadcastTo');
  return callOp('broadcastTo', [[x, 'x']], (m, h) => {
    writeArgs(dims);
    return m.broadcastTo(h, dims.length);
  });
}

export function cast(x, dtype) {
  const code = dtypeCode(dtype, 'cast');
  return callOp('cast', [[x, 'x']], (m, h) => m.cast(h, code));
}

export function expandDims(x, axis = 0) {
  checkInt(axis, 'expandDims', 'axis');
  return callOp('expandDims', [[x, 'x']], (m, h) => m.expandDims(h, axis));
}

// axis: an axis or list of axes, each of size 1; by default every size-1 axis.
export function squeeze(x, axis) {
  const axes = intList(axis, 'squeeze', 'axis');
  return callOp('squeeze', [[x, 'x']], (m, h) => {
    writeArgs(axes);
    return m.squeeze(h, axes.length);
  });
}

// paddings: [[before, after], ...] for every axis.
export function pad(x, paddings, constantValue = 0) {
  if (!Array.isArray(paddings) || paddings.some((p) => !Array.isArray(p) || p.length !== 2)) {
    throw new Error(`pad: paddings must be a list of [before, after] pairs, got ${JSON.stringify(paddings)}`);
  }
  const flat = intList(paddings.flat(), 'pad', 'paddings');
  if (typeof constantValue !== 'number') throw new Error('pad: constantValue must be a number');
  return callOp('pad', [[x, 'x']], (m, h) => {
    writeArgs(flat);
    return m.pad(h, paddings.length, constantValue);
  });
}

export function tile(x, reps) {
  const r = intList(reps, 'tile', 'reps');
  return callOp('tile', [[x, 'x']], (m, h) => {
    writeArgs(r);
    return m.tile(h, r.length);
  });
}

// As tfjs, the result is int32 unless dtype says otherwise.
export function oneHot(indices, depth, onValue = 1, offValue = 0, dtype = 'int32') {
  checkInt(depth, 'oneHot', 'depth');
  const code = dtypeCode(dtype, 'oneHot');
  return callOp('oneHot', [[indices, 'indices', 'int32']], (m, h) => {
    const hot = m.oneHot(h, depth, onValue, offValue);
    if (code === dtypeCode('float32')) return hot;
    checkError(hot);
    try {
      return m.cast(hot, code);
    } finally {
      hot.delete();
    }
  });
}

export function zerosLike(x) {
  return callOp('zerosLike', [[x, 'x']], (m, h) => m.zerosLike(h));
}

export function onesLike(x) {
  return callOp('onesLike', [[x, 'x']], (m, h) => m.onesLike(h));
}

// A new tensor with the same values (an identity op, so gradients flow through it).
export function clone(x) {
  if (!(x instanceof Tensor)) throw new Error(`clone: expected a Tensor, got ${describeValue(x)}`);
  return callOp('clone', [[x, 'x']], (m, h) => {
    writeArgs(x.shape);
    return m.reshape(h, x.shape.length);
  });
}
