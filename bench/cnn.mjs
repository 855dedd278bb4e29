// The pooling and whole-CNN cases: maxPooling2d on a 112x112x64 map at batch 1, and the MNIST-shaped CNN
// conv32 3x3 - maxpool - conv64 3x3 - maxpool - flatten - dense128 - dense10 as a `predict` at batch 64
// (against tfjs-layers on tfjs-backend-wasm and the same graph in onnxruntime-web) and as a `trainOnBatch`
// at batch 64. tfjs-backend-wasm cannot train it (no Conv2DBackpropFilter), so that row times tfjs-layers
// on tfjs' cpu backend, the only backend tfjs has in Node without native bindings; ORT does not train.
import { seededValues } from './harness.mjs';
import { toOihw } from './conv.mjs';

const readBack = (t) => { const v = t.dataSync(); t.dispose(); return v; };

function maxDiff(a, b) {
  let d = 0;
  for (let i = 0; i < a.length; ++i) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

// NCHW copy of an NHWC batch, for ORT.
function toNchw(v, n, h, w, c) {
  const out = new Float32Array(v.length);
  for (let b = 0; b < n; ++b)
    for (let y = 0; y < h; ++y)
      for (let x = 0; x < w; ++x)
        for (let k = 0; k < c; ++k) out[((b * c + k) * h + y) * w + x] = v[((b * h + y) * w + x) * c + k];
  return out;
}

function maxPoolCase({ km, tf, ort, ortSession }) {
  const size = 112, c = 64;
  return {
    name: 'maxPooling2d 2x2 112x112x64',
    async setup() {
      const xv = seededValues(size * size * c, 41);
      const layer = km.layers.maxPooling2d({ poolSize: 2 });
      const kx = km.tensor(xv, [1, size, size, c]);
      const tx = tf.tensor(xv, [1, size, size, c]);
      const sess = await ortSession({
        nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }],
        inputs: [{ name: 'x', dims: [1, c, size, size] }], outputs: [{ name: 'y', dims: [1, c, size / 2, size / 2] }],
      });
      const feed = { x: new ort.Tensor('float32', toNchw(xv, 1, size, size, c), [1, c, size, size]) };
      const a = readBack(layer.apply(kx)), b = readBack(tf.maxPool(tx, 2, 2, 'valid'));
      const o = toNchw(a, 1, size / 2, size / 2, c), r = (await sess.run(feed)).y.data;
      if (maxDiff(a, b) !== 0 || maxDiff(o, r) !== 0) throw new Error('bench maxPooling2d: peers disagree');
      return {
        run: {
          kerasm: () => readBack(layer.apply(kx)),
          tfjs: () => readBack(tf.maxPool(tx, 2, 2, 'valid')),
          ort: async () => (await sess.run(feed)).y.data,
        },
        dispose() { kx.dispose(); layer.dispose(); tx.dispose(); sess.release(); },
      };
    },
  };
}

// One library's copy of the CNN: the same layers from kerasm's or tfjs-layers' factories.
function cnnLayers(lib) {
  return [
    lib.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
    lib.layers.maxPooling2d({ poolSize: 2 }),
    lib.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    lib.layers.maxPooling2d({ poolSize: 2 }),
    lib.layers.flatten(),
    lib.layers.dense({ units: 128, activation: 'relu' }),
    lib.layers.dense({ units: 10, activation: 'softmax' }),
  ];
}

// Multiply-adds per sample: conv 26x26x32 x 9, conv 11x11x64 x 9 x 32, dense 1600x128, dense 128x10.
const CNN_MACS = 26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 1600 * 128 + 128 * 10;
const BATCH = 64;

function cnnData() {
  const x = seededValues(BATCH * 28 * 28, 42).map((v) => (v + 1) / 2);
  const y = new Float32Array(BATCH * 10);
  for (let i = 0; i < BATCH; ++i) y[i * 10 + (i * 7) % 10] = 1;
  return { x, y };
}

// kerasm's model with its weights seeded (not the initializers', so every run times the same numbers),
// and the weights as plain arrays for the peers.
function kerasmCnn(km) {
  const model = km.sequential({ layers: cnnLayers(km) });
  const ws = model.getWeights();
  const values = ws.map((w, i) => ({ shape: w.shape, data: seededValues(w.size, 50 + i).map((v) => v * 0.2) }));
  km.dispose(ws);
  const fresh = values.map((v) => km.tensor(v.data, v.shape));
  model.setWeights(fresh);
  km.dispose(fresh);
  return { model, values };
}

function tfjsCnn(tf, values) {
  const model = tf.sequential({ layers: cnnLayers(tf) });
  const ws = values.map((v) => tf.tensor(v.data, v.shape));
  model.setWeights(ws);
  tf.dispose(ws);
  return model;
}

