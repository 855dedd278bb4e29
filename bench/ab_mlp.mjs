// Before / after for one change: the MLP of bench/mlp.mjs (784-128-10) in two builds of the package,
// interleaved A B A B in one process and quoted as the ratio of medians (TOOLCHAIN.md: these machines
// have slow phases, so figures from separate runs do not compare).
//   node bench/ab_mlp.mjs <before-root> [<after-root>]
// A root is a directory holding web/ and dist/ (e.g. a copy of the repository made before the change);
// after-root defaults to this repository.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { seededValues } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [beforeRoot, afterRoot = path.join(here, '..')] = process.argv.slice(2);
if (!beforeRoot) {
  console.error('usage: node bench/ab_mlp.mjs <before-root> [<after-root>]');
  process.exit(2);
}
const load = async (root) => {
  const km = await import(pathToFileURL(path.resolve(root, 'web/index.js')).href);
  await km.ready();
  return km;
};
const builds = [await load(beforeRoot), await load(afterRoot)];

const IN = 784, HIDDEN = 128, OUT = 10, TRAIN_BATCH = 64;

function model(km) {
  const m = km.sequential({ layers: [
    km.layers.dense({ units: HIDDEN, inputShape: [IN], activation: 'relu' }),
    km.layers.dense({ units: OUT, activation: 'softmax' }),
  ] });
  const ws = [km.tensor(seededValues(IN * HIDDEN, 11).map((v) => v * 0.08), [IN, HIDDEN]),
    km.tensor(seededValues(HIDDEN, 12), [HIDDEN]), km.tensor(seededValues(HIDDEN * OUT, 13).map((v) => v * 0.2), [HIDDEN, OUT]),
    km.tensor(seededValues(OUT, 14), [OUT])];
  m.setWeights(ws);
  km.dispose(ws);
  return m;
}

// Runs each side `reps` times per round, alternating sides, after a warm-up long enough for V8 to tier up.
function compare(name, sides, reps) {
  for (const run of sides) for (let i = 0; i < 5 * reps; ++i) run();
  const times = sides.map(() => []);
  for (let round = 0; round < 30; ++round) {
    sides.forEach((run, k) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < reps; ++i) run();
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6 / reps);
    });
  }
  const [a, b] = times.map((v) => v.sort((x, y) => x - y)[v.length >> 1]);
  console.log(`${name.padEnd(22)} before ${a.toFixed(4)} ms  after ${b.toFixed(4)} ms  before/after ${(a / b).toFixed(2)}`);
}

for (const batch of [1, TRAIN_BATCH]) {
  const sides = builds.map((km) => {
    const m = model(km);
    const x = km.tensor(seededValues(batch * IN, 15), [batch, IN]);
    return () => { const y = m.predict(x, { batchSize: batch }); y.dataSync(); y.dispose(); };
  });
  compare(`predict b${batch}`, sides, batch === 1 ? 400 : 40);
}
const trainSides = builds.map((km) => {
  const m = model(km);
  m.compile({ optimizer: km.train.adam(0.001), loss: 'categoricalCrossentropy' });
  const y = new Float32Array(TRAIN_BATCH * OUT);
  for (let i = 0; i < TRAIN_BATCH; ++i) y[i * OUT + (i * 7) % OUT] = 1;
  const kx = km.tensor(seededValues(TRAIN_BATCH * IN, 15), [TRAIN_BATCH, IN]), ky = km.tensor(y, [TRAIN_BATCH, OUT]);
  return () => m.trainOnBatch(kx, ky);
});
compare(`train step b${TRAIN_BATCH}`, trainSides, 20);
