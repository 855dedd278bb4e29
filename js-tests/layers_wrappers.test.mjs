// Wrappers and live layers in configs: a Layer object anywhere in a factory config reaches the C++ as that
// very layer; TimeDistributed and Bidirectional against tfjs-layers with the weights copied across (every
// merge mode, sequences or not, states, masks from Embedding / Masking), config and JSON round trips, the
// Keras 2.1 fixtures, and the errors.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, randomValues, sizeOf, tf} from './support.mjs';

function tfTensor(t) {
  return tf.tensor(t.dataSync(), t.shape, t.dtype);
}

// Random weights into both layers (built for inputShape), so zero-initialized biases matter too.
function copyRandomWeights(kmLayer, tfLayer, inputShape, seed) {
  kmLayer.build(inputShape);
  tfLayer.build(inputShape);
  // tfjs' RNN.build does not mark the layer built, so its first apply would build the cell again.
  tfLayer.built = true;
  const weights = kmLayer.getWeights().map((w, i) => km.tensor(randomValues(w.size, seed + i, -0.7, 0.7), w.shape));
  kmLayer.setWeights(weights);
  tfLayer.setWeights(weights.map(tfTensor));
  km.dispose(weights);
}

function asList(y) {
  return Array.isArray(y) ? y : [y];
}

// ---- live layers ------------------------------------------------------------------------------------

test('a layer object in a config is that very layer: TimeDistributed adopts it, its weights are the wrapper\'s', () => {
  km.tidy(() => {
    const dense = km.layers.dense({units: 3, name: 'live_dense'});
    const td = km.layers.timeDistributed({layer: dense, name: 'td_live'});
    const y = td.apply(km.ones([2, 4, 5]));
    assert.deepEqual(y.shape, [2, 4, 3]);
    assert.deepEqual(td.weights.map((w) => w.name), ['td_live/kernel', 'td_live/bias']);
    // The user's object sees the weights the wrapper trains: writing through one shows in the other.
    assert.equal(dense.built, true);
    dense.setWeights([km.ones([5, 3]), km.zeros([3])]);
    assertClose(td.apply(km.ones([1, 2, 5])), tf.fill([1, 2, 3], 5), {what: 'shared weights'});
    assert.deepEqual(td.getConfig().layer, {className: 'Dense', config: dense.getConfig()});
    td.dispose();
    dense.dispose();
  });
});

test('layer objects at any depth: rnn({cell}), rnn({cell: [a, b]}), stackedRNNCells({cells}) match tfjs', () => {
  const x = randomValues(2 * 4 * 3, 3);
  for (const make of [
    (L) => L.rnn({cell: L.lstmCell({units: 4, recurrentActivation: 'sigmoid'}), returnSequences: true}),
    (L) => L.rnn({cell: [L.lstmCell({units: 3, recurrentActivation: 'sigmoid'}), L.simpleRNNCell({units: 2})]}),
    (L) => L.rnn({cell: L.stackedRNNCells({cells: [L.simpleRNNCell({units: 2}), L.gruCell({units: 3, recurrentActivation: 'sigmoid', ...(L === km.layers ? {resetAfter: false} : {})})]})}),
  ]) {
    tf.tidy(() => km.tidy(() => {
      const kmLayer = make(km.layers);
      const tfLayer = make(tf.layers);
      copyRandomWeights(kmLayer, tfLayer, [null, 4, 3], 20);
      assertClose(kmLayer.apply(km.tensor(x, [2, 4, 3])), tfLayer.apply(tf.tensor(x, [2, 4, 3])),
                  {rtol: 1e-5, atol: 1e-6, what: kmLayer.getConfig().cell.className ?? 'list'});
      kmLayer.dispose();
    }));
  }
});

