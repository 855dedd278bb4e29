// sampleWeight and classWeight for fit, fitDataset, trainOnBatch and evaluate: both become one weight per
// sample and output (a float32 tensor of shape [n], or null for an unweighted output), which the C++
// step applies as Keras 2 and tfjs do: the loss is mean_i(w_i * loss_i) = sum(w * loss) / batchSize, not
// divided by sum(w) (tfjs' computeWeightedLoss then mean; Keras' "sum_over_batch_size"). Metrics are not
// weighted, as in tfjs. Given both, a sample's weight is the product, as Keras multiplies them.
import {tensor} from '../creation.js';
import {Tensor, describeValue} from '../tensor.js';

// One entry per output from a single value, an array, or an object keyed by output name (tfjs'
// standardizeSampleOrClassWeights). isSingle tells a single value from a name-keyed object.
function perOutput(value, outputNames, op, what, isSingle) {
  if (value == null) return outputNames.map(() => null);
  if (Array.isArray(value)) {
    if (value.length !== outputNames.length) {
      throw new Error(`${op}: ${what} is an array of ${value.length}, but the model has ${outputNames.length} output(s) (${outputNames.join(', ')})`);
    }
    return value.map((v) => v ?? null);
  }
  if (isSingle(value) && !(outputNames.length === 1 && outputNames[0] in value)) {
    if (outputNames.length !== 1) {
      throw new Error(`${op}: the model has ${outputNames.length} outputs, so ${what} must be an array or an object keyed by output name (${outputNames.join(', ')})`);
    }
    return [value];
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (!outputNames.includes(key)) throw new Error(`${op}: ${what} has an entry '${key}', which is not an output (${outputNames.join(', ')})`);
    }
    return outputNames.map((name) => value[name] ?? null);
  }
  throw new Error(`${op}: ${what} must be ${what === 'sampleWeight' ? 'a Tensor' : 'an object {classIndex: weight}'}, an array of them or an object keyed by output name, got ${describeValue(value)}`);
}

const isClassWeightMap = (v) => v !== null && typeof v === 'object' && Object.values(v).every((w) => typeof w === 'number');

function checkClassWeight(cw, op, name) {
  for (const [key, w] of Object.entries(cw)) {
    if (!/^\d+$/.test(key)) throw new Error(`${op}: classWeight${name} keys must be class indices (0, 1, ...), got '${key}'`);
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new Error(`${op}: classWeight${name}[${key}] must be a finite number, got ${describeValue(w)}`);
  }
}

// The class index of each sample of target y, as tfjs reads it: rank 1 holds indices, rank 2 is one-hot
// (argmax) or a single column of indices.
function classIndices(y, op, name) {
  const values = y.dataSync();
  const n = y.shape[0];
  if (y.rank === 1) return Array.from(values);
  if (y.rank !== 2 || y.shape[1] < 1) {
    throw new Error(`${op}: classWeight needs targets of rank 1 (class indices) or 2 (one-hot or one index column), but target${name} has shape [${y.shape}]`);
  }
  const k = y.shape[1];
  if (k === 1) return Array.from(values);
  const out = new Array(n);
  for (let i = 0; i < n; ++i) {
    let best = 0;
    for (let j = 1; j < k; ++j) if (values[i * k + j] > values[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

function label(outputNames, i) {
  return outputNames.length > 1 ? ` of output '${outputNames[i]}'` : '';
}

// The per-output weight tensors (or null) for targets ys; owned by the caller when `owned` says so (those
// made from classWeight), while a user's sampleWeight tensors are used as given. All null: no weighting.
export function sampleWeightsFor(ys, outputNames, sampleWeight, classWeight, op) {
  const sw = perOutput(sampleWeight, outputNames, op, 'sampleWeight', (v) => v instanceof Tensor);
  const cw = perOutput(classWeight, outputNames, op, 'classWeight', isClassWeightMap);
  const n = ys[0].shape[0];
  const weights = [];
  const owned = [];
  outputNames.forEach((_, i) => {
    const w = sw[i];
    if (w !== null) {
      if (!(w instanceof Tensor)) throw new Error(`${op}: sampleWeight${label(outputNames, i)} must be a Tensor of shape [${n}], got ${describeValue(w)}`);
      if (w.rank !== 1 || w.shape[0] !== n) {
        throw new Error(`${op}: sampleWeight${label(outputNames, i)} must have shape [${n}] (one weight per sample), got [${w.shape}]`);
      }
    }
    if (cw[i] === null) {
      weights.push(w);
      return;
    }
    if (!isClassWeightMap(cw[i])) throw new Error(`${op}: classWeight${label(outputNames, i)} must be an object {classIndex: weight}, got ${describeValue(cw[i])}`);
    checkClassWeight(cw[i], op, label(outputNames, i));
    const given = w === null ? null : w.dataSync();
    const values = classIndices(ys[i], op, label(outputNames, i)).map((c, s) => {
      const cwValue = cw[i][c];
      if (cwValue == null) {
        throw new Error(`${op}: classWeight${label(outputNames, i)} must contain every class in the targets; class ${c} has no weight`);
      }
      return given === null ? cwValue : cwValue * given[s];
    });
    const t = tensor(values, [n], 'float32');
    owned.push(t);
    weights.push(t);
  });
  return {weights: weights.every((w) => w === null) ? null : weights, owned};
}
