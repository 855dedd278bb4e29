// tidy scopes, keep, dispose and memory(): the user-facing side of tensor bookkeeping. The counters and
// the scopes themselves live in accounting.js, which tensor.js uses without importing this module.
import {closeScope, counts, openScope} from './accounting.js';
import {Tensor} from './tensor.js';
import {wasm} from './wasm.js';

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// Every Tensor inside a (possibly nested) array or plain object, each once. Other objects (class
// instances, Maps) are not searched.
export function tensorsIn(container, found = new Set()) {
  if (container instanceof Tensor) {
    found.add(container);
  } else if (Array.isArray(container)) {
    for (const item of container) tensorsIn(item, found);
  } else if (isPlainObject(container)) {
    for (const key of Object.keys(container)) tensorsIn(container[key], found);
  }
  return found;
}

// Runs fn and disposes every tensor created inside it except those in its result (a Tensor, or arrays /
// objects holding them) and those passed to keep(). Returned tensors move to the enclosing tidy, if any.
// When fn throws, everything it created is disposed and the error propagates.
export function tidy(nameOrFn, fn) {
  if (typeof nameOrFn === 'function') fn = nameOrFn;
  if (typeof fn !== 'function') throw new Error('tidy: expected a function, as tidy(fn) or tidy(name, fn)');
  const scope = openScope();
  let result;
  let kept = new Set();
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy: fn returned a Promise; tidy only takes synchronous functions');
    kept = tensorsIn(result);
  } finally {
    const parent = closeScope();
    for (const t of scope) {
      if (t.isDisposed || t._kept) continue;
      if (kept.has(t)) {
        if (parent) parent.push(t);
      } else {
        t.dispose();
      }
    }
  }
  return result;
}

// Exempts t from every tidy() (it must then be disposed by hand).
export function keep(t) {
  if (!(t instanceof Tensor)) throw new Error('keep: expected a Tensor');
  t._kept = true;
  return t;
}

// Disposes a tensor, or every tensor in an array or object (variables included).
export function dispose(container) {
  for (const t of tensorsIn(container)) t.dispose();
}

// Live JS tensors (variables included) and their bytes; numDataBuffers counts every live C++ buffer,
// including those held by layers and by open gradient tapes; wasmHeapBytes is the wasm memory's size.
export function memory() {
  const m = wasm();
  const {numTensors, numBytes} = counts();
  return {
    numTensors,
    numBytes,
    numDataBuffers: m.numDataBuffers(),
    wasmHeapBytes: m.HEAP8.buffer.byteLength,
  };
}
