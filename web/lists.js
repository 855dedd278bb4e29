// C++ lists (Embind vectors) of tensors, symbolic tensors and variables, to and from JS arrays.
import {Tensor, describeValue, handleOf} from './tensor.js';
import {checkError, readMeta, wasm} from './wasm.js';

// A Tensor or an array of Tensors as an array; `op` and `what` go into the error message. With allowNull,
// array entries may be null (masks: "this input has none").
export function toTensorArray(x, op, what, {allowNull = false} = {}) {
  const xs = Array.isArray(x) ? x : [x];
  xs.forEach((t, i) => {
    if (!(t instanceof Tensor) && !(allowNull && t === null && Array.isArray(x))) {
      throw new Error(`${op}: ${what} must be a Tensor or an array of Tensors, got ${describeValue(Array.isArray(x) ? t : x)}` +
                      (Array.isArray(x) ? ` at index ${i}` : ''));
    }
  });
  return xs;
}

// fn(list) with a C++ TensorList holding the tensors' handles (an undefined tensor for a null entry); the
// list is deleted afterwards.
export function withTensorList(tensors, op, what, fn) {
  const m = wasm();
  const list = new m.TensorList();
  try {
    tensors.forEach((t, i) => {
      if (t === null) {
        const none = new m.Tensor();
        list.push_back(none);
        none.delete();
      } else {
        list.push_back(handleOf(t, op, `${what}[${i}]`));
      }
    });
    return fn(list);
  } finally {
    list.delete();
  }
}

// The JS Tensors of a TensorList a binding returned (after checking its error); deletes the list.
// Undefined entries (no mask, no gradient) become null.
export function takeTensors(list) {
  checkError(list);
  const m = wasm();
  try {
    const n = list.size();
    const out = [];
    for (let i = 0; i < n; ++i) {
      const h = m.listTake(list, i);
      checkError(h);
      const meta = readMeta();
      if (meta.ptr === 0) {
        h.delete();
        out.push(null);
      } else {
        out.push(new Tensor(h, meta));
      }
    }
    return out;
  } finally {
    list.delete();
  }
}

// The elements of an Embind vector of handles (layers, symbolic tensors, variables): each get() is a new
// handle the caller owns. Deletes the vector.
export function takeHandles(vector) {
  checkError(vector);
  try {
    const n = vector.size();
    const out = [];
    for (let i = 0; i < n; ++i) out.push(vector.get(i));
    return out;
  } finally {
    vector.delete();
  }
}
