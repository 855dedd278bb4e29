// Recurrent layers beyond the generic test: the Keras 2.1 fixtures (stateful and go_backwards variants,
// Keras 2's hard_sigmoid), masks from Embedding / Masking, stateful layers and resetStates, initial states
// (apply kwargs and functional inputs), returnState, dropout in training, config round trips through model
// JSON, training, the errors, and tensor accounting — against tfjs-layers where it has the option.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {tfRecurrent} from './recurrent_reference.mjs';
import {assertClose, km, pair, randomValues, tf} from './support.mjs';

const CASES_JSON = new URL('../../shared/fixtures/keras-layer-outputs/cases.json', import.meta.url);

function tfTensor(t) {
  return tf.tensor(t.dataSync(), t.shape, t.dtype);
}

// Random weights of the layer's shapes, set on both.
function sameRandomWeights(kmLayer, tfLayer, seed = 40) {
  const weights = kmLayer.getWeights().map((w, i) => km.tensor(randomValues(w.size, seed + i, -0.6, 0.6), w.shape));
  kmLayer.setWeights(weights);
  tfLayer.setWeights(weights.map(tfTensor));
  km.dispose(weights);
}

test('Keras 2.1 fixtures: SimpleRNN, GRU and LSTM (go_backwards, stateful, hard_sigmoid) give what Keras computed', async (t) => {
  if (!existsSync(CASES_JSON)) {
    t.skip('../shared/fixtures/keras-layer-outputs is absent');
    return;
  }
  const cases = JSON.parse(readFileSync(CASES_JSON, 'utf8')).filter((c) => c.id.startsWith('recurrent.'));
  assert.ok(cases.length >= 15, `${cases.length} recurrent fixtures`);
  for (const c of cases) {
    const stateful = c.config.stateful === true;
    const layerConfig = {...c.config, batch_input_shape: [stateful ? 1 : null, ...c.inputShape]};
    const model = await km.models.modelFromJSON({
      class_name: 'Sequential', keras_version: '2.1.2',
      config: {layers: [{class_name: c.className, config: layerConfig}]},
    });
    km.tidy(() => {
      model.setWeights(c.weights.map((w) => km.tensor(w.data, w.shape)));
      const x = km.tensor(c.input.data, [1, ...c.input.shape]);
      // Stateful cases: Keras ran the layer twice on the same input; the second output is expected.
      if (stateful) model.predict(x);
      const y = model.predict(x);
      assertClose(y, {shape: [1, ...c.expected.shape], dtype: 'float32', dataSync: () => Float32Array.from(c.expected.data)},
                  {rtol: 1e-4, atol: 1e-5, what: c.id});
    });
    model.dispose();
  }
});

test('masks from Embedding(maskZero) and Masking reach the RNN as in tfjs (held states, repeated outputs)', () => {
  const indices = [[3, 1, 0, 4, 0], [0, 0, 2, 2, 1], [0, 0, 0, 0, 0]];
  for (const [factory, extra] of [['lstm', {recurrentActivation: 'sigmoid'}], ['gru', {resetAfter: false, recurrentActivation: 'sigmoid'}],
                                  ['simpleRNN', {}]]) {
    for (const goBackwards of [false, true]) {
      tf.tidy(() => km.tidy(() => {
        const rnn = {units: 3, returnSequences: true, goBackwards, ...extra};
        const kmModel = km.sequential({layers: [km.layers.embedding({inputDim: 5, outputDim: 2, maskZero: true, inputLength: 5}),
                                                km.layers[factory](rnn)]});
        const tfModel = tf.sequential({layers: [tf.layers.embedding({inputDim: 5, outputDim: 2, maskZero: true, inputLength: 5}),
                                                tf.layers[factory](rnn)]});
        const weights = kmModel.getWeights().map((w, i) => km.tensor(randomValues(w.size, 60 + i, -0.8, 0.8), w.shape));
        kmModel.setWeights(weights);
        tfModel.setWeights(weights.map(tfTensor));
        const y = kmModel.predict(km.tensor(indices, [3, 5], 'int32'));
        assertClose(y, tfModel.predict(tf.tensor(indices, [3, 5], 'int32')), {rtol: 1e-5, atol: 1e-6,
                                                                              what: `${factory} goBackwards=${goBackwards}`});
        kmModel.dispose();
      }));
    }
  }
  // Masking (maskValue 0 on whole steps) into a GRU with resetAfter, against the formula with the mask.
  tf.tidy(() => km.tidy(() => {
    const values = randomValues(2 * 4 * 3, 5);
    for (const step of [1, 2]) for (let f = 0; f < 3; ++f) values[step * 3 + f] = 0;  // sample 0, steps 1 and 2
    const x = km.tensor(values, [2, 4, 3]);
    const masking = km.layers.masking({maskValue: 0});
    const gru = km.layers.gru({units: 2, returnSequences: true, biasInitializer: 'randomUniform'});
    const model = km.sequential({layers: [km.layers.inputLayer({inputShape: [4, 3]}), masking, gru]});
    const w = gru.getWeights().map(tfTensor);
    const mask = tf.tensor([[1, 0, 0, 1], [1, 1, 1, 1]]);
    assertClose(model.predict(x), tfRecurrent('gru', tf.tensor(values, [2, 4, 3]), w, {units: 2, returnSequences: true, mask})[0],
                {rtol: 1e-5, atol: 1e-6, what: 'Masking + GRU'});
    model.dispose();
  }));
});

