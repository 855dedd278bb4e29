// Saving and loading in headless Chromium: IndexedDB and localStorage (laid out as tfjs lays them out,
// so tfjs-layers reads what kerasm wrote and the other way round), model management, downloads:// and
// browserFiles from an <input type=file>.
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import {chromium} from 'playwright-core';
import {serve} from '../../scripts/serve.mjs';

let server;
let context;
let page;
let userDataDir;
const logs = [];

before(async () => {
  server = await serve();
  userDataDir = await mkdtemp(join(tmpdir(), 'kerasm-io-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  page = await context.newPage();
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));
  await page.goto(`${server.url}/js-tests/browser/io-page.html`);
  await page.waitForFunction(() => window.ioReady !== undefined, null, {timeout: 30000});
  const ready = await page.evaluate(() => window.ioReady);
  if (ready !== true) throw new Error(`the page did not load kerasm: ${ready}\n${logs.join('\n')}`);
});

after(async () => {
  await context?.close();
  await server?.close();
  if (userDataDir) await rm(userDataDir, {recursive: true, force: true});
});

// In the page: a small model, saved to `url`, loaded back; predictions and weights of both.
async function roundTrip(url) {
  return page.evaluate(async (target) => {
    const km = window.km;
    const model = km.sequential({layers: [
      km.layers.dense({units: 5, inputShape: [4], activation: 'relu', name: 'h'}),
      km.layers.dense({units: 2, activation: 'softmax', name: 'o'}),
    ]});
    model.compile({optimizer: km.train.adam(0.01), loss: 'categoricalCrossentropy'});
    const x = km.tensor([[0.1, -0.2, 0.3, 0.4], [1, 2, -3, 0.5]]);
    const saved = await model.save(target);
    const loaded = await km.loadLayersModel(target);
    const out = {
      info: {...saved.modelArtifactsInfo, dateSaved: String(saved.modelArtifactsInfo.dateSaved)},
      want: Array.from(model.predict(x).dataSync()),
      got: Array.from(loaded.predict(x).dataSync()),
      optimizer: loaded.optimizer?.getClassName(),
      config: loaded.toJSON() === model.toJSON(),
    };
    model.dispose();
    loaded.dispose();
    return out;
  }, url);
}

for (const url of ['indexeddb://kerasm-test', 'localstorage://kerasm-test']) {
  test(`${url.split(':')[0]}: save and load give the same model, predictions and training config`, async () => {
    const r = await roundTrip(url);
    assert.deepEqual(r.got, r.want);
    assert.equal(r.optimizer, 'Adam');
    assert.ok(r.config, 'the same topology');
    assert.equal(r.info.weightDataBytes, (4 * 5 + 5 + 5 * 2 + 2) * 4);
  });
}

test('model management: listModels, copyModel, moveModel, removeModel across both stores', async () => {
  const r = await page.evaluate(async () => {
    const km = window.km;
    const names = async () => Object.keys(await km.io.listModels()).sort();
    const out = {start: await names()};
    await km.io.copyModel('indexeddb://kerasm-test', 'localstorage://copied');
    out.afterCopy = await names();
    await km.io.moveModel('localstorage://copied', 'indexeddb://moved');
    out.afterMove = await names();
    await km.io.removeModel('indexeddb://moved');
    out.afterRemove = await names();
    try {
      await km.io.removeModel('indexeddb://moved');
    } catch (e) {
      out.removeMissing = e.message;
    }
    const moved = await km.loadLayersModel('indexeddb://kerasm-test');
    out.loadsAfter = moved.countParams();
    moved.dispose();
    return out;
  });
  assert.deepEqual(r.start, ['indexeddb://kerasm-test', 'localstorage://kerasm-test']);
  assert.deepEqual(r.afterCopy, ['indexeddb://kerasm-test', 'localstorage://copied', 'localstorage://kerasm-test']);
  assert.deepEqual(r.afterMove, ['indexeddb://kerasm-test', 'indexeddb://moved', 'localstorage://kerasm-test']);
  assert.deepEqual(r.afterRemove, r.start);
  assert.match(r.removeMissing, /no model at indexeddb:\/\/moved/);
  assert.equal(r.loadsAfter, 4 * 5 + 5 + 5 * 2 + 2);
});

