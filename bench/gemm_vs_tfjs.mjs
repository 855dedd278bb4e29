// kerasm's GEMM kernel against tfjs-backend-wasm's matMul, interleaved in one Node process (A B A B) so that
// the machine's slow phases hit both sides alike. Needs the wasm benchmark module:
//   cmake --build build/wasm -t gemm_bench
//   node --no-experimental-fetch bench/gemm_vs_tfjs.mjs [rounds]
// Both sides are timed the same way from JavaScript: a warm-up (V8 optimises wasm functions only after
// repeated calls), then batches of back-to-back calls of ~20 ms; a figure is the median per-call time over
// batches and rounds. Wall time is reported, and CPU time too, which is steadier when other processes share
// the cores. Neither side reads the result back: tfjs-backend-wasm computes synchronously inside matMul, as
// kerasm does. tfjs caches its packed weights per B tensor, which matches GemmPacked (B packed once).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const rounds = Number(process.argv[2] ?? 5);
const shapes = [[1, 1024, 1024], [64, 1024, 1024], [256, 1024, 1024]];

async function loadKerasmBench() {
  const module = require(path.join(here, '..', 'build', 'wasm', 'gemm_bench.cjs'));
  await new Promise((resolve) => {
    if (module.calledRun) resolve();
    else module.onRuntimeInitialized = resolve;
  });
  return module;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// Times `run(calls)`; returns per-call milliseconds (wall and CPU) of each batch.
function timeBatches(run, samples) {
  let t0 = performance.now();
  let warm = 0;
  while (warm < 5 || performance.now() - t0 < 200) {
    run(1);
    ++warm;
  }
  const perCall = (performance.now() - t0) / warm;
  const calls = Math.max(1, Math.round(20 / perCall));
  for (let b = 0; b < 10; ++b) {
    const w0 = performance.now();
    const c0 = cpuMs();
    run(calls);
    samples.wall.push((performance.now() - w0) / calls);
    samples.cpu.push((cpuMs() - c0) / calls);
  }
}

await tf.setBackend('wasm');
await tf.ready();
const kerasm = await loadKerasmBench();

const sides = ['GemmPacked', 'tfjs', 'Gemm'];
const results = shapes.map(() => Object.fromEntries(sides.map((s) => [s, { wall: [], cpu: [] }])));
for (let r = 0; r < rounds; ++r) {
  shapes.forEach(([M, N, K], i) => {
    const operands = kerasm._KerasmGemmBenchSetup(M, N, K);
    const a = tf.randomUniform([M, K], -0.5, 0.5);
    const b = tf.randomUniform([K, N], -0.5, 0.5);
    const runners = {
      GemmPacked: (calls) => kerasm._KerasmGemmBenchRun(operands, 1, calls),
      tfjs: (calls) => {
        for (let c = 0; c < calls; ++c) tf.matMul(a, b).dispose();
      },
      Gemm: (calls) => kerasm._KerasmGemmBenchRun(operands, 0, calls),
    };
    for (const side of sides) timeBatches(runners[side], results[i][side]);
    kerasm._KerasmGemmBenchFree(operands);
    a.dispose();
    b.dispose();
  });
}

const f = (x) => x.toFixed(2).padStart(7);
console.log(`GFLOPS, median of ${rounds} rounds x 10 batches (wall | cpu)`);
console.log('shape (MxNxK)    GemmPacked        Gemm              tfjs-wasm         GemmPacked/tfjs');
shapes.forEach(([M, N, K], i) => {
  const flops = 2 * M * N * K;
  const g = (side, kind) => flops / (median(results[i][side][kind]) * 1e6);
  const cols = sides.map((s) => `${f(g(s, 'wall'))} |${f(g(s, 'cpu'))}`);
  const ratio = `${(g('GemmPacked', 'wall') / g('tfjs', 'wall')).toFixed(2)} | ${(g('GemmPacked', 'cpu') / g('tfjs', 'cpu')).toFixed(2)}`;
  console.log(`${`${M}x${N}x${K}`.padEnd(16)} ${cols[0]}  ${cols[2]}  ${cols[1]}  ${ratio}`);
});