test('stateful layers continue from their states until resetStates, as tfjs', () => {
  tf.tidy(() => km.tidy(() => {
    const config = {units: 3, stateful: true, batchInputShape: [2, 4, 3], recurrentActivation: 'sigmoid', returnSequences: true};
    const kmLayer = km.layers.lstm(config);
    const tfLayer = tf.layers.lstm(config);
    const kmModel = km.sequential({layers: [kmLayer]});
    const tfModel = tf.sequential({layers: [tfLayer]});
    sameRandomWeights(kmLayer, tfLayer);
    const [x1, tx1] = pair([2, 4, 3], 1);
    const [x2, tx2] = pair([2, 4, 3], 2);
    assertClose(kmModel.predict(x1), tfModel.predict(tx1), {what: 'first call'});
    assertClose(kmModel.predict(x2), tfModel.predict(tx2), {what: 'second call continues'});
    kmModel.resetStates();
    tfModel.resetStates();
    assertClose(kmModel.predict(x2), tfModel.predict(tx2), {what: 'after resetStates'});
    // resetStates(states) sets them.
    const [h, th] = pair([2, 3], 3);
    const [c, tc] = pair([2, 3], 4);
    kmLayer.resetStates([h, c]);
    tfLayer.resetStates([th, tc]);
    assertClose(kmModel.predict(x1), tfModel.predict(tx1), {what: 'after resetStates(states)'});
    assert.throws(() => kmModel.predict(km.zeros([3, 4, 3])), /expects shape \[2,4,3\].*\[3,4,3\]/);
    assert.throws(() => kmLayer.apply(km.zeros([3, 4, 3])), /batch size 2.*batch size 3/);
    assert.throws(() => kmLayer.resetStates([h]), /2 state\(s\), got 1/);
    kmModel.dispose();
  }));
  // Built on a symbolic input without a batch size, a stateful layer cannot know its states' shape.
  assert.throws(() => km.layers.gru({units: 2, stateful: true}).apply(km.input({shape: [3, 4]})), /stateful.*batch size/);
  assert.throws(() => km.layers.dense({units: 2}).resetStates([km.zeros([1, 2])]), /stateful RNN/);
});

