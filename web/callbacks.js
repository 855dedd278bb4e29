// Training callbacks as tfjs-layers has them: plain objects of hooks (tfjs' CustomCallbackArgs) or
// objects with setModel / setParams (as tfjs' Callback classes), run in order, each hook awaited.
import {describeValue} from './tensor.js';

export const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onYield'];

export function standardizeCallbacks(callbacks, op) {
  if (callbacks == null) return [];
  const list = Array.isArray(callbacks) ? callbacks : [callbacks];
  list.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw new Error(`${op}: callbacks[${i}] must be an object of hooks, got ${describeValue(cb)}`);
    for (const key of HOOKS) {
      if (cb[key] != null && typeof cb[key] !== 'function') {
        throw new Error(`${op}: callbacks[${i}].${key} must be a function, got ${describeValue(cb[key])}`);
      }
    }
  });
  return list;
}

// The callbacks of one fit call: the model and the run's parameters go to those that take them.
export class CallbackList {
  constructor(callbacks, model, params) {
    this.callbacks = callbacks;
    for (const cb of callbacks) {
      if (typeof cb.setModel === 'function') cb.setModel(model);
      if (typeof cb.setParams === 'function') cb.setParams(params);
    }
  }

  async call(hook, ...args) {
    for (const cb of this.callbacks) {
      if (cb[hook]) await cb[hook](...args);
    }
  }
}