function ortCnn(ortSession, values) {
  const [k1, b1, k2, b2, w3, b3, w4, b4] = values;
  return ortSession({
    nodes: [
      { op: 'Conv', inputs: ['x', 'k1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: [3, 3] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: 'Conv', inputs: ['p1', 'k2', 'b2'], outputs: ['c2'], attrs: { kernel_shape: [3, 3] } },
      { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { op: 'MaxPool', inputs: ['r2'], outputs: ['p2'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      // Keras flattens NHWC: back to channels-last before flattening, so the dense weights are shared as they are.
      { op: 'Transpose', inputs: ['p2'], outputs: ['t2'], attrs: { perm: [0, 2, 3, 1] } },
      { op: 'Flatten', inputs: ['t2'], outputs: ['f'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['f', 'w3', 'b3'], outputs: ['d3'] },
      { op: 'Relu', inputs: ['d3'], outputs: ['r3'] },
      { op: 'Gemm', inputs: ['r3', 'w4', 'b4'], outputs: ['d4'] },
      { op: 'Softmax', inputs: ['d4'], outputs: ['y'], attrs: { axis: -1 } },
    ],
    inputs: [{ name: 'x', dims: [BATCH, 1, 28, 28] }], outputs: [{ name: 'y', dims: [BATCH, 10] }],
    initializers: [
      { name: 'k1', dims: [32, 1, 3, 3], data: toOihw(k1.data, k1.shape) }, { name: 'b1', dims: [32], data: b1.data },
      { name: 'k2', dims: [64, 32, 3, 3], data: toOihw(k2.data, k2.shape) }, { name: 'b2', dims: [64], data: b2.data },
      { name: 'w3', dims: w3.shape, data: w3.data }, { name: 'b3', dims: [128], data: b3.data },
      { name: 'w4', dims: w4.shape, data: w4.data }, { name: 'b4', dims: [10], data: b4.data },
    ],
  });
}

function cnnPredictCase({ km, tf, ort, ortSession }) {
  return {
    name: `cnn predict 28x28x1 b${BATCH}`,
    flops: 2 * CNN_MACS * BATCH,
    async setup() {
      const { x } = cnnData();
      const { model, values } = kerasmCnn(km);
      const tmodel = tfjsCnn(tf, values);
      const sess = await ortCnn(ortSession, values);
      const kx = km.tensor(x, [BATCH, 28, 28, 1]), tx = tf.tensor(x, [BATCH, 28, 28, 1]);
      const feed = { x: new ort.Tensor('float32', x, [BATCH, 1, 28, 28]) };  // one channel: NHWC is NCHW
      const predict = {
        kerasm: () => readBack(model.predict(kx, { batchSize: BATCH })),
        tfjs: () => readBack(tmodel.predict(tx, { batchSize: BATCH })),
        ort: async () => (await sess.run(feed)).y.data,
      };
      const a = predict.kerasm(), b = predict.tfjs(), c = await predict.ort();
      if (!(maxDiff(a, b) < 1e-4 && maxDiff(a, c) < 1e-4)) {
        throw new Error(`bench cnn predict: peers disagree (tfjs by ${maxDiff(a, b)}, ort by ${maxDiff(a, c)})`);
      }
      return {
        run: predict,
        dispose() { kx.dispose(); model.dispose(); tx.dispose(); tmodel.dispose(); sess.release(); },
      };
    },
  };
}

function cnnTrainCase({ km, tf }) {
  return {
    name: `cnn trainOnBatch 28x28x1 b${BATCH} (tfjs on its cpu backend; ort cannot train)`,
    flops: 3 * 2 * CNN_MACS * BATCH,  // forward, input gradient, weight gradient
    async setup() {
      const { x, y } = cnnData();
      const { model, values } = kerasmCnn(km);
      model.compile({ optimizer: km.train.sgd(0.01), loss: 'categoricalCrossentropy' });
      const kx = km.tensor(x, [BATCH, 28, 28, 1]), ky = km.tensor(y, [BATCH, 10]);
      await tf.setBackend('cpu');
      const tmodel = tfjsCnn(tf, values);
      tmodel.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
      const tx = tf.tensor(x, [BATCH, 28, 28, 1]), ty = tf.tensor(y, [BATCH, 10]);
      // The first steps start from the same weights, so their losses agree.
      const a = model.trainOnBatch(kx, ky), b = await tmodel.trainOnBatch(tx, ty);
      if (!(Math.abs(a - b) < 1e-4 * Math.max(1, Math.abs(b)))) throw new Error(`bench cnn train: losses disagree (${a} vs ${b})`);
      return {
        run: {
          kerasm: () => model.trainOnBatch(kx, ky),
          tfjs: () => tmodel.trainOnBatch(tx, ty),
        },
        async dispose() {
          km.dispose([kx, ky]); model.dispose(); tf.dispose([tx, ty]); tmodel.dispose();
          await tf.setBackend('wasm');
        },
      };
    },
    // One tfjs-cpu step takes tens of seconds: a few rounds are enough.
    rounds: 3,
    warmup: 1,
  };
}

export function cnnCases(libs) {
  return [maxPoolCase(libs), cnnPredictCase(libs), cnnTrainCase(libs)];
}