test('initial states: apply(x, {initialState}) and symbolic state inputs match tfjs; returnState gives the states', () => {
  tf.tidy(() => km.tidy(() => {
    const config = {units: 3, returnState: true, recurrentActivation: 'sigmoid'};
    const kmLayer = km.layers.lstm(config);
    const tfLayer = tf.layers.lstm(config);
    kmLayer.build([null, 5, 2]);
    tfLayer.build([null, 5, 2]);
    tfLayer.built = true;
    sameRandomWeights(kmLayer, tfLayer);
    const [x, tx] = pair([2, 5, 2], 1);
    const [h, th] = pair([2, 3], 2);
    const [c, tc] = pair([2, 3], 3);
    const outs = kmLayer.apply(x, {initialState: [h, c]});
    const tfOuts = tfLayer.apply(tx, {initialState: [th, tc]});
    assert.equal(outs.length, 3);
    outs.forEach((o, i) => assertClose(o, tfOuts[i], {what: `output ${i}`}));
    // Gradients reach the initial states.
    const [dh, dc] = km.grads((a, b) => kmLayer.apply(x, {initialState: [a, b]})[0])([h, c]);
    const [tdh, tdc] = tf.grads((a, b) => tfLayer.apply(tx, {initialState: [a, b]})[0])([th, tc]);
    assertClose(dh, tdh, {rtol: 1e-4, atol: 1e-5, what: 'dh0'});
    assertClose(dc, tdc, {rtol: 1e-4, atol: 1e-5, what: 'dc0'});

    // A functional encoder-decoder: the encoder's states are the decoder's initial states.
    const build = (lib, enc, dec) => {
      const inEnc = lib.input({shape: [5, 2]});
      const inDec = lib.input({shape: [4, 2]});
      const [, sh, sc] = enc.apply(inEnc);
      const y = dec.apply(inDec, {initialState: [sh, sc]});
      return lib.model({inputs: [inEnc, inDec], outputs: y});
    };
    const decConfig = {units: 3, returnSequences: true, recurrentActivation: 'sigmoid'};
    const kmDec = km.layers.lstm(decConfig), tfDec = tf.layers.lstm(decConfig);
    const kmModel = build(km, kmLayer, kmDec);
    const tfModel = build(tf, tfLayer, tfDec);
    sameRandomWeights(kmDec, tfDec, 80);
    const [xd, txd] = pair([2, 4, 2], 9);
    assertClose(kmModel.predict([x, xd]), tfModel.predict([tx, txd]), {what: 'encoder-decoder'});
    // Its JSON comes back as the same model.
    const copyConfig = kmModel.toJSON(null, false);
    assert.ok(JSON.stringify(copyConfig).includes('lstm'));
    kmModel.dispose();
  }));
  assert.throws(() => km.layers.gru({units: 2}).apply(km.zeros([2, 3, 4]), {initialState: [km.zeros([2, 2]), km.zeros([2, 2])]}),
                /expects 1 to 2 inputs.*received 3/);
  assert.throws(() => km.layers.gru({units: 2}).apply(km.zeros([2, 3, 4]), {initialState: km.zeros([2, 3])}),
                /initial state 0 must have shape \[2,2\]/);
});

test('dropout acts only in training, with one mask per call; the layer trains', () => {
  km.tidy(() => {
    const layer = km.layers.simpleRNN({units: 4, dropout: 0.5, recurrentDropout: 0.5, seed: 2, returnSequences: true});
    const x = km.tensor(randomValues(8 * 6 * 3, 1), [8, 6, 3]);
    const a = layer.apply(x).dataSync();
    assert.deepEqual(layer.apply(x).dataSync(), a, 'inference is deterministic');
    const t1 = layer.apply(x, {training: true}).dataSync();
    const t2 = layer.apply(x, {training: true}).dataSync();
    assert.notDeepEqual(t1, a);
    assert.notDeepEqual(t1, t2);
    layer.dispose();
  });
  // An LSTM learns the sum of its inputs' signs (loss falls by half within a few epochs).
  const xs = km.tensor(randomValues(64 * 5 * 2, 3), [64, 5, 2]);
  const ys = km.tidy(() => xs.sum([1, 2]).reshape([64, 1]).tanh());
  const model = km.sequential({layers: [km.layers.lstm({units: 8, inputShape: [5, 2]}), km.layers.dense({units: 1})]});
  model.compile({optimizer: km.train.adam(0.03), loss: 'meanSquaredError'});
  return model.fit(xs, ys, {epochs: 25, batchSize: 16, verbose: 0}).then((h) => {
    const loss = h.history.loss;
    assert.ok(loss[loss.length - 1] < loss[0] / 2, `loss ${loss[0]} -> ${loss[loss.length - 1]}`);
    model.dispose();
    km.dispose([xs, ys]);
  });
});

test('RNN over serialized cells and stacked cells round-trips through model JSON', async () => {
  const model = km.sequential({layers: [
    km.layers.rnn({cell: [{className: 'LSTMCell', config: {units: 3}}, {className: 'GRUCell', config: {units: 2}}],
                   inputShape: [4, 3], returnSequences: true}),
  ]});
  const copy = await km.models.modelFromJSON(model.toJSON());
  copy.setWeights(model.getWeights());
  km.tidy(() => {
    const x = km.tensor(randomValues(2 * 4 * 3, 4), [2, 4, 3]);
    assertClose(copy.predict(x), model.predict(x));
    const config = model.layers[0].getConfig();
    assert.equal(config.cell.className, 'StackedRNNCells');
    assert.equal(config.cell.config.cells.length, 2);
  });
  assert.deepEqual(model.getWeights().map((w) => w.shape), [[3, 12], [3, 12], [12], [3, 6], [2, 6], [2, 6]]);
  model.dispose();
  copy.dispose();
});

