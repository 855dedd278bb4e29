// Making tensors from JS values: TypedArrays, numbers, flat or nested arrays. The C++ side allocates an
// uninitialised tensor and reports its data pointer; the values are then copied into the wasm heap once.
import {Tensor, describeValue, handleOf} from './tensor.js';
import {DTYPES, MAX_RANK, checkError, readMeta, wasm, writeArgs} from './wasm.js';

const MAX_DIM = 2 ** 31 - 1;

function isTypedArray(v) {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

export function dtypeCode(dtype, op) {
  const code = DTYPES.indexOf(dtype);
  if (code < 0) throw new Error(`${op}: unsupported dtype '${dtype}' (kerasm tensors are 'float32' or 'int32')`);
  return code;
}

// Validates a shape argument and returns it as a fresh array.
export function checkShape(shape, op) {
  if (!Array.isArray(shape) && !isTypedArray(shape)) throw new Error(`${op}: shape must be an array, got ${describeValue(shape)}`);
  const out = Array.from(shape);
  if (out.length > MAX_RANK) throw new Error(`${op}: rank ${out.length} exceeds the maximum of ${MAX_RANK}`);
  for (const d of out) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_DIM) {
      throw new Error(`${op}: shape [${out}] must hold non-negative integers`);
    }
  }
  return out;
}

function firstLeaf(values) {
  let v = values;
  while (Array.isArray(v) && v.length > 0) v = v[0];
  return v;
}

// As tfjs: Int32Array / Uint8Array / Uint8ClampedArray give int32, anything else numeric float32.
function inferDtype(values) {
  const v = firstLeaf(values);
  if (v instanceof Int32Array || v instanceof Uint8Array || v instanceof Uint8ClampedArray) return 'int32';
  return 'float32';
}

