// model.fit: tfjs-layers' training loop, driven from JS one batch at a time. Each epoch draws a seeded
// permutation of the samples, each batch is gathered (or sliced, without shuffling) inside tidy() and
// handed to the C++ training step, whose loss and metrics come back as numbers. Between batches the loop
// awaits the callbacks and yields to the event loop, so a page stays responsive during training.
import {tidy} from '../engine.js';
import {seededRandom} from '../seeded.js';
import {tensor} from '../creation.js';
import {gather, slice} from '../ops/shape.js';
import {describeValue} from '../tensor.js';
import {toTensorArray} from '../lists.js';
import {wasm} from '../wasm.js';
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

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onYield'];

function standardizeCallbacks(callbacks, op) {
  if (callbacks == null) return [];
  const list = Array.isArray(callbacks) ? callbacks : [callbacks];
  list.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') throw new Error(`${op}: callbacks[${i}] must be an object of hooks, got ${describeValue(cb)}`);
    for (const key of HOOKS) {
      if (cb[key] != null && typeof cb[key] !== 'function') throw new Error(`${op}: callback ${key} must be a function`);
    }
  });
  return list;
}

async function call(callbacks, hook, ...args) {
  for (const cb of callbacks) {
    if (cb[hook]) await cb[hook](...args);
  }
}

