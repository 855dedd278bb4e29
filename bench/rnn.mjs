// The recurrent cases: a whole LSTM / GRU sequence (units 128, input 64, 100 steps) at batch 32 and 1,
// kerasm's layer (the fused sequence op) against tfjs-layers on tfjs-backend-wasm and onnxruntime-web's
// LSTM / GRU ops, all with the same weights and inputs; and a training step of an LSTM model, kerasm
// against tfjs (onnxruntime-web does not train).
// ONNX orders the gates differently: LSTM i, o, f, c (Keras i, f, c, o), GRU z, r, h (as Keras); its
// weights are [gates * units, input] per direction, its input time-major [T, batch, input].
import { seededValues } from './harness.mjs';

const readBack = (t) => { const v = t.dataSync(); t.dispose(); return v; };

const T = 100, INPUT = 64, UNITS = 128;

// ONNX W / R ([1, g * units, n]) from a Keras kernel [n, g * units], gate blocks taken in `order`.
function toOnnxWeights(k, n, order) {
  const g = order.length, out = new Float32Array(g * UNITS * n);
  order.forEach((kg, og) => {
    for (let u = 0; u < UNITS; ++u)
      for (let i = 0; i < n; ++i) out[(og * UNITS + u) * n + i] = k[i * g * UNITS + kg * UNITS + u];
  });
  return out;
}

function reorderBias(b, order) {
  const out = new Float32Array(order.length * UNITS);
  order.forEach((kg, og) => out.set(b.subarray(kg * UNITS, (kg + 1) * UNITS), og * UNITS));
  return out;
}

function timeMajor(xv, batch) {
  const out = new Float32Array(xv.length);
  for (let b = 0; b < batch; ++b)
    for (let t = 0; t < T; ++t) out.set(xv.subarray((b * T + t) * INPUT, (b * T + t + 1) * INPUT), (t * batch + b) * INPUT);
  return out;
}

function sequenceCase(cell, batch) {
  const lstm = cell === 'lstm';
  const g = lstm ? 4 : 3;
  return ({ km, tf, ort, ortSession }) => ({
    name: `${cell} ${UNITS}/${INPUT}/T${T} b${batch} predict`,
    flops: 2 * batch * T * g * UNITS * (INPUT + UNITS),
    async setup() {
      const xv = seededValues(batch * T * INPUT, 31);
      const kv = seededValues(INPUT * g * UNITS, 32).map((v) => v * 0.1);
      const rv = seededValues(UNITS * g * UNITS, 33).map((v) => v * 0.1);
      // GRU without reset_after (tfjs has no other; ONNX's linear_before_reset 0): one bias row.
      const bshape = [g * UNITS];
      const bv = seededValues(g * UNITS, 34).map((v) => v * 0.1);
      // tfjs defaults to Keras 2's hard sigmoid gates, kerasm to Keras 3's sigmoid: both are told.
      const config = { units: UNITS, recurrentActivation: 'sigmoid', ...(lstm ? {} : { resetAfter: false }) };
      const weights = (lib) => [lib.tensor(kv, [INPUT, g * UNITS]), lib.tensor(rv, [UNITS, g * UNITS]), lib.tensor(bv, bshape)];

      const layer = km.layers[cell](config);
      const kx = km.tensor(xv, [batch, T, INPUT]);
      layer.build(kx.shape);
      const kw = weights(km);
      layer.setWeights(kw);
      km.dispose(kw);

      const tlayer = tf.layers[cell](config);
      const tx = tf.tensor(xv, [batch, T, INPUT]);
      tlayer.build(tx.shape);
      tlayer.built = true;  // apply() would build again (and fail on the duplicate weight names)
      const tw = weights(tf);
      tlayer.setWeights(tw);
      tf.dispose(tw);

      const order = lstm ? [0, 3, 1, 2] : [0, 1, 2];
      const ortBias = new Float32Array(2 * g * UNITS);  // [input bias, recurrent bias (none)]
      ortBias.set(reorderBias(bv, order));
      const sess = await ortSession({
        nodes: [{ op: lstm ? 'LSTM' : 'GRU', inputs: ['x', 'w', 'r', 'b'], outputs: ['', 'y_h'],
                  attrs: { hidden_size: UNITS } }],
        inputs: [{ name: 'x', dims: [T, batch, INPUT] }], outputs: [{ name: 'y_h', dims: [1, batch, UNITS] }],
        initializers: [{ name: 'w', dims: [1, g * UNITS, INPUT], data: toOnnxWeights(kv, INPUT, order) },
                       { name: 'r', dims: [1, g * UNITS, UNITS], data: toOnnxWeights(rv, UNITS, order) },
                       { name: 'b', dims: [1, 2 * g * UNITS], data: ortBias }],
      });
      const feed = { x: new ort.Tensor('float32', timeMajor(xv, batch), [T, batch, INPUT]) };

      // The three agree before anything is timed (a benchmark of different computations measures nothing).
      const a = readBack(layer.apply(kx)), b = readBack(tf.tidy(() => tlayer.apply(tx)));
      const c = (await sess.run(feed)).y_h.data;
      let tfDiff = 0, ortDiff = 0;
      for (let i = 0; i < a.length; ++i) {
        tfDiff = Math.max(tfDiff, Math.abs(a[i] - b[i]));
        ortDiff = Math.max(ortDiff, Math.abs(a[i] - c[i]));
      }
      if (!(tfDiff < 1e-4 && ortDiff < 1e-4)) {
        throw new Error(`bench ${cell} b${batch}: peers disagree (tfjs by ${tfDiff}, ort by ${ortDiff})`);
      }

      return {
        run: {
          kerasm: () => readBack(layer.apply(kx)),
          tfjs: () => readBack(tf.tidy(() => tlayer.apply(tx))),
          ort: async () => (await sess.run(feed)).y_h.data,
        },
        dispose() { kx.dispose(); layer.dispose(); tx.dispose(); sess.release();
          // tfjs refuses dispose() for a layer never called on a symbolic input: free its variables.
          for (const w of tlayer.weights) w.dispose(); },
      };
    },
    rounds: batch === 1 ? 30 : 8,
  });
}

