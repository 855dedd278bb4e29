// The MNIST demo end to end in headless Chromium: the page loads the digits and the package from the
// local server, trains when Train is clicked (staying responsive), reaches the target test accuracy,
// and classifies a digit drawn on the pad with the mouse. Leaves a screenshot in js-tests/artifacts/.
import assert from 'node:assert/strict';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import {openDemo} from './demo_page.mjs';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
// This model, data and schedule reach 92-93 % on the test digits depending on the initial weights and
// the order of the training digits: tfjs-layers measured 0.917-0.931 over three runs, kerasm 0.913-0.931
// over eight initializer seeds (js-tests/mnist.test.mjs) and 0.920-0.932 over eight training orders. A
// page's first run gives the same number every time for a given build (initial weights and batch order
// are seeded); the bar sits below the whole measured range so that the test checks that training works
// rather than one digit more or less, and the accuracy reached is printed.
const TARGET_ACCURACY = 0.90;

let page;
let waitForPhase;
let close;

before(async () => {
  ({page, waitForPhase, close} = await openDemo('/demos/mnist-mlp/'));
});

after(async () => {
  await close?.();
});

test('Train reaches the expected test accuracy while the page stays responsive', async () => {
  await page.click('#train');
  // page.evaluate only runs when the page's thread is free: several distinct progress values seen
  // before the end mean the event loop kept turning during fit().
  const seen = new Set();
  for (;;) {
    const s = await page.evaluate(() => window.demoState);
    if (s.phase === 'training') seen.add(s.progress);
    if (s.phase !== 'training' && seen.size > 0) break;
    if (s.phase === 'error') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const state = await waitForPhase(['trained'], 300000);
  assert.ok(seen.size >= 3, `progress seen during training: ${[...seen]}`);
  assert.ok([...seen].every((p) => p > 0 && p <= 1), `progress values ${[...seen]}`);
  assert.equal(state.epochs, 5);
  assert.ok(state.seconds > 0);
  assert.ok(state.testAccuracy >= TARGET_ACCURACY, `test accuracy ${state.testAccuracy}`);
  // The page shows the same number.
  const shown = await page.textContent('#test-accuracy');
  assert.equal(shown, `${(100 * state.testAccuracy).toFixed(1)}%`);
  console.log(`demo: test accuracy ${(100 * state.testAccuracy).toFixed(2)}% after ${state.epochs} epochs in ${state.seconds.toFixed(1)} s`);
});

test('Save model keeps the trained model in IndexedDB and Load model brings back the same accuracy', async () => {
  const trained = await page.evaluate(() => window.demoState.testAccuracy);
  await page.click('#save');
  await page.waitForFunction(() => window.demoState?.saved !== undefined || window.demoState?.phase === 'error');
  const saved = await page.evaluate(() => window.demoState);
  assert.equal(saved.saved.weightDataBytes, (784 * 128 + 128 + 128 * 10 + 10) * 4);
  assert.equal(await page.isDisabled('#load'), false);
  await page.click('#load');
  const state = await waitForPhase(['trained'], 30000).then(async () => {
    await page.waitForFunction(() => window.demoState?.loaded === true || window.demoState?.phase === 'error');
    return page.evaluate(() => window.demoState);
  });
  assert.equal(state.testAccuracy, trained, 'the loaded model scores exactly what the trained one did');
});

test('a "1" drawn with the mouse is preprocessed as MNIST and classified', async () => {
  await page.click('#clear');
  const box = await page.locator('#pad').boundingBox();
  // A vertical stroke in the left half of the pad: off-centre on purpose, preprocessing must centre it.
  const x = box.x + box.width * 0.3;
  await page.mouse.move(x, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 20; ++i) await page.mouse.move(x + i * 0.4, box.y + box.height * (0.15 + i * 0.035));
  await page.mouse.up();
  await page.waitForFunction(() => window.demoState.prediction !== undefined);
  const {digit, probabilities, input} = await page.evaluate(() => window.demoState.prediction);

  // The input: 28x28 in [0, 1], 20 pixels tall, centre of mass within half a pixel of the middle.
  assert.equal(input.length, 784);
  let mass = 0, mx = 0, my = 0, top = 28, bottom = -1;
  input.forEach((p, i) => {
    assert.ok(p >= 0 && p <= 1);
    const px = i % 28, py = Math.floor(i / 28);
    mass += p; mx += p * (px + 0.5); my += p * (py + 0.5);
    if (p > 0) { top = Math.min(top, py); bottom = Math.max(bottom, py); }
  });
  assert.equal(bottom - top + 1, 20);
  assert.ok(Math.abs(mx / mass - 14) <= 0.5 && Math.abs(my / mass - 14) <= 0.5, `centre of mass ${mx / mass}, ${my / mass}`);

  assert.equal(probabilities.length, 10);
  const sum = probabilities.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `probabilities sum to ${sum}`);
  assert.ok(probabilities.every((p) => p >= 0 && p <= 1));
  assert.equal(digit, probabilities.indexOf(Math.max(...probabilities)));
  assert.equal(digit, 1, `a vertical stroke was read as ${digit}: ${probabilities.map((p) => p.toFixed(3))}`);

  // The page shows the prediction and ten bars carrying the same probabilities.
  assert.equal(await page.textContent('#guess'), '1');
  const bars = await page.$$eval('#probs .prob', (rows) => rows.map((r) => Number(r.dataset.p)));
  assert.equal(bars.length, 10);
  bars.forEach((p, i) => assert.ok(Math.abs(p - probabilities[i]) < 1e-6, `bar ${i}: ${p} vs ${probabilities[i]}`));

  await mkdir(ARTIFACTS, {recursive: true});
  await page.screenshot({path: join(ARTIFACTS, 'mnist-demo.png'), fullPage: true});
});