test('a non-layer object or a disposed layer where a layer is expected names the factory and the key', () => {
  km.tidy(() => {
    assert.throws(() => km.layers.timeDistributed({layer: km.ones([2])}),
                  /layers\.timeDistributed: config\.layer must be a km layer.*Tensor/);
    assert.throws(() => km.layers.rnn({cell: [km.layers.lstmCell({units: 2}), new Map()]}),
                  /layers\.rnn: config\.cell\[1\] must be a km layer/);
    assert.throws(() => km.layers.timeDistributed({layer: {units: 3}}),
                  /TimeDistributed 'time_distributed.*': layer must be a layer .*units/);
    assert.throws(() => km.layers.bidirectional({layer: 3}), /Bidirectional .*layer must be a layer/);
    const gone = km.layers.lstm({units: 2, name: 'gone'});
    gone.dispose();
    assert.throws(() => km.layers.bidirectional({layer: gone}), /layers\.bidirectional: config\.layer: layer 'gone' is disposed/);
    // One layer cannot be a part of two wrappers.
    const d = km.layers.dense({units: 1});
    const first = km.layers.timeDistributed({layer: d});
    assert.throws(() => km.layers.timeDistributed({layer: d}), /already a part of/);
    first.dispose();
  });
});

// ---- TimeDistributed -----------------------------------------------------------------------------------

test('TimeDistributed(Dense) and TimeDistributed(Conv2D) match tfjs, forward and gradients', () => {
  for (const [make, shape] of [
    [(L) => L.dense({units: 3, activation: 'tanh'}), [2, 4, 5]],
    [(L) => L.dense({units: 2}), [2, 3, 4, 5]],
    [(L) => L.conv2d({filters: 3, kernelSize: 2, padding: 'same', activation: 'relu'}), [2, 3, 4, 4, 2]],
  ]) {
    tf.tidy(() => km.tidy(() => {
      const kmLayer = km.layers.timeDistributed({layer: make(km.layers)});
      const tfLayer = tf.layers.timeDistributed({layer: make(tf.layers)});
      copyRandomWeights(kmLayer, tfLayer, [null, ...shape.slice(1)], 30);
      assert.deepEqual(kmLayer.computeOutputShape([null, ...shape.slice(1)]), tfLayer.computeOutputShape([null, ...shape.slice(1)]));
      const v = randomValues(sizeOf(shape), 4);
      const x = km.tensor(v, shape);
      const tx = tf.tensor(v, shape);
      const y = kmLayer.apply(x);
      assertClose(y, tfLayer.apply(tx), {rtol: 1e-5, atol: 1e-6, what: `forward ${shape}`});
      const dy = randomValues(sizeOf(y.shape), 5);
      assertClose(km.grad((a) => kmLayer.apply(a))(x, km.tensor(dy, y.shape)),
                  tf.grad((a) => tfLayer.apply(a))(tx, tf.tensor(dy, y.shape)), {rtol: 1e-4, atol: 1e-5, what: `input gradient ${shape}`});
      kmLayer.dispose();
    }));
  }
});

test('TimeDistributed of a model, of Dropout in training, and in a functional model with an unknown number of steps', () => {
  km.tidy(() => {
    const inner = km.sequential({layers: [km.layers.dense({units: 3, activation: 'relu', inputShape: [5]}), km.layers.dense({units: 2})]});
    const td = km.layers.timeDistributed({layer: inner});
    const x = km.tensor(randomValues(2 * 3 * 5, 16), [2, 3, 5]);
    const y = td.apply(x);
    assert.deepEqual(y.shape, [2, 3, 2]);
    for (let t = 0; t < 3; ++t) {
      assertClose(km.slice(y, [0, t, 0], [2, 1, 2]).reshape([2, 2]), inner.predict(km.slice(x, [0, t, 0], [2, 1, 5]).reshape([2, 5])),
                  {what: `model at step ${t}`});
    }
    // The training flag reaches the inner layer: Dropout drops in training only.
    const drop = km.layers.timeDistributed({layer: km.layers.dropout({rate: 0.5, seed: 1})});
    const ones = km.ones([4, 5, 6]);
    assertClose(drop.apply(ones), ones, {what: 'inference'});
    const dropped = drop.apply(ones, {training: true}).dataSync();
    assert.ok(dropped.some((v) => v === 0) && dropped.some((v) => v === 2), 'training drops and rescales');
    // Symbolic: [batch, T unknown, 5] -> [batch, T unknown, 4].
    const input = km.input({shape: [null, 5]});
    const out = km.layers.timeDistributed({layer: km.layers.dense({units: 4})}).apply(input);
    assert.deepEqual(out.shape, [null, null, 4]);
    const model = km.model({inputs: input, outputs: out});
    assert.deepEqual(model.predict(km.ones([2, 7, 5])).shape, [2, 7, 4]);
    model.dispose();
    td.dispose();
    drop.dispose();
  });
});

