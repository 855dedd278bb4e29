// Loading the wasm module once: km.ready(opts?) returns one shared promise.
//
// The bytes of dist/kerasm.wasm are always obtained here and handed to the glue as `wasmBinary`: under
// Node 20 the 3.1.6 glue would call fetch() on a file path (which fails), and having the bytes gives
// backendInfo() the module size. In pages and workers the .wasm is fetched from next to this package's
// dist/ folder (a `new URL(..., import.meta.url)` that bundlers also understand); {wasmUrl} or
// {wasmBinary} override the location or skip the fetch.
import createKerasmModule from '../dist/kerasm.js';
import {isLoaded, setModule, wasm} from './wasm.js';

const isNode = typeof process === 'object' && process.versions != null && process.versions.node != null;

let readyPromise = null;
let wasmBytes = 0;

// The smallest module using a SIMD128 instruction (v128.const; drop): validating it tells whether the
// engine has WebAssembly SIMD, without which the package cannot run.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 23, 1, 21, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 26, 11,
]);

async function readWasm(url) {
  const href = String(url);
  if (isNode && !/^https?:/.test(href)) {
    const {readFile} = await import('node:fs/promises');
    const {fileURLToPath} = await import('node:url');
    return readFile(href.startsWith('file:') ? fileURLToPath(href) : href);
  }
  const response = await fetch(href, {credentials: 'same-origin'});
  if (!response.ok) throw new Error(`kerasm: could not fetch ${href} (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

async function load(opts) {
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new Error('kerasm needs WebAssembly SIMD and exception handling (Node >= 20.16, Chrome >= 95, Firefox >= 100, Safari >= 16.4)');
  }
  let binary = opts.wasmBinary;
  if (binary == null) binary = await readWasm(opts.wasmUrl ?? new URL('../dist/kerasm.wasm', import.meta.url));
  if (binary instanceof ArrayBuffer) binary = new Uint8Array(binary);
  if (!(binary instanceof Uint8Array)) throw new Error('kerasm.ready: wasmBinary must be an ArrayBuffer or Uint8Array');
  const module = await createKerasmModule({wasmBinary: binary});
  wasmBytes = binary.byteLength;
  setModule(module);
}

// Loads and instantiates the module once; later calls return the same promise (their options are ignored).
// A failed load may be retried.
export function ready(opts = {}) {
  if (readyPromise === null) {
    readyPromise = load(opts).catch((e) => {
      readyPromise = null;
      throw e;
    });
  }
  return readyPromise;
}

export function backendInfo() {
  const m = wasm();
  return {simd: true, threads: 1, wasmBytes, heapBytes: m.HEAP8.buffer.byteLength};
}

export {isLoaded};