function inferShape(values) {
  const shape = [];
  let v = values;
  while (Array.isArray(v) || isTypedArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

// Checks that nested arrays are rectangular with number leaves and collects the leaves.
function flattenInto(values, shape, axis, out, op, path) {
  if (values.length !== shape[axis]) {
    throw new Error(`${op}: element ${path} should have ${shape[axis]} elements, but has ${values.length}`);
  }
  if (axis === shape.length - 1) {
    if (isTypedArray(values)) {
      for (let i = 0; i < values.length; ++i) out.push(values[i]);
      return;
    }
    for (let i = 0; i < values.length; ++i) {
      const v = values[i];
      if (typeof v !== 'number') throw new Error(`${op}: element ${path}[${i}] is ${describeValue(v)}, expected a number`);
      out.push(v);
    }
    return;
  }
  for (let i = 0; i < values.length; ++i) {
    const v = values[i];
    if (!Array.isArray(v) && !isTypedArray(v)) {
      throw new Error(`${op}: element ${path}[${i}] is ${describeValue(v)}, expected an array of length ${shape[axis + 1]}`);
    }
    flattenInto(v, shape, axis + 1, out, op, `${path}[${i}]`);
  }
}

// Allocates a C++ tensor of `shape` and returns {handle, meta} without making a JS Tensor.
function allocate(shape, dtype, op) {
  const m = wasm();
  const code = dtypeCode(dtype, op);
  writeArgs(shape);
  const handle = m.empty(code, shape.length);
  checkError(handle);
  return {handle, meta: readMeta()};
}

function heapFor(dtype) {
  const m = wasm();
  return dtype === 'int32' ? m.HEAP32 : m.HEAPF32;
}

// {handle, meta} for values as km.tensor reads them; the caller owns the handle.
export function makeHandle(values, shape, dtype, op) {
  if (typeof firstLeaf(values) === 'boolean') {
    throw new Error(`${op}: boolean values are not supported (kerasm tensors are 'float32' or 'int32')`);
  }
  dtype = dtype ?? inferDtype(values);
  let flat;
  let inferred;
  if (typeof values === 'number') {
    flat = [values];
    inferred = [];
  } else if (isTypedArray(values)) {
    flat = values;
    inferred = [values.length];
  } else if (Array.isArray(values)) {
    inferred = inferShape(values);
    flat = [];
    if (inferred.length > 0 && inferred[inferred.length - 1] > 0) flattenInto(values, inferred, 0, flat, op, 'values');
  } else {
    throw new Error(`${op}: values must be a TypedArray, a number or a (nested) array, got ${describeValue(values)}`);
  }
  if (shape != null) {
    shape = checkShape(shape, op);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== flat.length) {
      throw new Error(`${op}: based on the provided shape [${shape}], the tensor should have ${size} values but has ${flat.length}`);
    }
    if (inferred.length > 1 && inferred.join() !== shape.join()) {
      throw new Error(`${op}: the values' shape [${inferred}] does not match the provided shape [${shape}]`);
    }
  } else {
    shape = inferred;
  }
  const {handle, meta} = allocate(shape, dtype, op);
  heapFor(meta.dtype).set(flat, meta.ptr >>> 2);
  return {handle, meta};
}

export function tensor(values, shape, dtype) {
  const {handle, meta} = makeHandle(values, shape, dtype, 'tensor');
  return new Tensor(handle, meta);
}

export function scalar(value, dtype) {
  if (typeof value !== 'number') throw new Error(`scalar: expected a number, got ${describeValue(value)}`);
  return tensor(value, [], dtype);
}

// A tensor that must have `rank` (tfjs' tensor1d ... tensor4d).
function ofRank(values, shape, dtype, rank, op) {
  const {handle, meta} = makeHandle(values, shape, dtype, op);
  if (meta.shape.length !== rank) {
    handle.delete();
    throw new Error(`${op}: expected rank ${rank}, got values of shape [${meta.shape}]`);
  }
  return new Tensor(handle, meta);
}

export function tensor1d(values, dtype) {
  return ofRank(values, null, dtype, 1, 'tensor1d');
}
export function tensor2d(values, shape, dtype) {
  return ofRank(values, shape, dtype, 2, 'tensor2d');
}
export function tensor3d(values, shape, dtype) {
  return ofRank(values, shape, dtype, 3, 'tensor3d');
}
export function tensor4d(values, shape, dtype) {
  return ofRank(values, shape, dtype, 4, 'tensor4d');
}

export function fill(shape, value, dtype = 'float32') {
  shape = checkShape(shape, 'fill');
  const {handle, meta} = allocate(shape, dtype, 'fill');
  const start = meta.ptr >>> 2;
  const size = shape.reduce((a, b) => a * b, 1);
  heapFor(dtype).fill(value, start, start + size);
  return new Tensor(handle, meta);
}

export function zeros(shape, dtype = 'float32') {
  shape = checkShape(shape, 'zeros');
  const m = wasm();
  const code = dtypeCode(dtype, 'zeros');
  writeArgs(shape);
  const handle = m.zeros(code, shape.length);
  checkError(handle);
  return new Tensor(handle, readMeta());
}

export function ones(shape, dtype = 'float32') {
  return fill(shape, 1, dtype);
}

// An operand of an op: a Tensor's handle, or a temporary made from a number or array (of `dtype` if given,
// else a number takes `like`'s dtype when that is a Tensor). Returns {handle, temp}; the caller deletes temp.
export function operand(value, op, name, like, dtype) {
  if (value instanceof Tensor) {
    const handle = handleOf(value, op, name);
    if (dtype && value.dtype !== dtype) {
      throw new Error(`${op}: '${name}' must be a ${dtype} tensor, got ${value.dtype} of shape [${value.shape}]`);
    }
    return {handle, temp: null};
  }
  if (typeof value === 'number' || Array.isArray(value) || isTypedArray(value)) {
    const inferred = dtype ?? (like instanceof Tensor && typeof value === 'number' ? like.dtype : undefined);
    const {handle} = makeHandle(value, null, inferred, op);
    return {handle, temp: handle};
  }
  throw new Error(`${op}: argument '${name}' must be a Tensor, a number or an array, got ${describeValue(value)}`);
}

export {handleOf};
