// The MLP cases (784-128-10, relu/softmax, the MNIST model): one training step at batch 64 (kerasm vs tfjs;
// onnxruntime-web cannot train) and predict of the same model at batch 1 and 64 (all three peers). Every peer
// starts from the same weights; training uses Adam and categorical cross-entropy as the MNIST test does.
import { seededValues } from './harness.mjs';

const IN = 784, HIDDEN = 128, OUT = 10, BATCH = 64;

function weights() {
  const scale = (v, s) => v.map((x) => x * s);
  return {
    w1: scale(seededValues(IN * HIDDEN, 11), Math.sqrt(6 / (IN + HIDDEN))),
    b1: scale(seededValues(HIDDEN, 12), 0.1),
    w2: scale(seededValues(HIDDEN * OUT, 13), Math.sqrt(6 / (HIDDEN + OUT))),
    b2: scale(seededValues(OUT, 14), 0.1),
  };
}

function data() {
  const x = seededValues(BATCH * IN, 15).map((v) => (v + 1) / 2);
  const y = new Float32Array(BATCH * OUT);
  for (let i = 0; i < BATCH; ++i) y[i * OUT + (i * 7) % OUT] = 1;
  return { x, y };
}

// The same architecture in kerasm and tfjs (their layer APIs match), with the shared weights.
function mlp(lib, w) {
  const model = lib.sequential({
    layers: [
      lib.layers.dense({ units: HIDDEN, inputShape: [IN], activation: 'relu' }),
      lib.layers.dense({ units: OUT, activation: 'softmax' }),
    ],
  });
  const ws = [lib.tensor(w.w1, [IN, HIDDEN]), lib.tensor(w.b1, [HIDDEN]), lib.tensor(w.w2, [HIDDEN, OUT]), lib.tensor(w.b2, [OUT])];
  model.setWeights(ws);
  lib.dispose(ws);
  return model;
}

export function mlpCases({ km, tf, ort, ortSession }) {
  return [
    {
      name: `mlp train step ${IN}-${HIDDEN}-${OUT} b${BATCH}`,
      flops: 3 * 2 * BATCH * (IN * HIDDEN + HIDDEN * OUT),
      async setup() {
        const w = weights();
        const { x, y } = data();
        const kmModel = mlp(km, w), tfModel = mlp(tf, w);
        kmModel.compile({ optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy' });
        tfModel.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
        const kx = km.tensor(x, [BATCH, IN]), ky = km.tensor(y, [BATCH, OUT]);
        const tx = tf.tensor(x, [BATCH, IN]), ty = tf.tensor(y, [BATCH, OUT]);
        return {
          run: {
            kerasm: () => kmModel.trainOnBatch(kx, ky),
            tfjs: () => tfModel.trainOnBatch(tx, ty),
          },
          dispose() {
            km.dispose([kx, ky]); tf.dispose([tx, ty]);
            kmModel.dispose(); tfModel.dispose();
          },
        };
      },
    },
    // Predict at batch 1 (one request: weight handling dominates) and at the training batch.
    ...[1, BATCH].map((batch) => (
      {
        name: `mlp predict ${IN}-${HIDDEN}-${OUT} b${batch}`,
        flops: 2 * batch * (IN * HIDDEN + HIDDEN * OUT),
        async setup() {
          const w = weights();
          const x = data().x.subarray(0, batch * IN);
          const kmModel = mlp(km, w), tfModel = mlp(tf, w);
          const kx = km.tensor(x, [batch, IN]), tx = tf.tensor(x, [batch, IN]);
          const sess = await ortSession({
            nodes: [
              { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h0'] },
              { op: 'Add', inputs: ['h0', 'b1'], outputs: ['h1'] },
              { op: 'Relu', inputs: ['h1'], outputs: ['h'] },
              { op: 'MatMul', inputs: ['h', 'w2'], outputs: ['z0'] },
              { op: 'Add', inputs: ['z0', 'b2'], outputs: ['z'] },
              { op: 'Softmax', inputs: ['z'], outputs: ['y'], attrs: { axis: -1 } },
            ],
            inputs: [{ name: 'x', dims: [batch, IN] }],
            outputs: [{ name: 'y', dims: [batch, OUT] }],
            initializers: [
              { name: 'w1', dims: [IN, HIDDEN], data: w.w1 }, { name: 'b1', dims: [HIDDEN], data: w.b1 },
              { name: 'w2', dims: [HIDDEN, OUT], data: w.w2 }, { name: 'b2', dims: [OUT], data: w.b2 },
            ],
          });
          const feed = { x: new ort.Tensor('float32', x, [batch, IN]) };
          const readBack = (t) => { const v = t.dataSync(); t.dispose(); return v; };
          return {
            run: {
              kerasm: () => readBack(kmModel.predict(kx, { batchSize: batch })),
              tfjs: () => readBack(tfModel.predict(tx, { batchSize: batch })),
              ort: async () => (await sess.run(feed)).y.data,
            },
            dispose() {
              kx.dispose(); tx.dispose(); kmModel.dispose(); tfModel.dispose(); sess.release();
            },
          };
        },
      }
    )),
  ];
}
