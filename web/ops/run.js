// Calling op bindings: resolving tensor arguments (numbers and arrays become temporary tensors, deleted
// right after the call), writing integer lists to the args area, and wrapping the result.
//
// Order matters: making a temporary tensor uses the args area for its shape, so every operand is
// resolved before an op's own integers are written.
import {operand} from '../creation.js';
import {Tensor, describeValue, wrap} from '../tensor.js';
import {wasm, writeArgs} from '../wasm.js';

// fn(m, ...handles) for the tensor arguments [[value, name, dtype?], ...]; returns the wrapped result.
// Numbers take `dtype` if given, else the dtype of the first Tensor argument.
export function callOp(op, args, fn) {
  const like = args.find(([v]) => v instanceof Tensor)?.[0];
  const temps = [];
  try {
    const handles = args.map(([value, name, dtype]) => {
      const {handle, temp} = operand(value, op, name, like, dtype);
      if (temp) temps.push(temp);
      return handle;
    });
    return wrap(fn(wasm(), ...handles));
  } finally {
    for (const t of temps) t.delete();
  }
}

// fn(list) with a C++ TensorList of the given tensors (or arrays); returns the wrapped result.
export function callListOp(op, xs, fn) {
  if (!Array.isArray(xs)) throw new Error(`${op}: expected an array of tensors, got ${describeValue(xs)}`);
  const m = wasm();
  const temps = [];
  const list = new m.TensorList();
  try {
    const like = xs.find((x) => x instanceof Tensor);
    xs.forEach((x, i) => {
      const {handle, temp} = operand(x, op, `tensors[${i}]`, like);
      if (temp) temps.push(temp);
      list.push_back(handle);
    });
    return wrap(fn(m, list));
  } finally {
    list.delete();
    for (const t of temps) t.delete();
  }
}

export function checkInt(value, op, what) {
  if (!Number.isInteger(value)) throw new Error(`${op}: ${what} must be an integer, got ${describeValue(value)}`);
  return value;
}

// An int list argument: a number becomes [number]; null / undefined becomes [].
export function intList(value, op, what) {
  if (value == null) return [];
  const list = typeof value === 'number' ? [value] : value;
  if (!Array.isArray(list) && !ArrayBuffer.isView(list)) {
    throw new Error(`${op}: ${what} must be a number or an array of numbers, got ${describeValue(value)}`);
  }
  const out = Array.from(list);
  for (const v of out) {
    if (!Number.isInteger(v)) throw new Error(`${op}: ${what} [${out}] must hold integers`);
  }
  return out;
}

export {writeArgs};
