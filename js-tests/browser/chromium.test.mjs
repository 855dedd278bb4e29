// End to end in headless Chromium: a page and a module worker import web/index.js from a local server,
// run ops, a gradient and variable gradients, and their numbers are checked here against the formulas.
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {chromium} from 'playwright-core';
import * as km from '../../web/index.js';
import {serve} from '../../scripts/serve.mjs';
import {layersSmoke} from './layers_smoke.mjs';
import {trainEveryLayerModel} from './every_layer_model.mjs';

let server;
let context;
let userDataDir;
let results;

before(async () => {
  server = await serve();
  userDataDir = await mkdtemp(join(tmpdir(), 'kerasm-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  const page = await context.newPage();
  const logs = [];
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  await page.goto(`${server.url}/js-tests/browser/page.html`);
  try {
    await page.waitForFunction(() => window.kerasmResult !== undefined, null, {timeout: 30000});
  } catch (e) {
    throw new Error(`the page did not finish: ${e.message}\n${logs.join('\n')}`);
  }
  results = await page.evaluate(() => window.kerasmResult);
  if (results.error) throw new Error(`the page failed: ${results.error}\n${logs.join('\n')}`);
});

after(async () => {
  await context?.close();
  await server?.close();
  if (userDataDir) await rm(userDataDir, {recursive: true, force: true});
});

function close(actual, expected, what, tol = 1e-5) {
  const a = [actual].flat(Infinity);
  const e = [expected].flat(Infinity);
  assert.equal(a.length, e.length, `${what}: length`);
  e.forEach((v, i) => assert.ok(Math.abs(a[i] - v) <= tol * (1 + Math.abs(v)), `${what}[${i}]: ${a[i]} vs ${v}`));
}

// The same expectations for the page and the worker.
function check(r, where) {
  const a = [[1, 2, 3], [4, 5, 6]];
  const b = [0.5, -1, 2];
  close(r.add, a.map((row) => row.map((v, j) => v + b[j])), `${where} add`);
  close(r.matMul, a.map((x) => a.map((y) => x.reduce((s, v, k) => s + v * y[k], 0))), `${where} matMul`);
  const z = b.reduce((s, v) => s + Math.exp(v), 0);
  close(r.softmax, b.map((v) => Math.exp(v) / z), `${where} softmax`);
  close(r.sum, [5, 7, 9], `${where} sum`);
  close(r.gradTanhSquared, b.map((v) => 2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2)), `${where} grad`);
  // d/dw mean((a w - t)^2) = 2/n * a^T (a w - t), n = 2 rows.
  const w = [0.1, -0.2, 0.3];
  const t = [1, 0];
  const resid = a.map((row, i) => row.reduce((s, v, k) => s + v * w[k], 0) - t[i]);
  close(r.variableGrad, w.map((_, k) => [a.reduce((s, row, i) => s + row[k] * resid[i], 0)]), `${where} variableGrads`);
  assert.match(r.error, /^add: .*\[2,3\].*\[2\]/, `${where} error message`);
  close(r.afterError, a.map((row) => row.map((v) => 2 * v)), `${where} after the error`);
  assert.equal(r.backend.simd, true);
  assert.ok(r.backend.wasmBytes > 0 && r.backend.heapBytes > 0);
  assert.equal(r.leaked, 0, `${where}: tensors left after tidy`);
}

test('ops, a gradient and variable gradients in a page match the formulas', () => {
  check(results.page, 'page');
});

// fit in the page and the worker: 200 batches each yielding once, learning XOR, leaving no tensors.
function checkFit(f, where, t) {
  assert.equal(f.yields, 200, `${where}: one yield per batch`);
  assert.ok(f.lastLoss < f.firstLoss / 4, `${where}: loss ${f.firstLoss} -> ${f.lastLoss}`);
  f.predictions.forEach((p, i) => assert.equal(Math.round(p), [0, 1, 1, 0][i], `${where}: XOR(${i}) = ${p}`));
  assert.equal(f.leaked, 0, `${where}: tensors left after fit`);
  t.diagnostic(`${where}: 200 batches in ${f.yieldingMs.toFixed(1)} ms yielding after each, ${f.neverMs.toFixed(1)} ms never yielding`);
}

test('fit in a page and in a worker: learns XOR, yields every batch, leaves no tensors', (t) => {
  checkFit(results.page.fit, 'page', t);
  checkFit(results.worker.result.fit, 'worker', t);
});

test('the same in a module Web Worker', () => {
  assert.equal(results.worker.error, undefined, results.worker.error);
  check(results.worker.result, 'worker');
});

// One layer per family (convolution, pooling, reshaping, normalization, recurrent, wrappers, masks, a
// Lambda): the page and the worker compute what Node computes, forward and input gradient.
test('a layer of each family gives the same outputs and gradients in Chromium as in Node', async () => {
  await km.ready();
  const node = layersSmoke();
  assert.equal(node.leaked, 0);
  for (const [where, r] of [['page', results.page.layers], ['worker', results.worker.result.layers]]) {
    assert.equal(r.leaked, 0, `${where}: tensors left`);
    for (const [name, expected] of Object.entries(node)) {
      if (name === 'leaked') continue;
      assert.deepEqual(r[name].shape, expected.shape, `${where} ${name} shape`);
      close(r[name].y, expected.y, `${where} ${name} forward`, 1e-5);
      close(r[name].dx, expected.dx, `${where} ${name} gradient`, 1e-4);
    }
  }
});

// The model of every core, merge, activation, normalization and noise layer (with a Lambda and a JS layer),
// trained with fit on seeded data: the page and the worker learn it and end where Node ends.
test('the every-layer model trains with fit in a page and a worker as it does in Node', async () => {
  const node = await trainEveryLayerModel();
  for (const [where, r] of [['page', results.page.everyLayer], ['worker', results.worker.result.everyLayer]]) {
    assert.equal(r.leaked, 0, `${where}: tensors left`);
    assert.deepEqual(r.classes, node.classes, `${where}: layer classes`);
    assert.ok(r.trainAcc >= 0.9, `${where}: training accuracy ${r.trainAcc}`);
    close(r.fitLoss, node.fitLoss, `${where} per-epoch losses`, 1e-4);
    close(r.probs, node.probs, `${where} predictions`, 1e-4);
  }
});
