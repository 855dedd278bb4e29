// The MNIST CNN demo end to end in headless Chromium: the page trains the CNN when Train is clicked,
// reaches the test accuracy the Node end-to-end test holds it to (js-tests/mnist_cnn.test.mjs says why 0.95), shows the first layer's 32 filters, and
// classifies a "1" drawn with the mouse, drawing the 32 feature maps of it. Leaves a screenshot in
// js-tests/artifacts/.
import assert from 'node:assert/strict';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import {openDemo} from './demo_page.mjs';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const TARGET_ACCURACY = 0.95;  // as js-tests/mnist_cnn.test.mjs

let page;
let waitForPhase;
let close;

before(async () => {
  ({page, waitForPhase, close} = await openDemo('/demos/mnist-cnn/', {height: 1400}));
});

after(async () => {
  await close?.();
});

test('Train reaches the CNN test accuracy and shows the 32 first-layer filters', async () => {
  await page.click('#train');
  const state = await waitForPhase(['trained'], 600000);
  assert.equal(state.epochs, 3);
  assert.ok(state.testAccuracy >= TARGET_ACCURACY, `test accuracy ${state.testAccuracy}`);
  assert.equal(await page.textContent('#test-accuracy'), `${(100 * state.testAccuracy).toFixed(1)}%`);
  assert.equal((await page.evaluate(() => window.filterView)).filters, 32);
  assert.equal(await page.locator('#filters canvas').count(), 32);
  console.log(`cnn demo: test accuracy ${(100 * state.testAccuracy).toFixed(2)}% after 3 epochs in ${state.seconds.toFixed(1)} s`);
});

test('a "1" drawn with the mouse is classified and its 32 feature maps are drawn', async () => {
  await page.click('#clear');
  const box = await page.locator('#pad').boundingBox();
  const x = box.x + box.width * 0.5;
  await page.mouse.move(x, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 20; ++i) await page.mouse.move(x + i * 0.4, box.y + box.height * (0.15 + i * 0.035));
  await page.mouse.up();
  await page.waitForFunction(() => window.demoState.prediction !== undefined && window.filterView.maps > 0);
  const {digit, probabilities} = await page.evaluate(() => window.demoState.prediction);
  assert.equal(probabilities.length, 10);
  assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  assert.equal(digit, 1, `a vertical stroke was read as ${digit}: ${probabilities.map((p) => p.toFixed(3))}`);
  assert.equal(await page.textContent('#guess'), '1');
  assert.equal(await page.locator('#feature-maps canvas').count(), 32);
  await mkdir(ARTIFACTS, {recursive: true});
  await page.screenshot({path: join(ARTIFACTS, 'mnist-cnn-demo.png'), fullPage: true});
});
