// Lambda: a JS function of km ops as a layer. Forward and gradients against the same formula in tfjs ops,
// arguments, the three ways of giving the output shape, several inputs, a mask function feeding an RNN,
// training inside a functional model (the same weights as the model built from built-in layers), the
// errors (the module still works after them), tensor accounting, and Keras files holding Python lambdas.
import assert from 'node:assert/strict';
import {existsSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, pair, randomValues, tf} from './support.mjs';

const LAMBDA_H5 = new URL('../../shared/fixtures/models/dl4j-keras-import/modelimport/keras/examples/lambda/sequential_lambda.h5',
                          import.meta.url);

test('forward and input gradient follow the function; arguments reach it', () => {
  tf.tidy(() => km.tidy(() => {
    const layer = km.layers.lambda({function: (x, {k}) => x.mul(k).tanh().square(), arguments: {k: 0.7}});
    const [x, tx] = pair([3, 4], 1);
    const formula = (v) => v.mul(0.7).tanh().square();
    assertClose(layer.apply(x), formula(tx));
    const [dy, tdy] = pair([3, 4], 2);
    assertClose(km.grad((v) => layer.apply(v))(x, dy), tf.grad(formula)(tx, tdy), {rtol: 1e-4, atol: 1e-5});
    assert.deepEqual(layer.getConfig().arguments, {k: 0.7});
    assert.match(layer.getConfig().function, /x\.mul\(k\)/);
    assert.equal(layer.getClassName(), 'Lambda');
    layer.dispose();
  }));
});

test('output shapes: given, computed by a function, or found by running the function', () => {
  km.tidy(() => {
    const given = km.layers.lambda({function: (x) => x.reshape([-1, 2, 3]), outputShape: [2, 3]});
    assert.deepEqual(given.computeOutputShape([null, 6]), [null, 2, 3]);
    const byFunction = km.layers.lambda({function: (x) => x.sum(-1, true), outputShape: (s) => [...s.slice(0, -1), 1]});
    assert.deepEqual(byFunction.computeOutputShape([null, 5, 4]), [null, 5, 1]);
    const inferred = km.layers.lambda({function: (x) => km.concat([x, x], -1)});
    assert.deepEqual(inferred.computeOutputShape([null, 3]), [null, 6]);
    // Symbolic use takes the same shapes.
    const inp = km.input({shape: [6]});
    assert.deepEqual(given.apply(inp).shape, [null, 2, 3]);
    // Several inputs arrive as an array; several outputs leave as one.
    const split = km.layers.lambda({function: ([a, b]) => [a.add(b), a.sub(b)]});
    const [s, d] = split.apply([km.tensor([1, 2], [1, 2]), km.tensor([3, 5], [1, 2])]);
    assert.deepEqual([...s.dataSync()], [4, 7]);
    assert.deepEqual([...d.dataSync()], [-2, -3]);
    assert.deepEqual(split.computeOutputShape([[null, 2], [null, 2]]), [[null, 2], [null, 2]]);
    for (const l of [given, byFunction, inferred, split]) l.dispose();
  });
});

test('a mask function passes a mask on to an LSTM: the same outputs as without the Lambda', () => {
  km.tidy(() => {
    const indices = km.tensor([[2, 1, 0, 0], [3, 0, 4, 1]], [2, 4], 'int32');
    const embedding = () => km.layers.embedding({inputDim: 5, outputDim: 3, maskZero: true, inputLength: 4});
    const plain = km.sequential({layers: [embedding(), km.layers.lstm({units: 2})]});
    const withLambda = km.sequential({layers: [embedding(), km.layers.lambda({function: (x) => x.mul(1), mask: (x, m) => m}),
                                               km.layers.lstm({units: 2})]});
    withLambda.setWeights(plain.getWeights());
    assertClose(withLambda.predict(indices), plain.predict(indices));
    // Without a mask function the mask stops at the Lambda, as in Keras.
    const stopped = km.sequential({layers: [embedding(), km.layers.lambda({function: (x) => x.mul(1)}), km.layers.lstm({units: 2})]});
    stopped.setWeights(plain.getWeights());
    const a = stopped.predict(indices).dataSync();
    const b = plain.predict(indices).dataSync();
    assert.ok(a.some((v, i) => Math.abs(v - b[i]) > 1e-6), 'the unmasked LSTM differs');
    for (const m of [plain, withLambda, stopped]) m.dispose();
  });
});

test('a functional model with a Lambda trains with fit to the same weights as its built-in twin', async () => {
  const build = (withLambda) => {
    const inp = km.input({shape: [4]});
    const h = km.layers.dense({units: 5, name: 'h', activation: withLambda ? 'linear' : 'relu'}).apply(inp);
    const act = withLambda ? km.layers.lambda({function: (x) => km.relu(x)}).apply(h) : h;
    const out = km.layers.dense({units: 2, name: 'out'}).apply(act);
    const model = km.model({inputs: inp, outputs: out});
    model.compile({optimizer: km.train.sgd(0.1), loss: 'meanSquaredError'});
    return model;
  };
  const a = build(true);
  const b = build(false);
  b.setWeights(a.getWeights());
  const x = km.tensor(randomValues(32 * 4, 3), [32, 4]);
  const y = km.tensor(randomValues(32 * 2, 4), [32, 2]);
  const ha = await a.fit(x, y, {epochs: 3, batchSize: 8, shuffle: false, verbose: 0});
  const hb = await b.fit(x, y, {epochs: 3, batchSize: 8, shuffle: false, verbose: 0});
  assert.ok(ha.history.loss[2] < ha.history.loss[0]);
  ha.history.loss.forEach((l, i) => assert.ok(Math.abs(l - hb.history.loss[i]) < 1e-6));
  const wa = a.getWeights(), wb = b.getWeights();
  wa.forEach((w, i) => assertClose(w, wb[i]));
  km.dispose([x, y, wa, wb]);
  a.dispose();
  b.dispose();
});

test('errors name the Lambda; a throwing function keeps its exception as the cause; nothing leaks', () => {
  const before = km.memory().numTensors;
  assert.throws(() => km.layers.lambda({function: 'x => x'}), /config.function must be a JS function/);
  assert.throws(() => km.layers.lambda(), /expects a config object/);
  const notTensor = km.layers.lambda({function: () => 3, name: 'three'});
  const boom = new Error('boom');
  const thrower = km.layers.lambda({function: () => { throw boom; }, name: 'thrower'});
  km.tidy(() => {
    const x = km.ones([2, 2]);
    assert.throws(() => notTensor.apply(x), /Lambda 'three': its function returned number 3, not a Tensor/);
    assert.throws(() => thrower.apply(x), (e) => /Lambda 'thrower': its function threw: boom/.test(e.message) &&
                                               e.cause?.cause === boom);
    // The module works after them.
    assert.deepEqual([...x.add(1).dataSync()], [2, 2, 2, 2]);
  });
  notTensor.dispose();
  thrower.dispose();
  assert.equal(km.memory().numTensors, before);
});

test('a Keras file whose Lambda is Python code fails with a clear error', async (t) => {
  if (!existsSync(LAMBDA_H5)) {
    t.skip('../shared/fixtures is absent');
    return;
  }
  await assert.rejects(km.models.loadKerasModel(readFileSync(LAMBDA_H5)),
                       /layer 'lambda_1' is a Lambda layer whose function was saved as Python code.*km\.layers\.lambda/);
});
