// Saving and loading in the tfjs layers-model format: file:// round trips (sharded), interchange with
// tfjs-layers in both directions through its own io handlers, http(s) against a local server, quantized
// weights, the published tfjs fixtures, and bad files that must fail clearly and leave nothing behind.
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {assertClose, km, randomValues, tf} from './support.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kerasm-io-'));
after(() => rmSync(dir, {recursive: true, force: true}));
const FIXTURES = new URL('../../shared/fixtures/models/', import.meta.url);

function mlp(lib, name = 'mlp') {
  return lib.sequential({name, layers: [
    lib.layers.dense({units: 7, inputShape: [5], activation: 'tanh', name: `${name}_hidden`}),
    lib.layers.dense({units: 3, activation: 'softmax', name: `${name}_out`}),
  ]});
}

function sameWeights(a, b, what) {
  const wa = a.getWeights();
  const wb = b.getWeights();
  assert.equal(wa.length, wb.length, `${what}: weight count`);
  wa.forEach((w, i) => assertClose(w, wb[i], {atol: 0, rtol: 0, what: `${what} weight ${i}`}));
  km.dispose([wa, wb]);
}

function samePredictions(a, b, x, what) {
  const ya = a.predict(x);
  const yb = b.predict(x);
  assertClose(ya, yb, {atol: 0, rtol: 0, what});
  km.dispose([ya, yb]);
}

