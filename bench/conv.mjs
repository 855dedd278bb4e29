// The convolution cases: forward passes of one layer at batch 1 (kerasm's layer, tfjs-backend-wasm's
// fused conv op with bias, onnxruntime-web's Conv). The whole-CNN rows are in cnn.mjs.
// Every peer gets the same weights and inputs; ORT works in NCHW, the others in NHWC.
import { seededValues } from './harness.mjs';

const readBack = (t) => { const v = t.dataSync(); t.dispose(); return v; };

// OIHW from HWIO (Keras' kernel layout) for ORT; for depthwise the Keras kernel [kh, kw, C, 1] becomes [C, 1, kh, kw].
export function toOihw(k, [kh, kw, ci, co]) {
  const out = new Float32Array(k.length);
  for (let h = 0; h < kh; ++h)
    for (let w = 0; w < kw; ++w)
      for (let i = 0; i < ci; ++i)
        for (let o = 0; o < co; ++o) out[((o * ci + i) * kh + h) * kw + w] = k[((h * kw + w) * ci + i) * co + o];
  return out;
}

function convCase({ name, size, cin, cout, kernel, stride, padding, depthwise = false }) {
  const outSize = padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
  const kshape = depthwise ? [kernel, kernel, cin, 1] : [kernel, kernel, cin, cout];
  return ({ km, tf, ort, ortSession }) => ({
    name,
    flops: 2 * outSize * outSize * cout * kernel * kernel * (depthwise ? 1 : cin),
    async setup() {
      const xv = seededValues(size * size * cin, 21);
      const kv = seededValues(kshape.reduce((a, b) => a * b), 22).map((v) => v * 0.1);
      const bv = seededValues(cout, 23);
      const layer = depthwise
        ? km.layers.depthwiseConv2d({ kernelSize: kernel, strides: stride, padding })
        : km.layers.conv2d({ filters: cout, kernelSize: kernel, strides: stride, padding });
      const kx = km.tensor(xv, [1, size, size, cin]);
      layer.build(kx.shape);
      const kw = [km.tensor(kv, kshape), km.tensor(bv, [cout])];
      layer.setWeights(kw);
      km.dispose(kw);
      const tx = tf.tensor(xv, [1, size, size, cin]);
      const tk = tf.tensor(kv, kshape), tb = tf.tensor(bv, [cout]);
      // ORT pads explicitly: TF's same padding puts the odd zero after.
      const total = padding === 'same' ? Math.max((outSize - 1) * stride + kernel - size, 0) : 0;
      const pads = [total >> 1, total >> 1, total - (total >> 1), total - (total >> 1)];
      const xnchw = new Float32Array(xv.length);
      for (let h = 0; h < size; ++h)
        for (let w = 0; w < size; ++w)
          for (let c = 0; c < cin; ++c) xnchw[(c * size + h) * size + w] = xv[(h * size + w) * cin + c];
      const wdims = depthwise ? [cin, 1, kernel, kernel] : [cout, cin, kernel, kernel];
      const sess = await ortSession({
        nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'],
                  attrs: { kernel_shape: [kernel, kernel], strides: [stride, stride], pads, group: depthwise ? cin : 1 } }],
        inputs: [{ name: 'x', dims: [1, cin, size, size] }], outputs: [{ name: 'y', dims: [1, cout, outSize, outSize] }],
        initializers: [{ name: 'w', dims: wdims, data: toOihw(kv, depthwise ? [kernel, kernel, 1, cin] : kshape) },
                       { name: 'b', dims: [cout], data: bv }],
      });
      const feed = { x: new ort.Tensor('float32', xnchw, [1, cin, size, size]) };
      const tfRun = depthwise
        ? () => readBack(tf.tidy(() => tf.depthwiseConv2d(tx, tk, stride, padding).add(tb)))
        : () => readBack(tf.fused.conv2d({ x: tx, filter: tk, strides: stride, pad: padding, bias: tb }));
      return {
        run: {
          kerasm: () => readBack(layer.apply(kx)),
          tfjs: tfRun,
          ort: async () => (await sess.run(feed)).y.data,
        },
        dispose() { kx.dispose(); layer.dispose(); tf.dispose([tx, tk, tb]); sess.release(); },
      };
    },
  });
}

export function convCases(libs) {
  return [
    convCase({ name: 'conv2d 3x3 56x56x64->64 same', size: 56, cin: 64, cout: 64, kernel: 3, stride: 1, padding: 'same' }),
    convCase({ name: 'conv2d 3x3 s2 224x224x3->32', size: 224, cin: 3, cout: 32, kernel: 3, stride: 2, padding: 'same' }),
    convCase({ name: 'conv2d 1x1 28x28x128->256', size: 28, cin: 128, cout: 256, kernel: 1, stride: 1, padding: 'valid' }),
    convCase({ name: 'depthwiseConv2d 3x3 112x112x32', size: 112, cin: 32, cout: 32, kernel: 3, stride: 1, padding: 'same',
               depthwise: true }),
  ].map((make) => make(libs));
}
