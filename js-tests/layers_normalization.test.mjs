// BatchNormalization beyond the generic test: inference against tfjs-layers with the same weights (forward
// and gradients, ranks 2 to 4, the channels-first axis 1), training calls against the formula written with
// tfjs ops (batch moments, the moving statistics afterwards, gradients through the batch statistics), one
// training step and a short fit of the same model in both libraries, frozen layers, configs, errors, leaks.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, pair, randomValues, tf} from './support.mjs';

const CASES_FILE = new URL('../../shared/fixtures/keras-layer-outputs/cases.json', import.meta.url);

const uniform = (minval, maxval, seed) => ({className: 'RandomUniform', config: {minval, maxval, seed}});
// Non-trivial weights: gamma around 1, beta and the moving mean around 0, positive moving variances.
const RANDOM_WEIGHTS = {
  gammaInitializer: uniform(0.5, 1.5, 1), betaInitializer: uniform(-1, 1, 2),
  movingMeanInitializer: uniform(-1, 1, 3), movingVarianceInitializer: uniform(0.3, 2, 4),
};

const toTf = (t) => tf.tensor(t.dataSync(), t.shape);

// Keras' training-mode formula with tfjs ops: the batch mean and biased variance over every axis but `axis`.
function trainingFormula(x, gamma, beta, axis, epsilon) {
  const a = axis < 0 ? axis + x.rank : axis;
  const reduce = [...Array(x.rank).keys()].filter((d) => d !== a);
  const {mean, variance} = tf.moments(x, reduce, true);
  const shape = Array(x.rank).fill(1);
  shape[a] = x.shape[a];
  let y = x.sub(mean).div(tf.sqrt(variance.add(epsilon)));
  if (gamma) y = y.mul(gamma.reshape(shape));
  if (beta) y = y.add(beta.reshape(shape));
  return {y, mean: mean.reshape([-1]), variance: variance.reshape([-1])};
}

// Keras' inference formula with tfjs' broadcasting element-wise ops.
function inferenceFormula(x, [gamma, beta, mean, variance], axis, epsilon) {
  const a = axis < 0 ? axis + x.rank : axis;
  const shape = Array(x.rank).fill(1);
  shape[a] = x.shape[a];
  let y = x.sub(mean.reshape(shape)).div(tf.sqrt(variance.reshape(shape).add(epsilon)));
  if (gamma) y = y.mul(gamma.reshape(shape));
  if (beta) y = y.add(beta.reshape(shape));
  return y;
}

const isLastAxis = (axis, rank) => axis === -1 || axis === rank - 1;