test('errors name the layer and the shapes; nothing leaks', () => {
  const before = km.memory().numTensors;
  const layer = km.layers.lstm({units: 2, name: 'enc'});
  km.tidy(() => assert.throws(() => layer.apply(km.zeros([2, 3])), /LSTM 'enc'.*rank >= 3.*\[2,3\]/));
  assert.throws(() => km.layers.lstm({units: -1}), /units/);
  assert.throws(() => km.layers.rnn({returnSequences: true}), /cell/);
  assert.throws(() => km.layers.rnn({cell: {className: 'Dense', config: {units: 1}}}), /RNN cell.*Dense/);
  assert.throws(() => km.layers.gru({units: 2, recurrentDropout: 2}), /recurrentDropout/);
  km.tidy(() => {
    for (let i = 0; i < 3; ++i) layer.apply(km.ones([1, 4, 3]), {training: i === 1});
  });
  layer.dispose();
  assert.equal(km.memory().numTensors, before);
});

// tfjs-layers' own saved recurrent models (its tfjs2keras integration data: model.json, weights and the
// inputs and outputs tfjs recorded): loaded with km.loadLayersModel, they predict what tfjs predicted.
const TFJS2KERAS = new URL('../../shared/fixtures/models/tfjs-layers-tfjs2keras/integration_tests/tfjs2keras/test-data/',
                           import.meta.url);

test('tfjs-layers-saved GRU, SimpleRNN, TimeDistributed(LSTM) and Bidirectional(LSTM) models predict their recorded outputs', async (t) => {
  if (!existsSync(TFJS2KERAS)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  const registered = new Set(km.layers.registeredLayers().map((c) => c.className));
  const read = (name) => JSON.parse(readFileSync(new URL(name, TFJS2KERAS), 'utf8'));
  let checked = 0;
  for (const name of ['gru', 'simple_rnn', 'time_distributed_lstm', 'bidirectional_lstm']) {
    const text = JSON.stringify(read(`${name}/model.json`).modelTopology);
    if (['TimeDistributed', 'Bidirectional'].some((c) => text.includes(`"${c}"`) && !registered.has(c))) continue;
    const model = await km.loadLayersModel(`file://${new URL(`${name}/model.json`, TFJS2KERAS).pathname}`);
    const xs = read(`${name}.xs-data.json`).map((v, i) => km.tensor(v, read(`${name}.xs-shapes.json`)[i]));
    const [yShape] = read(`${name}.ys-shapes.json`);
    const [yValues] = read(`${name}.ys-data.json`);
    const y = model.predict(xs.length === 1 ? xs[0] : xs);
    assertClose(y, {shape: yShape, dtype: 'float32', dataSync: () => Float32Array.from(yValues)}, {atol: 1e-4, rtol: 1e-3, what: name});
    km.dispose([...xs, y]);
    model.dispose();
    checked += 1;
  }
  assert.equal(checked, 4, `${checked} models checked`);
});

test('a recurrent model saved by kerasm loads in tfjs-layers and back, with the same predictions', async () => {
  const model = km.sequential({layers: [
    km.layers.embedding({inputDim: 7, outputDim: 3, maskZero: true, inputLength: 5}),
    km.layers.lstm({units: 4, returnSequences: true, recurrentActivation: 'sigmoid'}),
    km.layers.gru({units: 2, resetAfter: false, recurrentActivation: 'sigmoid', goBackwards: true}),
    km.layers.dense({units: 1}),
  ]});
  let artifacts;
  await model.save(km.io.withSaveHandler(async (a) => { artifacts = a; }));
  assert.deepEqual(artifacts.weightSpecs.map((s) => s.name).slice(1, 4).map((n) => n.split('/')[1]),
                   ['kernel', 'recurrent_kernel', 'bias']);
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const back = await km.loadLayersModel(km.io.fromMemory(artifacts));
  const indices = [[1, 3, 0, 6, 2], [0, 0, 5, 4, 1]];
  km.tidy(() => tf.tidy(() => {
    const y = model.predict(km.tensor(indices, [2, 5], 'int32'));
    assertClose(y, tfModel.predict(tf.tensor(indices, [2, 5], 'int32')), {what: 'tfjs'});
    assertClose(back.predict(km.tensor(indices, [2, 5], 'int32')), y, {what: 'round trip'});
  }));
  model.dispose();
  back.dispose();
});
