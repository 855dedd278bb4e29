// Gradients as in tfjs: grad, grads, valueAndGrad, valueAndGrads, variableGrads.
//
// Each call opens a C++ GradientTape (recording while its handle lives; closed in a finally), runs f inside
// a tidy so f's intermediates are disposed, and asks the tape for d(sum(y * dy))/dx. Tapes nest: an inner
// gradient computation is also recorded by outer tapes. Gradients are first order.
import {tidy} from './engine.js';
import {Tensor, describeValue, handleOf} from './tensor.js';
import {Variable} from './variable.js';
import {checkError, readMeta, wasm} from './wasm.js';

// Runs f under a new tape; returns {value, grads} where grads[i] is the gradient for sources[i] (a
// handle), or null when y does not depend on it and allowUnconnected is set (else that is an error).
function taped(op, f, sources, dy, allowUnconnected, checkValue) {
  const m = wasm();
  const tape = new m.GradientTape();
  try {
    return tidy(() => {
      const y = f();
      if (!(y instanceof Tensor)) throw new Error(`${op}: f must return a Tensor, got ${describeValue(y)}`);
      if (checkValue) checkValue(y);
      const yHandle = handleOf(y, op, 'y');
      const dyHandle = dy == null ? null : handleOf(dy, op, 'dy');
      const list = new m.TensorList();
      let out = null;
      try {
        for (const h of sources) list.push_back(h);
        out = m.gradient(tape, yHandle, list, dyHandle, !!allowUnconnected);
        checkError(out);
        const grads = sources.map((_, i) => {
          const h = m.listTake(out, i);
          checkError(h);
          const meta = readMeta();
          if (meta.ptr === 0) {
            h.delete();
            return null;
          }
          return new Tensor(h, meta);
        });
        return {value: y, grads};
      } finally {
        list.delete();
        if (out !== null && !out.isDeleted()) out.delete();
      }
    });
  } finally {
    tape.delete();
  }
}

function checkFunction(f, op) {
  if (typeof f !== 'function') throw new Error(`${op}(f): f must be a function, got ${describeValue(f)}`);
}

function checkTensors(xs, op) {
  if (!Array.isArray(xs) || xs.some((x) => !(x instanceof Tensor))) {
    throw new Error(`${op}(f)(xs): xs must be an array of Tensors, got ${describeValue(xs)}`);
  }
  return xs.map((x, i) => handleOf(x, op, `xs[${i}]`));
}

// grad(f)(x, dy?): the gradient of f(x) with respect to x (dy defaults to ones).
export function grad(f) {
  checkFunction(f, 'grad');
  return (x, dy) => {
    if (!(x instanceof Tensor)) throw new Error(`grad(f)(x): x must be a Tensor, got ${describeValue(x)}`);
    const source = handleOf(x, 'grad', 'x');
    return tidy(() => taped('grad', () => f(x), [source], dy, false).grads[0]);
  };
}

// grads(f)([x1, x2, ...], dy?): gradients of f(x1, x2, ...) with respect to each argument.
export function grads(f) {
  checkFunction(f, 'grads');
  return (xs, dy) => {
    const sources = checkTensors(xs, 'grads');
    return tidy(() => taped('grads', () => f(...xs), sources, dy, false).grads);
  };
}

export function valueAndGrad(f) {
  checkFunction(f, 'valueAndGrad');
  return (x, dy) => {
    if (!(x instanceof Tensor)) throw new Error(`valueAndGrad(f)(x): x must be a Tensor, got ${describeValue(x)}`);
    const source = handleOf(x, 'valueAndGrad', 'x');
    const {value, grads: gs} = taped('valueAndGrad', () => f(x), [source], dy, false);
    return {value, grad: gs[0]};
  };
}

export function valueAndGrads(f) {
  checkFunction(f, 'valueAndGrads');
  return (xs, dy) => {
    const sources = checkTensors(xs, 'valueAndGrads');
    return taped('valueAndGrads', () => f(...xs), sources, dy, false);
  };
}

// variableGrads(f, varList?): {value, grads} with grads keyed by variable name. f takes no arguments and
// returns a scalar. varList defaults to every trainable variable (including those of layers); variables
// f does not use get no entry, non-trainable ones in an explicit varList get null, as in tfjs.
export function variableGrads(f, varList) {
  checkFunction(f, 'variableGrads');
  const m = wasm();
  let names;
  let sources;
  let owned = [];
  const nonTrainable = [];
  if (varList == null) {
    const values = m.trainableValues();
    checkError(values);
    const nameList = m.trainableNames();
    try {
      checkError(nameList);
      names = Array.from({length: nameList.size()}, (_, i) => nameList.get(i));
      owned = names.map((_, i) => {
        const h = m.listTake(values, i);
        checkError(h);
        return h;
      });
      sources = owned;
    } finally {
      values.delete();
      if (!nameList.isDeleted()) nameList.delete();
    }
  } else {
    if (!Array.isArray(varList) || varList.some((v) => !(v instanceof Variable))) {
      throw new Error(`variableGrads: varList must be an array of variables, got ${describeValue(varList)}`);
    }
    const trainable = varList.filter((v) => v.trainable);
    for (const v of varList) if (!v.trainable) nonTrainable.push(v.name);
    names = trainable.map((v) => v.name);
    sources = trainable.map((v) => handleOf(v, 'variableGrads', v.name));
  }
  try {
    if (sources.length === 0) {
      throw new Error(varList == null
        ? 'variableGrads: there are no trainable variables; create some with km.variable() or pass varList'
        : `variableGrads: expects at least one trainable variable, but none of the ${varList.length} given is trainable`);
    }
    const checkScalar = (y) => {
      if (y.rank !== 0) {
        throw new Error(`variableGrads: f must return a scalar, but it returned a tensor of shape [${y.shape}]`);
      }
    };
    const {value, grads: gs} = taped('variableGrads', f, sources, null, true, checkScalar);
    if (gs.every((g) => g === null)) {
      value.dispose();
      throw new Error('variableGrads: cannot find a connection between any variable and the result of f; make sure the ' +
                      'operations that use the variables happen inside f');
    }
    const named = {};
    gs.forEach((g, i) => {
      if (g !== null) named[names[i]] = g;
    });
    for (const name of nonTrainable) named[name] = null;
    return {value, grads: named};
  } finally {
    for (const h of owned) h.delete();
  }
}
