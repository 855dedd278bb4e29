// model.fitDataset / model.evaluateDataset: training and evaluation over data that arrives batch by batch,
// so it need not fit in memory. A dataset here is any of
//   - a tfjs-style dataset: an object whose iterator() (sync or async) returns an iterator {next()} whose
//     next() returns (a promise of) {value, done} — tf.data datasets and km.data.generator(fn) are these;
//   - a function (a generator or async generator function, or any function returning an iterator or an
//     iterable), called for a fresh pass;
//   - an iterable or async iterable (an array of elements, a generator object: one pass only).
// Each element is {xs, ys} or [xs, ys] (optionally a third entry / `sampleWeight` with per-sample
// weights), where xs and ys are a Tensor, an array of Tensors or an object keyed by input / output name.
// As tfjs does, the tensors of an element are disposed once its step is done, so a dataset makes fresh
// tensors for each element. Without batchesPerEpoch every epoch takes a fresh pass over the dataset; with
// it, one iterator is read across epochs, batchesPerEpoch elements per epoch (as tfjs).
import {scalar} from '../creation.js';
import {Tensor, describeValue} from '../tensor.js';
import {wasm} from '../wasm.js';
import {sampleWeightsFor} from './sample_weights.js';
import {validationTensors} from './fit.js';
import {checkValidationFreq, checkVerbose, trainEpochs} from './train_loop.js';

function isDataset(d) {
  return d !== null && typeof d === 'object' && typeof d.iterator === 'function';
}

function isIterable(d) {
  return d != null && (typeof d[Symbol.asyncIterator] === 'function' || typeof d[Symbol.iterator] === 'function');
}

function checkDataset(dataset, op, what = 'dataset') {
  if (isDataset(dataset) || typeof dataset === 'function' || (isIterable(dataset) && typeof dataset !== 'string')) return;
  throw new Error(`${op}: ${what} must be a dataset (an object with iterator()), a generator function or an iterable of {xs, ys} elements, got ${describeValue(dataset)}`);
}

function asIterator(it, op) {
  if (it != null && typeof it.next === 'function') return it;
  if (isIterable(it)) return typeof it[Symbol.asyncIterator] === 'function' ? it[Symbol.asyncIterator]() : it[Symbol.iterator]();
  throw new Error(`${op}: the dataset's iterator must have a next() method, got ${describeValue(it)}`);
}

// A fresh iterator over the dataset.
async function iteratorOf(dataset, op) {
  if (isDataset(dataset)) return asIterator(await dataset.iterator(), op);
  if (typeof dataset === 'function') return asIterator(await dataset(), op);
  return asIterator(dataset, op);
}

function disposeTensors(value) {
  if (value instanceof Tensor) {
    value.dispose();
  } else if (Array.isArray(value)) {
    value.forEach(disposeTensors);
  } else if (value !== null && typeof value === 'object') {
    Object.values(value).forEach(disposeTensors);
  }
}

// A Tensor, an array of Tensors or an object keyed by name, as the model's list (tfjs'
// flattenTensorOrArrayOrMap).
function flatten(value, names, kind, op) {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) {
    if (value.length !== names.length || !value.every((t) => t instanceof Tensor)) {
      throw new Error(`${op}: the dataset gave ${kind}s as an array of ${value.length} (${describeValue(value)}), but the model has ${names.length} ${kind}(s) (${names.join(', ')})`);
    }
    return value;
  }
  if (value !== null && typeof value === 'object') {
    return names.map((name) => {
      if (!(value[name] instanceof Tensor)) throw new Error(`${op}: the dataset's ${kind}s lack a Tensor for the ${kind} '${name}' (keys: ${Object.keys(value).join(', ')})`);
      return value[name];
    });
  }
  throw new Error(`${op}: the dataset's ${kind}s must be a Tensor, an array of Tensors or an object keyed by ${kind} name, got ${describeValue(value)}`);
}