// Fisher-Yates over 0..n-1.
function permutation(n, seed) {
  const next = seededRandom(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; ++i) p[i] = i;
  for (let i = n - 1; i > 0; --i) {
    const j = Math.floor(next() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

function sliceRows(xs, begin, size) {
  return xs.map((x) => slice(x, [begin], [size]));
}

function checkArgs(args, op) {
  const intArg = (key, fallback, min) => {
    const v = args[key] ?? fallback;
    if (!Number.isInteger(v) || v < min) throw new Error(`${op}: ${key} must be an integer >= ${min}, got ${describeValue(args[key])}`);
    return v;
  };
  const out = {
    epochs: intArg('epochs', 1, 0),
    batchSize: intArg('batchSize', 32, 1),
    initialEpoch: intArg('initialEpoch', 0, 0),
    verbose: intArg('verbose', 0, 0),
    shuffle: args.shuffle ?? true,
    validationSplit: args.validationSplit ?? 0,
    yieldEvery: args.yieldEvery ?? 'auto',
    seed: args.seed,
  };
  if (typeof out.shuffle !== 'boolean') throw new Error(`${op}: shuffle must be true or false (batch shuffling is not supported), got ${describeValue(args.shuffle)}`);
  if (typeof out.validationSplit !== 'number' || !(out.validationSplit >= 0 && out.validationSplit < 1)) {
    throw new Error(`${op}: validationSplit must be a number in [0, 1), got ${describeValue(args.validationSplit)}`);
  }
  if (out.seed != null && (!Number.isSafeInteger(out.seed) || out.seed < 0)) {
    throw new Error(`${op}: seed must be a non-negative integer, got ${describeValue(out.seed)}`);
  }
  for (const key of ['stepsPerEpoch', 'validationSteps', 'classWeight', 'sampleWeight']) {
    if (args[key] != null) throw new Error(`${op}: ${key} is not supported`);
  }
  return out;
}

function sampleCount(xs, ys, op) {
  const n = xs[0].shape[0];
  for (const [i, t] of [...xs, ...ys].entries()) {
    if (t.rank === 0) throw new Error(`${op}: every input and target needs a batch axis`);
    if (t.shape[0] !== n) {
      const what = i < xs.length ? `input ${i}` : `target ${i - xs.length}`;
      throw new Error(`${op}: all inputs and targets must have the same number of samples; input 0 has ${n} and ${what} has ${t.shape[0]}`);
    }
  }
  return n;
}

function formatLogs(logs) {
  return Object.entries(logs).map(([k, v]) => `${k}: ${v.toPrecision(4)}`).join(' - ');
}

export async function fitLoop(model, x, y, rawArgs) {
  const op = `model '${model.name}'.fit`;
  const args = checkArgs(rawArgs ?? {}, op);
  let xs = toTensorArray(x, op, 'x');
  let ys = toTensorArray(y, op, 'y');
  if (!wasm().modelCompiled(model._handle('fit'))) throw new Error(`${op}: compile() must be called before fit`);
  const total = sampleCount(xs, ys, op);
  const callbacks = standardizeCallbacks(rawArgs?.callbacks, op);
  const owned = [];  // tensors made here (validation split), disposed at the end
  let valXs = null;
  let valYs = null;
  try {
    if (rawArgs?.validationData != null) {
      const vd = rawArgs.validationData;
      if (!Array.isArray(vd) || vd.length < 2) throw new Error(`${op}: validationData must be [xVal, yVal]`);
      if (vd.length > 2 && vd[2] != null) throw new Error(`${op}: validation sample weights are not supported`);
      valXs = toTensorArray(vd[0], op, 'validationData[0]');
      valYs = toTensorArray(vd[1], op, 'validationData[1]');
    } else if (args.validationSplit > 0) {
      // As Keras: the last fraction of the samples, taken before any shuffling.
      const splitAt = Math.floor(total * (1 - args.validationSplit));
      if (splitAt <= 0 || splitAt >= total) {
        throw new Error(`${op}: validationSplit ${args.validationSplit} leaves no ${splitAt <= 0 ? 'training' : 'validation'} samples out of ${total}`);
      }
      valXs = sliceRows(xs, splitAt, total - splitAt);
      valYs = sliceRows(ys, splitAt, total - splitAt);
      xs = sliceRows(xs, 0, splitAt);
      ys = sliceRows(ys, 0, splitAt);
      owned.push(...valXs, ...valYs, ...xs, ...ys);
    }
    const n = xs[0].shape[0];
    if (n === 0) throw new Error(`${op}: there are no training samples`);
    const doValidation = valXs !== null;
    const history = new History({
      epochs: args.epochs, initialEpoch: args.initialEpoch, samples: n, batchSize: args.batchSize,
      verbose: args.verbose, doValidation,
    });
    const fitCall = model._fitCalls++;
    const yielder = nextFrame(args.yieldEvery);
    model.stopTraining = false;
    let names = null;

    await call(callbacks, 'onTrainBegin', {});
    for (let epoch = args.initialEpoch; epoch < args.epochs; ++epoch) {
      const started = Date.now();
      await call(callbacks, 'onEpochBegin', epoch, {});
      const order = args.shuffle ? permutation(n, (args.seed ?? fitCall) * 100003 + epoch) : null;
      const totals = [];
      let seen = 0;
      for (let begin = 0, batch = 0; begin < n; begin += args.batchSize, ++batch) {
        const size = Math.min(args.batchSize, n - begin);
        await call(callbacks, 'onBatchBegin', batch, {batch, size});
        const values = tidy(() => {
          let bx;
          let by;
          if (order !== null) {
            const idx = tensor(order.subarray(begin, begin + size), [size], 'int32');
            bx = xs.map((t) => gather(t, idx));
            by = ys.map((t) => gather(t, idx));
          } else {
            bx = sliceRows(xs, begin, size);
            by = sliceRows(ys, begin, size);
          }
          return model._trainStep(bx, by, op);
        });
        names ??= model.metricsNames;
        values.forEach((v, i) => { totals[i] = (totals[i] ?? 0) + v * size; });
        seen += size;
        const batchLogs = {batch, size};
        names.forEach((name, i) => { batchLogs[name] = values[i]; });
        await call(callbacks, 'onBatchEnd', batch, batchLogs);
        await yielder.afterBatch(callbacks, epoch, batch, batchLogs);
        if (model.stopTraining) break;
      }
      const epochLogs = {};
      names.forEach((name, i) => { epochLogs[name] = totals[i] / seen; });
      if (doValidation) {
        const valValues = model._evaluateValues(valXs, valYs, args.batchSize, op);
        names.forEach((name, i) => { epochLogs[`val_${name}`] = valValues[i]; });
      }
      if (args.verbose > 0) console.log(`Epoch ${epoch + 1}/${args.epochs} - ${Date.now() - started}ms - ${formatLogs(epochLogs)}`);
      await call(callbacks, 'onEpochEnd', epoch, epochLogs);
      history._record(epoch, epochLogs);
      await yielder.afterEpoch();
      if (model.stopTraining) break;
    }
    await call(callbacks, 'onTrainEnd', {});
    return history;
  } finally {
    for (const t of owned) t.dispose();
  }
}