// tfjs' cpu batchNorm kernel indexes the statistics as if they were on the last axis, whatever their
// shape (tf.batchNorm with a [1, C, 1, 1] mean is wrong): for another axis, tfjs-layers' output is not an
// oracle, and the formula with broadcasting ops is.
test('inference matches tfjs-layers (last axis) and the formula (any axis): forward and gradients', () => {
  const cases = [
    {config: {}, shape: [4, 3]},
    {config: {epsilon: 0.01}, shape: [2, 3, 5]},
    {config: {axis: 3, center: false}, shape: [2, 2, 3, 2]},
    {config: {axis: 1}, shape: [2, 3, 4, 2]},              // channels-first convolution output
    {config: {axis: -2, center: false}, shape: [2, 4, 3]},
    {config: {axis: 2, scale: false}, shape: [2, 2, 3, 2]},
  ];
  for (const {config, shape} of cases) {
    tf.tidy(() => km.tidy(() => {
      const axis = config.axis ?? -1;
      const layer = km.layers.batchNormalization({...config, ...RANDOM_WEIGHTS});
      const [x, tx] = pair(shape, 5);
      const y = layer.apply(x);
      const weights = layer.getWeights().map(toTf);
      const full = [config.scale === false ? null : weights.shift(), config.center === false ? null : weights.shift(),
                    ...weights];
      const what = JSON.stringify(config);
      const [dy, tdy] = pair(shape, 6);
      const trainable = full.slice(0, 2).filter((w) => w !== null);
      const formula = (v, ...w) => {
        const it = w[Symbol.iterator]();
        const args = full.map((f, i) => (i < 2 && f !== null ? it.next().value : f));
        return inferenceFormula(v, args, axis, config.epsilon ?? 1e-3);
      };
      assertClose(y, formula(tx, ...trainable), {rtol: 1e-5, atol: 1e-5, what: `${what} forward`});
      const tg = tf.grads(formula)([tx, ...trainable], tdy);
      assertClose(km.grad((v) => layer.apply(v))(x, dy), tg[0], {rtol: 1e-4, atol: 1e-5, what: `${what} input gradient`});
      const kmVars = layer.trainableWeights.map((w) => w.read());
      assert.equal(kmVars.length, trainable.length);
      const kg = km.variableGrads(() => layer.apply(x).mul(dy).sum(), kmVars);
      kmVars.forEach((v, i) => assertClose(kg.grads[v.name], tg[1 + i], {rtol: 1e-4, atol: 1e-5, what: `${what} gradient of ${v.name}`}));
      if (isLastAxis(axis, shape.length)) {
        const theirs = tf.layers.batchNormalization(config);
        theirs.build(tx.shape);
        theirs.setWeights(layer.getWeights().map(toTf));
        assertClose(y, theirs.apply(tx), {rtol: 1e-5, atol: 1e-5, what: `${what} tfjs forward`});
        // tfjs cannot differentiate its batchNorm without gamma or beta (an undefined tensor in its gradient).
        if (config.center !== false && config.scale !== false) {
          assertClose(km.grad((v) => layer.apply(v))(x, dy), tf.grad((v) => theirs.apply(v))(tx, tdy),
                      {rtol: 1e-4, atol: 1e-5, what: `${what} tfjs input gradient`});
          const tfVars = theirs.trainableWeights.map((w) => w.read());
          const tvg = tf.variableGrads(() => theirs.apply(tx).mul(tdy).sum(), tfVars);
          kmVars.forEach((v, i) => assertClose(kg.grads[v.name], tvg.grads[tfVars[i].name],
                                               {rtol: 1e-4, atol: 1e-5, what: `${what} tfjs gradient of ${v.name}`}));
        }
      }
      layer.dispose();
    }));
  }
});

test('a training call normalises with the batch statistics and moves the moving ones (ranks 2-4, axis 1)', () => {
  const cases = [
    {axis: -1, shape: [6, 3]},
    {axis: -1, shape: [2, 4, 3]},
    {axis: 1, shape: [2, 3, 4, 2]},
    {axis: 2, shape: [3, 2, 4]},
  ];
  const momentum = 0.9;
  for (const {axis, shape} of cases) {
    tf.tidy(() => km.tidy(() => {
      const layer = km.layers.batchNormalization({axis, momentum, ...RANDOM_WEIGHTS});
      const [x, tx] = pair(shape, 9, -1, 3);
      layer.build(shape);
      const [gamma, beta, mm0, mv0] = layer.getWeights().map(toTf);
      const y = layer.apply(x, {training: true});
      const ref = trainingFormula(tx, gamma, beta, axis, 1e-3);
      const what = `axis ${axis} ${JSON.stringify(shape)}`;
      assertClose(y, ref.y, {rtol: 1e-4, atol: 1e-5, what: `${what} forward`});
      const [, , mm, mv] = layer.getWeights();
      assertClose(mm, mm0.mul(momentum).add(ref.mean.mul(1 - momentum)), {rtol: 1e-5, atol: 1e-6, what: `${what} moving mean`});
      assertClose(mv, mv0.mul(momentum).add(ref.variance.mul(1 - momentum)),
                  {rtol: 1e-5, atol: 1e-6, what: `${what} moving variance`});
      // Inference afterwards uses the moved statistics.
      const shapeB = Array(shape.length).fill(1);
      shapeB[axis < 0 ? axis + shape.length : axis] = shape[axis < 0 ? axis + shape.length : axis];
      const inference = tx.sub(toTf(mm).reshape(shapeB)).div(tf.sqrt(toTf(mv).reshape(shapeB).add(1e-3)))
        .mul(gamma.reshape(shapeB)).add(beta.reshape(shapeB));
      assertClose(layer.apply(x), inference, {rtol: 1e-4, atol: 1e-5, what: `${what} inference after`});
      if (isLastAxis(axis, shape.length)) {
        // tfjs-layers' own training call moves its statistics the same way (biased variance too).
        const theirs = tf.layers.batchNormalization({axis, momentum});
        theirs.build(shape);
        theirs.setWeights([gamma, beta, mm0, mv0]);
        assertClose(y, theirs.apply(tx, {training: true}), {rtol: 1e-4, atol: 1e-5, what: `${what} tfjs forward`});
        const tw = theirs.getWeights();
        assertClose(mm, tw[2], {rtol: 1e-5, atol: 1e-6, what: `${what} tfjs moving mean`});
        assertClose(mv, tw[3], {rtol: 1e-5, atol: 1e-6, what: `${what} tfjs moving variance`});
      }
      layer.dispose();
    }));
  }
});

