// Where the time of one activation call goes, kerasm next to tfjs-backend-wasm (bench/run.mjs times the
// whole call with the result read back):
//   tiny     the op on a 1-value tensor: the JS / Embind path alone
//   no read  the op on 1M values (or softmax on 1024x1000), result disposed unread: kernel + allocation
//   read     the same plus dataSync(): what bench/run.mjs measures
//   dataSync the copy out of the wasm heap alone (a fresh 4 MB array each time, for both peers)
// Run: node bench/breakdown.mjs   -> median ms per call. The kernel alone, without JS, is in
// bench/unary_bench.cc.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import * as km from '../web/index.js';
import { median, seededValues } from './harness.mjs';

await km.ready();
await tf.setBackend('wasm');
await tf.ready();

function time(f, reps = 40, warmup = 10) {
  for (let i = 0; i < warmup; ++i) f();
  const ms = [];
  for (let i = 0; i < reps; ++i) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const n = 1 << 20;
const v = seededValues(n, 3).map((x) => x * 4);
const kx = km.tensor(v, [n]), tx = tf.tensor(v, [n]);
const k1 = km.tensor([0.5], [1]), t1 = tf.tensor([0.5], [1]);
const sv = v.subarray(0, 1024 * 1000);
const ks = km.tensor(sv, [1024, 1000]), ts = tf.tensor(sv, [1024, 1000]);
const readBack = (t) => { t.dataSync(); t.dispose(); };

const rows = [];
const add = (what, kmMs, tfMs) => rows.push([what, kmMs, tfMs]);
for (const op of ['relu', 'sigmoid', 'tanh']) {
  add(`${op} tiny`, time(() => km[op](k1).dispose(), 2000, 200), time(() => tf[op](t1).dispose(), 2000, 200));
  add(`${op} 1M no read`, time(() => km[op](kx).dispose()), time(() => tf[op](tx).dispose()));
  add(`${op} 1M read`, time(() => readBack(km[op](kx))), time(() => readBack(tf[op](tx))));
}
add('softmax 1024x1000 no read', time(() => km.softmax(ks).dispose()), time(() => tf.softmax(ts).dispose()));
add('softmax 1024x1000 read', time(() => readBack(km.softmax(ks))), time(() => readBack(tf.softmax(ts))));
add('dataSync 1M', time(() => kx.dataSync()), time(() => tx.dataSync()));

console.log(`${'case'.padEnd(28)}${'kerasm ms'.padStart(10)}${'tfjs ms'.padStart(10)}`);
for (const [what, a, b] of rows) console.log(`${what.padEnd(28)}${a.toFixed(4).padStart(10)}${b.toFixed(4).padStart(10)}`);
km.dispose([kx, k1, ks]);
tf.dispose([tx, t1, ts]);
process.exit(0);