test('TimeDistributed passes the mask on and returns it; errors for rank < 3', () => {
  km.tidy(() => {
    const td = km.layers.timeDistributed({layer: km.layers.dense({units: 2}), name: 'td_rank'});
    const mask = km.tensor([[1, 0, 1], [0, 1, 1]]);
    assertClose(td.computeMask(km.ones([2, 3, 4]), mask), mask, {what: 'output mask'});
    assert.throws(() => td.apply(km.ones([2, 3])), /TimeDistributed 'td_rank'.*rank >= 3.*\[2,3\]/);
    td.dispose();
  });
});

// ---- Bidirectional -------------------------------------------------------------------------------------

// The recurrent layers tfjs and kerasm compute alike: Keras 3's sigmoid gates (tfjs' hardSigmoid is Keras
// 2's), GRU without reset_after (tfjs' only form).
const RECURRENT = [
  ['lstm', {recurrentActivation: 'sigmoid'}, {}],
  ['gru', {recurrentActivation: 'sigmoid'}, {resetAfter: false}],
  ['simpleRNN', {}, {}],
];

test('Bidirectional(LSTM / GRU / SimpleRNN) matches tfjs in every merge mode, with and without sequences and states', () => {
  const shape = [2, 4, 3];
  const v = randomValues(sizeOf(shape), 11);
  for (const [factory, both, kmOnly] of RECURRENT) {
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave', null]) {
      for (const returnSequences of [false, true]) {
        for (const returnState of [false, true]) {
          const what = `${factory} ${mergeMode} sequences=${returnSequences} state=${returnState}`;
          tf.tidy(() => km.tidy(() => {
            const inner = {units: 3, returnSequences, returnState, ...both};
            const kmLayer = km.layers.bidirectional({layer: km.layers[factory]({...inner, ...kmOnly}), mergeMode});
            const tfLayer = tf.layers.bidirectional({layer: tf.layers[factory](inner), mergeMode});
            copyRandomWeights(kmLayer, tfLayer, [null, 4, 3], 40);
            assert.deepEqual(kmLayer.computeOutputShape([null, 4, 3]), tfLayer.computeOutputShape([null, 4, 3]), what);
            const x = km.tensor(v, shape);
            const tx = tf.tensor(v, shape);
            const ys = asList(kmLayer.apply(x));
            const tys = asList(tfLayer.apply(tx));
            assert.equal(ys.length, tys.length, what);
            ys.forEach((y, i) => assertClose(y, tys[i], {rtol: 1e-5, atol: 1e-6, what: `${what} output ${i}`}));
            // The input gradient of the first output.
            const dy = randomValues(sizeOf(ys[0].shape), 12);
            assertClose(km.grad((a) => asList(kmLayer.apply(a))[0])(x, km.tensor(dy, ys[0].shape)),
                        tf.grad((a) => asList(tfLayer.apply(a))[0])(tx, tf.tensor(dy, ys[0].shape)),
                        {rtol: 1e-4, atol: 1e-5, what: `${what} input gradient`});
            kmLayer.dispose();
          }));
        }
      }
    }
  }
});

test('Bidirectional initial states: the first half to the forward layer, the second to the backward one, as tfjs', () => {
  tf.tidy(() => km.tidy(() => {
    const inner = {units: 2, recurrentActivation: 'sigmoid', returnSequences: true};
    const kmLayer = km.layers.bidirectional({layer: km.layers.lstm(inner), mergeMode: 'concat'});
    const tfLayer = tf.layers.bidirectional({layer: tf.layers.lstm(inner), mergeMode: 'concat'});
    copyRandomWeights(kmLayer, tfLayer, [null, 3, 4], 50);
    const v = randomValues(2 * 3 * 4, 13);
    const states = [0, 1, 2, 3].map((i) => randomValues(4, 70 + i));
    const y = kmLayer.apply(km.tensor(v, [2, 3, 4]), {initialState: states.map((s) => km.tensor(s, [2, 2]))});
    const ty = tfLayer.apply(tf.tensor(v, [2, 3, 4]), {initialState: states.map((s) => tf.tensor(s, [2, 2]))});
    assertClose(y, ty, {rtol: 1e-5, atol: 1e-6, what: 'with initial states'});
    // Different from the zero states: the states did arrive.
    const zero = kmLayer.apply(km.tensor(v, [2, 3, 4]));
    assert.ok(Math.max(...km.sub(y, zero).abs().dataSync()) > 1e-3);
    kmLayer.dispose();
  }));
});