test('training-mode gradients flow through the batch statistics', () => {
  for (const {axis, shape} of [{axis: -1, shape: [5, 3]}, {axis: 1, shape: [2, 3, 2, 2]}]) {
    tf.tidy(() => km.tidy(() => {
      const layer = km.layers.batchNormalization({axis, ...RANDOM_WEIGHTS});
      const [x, tx] = pair(shape, 21, -2, 2);
      layer.build(shape);
      const [gamma, beta] = layer.getWeights().map(toTf);
      const [dy, tdy] = pair(shape, 22);
      const kg = km.grad((v) => layer.apply(v, {training: true}))(x, dy);
      const tg = tf.grad((v) => trainingFormula(v, gamma, beta, axis, 1e-3).y)(tx, tdy);
      assertClose(kg, tg, {rtol: 1e-3, atol: 1e-4, what: 'input gradient'});
      const vars = layer.trainableWeights.map((w) => w.read());
      const vg = km.variableGrads(() => layer.apply(x, {training: true}).mul(dy).sum(), vars);
      const [gg, gb] = tf.grads((g, b) => trainingFormula(tx, g, b, axis, 1e-3).y)([gamma, beta], tdy);
      assertClose(vg.grads[vars[0].name], gg, {rtol: 1e-4, atol: 1e-5, what: 'gamma gradient'});
      assertClose(vg.grads[vars[1].name], gb, {rtol: 1e-4, atol: 1e-5, what: 'beta gradient'});
      layer.dispose();
    }));
  }
});

function buildModel(lib, bnArgs = {}) {
  const m = lib.sequential();
  m.add(lib.layers.dense({inputShape: [4], units: 3, activation: 'tanh'}));
  m.add(lib.layers.batchNormalization({momentum: 0.8, ...bnArgs}));
  m.add(lib.layers.dense({units: 2}));
  return m;
}