// lstm(128) -> dense(10) on [32, 100, 64] with SGD and mean squared error: one trainOnBatch.
function trainCase({ km, tf }) {
  const batch = 32;
  return {
    name: `lstm ${UNITS}/${INPUT}/T${T} b${batch} trainOnBatch (ort: cannot train)`,
    async setup() {
      const xv = seededValues(batch * T * INPUT, 35);
      const yv = seededValues(batch * 10, 36);
      const model = km.sequential({ layers: [km.layers.lstm({ units: UNITS, recurrentActivation: 'sigmoid', inputShape: [T, INPUT] }),
                                             km.layers.dense({ units: 10 })] });
      model.compile({ optimizer: km.train.sgd(0.01), loss: 'meanSquaredError' });
      const tmodel = tf.sequential({ layers: [tf.layers.lstm({ units: UNITS, recurrentActivation: 'sigmoid', inputShape: [T, INPUT] }),
                                              tf.layers.dense({ units: 10 })] });
      tmodel.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
      tmodel.setWeights(model.getWeights().map((w) => { const t = tf.tensor(w.dataSync(), w.shape); w.dispose(); return t; }));
      const kx = km.tensor(xv, [batch, T, INPUT]), ky = km.tensor(yv, [batch, 10]);
      const tx = tf.tensor(xv, [batch, T, INPUT]), ty = tf.tensor(yv, [batch, 10]);
      return {
        run: {
          kerasm: () => model.trainOnBatch(kx, ky),
          tfjs: () => tmodel.trainOnBatch(tx, ty),
        },
        dispose() { km.dispose([kx, ky]); model.dispose(); tf.dispose([tx, ty]); tmodel.dispose(); },
      };
    },
    rounds: 4,
  };
}

