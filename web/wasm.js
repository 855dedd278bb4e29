// The loaded Emscripten module and the exchange area shared with bindings/guard.h.
//
// Each binding returns normally even on error; it then sets a flag word in wasm memory. Every call from
// web/ is followed by checkError() (one memory read), which turns a set flag into a JS Error carrying the
// C++ message. Tensor-returning bindings also describe their result (data pointer, dtype, shape) in the
// meta area, and integer lists (shapes, axes) are written to the args area before a call, so an op costs
// a single Embind call.
//
// Calls may nest (C++ calling a JS function that calls bindings): the flag always describes the call that
// returned last. JS functions handed to C++ are wrapped by callable(), so their exceptions are caught here,
// kept under a number, and reported to C++ without unwinding wasm frames (bindings/guard.h).

let mod = null;
let flagIndex = 0;
let errorJsIdIndex = 0;
let jsErrorIndex = 0;
let argsIndex = 0;
let metaIndex = 0;
let valuesIndex = 0;
// Bumped by every call that may give a C++ variable a new value (training steps, setWeights, optimizers):
// JS Variables compare it with the version they last read to know when to fetch the new value.
let weightsVersion = 0;

// Sizes of the exchange arrays, as in bindings/guard.h.
export const MAX_ARGS = 256;
export const MAX_RANK = 32;
const META_HEADER = 3;

export const DTYPES = ['float32', 'int32'];

export function setModule(m) {
  mod = m;
  flagIndex = m.errorFlagAddress() >>> 2;
  errorJsIdIndex = m.errorJsIdAddress() >>> 2;
  jsErrorIndex = m.jsErrorAddress() >>> 2;
  argsIndex = m.argsAddress() >>> 2;
  metaIndex = m.metaAddress() >>> 2;
  valuesIndex = m.valuesAddress() >>> 3;
  for (const fn of loadHooks) fn(m);
}

const loadHooks = [];

// Runs fn(module) once the module is loaded (parts of the API generated from the module's own lists).
export function onLoad(fn) {
  loadHooks.push(fn);
  if (mod !== null) fn(mod);
}

export function isLoaded() {
  return mod !== null;
}

// The Embind module; throws when km.ready() has not finished.
export function wasm() {
  if (mod === null) throw new Error('kerasm is not loaded yet: call `await km.ready()` first');
  return mod;
}

// JS exceptions thrown inside functions C++ called, by number, until the call that failed through them
// is checked. Bounded: an exception C++ caught and swallowed is dropped once newer ones pile up.
const pendingJs = new Map();
let nextJsId = 1;
const MAX_PENDING_JS = 64;

// Wraps a JS function for C++ to call (bindings/callback.h): a throw is caught here and kept, its number
// written for C++ to see, and its message returned in place of a result.
export function callable(fn) {
  return (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      const id = nextJsId++;
      if (nextJsId > 0x3fffffff) nextJsId = 1;
      pendingJs.set(id, e);
      if (pendingJs.size > MAX_PENDING_JS) pendingJs.delete(pendingJs.keys().next().value);
      mod.HEAP32[jsErrorIndex] = id;
      return String(e instanceof Error ? e.message : e);
    }
  };
}

// Throws the pending C++ error, if any, after deleting `handle` (the default value the failed call
// returned). HEAP32 is read from the module each time: memory growth replaces the view. An error that
// began as a JS exception inside a function C++ called carries that exception as its `cause`.
export function checkError(handle) {
  if (mod.HEAP32[flagIndex] === 0) return;
  if (handle && typeof handle.delete === 'function') handle.delete();
  const jsId = mod.HEAP32[errorJsIdIndex];
  const message = mod.takeError();
  if (jsId !== 0 && pendingJs.has(jsId)) {
    const cause = pendingJs.get(jsId);
    pendingJs.delete(jsId);
    throw new Error(message, {cause});
  }
  throw new Error(message);
}

// Writes integers into the args area starting at `offset`; returns the offset after them.
export function writeArgs(values, offset = 0) {
  if (offset + values.length > MAX_ARGS) {
    throw new Error(`too many integer arguments (${offset + values.length}; at most ${MAX_ARGS})`);
  }
  mod.HEAP32.set(values, argsIndex + offset);
  return offset + values.length;
}

// The description of the tensor the last call returned: {ptr, dtype, shape}; ptr 0 means no tensor.
export function readMeta() {
  const heap = mod.HEAP32;
  const ptr = heap[metaIndex] >>> 0;
  const dtype = DTYPES[heap[metaIndex + 1]];
  const rank = heap[metaIndex + 2];
  const shape = new Array(rank);
  for (let i = 0; i < rank; ++i) shape[i] = heap[metaIndex + META_HEADER + i];
  return {ptr, dtype, shape};
}

// The float64 values a training step or evaluation just wrote (bindings/models_bindings.cc).
export function readValues(count) {
  return Array.from(mod.HEAPF64.subarray(valuesIndex, valuesIndex + count));
}

export function weightsChanged() {
  weightsVersion += 1;
}

export function weightsVersionNow() {
  return weightsVersion;
}
