// The addition-RNN demo end to end in headless Chromium, briefly (a small network, 3,000 sums, 2 epochs):
// Train runs fit in the page with the chart and progress, the loss falls and the held-out accuracy is
// reported; then a typed sum gets an answer with one confidence per character. Leaves a screenshot in
// js-tests/artifacts/. (The full schedule's accuracy is js-tests/addition_rnn.test.mjs' business.)
import assert from 'node:assert/strict';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import {openDemo} from './demo_page.mjs';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

let page;
let waitForPhase;
let close;

before(async () => {
  ({page, waitForPhase, close} = await openDemo('/demos/addition-rnn/?sums=3000&epochs=2&units=32', {height: 1200}));
});

after(async () => {
  await close?.();
});

test('Train runs fit in the page and reports the held-out accuracy', async () => {
  await page.click('#train');
  const state = await waitForPhase(['trained'], 300000);
  assert.equal(state.epochs, 2);
  // 12 characters: chance is 1/12; two short epochs already place spaces and the leading digits.
  assert.ok(state.charAccuracy > 0.25, `held-out characters right: ${state.charAccuracy}`);
  assert.equal(await page.textContent('#char-accuracy'), `${(100 * state.charAccuracy).toFixed(1)}%`);
  assert.equal(await page.locator('#examples li').count(), 10);
  console.log(`addition demo (brief): ${(100 * state.charAccuracy).toFixed(1)}% of held-out characters, ` +
              `${(100 * state.exactAccuracy).toFixed(1)}% exact, in ${state.seconds.toFixed(1)} s`);
});

test('a typed sum gets an answer with a confidence for each character', async () => {
  await page.fill('#question', '12+34');
  await page.click('#ask');
  await page.waitForFunction(() => window.demoState.answer?.question === '12+34');
  const {answer} = await page.evaluate(() => window.demoState);
  assert.equal(answer.chars.length, 4);
  for (const {char, p} of answer.chars) {
    assert.ok('0123456789+ '.includes(char));
    assert.ok(p > 0 && p <= 1);
  }
  assert.equal(await page.locator('#confidence .char').count(), 4);
  await page.fill('#question', '12+');
  await page.click('#ask');
  assert.match(await page.textContent('#answer-caption'), /type a sum/);
  await mkdir(ARTIFACTS, {recursive: true});
  await page.screenshot({path: join(ARTIFACTS, 'addition-rnn-demo.png'), fullPage: true});
});