test('file:// round trip: same config, weights, predictions and training config; fit continues', async () => {
  const model = mlp(km);
  model.compile({optimizer: km.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  const x = km.tensor(randomValues(6 * 5, 1), [6, 5]);
  const y = km.oneHot(km.tensor([0, 1, 2, 0, 1, 2], [6], 'int32'), 3, 1, 0, 'float32');
  km.tidy(() => model.trainOnBatch(x, y));
  const target = `file://${join(dir, 'mlp')}`;
  const result = await model.save(target);
  assert.equal(result.modelArtifactsInfo.modelTopologyType, 'JSON');
  assert.equal(result.modelArtifactsInfo.weightDataBytes, (5 * 7 + 7 + 7 * 3 + 3) * 4);
  const files = readdirSync(join(dir, 'mlp')).sort();
  assert.deepEqual(files, ['group1-shard1of1.bin', 'model.json']);
  const json = JSON.parse(readFileSync(join(dir, 'mlp', 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.match(json.generatedBy, /^kerasm /);
  assert.deepEqual(json.weightsManifest[0].weights.map((w) => w.name),
    ['mlp_hidden/kernel', 'mlp_hidden/bias', 'mlp_out/kernel', 'mlp_out/bias']);

  // A second live model with the same layer names: its variables' names get suffixes, its file names do not.
  const loaded = await km.loadLayersModel(`${target}/model.json`);
  assert.equal(loaded.toJSON(), model.toJSON());
  sameWeights(model, loaded, 'loaded');
  samePredictions(model, loaded, x, 'predictions');
  assert.equal(loaded.optimizer.getClassName(), 'Adam');
  assert.equal(loaded.optimizer.getConfig().learningRate, 0.02);
  assert.deepEqual(loaded.metricsNames, model.metricsNames);
  const [before, accBefore] = loaded.evaluate(x, y);
  for (let i = 0; i < 20; ++i) km.tidy(() => loaded.trainOnBatch(x, y));
  const [afterFit, accAfter] = loaded.evaluate(x, y);
  assert.ok(afterFit.dataSync()[0] < before.dataSync()[0], 'training continues after loading');
  km.dispose([accBefore, accAfter]);
  // Saving the loaded model again (its variables are the suffixed ones) writes the same names.
  const again = await loaded.save(km.io.withSaveHandler(async () => {}));
  assert.ok(again.modelArtifactsInfo.weightDataBytes > 0);
  let names;
  await loaded.save(km.io.withSaveHandler(async (a) => { names = a.weightSpecs.map((s) => s.name); }));
  assert.deepEqual(names, json.weightsManifest[0].weights.map((w) => w.name));
  km.dispose([x, y, before, afterFit]);
  model.optimizer.dispose();
  loaded.optimizer.dispose();
  model.dispose();
  loaded.dispose();
});

test('file:// shards weights at 4 MB, as tfjs does, and loads them back joined', async () => {
  const model = km.sequential({layers: [km.layers.dense({units: 1100, inputShape: [1000], name: 'wide'})]});
  await model.save(`file://${join(dir, 'wide')}`);
  const json = JSON.parse(readFileSync(join(dir, 'wide', 'model.json'), 'utf8'));
  assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of2.bin', 'group1-shard2of2.bin']);
  assert.equal(readFileSync(join(dir, 'wide', 'group1-shard1of2.bin')).byteLength, 4 * 1024 * 1024);
  const loaded = await km.loadLayersModel(`file://${join(dir, 'wide')}`);
  sameWeights(model, loaded, 'sharded');
  model.dispose();
  loaded.dispose();
});

test('a model saved by tfjs-layers loads here and predicts what tfjs predicts', async () => {
  const input = tf.input({shape: [5]});
  const a = tf.layers.dense({units: 6, activation: 'relu', name: 'a'}).apply(input);
  const b = tf.layers.dense({units: 4, activation: 'sigmoid', name: 'b'}).apply(a);
  const out = tf.layers.dense({units: 2, activation: 'softmax', name: 'out'}).apply(b);
  const tfModel = tf.model({inputs: input, outputs: out});
  tfModel.compile({optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  await tfModel.fit(tf.ones([2, 5]), tf.tensor([[1, 0], [0, 1]]), {epochs: 1, verbose: 0});
  let artifacts;
  // includeOptimizer: tfjs then writes its training config and its optimizer's weights after the model's.
  await tfModel.save(tf.io.withSaveHandler(async (art) => {
    artifacts = art;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }), {includeOptimizer: true});
  assert.ok(artifacts.weightSpecs.some((s) => s.group === 'optimizer'), 'tfjs wrote optimizer weights');
  const model = await km.loadLayersModel(km.io.fromMemory(artifacts));
  const values = randomValues(4 * 5, 3);
  const want = tfModel.predict(tf.tensor(values, [4, 5]));
  const x = km.tensor(values, [4, 5]);
  const got = model.predict(x);
  assertClose(got, {shape: want.shape, dtype: want.dtype, dataSync: () => want.dataSync()}, {atol: 1e-6, rtol: 1e-5});
  assert.equal(model.optimizer.getClassName(), 'Adam');
  assert.equal(model.optimizer.getConfig().learningRate, 0.05);
  assert.deepEqual(model.metricsNames, ['loss', 'acc']);
  // Artifacts given directly work too.
  const direct = await km.loadLayersModel(artifacts);
  samePredictions(model, direct, x, 'direct artifacts');
  km.dispose([x, got]);
  model.optimizer.dispose();
  direct.optimizer.dispose();
  model.dispose();
  direct.dispose();
  tf.dispose([want, tfModel]);
});

test('a model saved here loads in tfjs-layers and predicts what kerasm predicts', async () => {
  const model = mlp(km, 'ours');
  let artifacts;
  await model.save(km.io.withSaveHandler(async (art) => { artifacts = art; }));
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const values = randomValues(3 * 5, 4);
  const x = km.tensor(values, [3, 5]);
  const ours = model.predict(x);
  const theirs = tfModel.predict(tf.tensor(values, [3, 5]));
  assertClose(ours, {shape: theirs.shape, dtype: theirs.dtype, dataSync: () => theirs.dataSync()}, {atol: 1e-6, rtol: 1e-5});
  km.dispose([x, ours]);
  tf.dispose([theirs, tfModel]);
  model.dispose();
});

test('http:// loads model.json and shards from a server (requestInit, weightPathPrefix, onProgress) and saves by POST', async () => {
  const model = mlp(km, 'served');
  await model.save(`file://${join(dir, 'served')}`);
  let posted = null;
  const seenHeaders = [];
  const server = createServer(async (req, res) => {
    seenHeaders.push(req.headers['x-test']);
    if (req.method === 'POST') {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const form = await new Response(Buffer.concat(chunks), {headers: {'content-type': req.headers['content-type']}}).formData();
      posted = {json: JSON.parse(await form.get('model.json').text()), weights: await form.get('model.weights.bin').arrayBuffer()};
      res.end('{}');
      return;
    }
    const name = req.url.split('/').pop();
    const file = join(dir, 'served', name);
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const progress = [];
    const loaded = await km.loadLayersModel(`${base}/models/model.json`, {
      requestInit: {headers: {'x-test': 'yes'}}, onProgress: (f) => progress.push(f),
    });
    sameWeights(model, loaded, 'http');
    assert.deepEqual(progress, [1]);
    assert.ok(seenHeaders.length >= 2 && seenHeaders.every((h) => h === 'yes'), `headers seen: ${seenHeaders}`);
    const prefixed = await km.loadLayersModel(km.io.http(`${base}/models/model.json`, {weightPathPrefix: `${base}/elsewhere`}));
    sameWeights(model, prefixed, 'weightPathPrefix');
    await assert.rejects(km.loadLayersModel(`${base}/none/missing.json`), /HTTP 404/);
    await model.save(`${base}/upload`);
    assert.equal(posted.json.weightsManifest[0].paths[0], './model.weights.bin');
    assert.equal(posted.weights.byteLength, (5 * 7 + 7 + 7 * 3 + 3) * 4);
    loaded.dispose();
    prefixed.dispose();
  } finally {
    server.close();
    model.dispose();
  }
});

// Affine uint8 / uint16 quantization (value = q * scale + min) and float16, as tfjs' converter writes them.
test('quantized weights (uint8, uint16 with scale and min; float16) are expanded on load', async () => {
  const model = km.sequential({layers: [km.layers.dense({units: 2, inputShape: [3], name: 'q'})]});
  let artifacts;
  await model.save(km.io.withSaveHandler(async (a) => { artifacts = a; }));
  const kernelQ = Uint8Array.from([0, 10, 20, 30, 40, 255]);
  const half = Uint16Array.from([0x3c00, 0xc000]);  // 1.0, -2.0
  const data = new Uint8Array(kernelQ.byteLength + half.byteLength);
  data.set(kernelQ, 0);
  data.set(new Uint8Array(half.buffer), kernelQ.byteLength);
  const specs = [
    {name: 'q/kernel', shape: [3, 2], dtype: 'float32', quantization: {dtype: 'uint8', scale: 0.5, min: -1}},
    {name: 'q/bias', shape: [2], dtype: 'float32', quantization: {dtype: 'float16'}},
  ];
  const loaded = await km.loadLayersModel(km.io.fromMemory({...artifacts, weightSpecs: specs, weightData: data.buffer}));
  const [k, b] = loaded.getWeights();
  assert.deepEqual(Array.from(k.dataSync()), Array.from(kernelQ, (q) => q * 0.5 - 1));
  assert.deepEqual(Array.from(b.dataSync()), [1, -2]);
  const u16 = Uint16Array.from([0, 1, 2, 3, 4, 65535]);
  const loaded16 = await km.loadLayersModel(km.io.fromMemory({...artifacts,
    weightSpecs: [{...specs[0], quantization: {dtype: 'uint16', scale: 0.25, min: 2}}, {name: 'q/bias', shape: [2], dtype: 'float32'}],
    weightData: new Uint8Array([...new Uint8Array(u16.buffer), ...new Uint8Array(new Float32Array([5, 6]).buffer)]).buffer}));
  const [k16] = loaded16.getWeights();
  assert.deepEqual(Array.from(k16.dataSync()), Array.from(u16, (q) => q * 0.25 + 2));
  km.dispose([k, b, k16]);
  model.dispose();
  loaded.dispose();
  loaded16.dispose();
});

test('strict: false ignores extra weights and keeps missing ones at their initial values', async () => {
  const model = mlp(km, 'loose');
  let artifacts;
  await model.save(km.io.withSaveHandler(async (a) => { artifacts = a; }));
  const extraSpec = {name: 'other/kernel', shape: [1], dtype: 'float32'};
  const withExtra = {...artifacts, weightSpecs: [...artifacts.weightSpecs, extraSpec],
    weightData: new Uint8Array([...new Uint8Array(artifacts.weightData), 0, 0, 128, 63]).buffer};
  await assert.rejects(km.loadLayersModel(withExtra), /weights the model lacks: 'other\/kernel'/);
  const loose = await km.loadLayersModel(withExtra, {strict: false});
  sameWeights(model, loose, 'strict false');
  const missing = {...artifacts, weightSpecs: artifacts.weightSpecs.slice(0, 2),
    weightData: artifacts.weightData.slice(0, (5 * 7 + 7) * 4)};
  await assert.rejects(km.loadLayersModel(missing), /no value for weight 'loose_out\/kernel'/);
  const partial = await km.loadLayersModel(missing, {strict: false});
  const [k0] = partial.getWeights();
  const [m0] = model.getWeights();
  assertClose(k0, m0, {atol: 0, rtol: 0});
  km.dispose([k0, m0]);
  model.dispose();
  loose.dispose();
  partial.dispose();
});

async function settledCounts() {
  for (let i = 0; i < 3; ++i) {
    global.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const m = km.memory();
  return {numTensors: m.numTensors, numDataBuffers: m.numDataBuffers};
}

test('bad files fail with an Error naming the file and the part at fault, and leave nothing behind', async () => {
  const model = mlp(km, 'bad');
  await model.save(`file://${join(dir, 'bad')}`);
  const good = JSON.parse(readFileSync(join(dir, 'bad', 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'bad', 'group1-shard1of1.bin'));
  model.dispose();
  const cases = [
    ['truncated JSON', (d) => writeFileSync(join(d, 'model.json'), JSON.stringify(good).slice(0, 200)), /not a model\.json/],
    ['truncated weights', (d) => writeFileSync(join(d, 'group1-shard1of1.bin'), weights.subarray(0, 100)), /needs bytes .* only 100 bytes/],
    ['extra bytes', (d) => writeFileSync(join(d, 'group1-shard1of1.bin'), Buffer.concat([weights, Buffer.alloc(8)])), /describe 264 bytes but the weight data has 272/],
    ['missing shard', (d) => rmSync(join(d, 'group1-shard1of1.bin')), /weight file 'group1-shard1of1\.bin' is missing/],
    ['wrong shape', (d) => {
      const j = structuredClone(good);
      j.weightsManifest[0].weights[0].shape = [7, 5];
      writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    }, /'bad_hidden\/kernel' has shape \[7,5\] in the file but \[5,7\] in the model/],
    ['unknown layer class', (d) => {
      const j = structuredClone(good);
      j.modelTopology.config.layers[1].class_name = 'NoSuchLayer';
      writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    }, /NoSuchLayer/],
    ['huge declared shape', (d) => {
      const j = structuredClone(good);
      j.weightsManifest[0].weights[0].shape = [1e6, 1e6];
      writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    }, /declares 1000000000000 elements/],
    ['no manifest paths', (d) => {
      const j = structuredClone(good);
      delete j.weightsManifest[0].paths;
      writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    }, /weightsManifest\[0\] must have paths and weights/],
  ];
  const base = await settledCounts();
  for (const [name, spoil, message] of cases) {
    const d = join(dir, `bad-${name.replace(/ /g, '-')}`);
    rmSync(d, {recursive: true, force: true});
    mkdirSync(d);
    writeFileSync(join(d, 'model.json'), JSON.stringify(good));
    writeFileSync(join(d, 'group1-shard1of1.bin'), weights);
    spoil(d);
    await assert.rejects(km.loadLayersModel(`file://${d}/model.json`), (e) => {
      assert.match(e.message, message, name);
      assert.ok(e.message.includes(d), `${name}: the message names the file: ${e.message}`);
      return true;
    });
  }
  assert.deepEqual(await settledCounts(), base, 'no tensors or buffers left behind');
  await assert.rejects(km.loadLayersModel('ftp://host/model.json'), /unknown URL scheme/);
  await assert.rejects(km.loadLayersModel(`file://${join(dir, 'nothing-here')}`), /no such file/);
});

test('fixtures: the tfjs-layers MLP predicts its recorded outputs; abalone loads; a graph model is refused', async (t) => {
  if (!existsSync(FIXTURES)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  const data = new URL('tfjs-layers-tfjs2keras/integration_tests/tfjs2keras/test-data/', FIXTURES);
  const read = (name) => JSON.parse(readFileSync(new URL(name, data), 'utf8'));
  const model = await km.loadLayersModel(`file://${new URL('mlp/model.json', data).pathname}`);
  const [xShape] = read('mlp.xs-shapes.json');
  const [xValues] = read('mlp.xs-data.json');
  const [yShape] = read('mlp.ys-shapes.json');
  const [yValues] = read('mlp.ys-data.json');
  const x = km.tensor(xValues, xShape);
  const y = model.predict(x);
  assertClose(y, {shape: yShape, dtype: 'float32', dataSync: () => Float32Array.from(yValues)}, {atol: 1e-4, rtol: 1e-3});
  km.dispose([x, y]);
  model.dispose();

  const abalone = await km.loadLayersModel(`file://${new URL('tfjs-examples/abalone-node-trainedModel/model.json', FIXTURES).pathname}`);
  const inputWidth = abalone.inputs[0].shape[1];
  const p = abalone.predict(km.zeros([2, inputWidth]));
  assert.deepEqual(p.shape, [2, 1]);
  assert.ok(Array.from(p.dataSync()).every(Number.isFinite));
  p.dispose();
  abalone.dispose();

  const base = await settledCounts();
  await assert.rejects(
    km.loadLayersModel(`file://${new URL('tfjs-examples/angular-predictive-prefetching/model.json', FIXTURES).pathname}`),
    /graph model/);
  assert.deepEqual(await settledCounts(), base);
});