test('Bidirectional on masks from Embedding(maskZero) and Masking matches tfjs (sequences or the last output)', () => {
  const indices = [[3, 1, 0, 4, 0], [0, 0, 2, 2, 1], [2, 4, 1, 3, 3]];
  for (const [factory, both, kmOnly] of RECURRENT) {
    for (const returnSequences of [false, true]) {
      tf.tidy(() => km.tidy(() => {
        const what = `${factory} sequences=${returnSequences}`;
        const inner = {units: 3, returnSequences, ...both};
        const kmModel = km.sequential({layers: [km.layers.embedding({inputDim: 5, outputDim: 2, maskZero: true, inputLength: 5}),
          km.layers.bidirectional({layer: km.layers[factory]({...inner, ...kmOnly}), mergeMode: 'concat'})]});
        const tfModel = tf.sequential({layers: [tf.layers.embedding({inputDim: 5, outputDim: 2, maskZero: true, inputLength: 5}),
          tf.layers.bidirectional({layer: tf.layers[factory](inner), mergeMode: 'concat'})]});
        const weights = kmModel.getWeights().map((w, i) => km.tensor(randomValues(w.size, 80 + i, -0.8, 0.8), w.shape));
        kmModel.setWeights(weights);
        tfModel.setWeights(weights.map(tfTensor));
        assertClose(kmModel.predict(km.tensor(indices, [3, 5], 'int32')), tfModel.predict(tf.tensor(indices, [3, 5], 'int32')),
                    {rtol: 1e-5, atol: 1e-6, what});
        kmModel.dispose();
      }));
    }
  }
  // Masking: whole zero steps are skipped by both directions.
  tf.tidy(() => km.tidy(() => {
    const v = randomValues(2 * 4 * 3, 14);
    for (const k of [3, 4, 5, 9, 10, 11]) v[k] = 0;  // steps 1 of sample 0 and 3 of sample 0
    const inner = {units: 2, returnSequences: true};
    const kmModel = km.sequential({layers: [km.layers.masking({maskValue: 0, inputShape: [4, 3]}),
      km.layers.bidirectional({layer: km.layers.simpleRNN(inner), mergeMode: 'sum'})]});
    const tfModel = tf.sequential({layers: [tf.layers.masking({maskValue: 0, inputShape: [4, 3]}),
      tf.layers.bidirectional({layer: tf.layers.simpleRNN(inner), mergeMode: 'sum'})]});
    const weights = kmModel.getWeights().map((w, i) => km.tensor(randomValues(w.size, 90 + i, -0.8, 0.8), w.shape));
    kmModel.setWeights(weights);
    tfModel.setWeights(weights.map(tfTensor));
    assertClose(kmModel.predict(km.tensor(v, [2, 4, 3])), tfModel.predict(tf.tensor(v, [2, 4, 3])), {what: 'masking'});
    kmModel.dispose();
  }));
});