test('one trainOnBatch step and a short fit match the same model in tfjs, moving statistics included', async () => {
  const kmModel = buildModel(km);
  const tfModel = buildModel(tf);
  // Layer by layer: the models list their weights in different orders (a tfjs model lists every trainable
  // weight first, then the moving statistics; kerasm lists them layer by layer).
  const copyWeights = () => kmModel.layers.forEach((l, i) => tfModel.layers[i].setWeights(l.getWeights().map(toTf)));
  copyWeights();
  const xs = randomValues(16 * 4, 31);
  const ys = randomValues(16 * 2, 32);
  kmModel.compile({optimizer: km.train.sgd(0.1), loss: 'meanSquaredError'});
  tfModel.compile({optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError'});
  const kx = km.tensor(xs, [16, 4]);
  const ky = km.tensor(ys, [16, 2]);
  const tx = tf.tensor(xs, [16, 4]);
  const ty = tf.tensor(ys, [16, 2]);
  const bnBefore = kmModel.layers[1].getWeights().map((w) => Array.from(w.dataSync()));

  const kmLoss = kmModel.trainOnBatch(kx, ky);
  const kl = typeof kmLoss === 'number' ? kmLoss : kmLoss.dataSync()[0];
  if (typeof kmLoss !== 'number') kmLoss.dispose();
  const tl = await tfModel.trainOnBatch(tx, ty);
  assert.ok(Math.abs(kl - tl) < 1e-5, `loss ${kl} vs tfjs ${tl}`);
  const compareWeights = (what) => kmModel.layers.forEach((l, i) => {
    const tw = tfModel.layers[i].getWeights();
    l.getWeights().forEach((w, j) => assertClose(w, tw[j], {rtol: 1e-4, atol: 1e-5, what: `${what} layer ${i} weight ${j}`}));
  });
  compareWeights('after trainOnBatch');
  const bnAfter = kmModel.layers[1].getWeights().map((w) => Array.from(w.dataSync()));
  assert.notDeepEqual(bnAfter[2], bnBefore[2], 'the moving mean moved');
  assert.notDeepEqual(bnAfter[3], bnBefore[3], 'the moving variance moved');

  const opts = {epochs: 2, batchSize: 8, shuffle: false, verbose: 0};
  const before = km.memory().numTensors;
  const kh = await kmModel.fit(kx, ky, opts);
  assert.equal(km.memory().numTensors, before, 'fit leaks no tensors');
  const th = await tfModel.fit(tx, ty, opts);
  kh.history.loss.forEach((l, i) => assert.ok(Math.abs(l - th.history.loss[i]) <= 1e-4 * Math.max(1, Math.abs(l)),
                                              `epoch ${i}: loss ${l} vs tfjs ${th.history.loss[i]}`));
  compareWeights('after fit');
  // predict is inference: the moving statistics stay.
  const stats = kmModel.layers[1].getWeights().map((w) => Array.from(w.dataSync()));
  kmModel.predict(kx).dispose();
  assert.deepEqual(kmModel.layers[1].getWeights().map((w) => Array.from(w.dataSync())), stats);
  km.dispose([kx, ky]);
  kmModel.dispose();
  tf.dispose([tx, ty]);
});

test('a frozen layer (trainable = false) uses its moving statistics even in training, as Keras does', async () => {
  tf.tidy(() => km.tidy(() => {
    const layer = km.layers.batchNormalization(RANDOM_WEIGHTS);
    const [x] = pair([5, 3], 41);
    const inference = layer.apply(x);
    layer.trainable = false;
    const weights = layer.getWeights().map((w) => Array.from(w.dataSync()));
    assertClose(layer.apply(x, {training: true}), inference, {what: 'frozen training call'});
    assert.deepEqual(layer.getWeights().map((w) => Array.from(w.dataSync())), weights);
    assert.equal(layer.trainableWeights.length, 0);
    layer.dispose();
  }));
  // In a model trained with fit: the frozen layer's statistics stay (tfjs-layers would move them: it
  // looks at the training flag only).
  const model = buildModel(km, {trainable: false});
  model.compile({optimizer: km.train.sgd(0.1), loss: 'meanSquaredError'});
  const x = km.tensor(randomValues(8 * 4, 42), [8, 4]);
  const y = km.tensor(randomValues(8 * 2, 43), [8, 2]);
  const stats = model.layers[1].getWeights().map((w) => Array.from(w.dataSync()));
  await model.fit(x, y, {epochs: 1, batchSize: 4, verbose: 0});
  assert.deepEqual(model.layers[1].getWeights().map((w) => Array.from(w.dataSync())), stats);
  km.dispose([x, y]);
  model.dispose();
});

test('the Keras fixtures for BatchNormalization, when the file has them', (t) => {
  if (!existsSync(CASES_FILE)) return t.skip('Keras fixtures not found (../shared/fixtures)');
  const records = JSON.parse(readFileSync(CASES_FILE, 'utf8')).filter((c) => c.className === 'BatchNormalization');
  if (records.length === 0) return t.skip('cases.json has no BatchNormalization records');
  for (const c of records) {
    km.tidy(() => {
      const layer = km.layers.batchNormalization(c.config);
      const x = km.tensor(c.input.data.flat(Infinity), [1, ...c.input.shape]);
      layer.build(x.shape);
      layer.setWeights(c.weights.map((w) => km.tensor(w.data.flat(Infinity), w.shape)));
      assertClose(layer.apply(x), km.tensor(c.expected.data.flat(Infinity), [1, ...c.expected.shape]),
                  {rtol: 1e-4, atol: 2e-5, what: c.id});
      layer.dispose();
    });
  }
});

test('configs round-trip, read Keras 2 and Keras 3 spellings, and tfjs builds the same layer from ours', () => {
  const layer = km.layers.batchNormalization({axis: 1, momentum: 0.5, epsilon: 0.01, center: false,
                                              gammaRegularizer: 'l2', gammaConstraint: 'nonNeg'});
  const config = layer.getConfig();
  assert.equal(config.axis, 1);
  assert.equal(config.momentum, 0.5);
  assert.equal(config.epsilon, 0.01);
  assert.equal(config.center, false);
  assert.equal(config.synchronized, false);
  const again = km.layers.batchNormalization(config);
  assert.deepEqual(again.getConfig(), config);
  // Keras 2's file spelling, its axis as a list and the off values of renorm & co.
  const keras2 = km.layers.batchNormalization({axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true,
    beta_initializer: {class_name: 'Zeros', config: {}}, moving_variance_initializer: {class_name: 'Ones', config: {}},
    renorm: false, renorm_clipping: null, renorm_momentum: 0.99, virtual_batch_size: null, adjustment: null,
    fused: null, name: 'bn_k2', trainable: true});
  keras2.build([null, 2, 2, 5]);
  assert.deepEqual(keras2.weights.map((w) => w.shape), [[5], [5], [5], [5]]);
  assert.deepEqual(keras2.weights.map((w) => w.name), ['bn_k2/gamma', 'bn_k2/beta', 'bn_k2/moving_mean', 'bn_k2/moving_variance']);
  const theirs = tf.layers.batchNormalization({axis: config.axis, momentum: config.momentum, epsilon: config.epsilon,
                                               center: config.center});
  theirs.build([null, 3, 4]);
  layer.build([null, 3, 4]);
  assert.deepEqual(layer.weights.map((w) => w.shape), theirs.weights.map((w) => w.shape));
  for (const l of [layer, again, keras2]) l.dispose();
});

test('bad arguments and inputs are JS Errors naming the layer and the values', () => {
  assert.throws(() => km.layers.batchNormalization({axis: 'last'}), /BatchNormalization.*axis/);
  assert.throws(() => km.layers.batchNormalization({synchronized: true}), /BatchNormalization.*synchronized/);
  assert.throws(() => km.layers.batchNormalization({renorm: true}), /BatchNormalization.*renorm/);
  assert.throws(() => km.layers.batchNormalization({virtualBatchSize: 4}), /BatchNormalization.*virtualBatchSize/);
  assert.throws(() => km.layers.batchNormalization({momentun: 0.9}), /BatchNormalization.*momentun/);
  km.tidy(() => {
    const layer = km.layers.batchNormalization({axis: 3, name: 'bn_axis'});
    assert.throws(() => layer.apply(km.zeros([2, 3])), /BatchNormalization 'bn_axis'.*axis 3.*\[2,3\]/);
    const built = km.layers.batchNormalization({name: 'bn_built'});
    built.apply(km.zeros([2, 3]));
    assert.throws(() => built.apply(km.zeros([2, 4])), /BatchNormalization 'bn_built'.*\[2,4\]/);
    for (const l of [layer, built]) l.dispose();
  });
});

test('training and inference calls leave no tensors behind', () => {
  const layer = km.layers.batchNormalization();
  const x = km.tensor(randomValues(12, 51), [4, 3]);
  layer.apply(x, {training: true}).dispose();
  layer.apply(x).dispose();
  const before = km.memory().numTensors;
  for (let i = 0; i < 3; ++i) {
    layer.apply(x, {training: true}).dispose();
    layer.apply(x).dispose();
    km.grad((v) => layer.apply(v, {training: true}))(x).dispose();
  }
  assert.equal(km.memory().numTensors, before);
  x.dispose();
  layer.dispose();
});
