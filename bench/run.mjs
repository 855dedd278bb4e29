// kerasm vs tfjs-backend-wasm vs onnxruntime-web, in one Node process, single-threaded on every side.
//   node bench/run.mjs            all cases
//   node bench/run.mjs gemm relu  only cases whose name contains one of the words
// Prints a table with each peer's median time and the ratio (peer time / kerasm time: > 1 means kerasm is
// faster), and writes the same figures as JSON to bench/results/<date>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-web';

import * as km from '../web/index.js';
import { compare, formatTable, seededValues } from './harness.mjs';
import { buildModel } from './onnx.mjs';
import { mlpCases } from './mlp.mjs';
import { convCases } from './conv.mjs';
import { rnnCases } from './rnn.mjs';
import { cnnCases } from './cnn.mjs';

const filters = process.argv.slice(2);
const wanted = (name) => filters.length === 0 || filters.some((f) => name.includes(f));

await km.ready();
await tf.setBackend('wasm');
await tf.ready();
ort.env.wasm.numThreads = 1;  // kerasm's default build and tfjs-backend-wasm under Node are single-threaded
ort.env.logLevel = 'error';

async function ortSession(spec) {
  return ort.InferenceSession.create(buildModel(spec), { graphOptimizationLevel: 'all' });
}

// Run an op, read its result back and free it. Not inside tidy(): tfjs-backend-wasm's dataSync inside
// tf.tidy takes seconds per call in Node (measured: 3 s for relu on 1M floats vs 9 ms outside), which would
// measure tidy, not the op; both peers are timed the same way.
const readBack = (t) => { const v = t.dataSync(); t.dispose(); return v; };

const cases = [];

for (const M of [1, 64, 256]) {
  const K = 1024, N = 1024;
  cases.push({
    name: `gemm ${M}x${K}x${N}`,
    flops: 2 * M * K * N,
    async setup() {
      const av = seededValues(M * K, 1), bv = seededValues(K * N, 2);
      const ka = km.tensor(av, [M, K]), kb = km.tensor(bv, [K, N]);
      const ta = tf.tensor(av, [M, K]), tb = tf.tensor(bv, [K, N]);
      const sess = await ortSession({
        nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
        inputs: [{ name: 'a', dims: [M, K] }], outputs: [{ name: 'c', dims: [M, N] }],
        initializers: [{ name: 'b', dims: [K, N], data: bv }],
      });
      const feed = { a: new ort.Tensor('float32', av, [M, K]) };
      return {
        run: {
          kerasm: () => readBack(km.matMul(ka, kb)),
          tfjs: () => readBack(tf.matMul(ta, tb)),
          ort: async () => (await sess.run(feed)).c.data,
        },
        dispose() { km.dispose([ka, kb]); tf.dispose([ta, tb]); sess.release(); },
      };
    },
  });
}

for (const act of ['relu', 'sigmoid', 'tanh']) {
  const n = 1 << 20;
  const ortOp = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' }[act];
  cases.push({
    name: `${act} 1M`,
    bytes: 8 * n,
    async setup() {
      const v = seededValues(n, 3).map((x) => x * 4);
      const kx = km.tensor(v, [n]), tx = tf.tensor(v, [n]);
      const sess = await ortSession({
        nodes: [{ op: ortOp, inputs: ['x'], outputs: ['y'] }],
        inputs: [{ name: 'x', dims: [n] }], outputs: [{ name: 'y', dims: [n] }],
      });
      const feed = { x: new ort.Tensor('float32', v, [n]) };
      return {
        run: {
          kerasm: () => readBack(km[act](kx)),
          tfjs: () => readBack(tf[act](tx)),
          ort: async () => (await sess.run(feed)).y.data,
        },
        dispose() { kx.dispose(); tx.dispose(); sess.release(); },
      };
    },
  });
}

cases.push({
  name: 'softmax 1024x1000',
  bytes: 8 * 1024 * 1000,
  async setup() {
    const v = seededValues(1024 * 1000, 4).map((x) => x * 5);
    const kx = km.tensor(v, [1024, 1000]), tx = tf.tensor(v, [1024, 1000]);
    const sess = await ortSession({
      nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: -1 } }],
      inputs: [{ name: 'x', dims: [1024, 1000] }], outputs: [{ name: 'y', dims: [1024, 1000] }],
    });
    const feed = { x: new ort.Tensor('float32', v, [1024, 1000]) };
    return {
      run: {
        kerasm: () => readBack(km.softmax(kx)),
        tfjs: () => readBack(tf.softmax(tx)),
        ort: async () => (await sess.run(feed)).y.data,
      },
      dispose() { kx.dispose(); tx.dispose(); sess.release(); },
    };
  },
});

cases.push(...mlpCases({ km, tf, ort, ortSession }));
cases.push(...convCases({ km, tf, ort, ortSession }));
cases.push(...rnnCases({ km, tf, ort, ortSession }));
cases.push(...cnnCases({ km, tf, ort, ortSession }));

const rows = [];
for (const c of cases) {
  if (!wanted(c.name)) continue;
  const env = await c.setup();
  const t = await compare(env.run, { rounds: c.rounds ?? 12, warmup: c.warmup ?? 4 });
  await env.dispose();
  const row = { case: c.name };
  for (const [peer, ms] of Object.entries(t)) row[`${peer} ms`] = ms.toFixed(3);
  if (c.flops) row['kerasm GFLOPS'] = (c.flops / t.kerasm / 1e6).toFixed(2);
  if (c.flops && t.tfjs) row['tfjs GFLOPS'] = (c.flops / t.tfjs / 1e6).toFixed(2);
  if (t.tfjs) row['tfjs/kerasm'] = (t.tfjs / t.kerasm).toFixed(2);
  if (t.ort) row['ort/kerasm'] = (t.ort / t.kerasm).toFixed(2);
  rows.push(row);
  console.error(`${c.name}: done`);
}

const columns = ['case', 'kerasm ms', 'tfjs ms', 'ort ms', 'kerasm GFLOPS', 'tfjs GFLOPS', 'tfjs/kerasm', 'ort/kerasm'];
console.log(formatTable(rows, columns));
console.log('ratios are peer time / kerasm time: above 1 means kerasm is faster');

const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  versions: { kerasm: km.version, tfjs: tf.version_core, ort: ort.env.versions?.web },
  threads: { kerasm: km.backendInfo().threads, tfjs: 1, ort: 1 },
  rows,
};
writeFileSync(`${outDir}${stamp}.json`, JSON.stringify(result, null, 2));
console.log(`wrote bench/results/${stamp}.json`);
process.exit(0);
