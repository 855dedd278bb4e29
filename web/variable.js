// km.variable: a Tensor whose value can be replaced by assign(). It wraps a C++ ops::Variable (shared with
// layers and optimizers) and a handle to its current value, which is what ops and gradients see.
// Variables are never disposed by tidy().
import {cast} from './ops/shape.js';
import {Tensor, describeValue, handleOf} from './tensor.js';
import {checkError, readMeta, wasm, weightsChanged, weightsVersionNow} from './wasm.js';

export class Variable extends Tensor {
  // Internal: from a C++ Variable handle; web/ reads its value's description first.
  constructor(varHandle) {
    const m = wasm();
    const value = m.variableValue(varHandle);
    try {
      checkError(value);
    } catch (e) {
      varHandle.delete();
      throw e;
    }
    super(value, readMeta(), false);
    this._res.varHandle = varHandle;
    this._version = weightsVersionNow();
    this.name = m.variableName(varHandle);
  }

  // Training steps, setWeights and optimizers give C++ variables new values; before each use the value
  // handle is fetched again if any of them ran since it was read (one counter comparison otherwise).
  _sync() {
    if (this._version !== weightsVersionNow() && this._res !== null) this._refresh();
  }

  _refresh() {
    const value = wasm().variableValue(this._res.varHandle);
    checkError(value);
    this._res.handle.delete();
    this._res.handle = value;
    this._res.ptr = readMeta().ptr;
    this._version = weightsVersionNow();
  }

  get trainable() {
    return this._res !== null && wasm().variableTrainable(this._res.varHandle);
  }

  set trainable(value) {
    assertLive(this, 'trainable');
    wasm().variableSetTrainable(this._res.varHandle, !!value);
  }

  // Replaces the value with newValue's (same shape and dtype); tensors read earlier keep their values.
  assign(newValue) {
    assertLive(this, 'assign');
    const m = wasm();
    m.variableAssign(this._res.varHandle, handleOf(newValue, `variable '${this.name}'.assign`, 'newValue'));
    checkError(null);
    weightsChanged();
    this._refresh();
  }
}

function assertLive(v, what) {
  if (v.isDisposed) throw new Error(`variable '${v.name}': ${what}: the variable is disposed`);
}

// As tfjs: variable(initialValue, trainable = true, name?, dtype?). The name is made unique among live
// variables ('w', 'w_1', ...); the default is 'Variable'.
export function variable(initialValue, trainable = true, name, dtype) {
  if (!(initialValue instanceof Tensor)) {
    throw new Error(`variable: initialValue must be a Tensor, got ${describeValue(initialValue)}`);
  }
  if (name != null && typeof name !== 'string') throw new Error(`variable: name must be a string, got ${describeValue(name)}`);
  const m = wasm();
  const init = dtype != null && dtype !== initialValue.dtype ? cast(initialValue, dtype) : initialValue;
  try {
    const varHandle = m.newVariable(handleOf(init, 'variable', 'initialValue'), !!trainable, name ?? 'Variable');
    checkError(varHandle);
    return new Variable(varHandle);
  } finally {
    if (init !== initialValue) init.dispose();
  }
}
