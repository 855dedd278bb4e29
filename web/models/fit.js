// model.fit over tensors: tfjs-layers' training loop, driven from JS one batch at a time. Each epoch draws
// a seeded permutation of the samples, each batch (inputs, targets and sample weights) is gathered (or
// sliced, without shuffling) inside tidy() and handed to the C++ training step, whose loss and metrics come
// back as numbers. The epoch loop itself (callbacks, logs, validation, yielding) is train_loop.js.
import {tidy} from '../engine.js';
import {seededRandom} from '../seeded.js';
import {tensor} from '../creation.js';
import {gather, slice} from '../ops/shape.js';
import {describeValue} from '../tensor.js';
import {toTensorArray} from '../lists.js';
import {wasm} from '../wasm.js';
import {sampleWeightsFor} from './sample_weights.js';
import {checkValidationFreq, checkVerbose, trainEpochs} from './train_loop.js';

export {History} from './train_loop.js';

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

// Rows [begin, begin + size) of each tensor; null entries (unweighted outputs) stay null.
export function sliceRows(xs, begin, size) {
  return xs.map((x) => (x === null ? null : slice(x, [begin], [size])));
}

function gatherRows(xs, idx) {
  return xs.map((x) => (x === null ? null : gather(x, idx)));
}

function checkArgs(args, op) {
  if (args === null || typeof args !== 'object') throw new Error(`${op}: expects an object of options, got ${describeValue(args)}`);
  const intArg = (key, fallback, min) => {
    const v = args[key] ?? fallback;
    if (!Number.isInteger(v) || v < min) throw new Error(`${op}: ${key} must be an integer >= ${min}, got ${describeValue(args[key])}`);
    return v;
  };
  const out = {
    epochs: intArg('epochs', 1, 0),
    batchSize: intArg('batchSize', 32, 1),
    initialEpoch: intArg('initialEpoch', 0, 0),
    verbose: checkVerbose(args.verbose, op),
    shuffle: args.shuffle ?? true,
    validationSplit: args.validationSplit ?? 0,
    validationFreq: checkValidationFreq(args.validationFreq, op),
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
  // tfjs' fit over tensors never reaches its step-wise mode (it passes no steps to its loop); with tensors
  // the steps follow from batchSize, so asking for them is a mistake worth naming.
  for (const key of ['stepsPerEpoch', 'validationSteps']) {
    if (args[key] != null) {
      throw new Error(`${op}: ${key} (${describeValue(args[key])}) applies to step-wise training; with tensors batchSize sets the steps. ` +
                      'Use fitDataset with batchesPerEpoch / validationBatches to train on a fixed number of batches');
    }
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

// validationData: [x, y] or [x, y, sampleWeight] (Keras takes the third; tfjs 4.22 does not yet).
export function validationTensors(model, vd, op) {
  if (!Array.isArray(vd) || vd.length < 2 || vd.length > 3) {
    throw new Error(`${op}: validationData must be [xVal, yVal] or [xVal, yVal, valSampleWeight], got ${describeValue(vd)}`);
  }
  const xs = toTensorArray(vd[0], op, 'validationData[0]');
  const ys = toTensorArray(vd[1], op, 'validationData[1]');
  sampleCount(xs, ys, `${op} (validationData)`);
  const {weights} = sampleWeightsFor(ys, model.outputNames, vd[2] ?? null, null, `${op} (validationData)`);
  return {xs, ys, weights};
}

export async function fitLoop(model, x, y, rawArgs) {
  const op = `model '${model.name}'.fit`;
  const args = checkArgs(rawArgs ?? {}, op);
  let xs = toTensorArray(x, op, 'x');
  let ys = toTensorArray(y, op, 'y');
  if (!wasm().modelCompiled(model._handle('fit'))) throw new Error(`${op}: compile() must be called before fit`);
  const total = sampleCount(xs, ys, op);
  const owned = [];  // tensors made here (class weights, validation split), disposed at the end
  try {
    const made = sampleWeightsFor(ys, model.outputNames, rawArgs?.sampleWeight, rawArgs?.classWeight, op);
    owned.push(...made.owned);
    let weights = made.weights;
    // Class weights weight the training loss only (tfjs and tf.keras); sample weights also split off
    // with the validation samples.
    const given = rawArgs?.classWeight == null ? weights
      : sampleWeightsFor(ys, model.outputNames, rawArgs?.sampleWeight, null, op).weights;
    let val = null;
    if (rawArgs?.validationData != null) {
      val = validationTensors(model, rawArgs.validationData, op);
    } else if (args.validationSplit > 0) {
      // As Keras: the last fraction of the samples, taken before any shuffling; sample weights split alike.
      const splitAt = Math.floor(total * (1 - args.validationSplit));
      if (splitAt <= 0 || splitAt >= total) {
        throw new Error(`${op}: validationSplit ${args.validationSplit} leaves no ${splitAt <= 0 ? 'training' : 'validation'} samples out of ${total}`);
      }
      const rest = total - splitAt;
      val = {xs: sliceRows(xs, splitAt, rest), ys: sliceRows(ys, splitAt, rest),
             weights: given === null ? null : sliceRows(given, splitAt, rest)};
      xs = sliceRows(xs, 0, splitAt);
      ys = sliceRows(ys, 0, splitAt);
      if (weights !== null) weights = sliceRows(weights, 0, splitAt);
      for (const list of [val.xs, val.ys, val.weights ?? [], xs, ys, weights ?? []]) owned.push(...list.filter((t) => t !== null));
    }
    const n = xs[0].shape[0];
    if (n === 0) throw new Error(`${op}: there are no training samples`);
    const fitCall = model._fitCalls++;
    const params = {
      epochs: args.epochs, initialEpoch: args.initialEpoch, samples: n, steps: null, batchSize: args.batchSize,
      verbose: args.verbose, doValidation: val !== null, metrics: null,
    };
    const validate = val === null ? null : () => model._evaluateValues(val.xs, val.ys, args.batchSize, op, val.weights);
    return await trainEpochs(model, op, {...args, params, validate, callbacks: rawArgs?.callbacks}, async (epoch, batches) => {
      const order = args.shuffle ? permutation(n, (args.seed ?? fitCall) * 100003 + epoch) : null;
      for (let begin = 0; begin < n && !batches.stop(); begin += args.batchSize) {
        const size = Math.min(args.batchSize, n - begin);
        await batches.step(size, () => tidy(() => {
          if (order === null) {
            return model._trainStep(sliceRows(xs, begin, size), sliceRows(ys, begin, size),
                                    weights === null ? null : sliceRows(weights, begin, size), op);
          }
          const idx = tensor(order.subarray(begin, begin + size), [size], 'int32');
          return model._trainStep(gatherRows(xs, idx), gatherRows(ys, idx), weights === null ? null : gatherRows(weights, idx), op);
        }));
      }
    });
  } finally {
    for (const t of owned) t.dispose();
  }
}
