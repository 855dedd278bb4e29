// The JS Tensor: a handle to an immutable C++ Tensor whose values live in the wasm heap. Shape, dtype and
// the data pointer are cached at creation, so reading them costs no call into wasm; dataSync() copies the
// values out once. Op methods (x.add(y) ...) are attached by ops/methods.js.
import {release, track} from './accounting.js';
import {checkError, readMeta, wasm} from './wasm.js';

export class Tensor {
  // Internal: web/ builds tensors from a fresh Embind handle whose description is in meta.
  constructor(handle, meta, inScope = true) {
    let size = 1;
    for (const d of meta.shape) size *= d;
    this._res = {handle, ptr: meta.ptr, bytes: size * 4, varHandle: null};
    this._kept = false;
    this.shape = meta.shape;
    this.dtype = meta.dtype;
    this.size = size;
    track(this, inScope);
  }

  get rank() {
    return this.shape.length;
  }

  get isDisposed() {
    return this._res === null;
  }

  // Synchronous copy of the values: Float32Array for float32, Int32Array for int32.
  dataSync() {
    assertLive(this, 'dataSync');
    if (this._sync !== undefined) this._sync();
    const m = wasm();
    const heap = this.dtype === 'int32' ? m.HEAP32 : m.HEAPF32;
    const start = this._res.ptr >>> 2;
    return heap.slice(start, start + this.size);
  }

  async data() {
    return this.dataSync();
  }

  // The values as nested arrays (a number for a scalar).
  arraySync() {
    return nest(this.dataSync(), this.shape);
  }

  async array() {
    return this.arraySync();
  }

  dispose() {
    if (this._res === null) return;
    release(this);
    this._res = null;
  }

  toString() {
    if (this.isDisposed) return `Tensor (disposed) ${this.dtype} [${this.shape}]`;
    return `Tensor ${this.dtype} [${this.shape}]\n${JSON.stringify(this.arraySync())}`;
  }

  print() {
    console.log(this.toString());
  }
}

function assertLive(t, op, name = 'x') {
  if (t._res === null) throw new Error(`${op}: tensor '${name}' is disposed`);
}

// The Embind handle of a live tensor argument; `op` and `name` go into the error message.
export function handleOf(t, op, name) {
  if (!(t instanceof Tensor)) throw new Error(`${op}: argument '${name}' must be a Tensor, got ${describeValue(t)}`);
  if (t._res === null) throw new Error(`${op}: tensor '${name}' is disposed`);
  if (t._sync !== undefined) t._sync();
  return t._res.handle;
}

// Wraps the handle a Tensor-returning binding just gave back, after checking for an error.
export function wrap(handle) {
  checkError(handle);
  return new Tensor(handle, readMeta());
}

export function describeValue(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Tensor) return `a Tensor of shape [${v.shape}]`;
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

function nest(flat, shape) {
  if (shape.length === 0) return flat[0];
  const build = (axis, offset) => {
    const n = shape[axis];
    if (axis === shape.length - 1) return Array.from(flat.subarray(offset, offset + n));
    let stride = 1;
    for (let i = axis + 1; i < shape.length; ++i) stride *= shape[i];
    const out = new Array(n);
    for (let i = 0; i < n; ++i) out[i] = build(axis + 1, offset + i * stride);
    return out;
  };
  return build(0, 0);
}