// embedding(1000, 64) -> bidirectional(lstm(128)), concatenated last states, predict at batch 32 over
// 100 tokens: the text-classifier front end. ORT runs Gather, then a bidirectional LSTM op.
function embeddingBiLstmCase({ km, tf, ort, ortSession }) {
  const batch = 32, vocab = 1000;
  return {
    name: `embedding+bidirectional lstm ${UNITS}/${INPUT}/T${T} b${batch} predict`,
    flops: 2 * 2 * batch * T * 4 * UNITS * (INPUT + UNITS),
    async setup() {
      const ids = Int32Array.from(seededValues(batch * T, 37), (v) => Math.floor((v + 1) / 2 * vocab) % vocab);
      const ev = seededValues(vocab * INPUT, 38);
      const dir = (seed) => [seededValues(INPUT * 4 * UNITS, seed).map((v) => v * 0.1),
                             seededValues(UNITS * 4 * UNITS, seed + 1).map((v) => v * 0.1),
                             seededValues(4 * UNITS, seed + 2).map((v) => v * 0.1)];
      const fw = dir(60), bw = dir(70);
      const shapes = [[vocab, INPUT], [INPUT, 4 * UNITS], [UNITS, 4 * UNITS], [4 * UNITS]];
      const values = [ev, ...fw, ...bw];
      const build = (lib) => {
        const model = lib.sequential({ layers: [
          lib.layers.embedding({ inputDim: vocab, outputDim: INPUT, inputLength: T, inputShape: [T] }),
          lib.layers.bidirectional({ layer: lib.layers.lstm({ units: UNITS, recurrentActivation: 'sigmoid' }), mergeMode: 'concat' }),
        ] });
        const ws = values.map((v, i) => lib.tensor(v, shapes[i === 0 ? 0 : 1 + (i - 1) % 3]));
        model.setWeights(ws);
        lib.dispose(ws);
        return model;
      };
      const model = build(km), tmodel = build(tf);
      const order = [0, 3, 1, 2];
      const both = (i, n) => { const a = toOnnxWeights(fw[i], n, order), b = toOnnxWeights(bw[i], n, order);
                               const out = new Float32Array(a.length * 2); out.set(a); out.set(b, a.length); return out; };
      const bias = new Float32Array(2 * 8 * UNITS);  // per direction [input bias, recurrent bias (none)]
      bias.set(reorderBias(fw[2], order));
      bias.set(reorderBias(bw[2], order), 8 * UNITS);
      const sess = await ortSession({
        nodes: [
          { op: 'Gather', inputs: ['emb', 'ids'], outputs: ['e'] },
          { op: 'Transpose', inputs: ['e'], outputs: ['et'], attrs: { perm: [1, 0, 2] } },
          { op: 'LSTM', inputs: ['et', 'w', 'r', 'b'], outputs: ['', 'h'], attrs: { hidden_size: UNITS, direction: 'bidirectional' } },
          // [2, batch, units] -> [batch, 2 * units]: forward then backward, as Keras' concat merge.
          { op: 'Transpose', inputs: ['h'], outputs: ['ht'], attrs: { perm: [1, 0, 2] } },
          { op: 'Flatten', inputs: ['ht'], outputs: ['y'], attrs: { axis: 1 } },
        ],
        inputs: [{ name: 'ids', dims: [batch, T], dtype: 'int32' }], outputs: [{ name: 'y', dims: [batch, 2 * UNITS] }],
        initializers: [{ name: 'emb', dims: [vocab, INPUT], data: ev },
                       { name: 'w', dims: [2, 4 * UNITS, INPUT], data: both(0, INPUT) },
                       { name: 'r', dims: [2, 4 * UNITS, UNITS], data: both(1, UNITS) },
                       { name: 'b', dims: [2, 8 * UNITS], data: bias }],
      });
      const kx = km.tensor(ids, [batch, T], 'int32'), tx = tf.tensor(ids, [batch, T], 'int32');
      const feed = { ids: new ort.Tensor('int32', ids, [batch, T]) };
      const run = {
        kerasm: () => readBack(model.predict(kx)),
        tfjs: () => readBack(tmodel.predict(tx)),
        ort: async () => (await sess.run(feed)).y.data,
      };
      const a = run.kerasm(), b = run.tfjs(), c = await run.ort();
      let tfDiff = 0, ortDiff = 0;
      for (let i = 0; i < a.length; ++i) {
        tfDiff = Math.max(tfDiff, Math.abs(a[i] - b[i]));
        ortDiff = Math.max(ortDiff, Math.abs(a[i] - c[i]));
      }
      if (!(tfDiff < 1e-4 && ortDiff < 1e-4)) throw new Error(`bench embedding+bilstm: peers disagree (tfjs by ${tfDiff}, ort by ${ortDiff})`);
      return {
        run,
        dispose() { kx.dispose(); model.dispose(); tx.dispose(); tmodel.dispose(); sess.release(); },
      };
    },
    rounds: 8,
  };
}

export function rnnCases(libs) {
  return [sequenceCase('lstm', 32), sequenceCase('gru', 32), sequenceCase('lstm', 1), embeddingBiLstmCase]
    .map((make) => make(libs)).concat([trainCase(libs)]);
}
