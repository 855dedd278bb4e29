// Keras' recurrent step formulas written with tfjs ops (so tfjs differentiates them): the reference for the
// recurrent layers and options tfjs-layers lacks (GRU resetAfter, the CuDNN layouts, cells on their own,
// RNN over serialized cells).
import {tf} from './support.mjs';

const ACT = {
  tanh: (v) => tf.tanh(v),
  sigmoid: (v) => tf.sigmoid(v),
  relu: (v) => tf.relu(v),
  linear: (v) => v,
  // Keras 3's hard_sigmoid and Keras 2's (which old files mean).
  hardSigmoid: (v) => tf.clipByValue(v.add(3), 0, 6).div(6),
  hard_sigmoid_keras2: (v) => tf.clipByValue(v.mul(0.2).add(0.5), 0, 1),
};

// The Keras-layout kernels of a CuDNN layer's stored ones: each input gate block holds cuDNN's row-major
// [units, in] matrix, each recurrent block the transposed matrix; biases are input then recurrent.
function fromCudnn(kind, k, r, b, units) {
  const gates = kind === 'gru' ? 3 : 4;
  const inDim = k.shape[0];
  const kb = [], rb = [];
  for (let g = 0; g < gates; ++g) {
    kb.push(tf.slice(k, [0, g * units], [inDim, units]).reshape([units, inDim]).transpose());
    rb.push(tf.slice(r, [0, g * units], [units, units]).transpose());
  }
  const halves = b ? b.reshape([2, gates * units]) : null;
  return [tf.concat(kb, 1), tf.concat(rb, 1), halves ? (kind === 'lstm' ? halves.sum(0) : halves) : null];
}

// One step of a cell: [output, ...newStates]. kind: 'simple' | 'gru' | 'lstm'; weights [kernel, recurrent,
// bias?] in Keras' layout; states [h] or [h, c].
export function tfCellStep(kind, x, states, [k, r, b], {units, activation = 'tanh', recurrentActivation = 'sigmoid',
                                                         resetAfter = true} = {}) {
  const act = ACT[activation], ra = ACT[recurrentActivation];
  const h = states[0];
  const part = (t, i) => tf.slice(t, [0, i * units], [-1, units]);
  if (kind === 'simple') {
    let y = x.matMul(k).add(h.matMul(r));
    if (b) y = y.add(b);
    y = act(y);
    return [y, y];
  }
  if (kind === 'lstm') {
    let z = x.matMul(k).add(h.matMul(r));
    if (b) z = z.add(b);
    const c = ra(part(z, 1)).mul(states[1]).add(ra(part(z, 0)).mul(act(part(z, 2))));
    const y = ra(part(z, 3)).mul(act(c));
    return [y, y, c];
  }
  let z, rg, hh;
  if (resetAfter) {
    let mx = x.matMul(k), mi = h.matMul(r);
    if (b) {
      mx = mx.add(tf.slice(b, [0, 0], [1, -1]));
      mi = mi.add(tf.slice(b, [1, 0], [1, -1]));
    }
    z = ra(part(mx, 0).add(part(mi, 0)));
    rg = ra(part(mx, 1).add(part(mi, 1)));
    hh = act(part(mx, 2).add(rg.mul(part(mi, 2))));
  } else {
    let mx = x.matMul(k);
    if (b) mx = mx.add(b);
    const mi = h.matMul(tf.slice(r, [0, 0], [-1, 2 * units]));
    z = ra(part(mx, 0).add(part(mi, 0)));
    rg = ra(part(mx, 1).add(part(mi, 1)));
    hh = act(part(mx, 2).add(rg.mul(h).matMul(tf.slice(r, [0, 2 * units], [-1, units]))));
  }
  const y = z.mul(h).add(tf.scalar(1).sub(z).mul(hh));
  return [y, y];
}

// A whole layer: [output, ...finalStates] (the states only when returnState). opts: the cell's options plus
// returnSequences, returnState, goBackwards, cudnn, initialState, mask ([batch, time] 0/1 tensor).
export function tfRecurrent(kind, x, weights, opts) {
  const {units, returnSequences = false, returnState = false, goBackwards = false, cudnn = false} = opts;
  let [k, r, b] = weights;
  if (cudnn) [k, r, b] = fromCudnn(kind, k, r, b ?? null, units);
  const [batch, steps] = x.shape;
  let states = opts.initialState ?? (kind === 'lstm' ? [tf.zeros([batch, units]), tf.zeros([batch, units])]
                                                     : [tf.zeros([batch, units])]);
  let previous = tf.zeros([batch, units]);
  const outs = [];
  for (let s = 0; s < steps; ++s) {
    const t = goBackwards ? steps - 1 - s : s;
    const xt = tf.slice(x, [0, t, 0], [-1, 1, -1]).reshape([batch, -1]);
    const [y, ...next] = tfCellStep(kind, xt, states, [k, r, b], opts);
    if (opts.mask) {
      // keep ? new : old, as arithmetic on a [batch, 1] column (it broadcasts over the units).
      const m = tf.slice(opts.mask, [0, t], [-1, 1]);
      const blend = (a, b) => a.mul(m).add(b.mul(tf.scalar(1).sub(m)));
      previous = blend(y, previous);
      states = next.map((v, i) => blend(v, states[i]));
    } else {
      previous = y;
      states = next;
    }
    outs.push(previous);
  }
  const output = returnSequences ? tf.stack(outs, 1) : previous;
  return returnState ? [output, ...states] : [output];
}
