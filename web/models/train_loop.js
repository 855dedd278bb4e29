// The epoch loop shared by fit (tensors) and fitDataset: callbacks in tfjs' order, batch logs, epoch logs
// as size-weighted means of the batches' values, validation every validationFreq epochs, the verbose line,
// the History, stopTraining, and yielding to the event loop between batches.
import {describeValue} from '../tensor.js';
import {CallbackList, standardizeCallbacks} from '../callbacks.js';
import {nextFrame} from './yield.js';

// What fit() returns, as tfjs' History: per-epoch logs keyed by name, and the epoch numbers.
export class History {
  constructor(params) {
    this.epoch = [];
    this.history = {};
    this.params = params;
  }

  _record(epoch, logs) {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}

// validationFreq as Keras: an integer n validates after every n-th epoch (counting from 1), an array
// lists the (1-based) epochs after which to validate.
export function checkValidationFreq(freq, op) {
  if (freq == null) return 1;
  if (Number.isInteger(freq) && freq >= 1) return freq;
  if (Array.isArray(freq) && freq.every((e) => Number.isInteger(e) && e >= 1)) return freq;
  throw new Error(`${op}: validationFreq must be an integer >= 1 or an array of epoch numbers (from 1), got ${describeValue(freq)}`);
}

function validatesAfter(freq, epoch) {
  return Array.isArray(freq) ? freq.includes(epoch + 1) : (epoch + 1) % freq === 0;
}

export function checkVerbose(value, op) {
  // tfjs' default in Node (and Keras'): a line per epoch.
  const v = value ?? 1;
  if (!Number.isInteger(v) || v < 0) throw new Error(`${op}: verbose must be 0 (silent), 1 or 2 (a line per epoch), got ${describeValue(value)}`);
  return v;
}

function formatValue(v) {
  return typeof v === 'number' ? v.toPrecision(4) : String(v);
}

// "Epoch 2/10 - 35ms - loss: 0.6931 - acc: 0.5000 - val_loss: ...": one line per epoch for verbose 1 and 2,
// as tfjs-node prints after its progress bar.
export function epochLine(epoch, epochs, ms, logs) {
  const parts = Object.entries(logs).map(([k, v]) => `${k}: ${formatValue(v)}`);
  return [`Epoch ${epoch + 1}/${epochs}`, `${ms}ms`, ...parts].join(' - ');
}

// runEpoch(epoch, batches) runs one epoch's batches, calling `await batches.step(size, run)` for each,
// where run() performs the training step and returns its values (metricsNames order); it returns when the
// epoch's data ends or batches.stop says so. validate() returns the validation values (or null).
export async function trainEpochs(model, op, options, runEpoch) {
  // Two loops stepping one model at once would interleave their batches and callbacks (tfjs refuses too).
  if (model.isTraining) throw new Error(`${op}: another fit() or fitDataset() of this model is still running`);
  const {epochs, initialEpoch, verbose, params, validate, validationFreq} = options;
  const callbacks = new CallbackList(standardizeCallbacks(options.callbacks, op), model, params);
  const history = new History(params);
  const yielder = nextFrame(options.yieldEvery ?? 'auto');
  model.isTraining = true;
  try {
    return await epochLoop(model, callbacks, history, yielder, {epochs, initialEpoch, verbose, validate, validationFreq}, runEpoch);
  } finally {
    model.isTraining = false;
  }
}

async function epochLoop(model, callbacks, history, yielder, {epochs, initialEpoch, verbose, validate, validationFreq}, runEpoch) {
  model.stopTraining = false;
  let names = null;

  await callbacks.call('onTrainBegin', {});
  for (let epoch = initialEpoch; epoch < epochs; ++epoch) {
    const started = Date.now();
    await callbacks.call('onEpochBegin', epoch, {});
    const totals = [];
    let seen = 0;
    let batch = 0;
    await runEpoch(epoch, {
      stop: () => model.stopTraining,
      step: async (size, run) => {
        await callbacks.call('onBatchBegin', batch, {batch, size});
        const values = run();
        names ??= model.metricsNames;
        values.forEach((v, i) => { totals[i] = (totals[i] ?? 0) + v * size; });
        seen += size;
        const batchLogs = {batch, size};
        names.forEach((name, i) => { batchLogs[name] = values[i]; });
        await callbacks.call('onBatchEnd', batch, batchLogs);
        await yielder.afterBatch(callbacks.callbacks, epoch, batch, batchLogs);
        batch += 1;
      },
    });
    const epochLogs = {};
    if (names !== null && seen > 0) names.forEach((name, i) => { epochLogs[name] = totals[i] / seen; });
    if (validate != null && validatesAfter(validationFreq, epoch)) {
      const valValues = await validate();
      if (valValues != null) model.metricsNames.forEach((name, i) => { epochLogs[`val_${name}`] = valValues[i]; });
    }
    if (verbose > 0) console.log(epochLine(epoch, epochs, Date.now() - started, epochLogs));
    await callbacks.call('onEpochEnd', epoch, epochLogs);
    history._record(epoch, epochLogs);
    await yielder.afterEpoch();
    if (model.stopTraining) break;
  }
  await callbacks.call('onTrainEnd', {});
  model.history = history;
  return history;
}
