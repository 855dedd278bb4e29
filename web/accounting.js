// Tensor accounting: live counts for memory(), the open tidy scopes, and a FinalizationRegistry backstop
// that deletes the wasm handle of a tensor that was garbage-collected without dispose().
//
// Every JS Tensor owns a resource record {handle, ptr, bytes, varHandle}: the Embind handle of its C++
// Tensor, its data pointer, its size in bytes, and for variables the handle of the C++ Variable. The record
// never points back at the Tensor, so the registry can hold it while the Tensor itself is collectable.
// This module knows nothing of the Tensor class, so tensor.js can import it without a cycle; tidy, keep
// and dispose, which do need the class, are in engine.js.

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

// Opens a tidy scope; returns the array that collects the tensors made while it is innermost.
export function openScope() {
  const scope = [];
  scopes.push(scope);
  return scope;
}

// Closes the innermost scope; returns the enclosing one, or null.
export function closeScope() {
  scopes.pop();
  return scopes.length > 0 ? scopes[scopes.length - 1] : null;
}

export function counts() {
  return {numTensors, numBytes};
}