// {xs, ys, weights, owned} of one element; every input and target has the same batch size.
function batchOf(model, value, classWeight, op) {
  let xs;
  let ys;
  let sw = null;
  if (Array.isArray(value)) {
    [xs, ys, sw = null] = value;
  } else if (value !== null && typeof value === 'object' && 'xs' in value && 'ys' in value) {
    ({xs, ys, sampleWeight: sw = null} = value);
  } else {
    throw new Error(`${op}: each element of the dataset must be {xs, ys} or [xs, ys], got ${describeValue(value)}`);
  }
  const fx = flatten(xs, model.inputNames, 'input', op);
  const fy = flatten(ys, model.outputNames, 'output', op);
  const n = fx[0].rank > 0 ? fx[0].shape[0] : 0;
  [...fx, ...fy].forEach((t, i) => {
    if (t.rank === 0 || t.shape[0] !== n) {
      const what = i < fx.length ? `input '${model.inputNames[i]}'` : `output '${model.outputNames[i - fx.length]}'`;
      throw new Error(`${op}: batch size mismatch in a dataset element: ${what} has shape [${t.shape}], but input '${model.inputNames[0]}' has ${n} samples`);
    }
  });
  const {weights, owned} = sampleWeightsFor(fy, model.outputNames, sw, classWeight, op);
  return {xs: fx, ys: fy, weights, owned, n};
}

function positiveIntOrNull(value, op, key) {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${op}: ${key} must be a positive integer, got ${describeValue(value)}`);
  return value;
}

// Runs fn on each element's batch (at most `limit` of them when given) and disposes the element after.
async function forEachBatch(iterator, limit, model, classWeight, op, fn) {
  let count = 0;
  while (limit === null || count < limit) {
    const out = await iterator.next();
    if (out == null || typeof out !== 'object') throw new Error(`${op}: the dataset iterator's next() must return {value, done}, got ${describeValue(out)}`);
    if (out.done && out.value == null) return {count, exhausted: true};
    try {
      const b = batchOf(model, out.value, classWeight, op);
      try {
        if (await fn(b) === false) return {count: count + 1, exhausted: false};
      } finally {
        for (const t of b.owned) t.dispose();
      }
    } finally {
      disposeTensors(out.value);
    }
    count += 1;
    if (out.done) return {count, exhausted: true};
  }
  return {count, exhausted: false};
}

// Size-weighted means of the per-batch values over the dataset (or its first `batches` elements).
async function datasetValues(model, dataset, batches, op) {
  const iterator = await iteratorOf(dataset, op);
  let sums = null;
  let total = 0;
  const {exhausted} = await forEachBatch(iterator, batches, model, null, op, ({xs, ys, weights, n}) => {
    const values = model._evaluateValues(xs, ys, Math.max(n, 1), op, weights);
    sums ??= values.map(() => 0);
    values.forEach((v, i) => { sums[i] += v * n; });
    total += n;
  });
  if (batches !== null && exhausted) {
    console.warn(`${op}: the dataset ran out of data after fewer than batches = ${batches} elements; evaluated what it gave`);
  }
  if (total === 0) throw new Error(`${op}: the dataset gave no samples to evaluate`);
  return sums.map((s) => s / total);
}

export async function evaluateDatasetLoop(model, dataset, args = {}) {
  const op = `model '${model.name}'.evaluateDataset`;
  checkDataset(dataset, op);
  if (args === null || typeof args !== 'object') throw new Error(`${op}: expects an object of options, got ${describeValue(args)}`);
  if (!wasm().modelCompiled(model._handle('evaluateDataset'))) throw new Error(`${op}: compile() must be called before evaluateDataset`);
  const values = await datasetValues(model, dataset, positiveIntOrNull(args.batches, op, 'batches'), op);
  const out = values.map((v) => scalar(v));
  return out.length === 1 ? out[0] : out;
}