test('Bidirectional: forward_ / backward_ copies of the layer, a given backwardLayer, and the checks Keras makes', () => {
  km.tidy(() => {
    const lstm = km.layers.lstm({units: 2, name: 'enc'});
    const bi = km.layers.bidirectional({layer: lstm, name: 'bi'});
    bi.build([null, 3, 4]);
    assert.equal(lstm.built, false, 'the given layer is a template, not a part');
    const names = bi.weights.map((w) => w.name);
    assert.equal(names.length, 6);
    assert.ok(names.slice(0, 3).every((n) => n.startsWith('bi/forward_enc/')), names.join());
    assert.ok(names.slice(3).every((n) => n.startsWith('bi/backward_enc/')), names.join());
    const config = bi.getConfig();
    assert.equal(config.layer.className, 'LSTM');
    assert.equal(config.layer.config.name, 'enc');
    assert.equal(config.mergeMode, 'concat');
    assert.equal('backwardLayer' in config, false);

    const back = km.layers.gru({units: 3, goBackwards: true, name: 'back'});
    const both = km.layers.bidirectional({layer: km.layers.lstm({units: 2}), backwardLayer: back, mergeMode: 'concat'});
    assert.deepEqual(both.apply(km.ones([2, 3, 4])).shape, [2, 5]);
    assert.equal(both.getConfig().backwardLayer.config.name, 'back');
    assert.throws(() => km.layers.bidirectional({layer: km.layers.lstm({units: 2}), backwardLayer: km.layers.lstm({units: 2})}),
                  /different go_backwards/);
    assert.throws(() => km.layers.bidirectional({layer: km.layers.lstm({units: 2, returnSequences: true}),
                                                 backwardLayer: km.layers.lstm({units: 2, goBackwards: true})}),
                  /same return_sequences/);
    assert.throws(() => km.layers.bidirectional({layer: km.layers.lstm({units: 2}), mergeMode: 'max'}), /merge_?[mM]ode.*max/);
    assert.throws(() => km.layers.bidirectional({layer: km.layers.dense({units: 2})}), /recurrent layer.*Dense/);
    bi.dispose();
    both.dispose();
  });
});

// ---- round trips ---------------------------------------------------------------------------------------

test('config and modelFromJSON round trips rebuild the wrappers with their inner layers', async () => {
  const model = km.sequential({layers: [
    km.layers.timeDistributed({layer: km.layers.dense({units: 3, activation: 'relu'}), inputShape: [4, 2]}),
    km.layers.bidirectional({layer: km.layers.gru({units: 2, returnSequences: true}), mergeMode: 'ave'}),
    km.layers.timeDistributed({layer: km.layers.dense({units: 1})}),
  ]});
  const again = await km.models.modelFromJSON(model.toJSON(null, false));
  assert.deepEqual(again.layers.map((l) => l.getConfig()), model.layers.map((l) => l.getConfig()));
  km.tidy(() => {
    again.setWeights(model.getWeights());
    const x = km.tensor(randomValues(3 * 4 * 2, 15), [3, 4, 2]);
    assertClose(again.predict(x), model.predict(x), {what: 'rebuilt model'});
    // A layer from its own getConfig.
    for (const layer of model.layers) {
      const copy = km.layers[layer.getClassName() === 'Bidirectional' ? 'bidirectional' : 'timeDistributed'](layer.getConfig());
      assert.deepEqual(copy.getConfig().layer, layer.getConfig().layer);
      copy.dispose();
    }
  });
  again.dispose();
  model.dispose();
});

// ---- Keras 2.1 fixtures --------------------------------------------------------------------------------

const CASES_JSON = new URL('../../shared/fixtures/keras-layer-outputs/cases.json', import.meta.url);

test('Keras 2.1 fixtures: TimeDistributed and Bidirectional give what Keras computed', async (t) => {
  if (!existsSync(CASES_JSON)) {
    t.skip('../shared/fixtures/keras-layer-outputs is absent');
    return;
  }
  const cases = JSON.parse(readFileSync(CASES_JSON, 'utf8')).filter((c) => c.id.startsWith('wrappers.'));
  assert.ok(cases.length >= 5, `${cases.length} wrapper fixtures`);
  for (const c of cases) {
    // Read as Keras 2.1 wrote it, so its hard_sigmoid is Keras 2's.
    const model = await km.models.modelFromJSON({
      class_name: 'Sequential', keras_version: '2.1.2',
      config: {layers: [{class_name: c.className, config: {...c.config, batch_input_shape: [null, ...c.inputShape]}}]},
    });
    km.tidy(() => {
      model.setWeights(c.weights.map((w) => km.tensor(w.data, w.shape)));
      const y = model.predict(km.tensor(c.input.data, [1, ...c.input.shape]));
      assertClose(y, {shape: [1, ...c.expected.shape], dtype: 'float32', dataSync: () => Float32Array.from(c.expected.data)},
                  {rtol: 1e-4, atol: 1e-5, what: c.id});
    });
    model.dispose();
  }
});
