// Seeded random tensors. Draws come from the C++ generator (core/rng.h), so a seed gives the same numbers
// in Node, in browsers and in the native build (not the same numbers as tfjs). int32 draws are rounded.
import {checkShape, dtypeCode} from './creation.js';
import {wrap} from './tensor.js';
import {wasm, writeArgs} from './wasm.js';

const NORMAL = 0;
const UNIFORM = 1;

function seedArg(seed, op) {
  if (seed == null) return -1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${op}: seed must be a non-negative integer, got ${seed}`);
  return seed;
}

function random(kind, op, shape, a, b, dtype, seed) {
  const dims = checkShape(shape, op);
  const code = dtypeCode(dtype, op);
  if (typeof a !== 'number' || typeof b !== 'number') throw new Error(`${op}: distribution parameters must be numbers`);
  const s = seedArg(seed, op);
  writeArgs(dims);
  return wrap(wasm().random(kind, code, dims.length, a, b, s));
}

export function randomNormal(shape, mean = 0, stdDev = 1, dtype = 'float32', seed) {
  if (stdDev < 0) throw new Error(`randomNormal: stdDev must be >= 0, got ${stdDev}`);
  return random(NORMAL, 'randomNormal', shape, mean, stdDev, dtype, seed);
}

export function randomUniform(shape, minval = 0, maxval = 1, dtype = 'float32', seed) {
  if (!(minval <= maxval)) throw new Error(`randomUniform: minval (${minval}) must be <= maxval (${maxval})`);
  return random(UNIFORM, 'randomUniform', shape, minval, maxval, dtype, seed);
}