export async function fitDatasetLoop(model, dataset, args) {
  const op = `model '${model.name}'.fitDataset`;
  checkDataset(dataset, op);
  if (args === null || typeof args !== 'object') throw new Error(`${op}: expects an object of options {epochs, ...} (epochs is required, as in tfjs), got ${describeValue(args)}`);
  if (!Number.isInteger(args.epochs) || args.epochs < 1) throw new Error(`${op}: epochs must be a positive integer, got ${describeValue(args.epochs)}`);
  if (args.validationSplit != null) throw new Error(`${op}: validationSplit is not supported by fitDataset; use validationData`);
  for (const key of ['batchSize', 'shuffle', 'sampleWeight']) {
    if (args[key] != null) throw new Error(`${op}: ${key} is not an option of fitDataset: the dataset sets the batches${key === 'sampleWeight' ? ' (an element may hold sampleWeight)' : ''}`);
  }
  if (!wasm().modelCompiled(model._handle('fitDataset'))) throw new Error(`${op}: compile() must be called before fitDataset`);
  const batchesPerEpoch = positiveIntOrNull(args.batchesPerEpoch, op, 'batchesPerEpoch');
  const initialEpoch = args.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`${op}: initialEpoch must be an integer >= 0, got ${describeValue(args.initialEpoch)}`);
  const verbose = checkVerbose(args.verbose, op);
  const validationFreq = checkValidationFreq(args.validationFreq, op);
  const validationBatches = positiveIntOrNull(args.validationBatches, op, 'validationBatches');
  const validationBatchSize = positiveIntOrNull(args.validationBatchSize, op, 'validationBatchSize') ?? 32;
  let validate = null;
  if (args.validationData != null) {
    const vd = args.validationData;
    // As in tfjs, an array is [xVal, yVal] tensors (an array of elements would be ambiguous with it: pass
    // such batches as a generator function or a dataset).
    if (Array.isArray(vd)) {
      const val = validationTensors(model, vd, op);
      validate = () => model._evaluateValues(val.xs, val.ys, validationBatchSize, op, val.weights);
    } else {
      checkDataset(vd, op, 'validationData');
      validate = () => datasetValues(model, vd, validationBatches, `${op} (validationData)`);
    }
  }
  const params = {
    epochs: args.epochs, initialEpoch, samples: null, steps: batchesPerEpoch ?? (Number.isFinite(dataset.size) ? dataset.size : null),
    batchSize: null, verbose, doValidation: validate !== null, metrics: null,
  };
  let shared = batchesPerEpoch === null ? null : await iteratorOf(dataset, op);
  return trainEpochs(model, op, {epochs: args.epochs, initialEpoch, verbose, params, validate, validationFreq,
                                 callbacks: args.callbacks, yieldEvery: args.yieldEvery}, async (epoch, batches) => {
    const iterator = shared ?? await iteratorOf(dataset, op);
    const {count, exhausted} = await forEachBatch(iterator, batchesPerEpoch, model, args.classWeight ?? null, op, async (b) => {
      await batches.step(b.n, () => model._trainStep(b.xs, b.ys, b.weights, op));
      return !batches.stop();
    });
    if (batchesPerEpoch !== null && exhausted && count < batchesPerEpoch) {
      // As Keras (and tfjs' warning says): out of data means the end of training.
      console.warn(`${op}: batchesPerEpoch is ${batchesPerEpoch}, but the dataset ran out of data after ${count} batches ` +
                   `in epoch ${epoch + 1}; stopping training. A dataset for ${args.epochs} epochs needs ${batchesPerEpoch * args.epochs} batches (repeat it)`);
      model.stopTraining = true;
      shared = null;
    }
  });
}

// km.data.generator(fn), as tf.data.generator: a dataset whose every pass calls fn (a generator or async
// generator function, or any function returning an iterator) for a fresh iterator.
export function generator(fn) {
  if (typeof fn !== 'function') throw new Error(`data.generator: expects a generator function, got ${describeValue(fn)}`);
  return {
    async iterator() {
      return asIterator(await fn(), 'data.generator');
    },
  };
}

export const data = {generator};
