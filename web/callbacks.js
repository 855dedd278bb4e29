// Training callbacks as tfjs-layers has them: plain objects of hooks (tfjs' CustomCallbackArgs) or
// objects with setModel / setParams (tfjs' Callback classes, km.callbacks.earlyStopping), run in order,
// each hook awaited. EarlyStopping follows tfjs-layers 4.22 (itself Keras 2.2's rule) and adds Keras'
// restoreBestWeights, which tfjs lacks.
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

// tfjs' Callback base class: hooks are no-ops until overridden; the model arrives before training.
export class Callback {
  constructor() {
    this.model = null;
    this.params = null;
  }

  setModel(model) {
    this.model = model;
  }

  setParams(params) {
    this.params = params;
  }
}

const MODES = ['auto', 'min', 'max'];

// Stops training once the monitored value has not improved by more than minDelta for `patience` epochs
// in a row. As tfjs: mode 'auto' maximizes values whose name contains 'acc' and minimizes the rest; a
// baseline is the value to beat from the start; an epoch whose logs lack the value is skipped with a
// warning. restoreBestWeights (Keras): the weights of the best epoch are kept and set back when training
// stops early (Keras 2; training that runs to its last epoch keeps its last weights).
export class EarlyStopping extends Callback {
  constructor(args = {}) {
    super();
    const op = 'callbacks.earlyStopping';
    if (args === null || typeof args !== 'object') throw new Error(`${op}: expects an object of options, got ${describeValue(args)}`);
    const {monitor = 'val_loss', minDelta = 0, patience = 0, verbose = 0, mode = 'auto', baseline = null,
           restoreBestWeights = false} = args;
    if (typeof monitor !== 'string' || monitor === '') throw new Error(`${op}: monitor must be a log name such as 'val_loss', got ${describeValue(monitor)}`);
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta)) throw new Error(`${op}: minDelta must be a finite number, got ${describeValue(minDelta)}`);
    if (!Number.isInteger(patience) || patience < 0) throw new Error(`${op}: patience must be an integer >= 0, got ${describeValue(patience)}`);
    if (!Number.isInteger(verbose) || verbose < 0) throw new Error(`${op}: verbose must be an integer >= 0, got ${describeValue(verbose)}`);
    if (!MODES.includes(mode)) throw new Error(`${op}: mode must be 'auto', 'min' or 'max', got ${describeValue(mode)}`);
    if (baseline != null && (typeof baseline !== 'number' || Number.isNaN(baseline))) throw new Error(`${op}: baseline must be a number, got ${describeValue(baseline)}`);
    if (typeof restoreBestWeights !== 'boolean') throw new Error(`${op}: restoreBestWeights must be true or false, got ${describeValue(restoreBestWeights)}`);
    this.monitor = monitor;
    this.patience = patience;
    this.verbose = verbose;
    this.mode = mode;
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
    this.maximize = mode === 'max' || (mode === 'auto' && monitor.includes('acc'));
    // Signed so that `current - minDelta` must beat the best: an improvement is a step in the right direction.
    this.minDelta = this.maximize ? Math.abs(minDelta) : -Math.abs(minDelta);
    this.bestWeights = null;
  }

  _improves(current) {
    return this.maximize ? current - this.minDelta > this.best : current - this.minDelta < this.best;
  }

  _dropBestWeights() {
    if (this.bestWeights === null) return;
    for (const t of this.bestWeights) t.dispose();
    this.bestWeights = null;
  }

  async onTrainBegin() {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = null;
    this.best = this.baseline ?? (this.maximize ? -Infinity : Infinity);
    this._dropBestWeights();
  }

  async onEpochEnd(epoch, logs = {}) {
    const current = logs[this.monitor];
    if (current == null) {
      console.warn(`EarlyStopping: the metric '${this.monitor}' is not in the logs, which have: ${Object.keys(logs).join(', ')}`);
      return;
    }
    if (this._improves(current)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this._dropBestWeights();
        this.bestWeights = this.model.getWeights();
      }
      return;
    }
    this.wait += 1;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights !== null) {
        if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch (${this.bestEpoch + 1}).`);
        this.model.setWeights(this.bestWeights);
      }
    }
  }

  async onTrainEnd() {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping.`);
    this._dropBestWeights();
  }
}

export function earlyStopping(args) {
  return new EarlyStopping(args);
}

// km.callbacks, as tf.callbacks.
export const callbacks = {earlyStopping};
