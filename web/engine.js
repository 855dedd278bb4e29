// Tensor bookkeeping: live counts for memory(), tidy scopes, keep, dispose, and a FinalizationRegistry
// backstop that deletes the wasm handle of a tensor that was garbage-collected without dispose().
//
// Every JS Tensor owns a resource record {handle, ptr, bytes, varHandle}: the Embind handle of its C++
// Tensor, its data pointer, its size in bytes, and for variables the handle of the C++ Variable. The record
// never points back at the Tensor, so the registry can hold it while the Tensor itself is collectable.
import {Tensor} from './tensor.js';
import {wasm} from './wasm.js';

let numTensors = 0;
let numBytes = 0;
// One array per open tidy(), innermost last. Outside any tidy nothing holds tensors strongly.
const scopes = [];

function releaseResource(res) {
  res.handle.delete();
  if (res.varHandle) res.varHandle.delete();
  numTensors -= 1;
  numBytes -= res.bytes;
}

const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(releaseResource) : null;

// Starts accounting for a new tensor (variables are not recorded in tidy scopes).
export function track(t, inScope = true) {
  numTensors += 1;
  numBytes += t._res.bytes;
  if (registry) registry.register(t, t._res, t);
  if (inScope && scopes.length > 0) scopes[scopes.length - 1].push(t);
}

// Frees the tensor's wasm handle(s) now; the caller marks the tensor disposed.
export function release(t) {
  if (registry) registry.unregister(t);
  releaseResource(t._res);
}

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
  const scope = [];
  scopes.push(scope);
  let result;
  let kept = new Set();
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy: fn returned a Promise; tidy only takes synchronous functions');
    kept = tensorsIn(result);
  } finally {
    scopes.pop();
    const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
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
  return {
    numTensors,
    numBytes,
    numDataBuffers: m.numDataBuffers(),
    wasmHeapBytes: m.HEAP8.buffer.byteLength,
  };
}