test('tfjs-layers in the same page reads what kerasm stored, and kerasm reads what tfjs stored', async () => {
  const r = await page.evaluate(async () => {
    const {km, tf} = window;
    const x = [[0.5, -1, 2, 0.25]];
    const ours = km.sequential({layers: [km.layers.dense({units: 3, inputShape: [4], activation: 'tanh', name: 'shared_d'})]});
    await ours.save('indexeddb://from-kerasm');
    const theirs = await tf.loadLayersModel('indexeddb://from-kerasm');
    const a = {want: Array.from(ours.predict(km.tensor(x)).dataSync()), got: Array.from(theirs.predict(tf.tensor(x)).dataSync())};
    const tfModel = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [4], activation: 'sigmoid', name: 'tf_d'})]});
    await tfModel.save('localstorage://from-tfjs');
    const back = await km.loadLayersModel('localstorage://from-tfjs');
    const b = {want: Array.from(tfModel.predict(tf.tensor(x)).dataSync()), got: Array.from(back.predict(km.tensor(x)).dataSync())};
    ours.dispose();
    back.dispose();
    return {a, b};
  });
  for (const side of [r.a, r.b]) {
    side.want.forEach((v, i) => assert.ok(Math.abs(side.got[i] - v) <= 1e-6 + 1e-5 * Math.abs(v), `${side.got} vs ${side.want}`));
  }
});

test('downloads:// saves two files, which browserFiles loads back from an <input type=file>', async () => {
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  const want = await page.evaluate(async () => {
    const km = window.km;
    window.dl = km.sequential({layers: [km.layers.dense({units: 3, inputShape: [2], name: 'dl'})]});
    await window.dl.save('downloads://my-model');
    return Array.from(window.dl.predict(km.tensor([[1, -1]])).dataSync());
  });
  for (let i = 0; i < 50 && downloads.length < 2; ++i) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(downloads.map((d) => d.suggestedFilename()).sort(), ['my-model.json', 'my-model.weights.bin']);
  const paths = {};
  for (const d of downloads) {
    const p = join(userDataDir, d.suggestedFilename());
    await d.saveAs(p);
    paths[d.suggestedFilename()] = p;
  }
  await page.setInputFiles('#files', [paths['my-model.json'], paths['my-model.weights.bin']]);
  const got = await page.evaluate(async () => {
    const km = window.km;
    const files = Array.from(document.getElementById('files').files);
    const model = await km.loadLayersModel(km.io.browserFiles(files));
    const out = Array.from(model.predict(km.tensor([[1, -1]])).dataSync());
    model.dispose();
    window.dl.dispose();
    let missing;
    try {
      await km.loadLayersModel(km.io.browserFiles(files.slice(0, 1)));
    } catch (e) {
      missing = e.message;
    }
    return {out, missing};
  });
  assert.deepEqual(got.out, want);
  assert.match(got.missing, /weight file 'my-model\.weights\.bin' was not among the files given/);
});

// Keras files in the page: downloads:// with a .keras / .h5 name saves that one file (h5wasm and fflate
// fetched on first use from the package's node_modules), and loadKerasModel reads it back from a File.
test('downloads://m.keras and downloads://m.h5 save one Keras file each, which loadKerasModel reads from an <input type=file>', async () => {
  const downloads = [];
  page.on('download', (d) => downloads.push(d));
  const want = await page.evaluate(async () => {
    const km = window.km;
    window.kdl = km.sequential({layers: [km.layers.dense({units: 3, inputShape: [2], name: 'kdl'}), km.layers.dense({units: 2})]});
    await window.kdl.save('downloads://m.keras');
    await window.kdl.save('downloads://m.h5');
    return Array.from(window.kdl.predict(km.tensor([[1, -1]])).dataSync());
  });
  for (let i = 0; i < 50 && downloads.length < 2; ++i) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(downloads.map((d) => d.suggestedFilename()).sort(), ['m.h5', 'm.keras']);
  const paths = [];
  for (const d of downloads) {
    const p = join(userDataDir, d.suggestedFilename());
    await d.saveAs(p);
    paths.push(p);
  }
  await page.setInputFiles('#files', paths);
  const got = await page.evaluate(async () => {
    const km = window.km;
    const out = [];
    for (const file of Array.from(document.getElementById('files').files)) {
      const model = await km.models.loadKerasModel(file);
      out.push(Array.from(model.predict(km.tensor([[1, -1]])).dataSync()));
      model.dispose();
    }
    window.kdl.dispose();
    return out;
  });
  assert.deepEqual(got, [want, want]);
});
