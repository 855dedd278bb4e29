// Symbolic tensors: what km.input() returns and what layers return when applied to symbolic tensors. They
// carry a shape (null for unknown dimensions) and dtype, and hold the graph node that produces them; models
// are made from them. Their handles are small and are released by garbage collection. `sourceLayer` is
// defined by layer.js, which this module does not import, so the two do not import each other.
import {describeValue} from '../tensor.js';
import {checkError, wasm} from '../wasm.js';

const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((handle) => handle.isDeleted() || handle.delete())
  : null;

export class SymbolicTensor {
  // Internal: from a handle a binding returned.
  constructor(handle) {
    const text = wasm().symbolicInfo(handle);
    checkError(handle);
    const info = JSON.parse(text);
    this._handle = handle;
    this.shape = info.shape;
    this.dtype = info.dtype;
    this.name = info.name;
    this.outputIndex = info.index;
    if (finalizer) finalizer.register(this, handle);
  }

  get rank() {
    return this.shape.length;
  }

  toString() {
    return `SymbolicTensor '${this.name}' ${this.dtype} [${this.shape.map((d) => (d === null ? 'null' : d))}]`;
  }
}

export function symbolicFrom(handle) {
  checkError(handle);
  return new SymbolicTensor(handle);
}

// fn(list) with a C++ SymbolicList of the tensors; the list is deleted afterwards.
export function withSymbolicList(tensors, fn, op = 'model', what = 'inputs') {
  const m = wasm();
  const list = new m.SymbolicList();
  try {
    tensors.forEach((t, i) => {
      if (!(t instanceof SymbolicTensor)) {
        throw new Error(`${op}: ${what}[${i}] must be a SymbolicTensor (from km.input() or layer.apply), got ${describeValue(t)}`);
      }
      list.push_back(t._handle);
    });
    return fn(list);
  } finally {
    list.delete();
  }
}

// As tfjs' tf.input({shape, batchShape, name, dtype}): the symbolic input of a functional model.
export function input(config) {
  if (config == null || typeof config !== 'object') {
    throw new Error(`input: expects a config object such as {shape: [28, 28, 1]}, got ${describeValue(config)}`);
  }
  if (config.shape == null && config.batchShape == null) {
    throw new Error('input: give the shape without the batch dimension (shape) or with it (batchShape)');
  }
  return symbolicFrom(wasm().input(JSON.stringify(config)));
}
