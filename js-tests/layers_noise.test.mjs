// Noise, regularization and masking layers beyond the generic test. In training the random layers are
// checked by their statistics against the Keras formulas and against tfjs-layers' own draws where tfjs has
// the layer (spatialDropout1d, gaussianNoise, gaussianDropout; alphaDropout in part, see its test); at
// inference they are the identity. Masking's output, gradient and mask against tfjs; ActivityRegularization's loss against the
// formula, on the layer and inside a model's loss; config round trips, errors and tensor leaks.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {assertClose, km, pair, randomValues, sizeOf, tf} from './support.mjs';

const ALPHA_P = -1.6732632423543772 * 1.0507009873554805;

function moments(values) {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return {mean, variance: variance / (n - 1)};
}

// Standard-normal values from the package's seeded uniform stream (Box-Muller), the same for km and tfjs.
function normalValues(size, seed) {
  const u = randomValues(2 * size, seed, 1e-7, 1);
  return Float32Array.from({length: size}, (_, i) => Math.sqrt(-2 * Math.log(u[2 * i])) * Math.cos(2 * Math.PI * u[2 * i + 1]));
}

// Masking's [..., 1] keep mask from the values, outside any gradient (tfjs cannot differentiate any()).
function constantStepMask(x, maskValue) {
  return tf.tensor(x.dataSync(), x.shape).notEqual(maskValue).any(-1, true).cast('float32');
}

// For an all-ones input: each (sample, channel) is all 0 or all 1/(1-rate); returns the dropped fraction.
function wholeChannelFraction(values, shape, channelAxis, rate) {
  const B = shape[0];
  const C = shape[channelAxis];
  const spatial = values.length / (B * C);
  let dropped = 0;
  for (let b = 0; b < B; ++b) {
    for (let c = 0; c < C; ++c) {
      const at = (p) => values[channelAxis === 1 ? (b * C + c) * spatial + p : (b * spatial + p) * C + c];
      const first = at(0);
      for (let p = 1; p < spatial; ++p) assert.equal(at(p), first, `sample ${b} channel ${c}`);
      if (first === 0) dropped += 1;
      else assert.ok(Math.abs(first - 1 / (1 - rate)) < 1e-6, `kept value ${first}`);
    }
  }
  return dropped / (B * C);
}

test('spatialDropout1d drops whole channels at the rate, as tfjs-layers does; identity at inference', () => {
  km.tidy(() => tf.tidy(() => {
    const rate = 0.3;
    const shape = [100, 6, 40];
    const layer = km.layers.spatialDropout1d({rate, seed: 3});
    const ours = wholeChannelFraction(layer.apply(km.ones(shape), {training: true}).dataSync(), shape, 2, rate);
    const tfLayer = tf.layers.spatialDropout1d({rate});
    const theirs = wholeChannelFraction(tfLayer.apply(tf.ones(shape), {training: true}).dataSync(), shape, 2, rate);
    // 4000 channel decisions each: standard deviation 0.0072 per fraction; 5 of them for each, 7 for the gap.
    assert.ok(Math.abs(ours - rate) < 0.036, `km dropped ${ours}`);
    assert.ok(Math.abs(ours - theirs) < 0.05, `km ${ours} vs tfjs ${theirs}`);
    const [x, tx] = pair([2, 3, 4], 1);
    assertClose(layer.apply(x), tfLayer.apply(tx), {what: 'inference'});
    assertClose(layer.apply(x, {training: false}), tx);
    // The gradient in training is the mask: 0 or 1/(1-rate), whole channels at a time.
    const g = km.grad((v) => layer.apply(v, {training: true}))(km.ones(shape));
    wholeChannelFraction(g.dataSync(), shape, 2, rate);
    layer.dispose();
  }));
});

test('spatialDropout2d and spatialDropout3d drop whole channels in both data formats', () => {
  const rate = 0.4;
  const setups = [
    ['spatialDropout2d', 'channelsLast', [60, 3, 2, 50], 3],
    ['spatialDropout2d', 'channelsFirst', [60, 50, 3, 2], 1],
    ['spatialDropout3d', 'channelsLast', [30, 2, 2, 2, 100], 4],
    ['spatialDropout3d', 'channelsFirst', [30, 100, 2, 2, 2], 1],
  ];
  for (const [factory, dataFormat, shape, axis] of setups) {
    km.tidy(() => {
      const layer = km.layers[factory]({rate, dataFormat, seed: 8});
      assert.equal(layer.getConfig().dataFormat, dataFormat);
      const fraction = wholeChannelFraction(layer.apply(km.ones(shape), {training: true}).dataSync(), shape, axis, rate);
      // 3000 decisions: standard deviation 0.0089; 5 of them.
      assert.ok(Math.abs(fraction - rate) < 0.045, `${factory} ${dataFormat}: dropped ${fraction}`);
      const x = km.tensor(randomValues(sizeOf(shape), 2), shape);
      assert.deepEqual(layer.apply(x).dataSync(), x.dataSync());
      layer.dispose();
    });
  }
});

test('gaussianNoise adds N(0, stddev^2) in training like tfjs-layers; identity at inference', () => {
  km.tidy(() => tf.tidy(() => {
    const stddev = 0.6;
    const [x, tx] = pair([100, 100], 3);
    const layer = km.layers.gaussianNoise({stddev, seed: 4});
    const xv = x.dataSync();
    const diff = (y) => Array.from(y.dataSync(), (v, i) => v - xv[i]);
    const ours = moments(diff(layer.apply(x, {training: true})));
    const theirs = moments(diff(tf.layers.gaussianNoise({stddev}).apply(tx, {training: true})));
    // 10000 draws: standard errors 0.006 (mean) and 0.005 (variance 0.36).
    assert.ok(Math.abs(ours.mean) < 0.03, `mean ${ours.mean}`);
    assert.ok(Math.abs(ours.variance - stddev ** 2) < 0.03, `variance ${ours.variance}`);
    assert.ok(Math.abs(ours.variance - theirs.variance) < 0.04, `km ${ours.variance} vs tfjs ${theirs.variance}`);
    assertClose(layer.apply(x), tf.layers.gaussianNoise({stddev}).apply(tx), {what: 'inference'});
    // The same seed reproduces the draws; the gradient is 1.
    const a = km.layers.gaussianNoise({stddev, seed: 9});
    const b = km.layers.gaussianNoise({stddev, seed: 9});
    assert.deepEqual(a.apply(x, {training: true}).dataSync(), b.apply(x, {training: true}).dataSync());
    assert.ok(km.grad((v) => layer.apply(v, {training: true}))(x).dataSync().every((v) => v === 1));
    for (const l of [layer, a, b]) l.dispose();
  }));
});

test('gaussianDropout multiplies by N(1, rate/(1-rate)) like tfjs-layers; identity at inference', () => {
  km.tidy(() => tf.tidy(() => {
    const rate = 0.3;
    const [x, tx] = pair([100, 100], 4, 0.5, 2);
    const layer = km.layers.gaussianDropout({rate, seed: 5});
    const xv = x.dataSync();
    const ratio = (y) => Array.from(y.dataSync(), (v, i) => v / xv[i]);
    const ours = moments(ratio(layer.apply(x, {training: true})));
    const theirs = moments(ratio(tf.layers.gaussianDropout({rate}).apply(tx, {training: true})));
    const variance = rate / (1 - rate);  // 0.43: standard errors 0.0066 (mean), 0.006 (variance)
    assert.ok(Math.abs(ours.mean - 1) < 0.033, `mean ${ours.mean}`);
    assert.ok(Math.abs(ours.variance - variance) < 0.03, `variance ${ours.variance}`);
    assert.ok(Math.abs(ours.mean - theirs.mean) < 0.047 && Math.abs(ours.variance - theirs.variance) < 0.042,
              `km ${JSON.stringify(ours)} vs tfjs ${JSON.stringify(theirs)}`);
    assertClose(layer.apply(x), tf.layers.gaussianDropout({rate}).apply(tx), {what: 'inference'});
    // The gradient is the noise factor y / x of the same draw.
    const twin = km.layers.gaussianDropout({rate, seed: 5});
    const again = km.layers.gaussianDropout({rate, seed: 5});
    const g = km.grad((v) => twin.apply(v, {training: true}))(x);
    assertClose(g, again.apply(x, {training: true}).div(x), {rtol: 1e-5, atol: 1e-6, what: 'gradient'});
    for (const l of [layer, twin, again]) l.dispose();
  }));
});

test('alphaDropout keeps the mean and variance of standard-normal inputs (Keras formula); tfjs-layers keeps the same entries', () => {
  km.tidy(() => tf.tidy(() => {
    const rate = 0.2;
    const a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5;
    const b = -a * ALPHA_P * rate;
    const values = normalValues(20000, 6);
    const x = km.tensor(values, [200, 100]);
    const tx = tf.tensor(values, [200, 100]);
    const input = moments(values);
    // Every entry is a·x + b (kept) or the dropped value; returns the outputs and the dropped fraction.
    const split = (y, droppedValue, who) => {
      const out = y.dataSync();
      let dropped = 0;
      out.forEach((v, i) => {
        if (Math.abs(v - droppedValue) < 1e-5) dropped += 1;
        else assert.ok(Math.abs(v - (a * values[i] + b)) < 1e-4, `${who} value ${i}: ${v}`);
      });
      return {out, fraction: dropped / out.length};
    };
    const layer = km.layers.alphaDropout({rate, seed: 2});
    const ours = split(layer.apply(x, {training: true}), a * ALPHA_P + b, 'km');
    const m = moments(ours.out);
    // 20000 entries: standard deviations 0.0028 (fraction dropped), ~0.007 (mean), ~0.01 (variance).
    assert.ok(Math.abs(ours.fraction - rate) < 0.015, `dropped ${ours.fraction}`);
    assert.ok(Math.abs(m.mean - input.mean) < 0.035, `mean ${m.mean} vs ${input.mean}`);
    assert.ok(Math.abs(m.variance - input.variance) < 0.05, `variance ${m.variance} vs ${input.variance}`);
    // tfjs-layers keeps the same entries with the same affine map, but sets dropped entries to a·(-alpha') + b:
    // its (keptIdx - 1) · alpha' flips the sign Keras has, so its mean and variance drift. The kept values and
    // the dropped fraction are what it agrees on.
    const theirs = split(tf.layers.alphaDropout({rate}).apply(tx, {training: true}), -a * ALPHA_P + b, 'tfjs');
    assert.ok(Math.abs(ours.fraction - theirs.fraction) < 0.02, `km ${ours.fraction} vs tfjs ${theirs.fraction}`);
    assertClose(layer.apply(x), tf.layers.alphaDropout({rate}).apply(tx), {what: 'inference'});
    // noiseShape: one decision per (sample, feature) across the steps; the gradient is a or 0.
    const shared = km.layers.alphaDropout({rate: 0.5, noiseShape: [null, 1, 4], seed: 3});
    const g = km.grad((v) => shared.apply(v, {training: true}))(km.ones([6, 5, 4])).arraySync();
    const a5 = (0.5 * (1 + 0.5 * ALPHA_P ** 2)) ** -0.5;
    for (const sample of g) {
      for (const step of sample) assert.deepEqual(step, sample[0]);
      for (const v of sample[0]) assert.ok(v === 0 || Math.abs(v - a5) < 1e-6, `gradient ${v}`);
    }
    layer.dispose();
    shared.dispose();
  }));
});

test('masking: output, gradient and the mask match tfjs-layers; an incoming mask is replaced', () => {
  km.tidy(() => tf.tidy(() => {
    const values = [1, 2, -1, -1, -1, 3, -1, -1, -1, -1, -1, -1, 0, 0, 5, -1];
    const shape = [2, 4, 2];
    const x = km.tensor(values, shape);
    const tx = tf.tensor(values, shape);
    for (const maskValue of [-1, 0]) {
      const layer = km.layers.masking({maskValue});
      const tfLayer = tf.layers.masking({maskValue});
      assertClose(layer.apply(x), tfLayer.apply(tx), {what: `forward, maskValue ${maskValue}`});
      const [dy, tdy] = pair(shape, 7);
      // tfjs has no gradient for any(): its formula with the mask as a constant gives the gradient.
      assertClose(km.grad((v) => layer.apply(v))(x, dy), tf.grad((v) => v.mul(constantStepMask(v, maskValue)))(tx, tdy),
                  {what: 'gradient'});
      const mask = layer.computeMask(x, km.ones([2, 4]));
      assert.deepEqual(mask.shape, [2, 4]);
      assert.deepEqual(Array.from(mask.dataSync()), Array.from(tfLayer.computeMask(tx).cast('float32').dataSync()));
      assert.equal(layer.getConfig().maskValue, maskValue);
      layer.dispose();
    }
    // Random data against tfjs with a mask value that some steps match exactly.
    const rand = randomValues(3 * 5 * 4, 11);
    for (let i = 0; i < 4; ++i) rand[4 + i] = 0.25;  // sample 0, step 1
    for (let i = 0; i < 4; ++i) rand[52 + i] = 0.25;  // sample 2, step 3
    const layer = km.layers.masking({maskValue: 0.25});
    const tfLayer = tf.layers.masking({maskValue: 0.25});
    assertClose(layer.apply(km.tensor(rand, [3, 5, 4])), tfLayer.apply(tf.tensor(rand, [3, 5, 4])));
    assert.deepEqual(Array.from(layer.computeMask(km.tensor(rand, [3, 5, 4])).dataSync()),
                     Array.from(tfLayer.computeMask(tf.tensor(rand, [3, 5, 4])).cast('float32').dataSync()));
    layer.dispose();
  }));
});

test('in a model, Masking\'s mask passes through the noise layers to the next layer that uses it', () => {
  // masking -> gaussianNoise -> spatialDropout1d -> dense -> softmax: at inference the noise layers are the
  // identity and hand the [batch, steps] mask on (as Dense does); Softmax adds -1e9 at masked steps, so those
  // come out uniform (1 / units) although Dense's bias makes them differ from step to step before.
  const input = km.input({shape: [4, 3]});
  const masked = km.layers.masking({maskValue: 0}).apply(input);
  const noisy = km.layers.spatialDropout1d({rate: 0.5}).apply(km.layers.gaussianNoise({stddev: 0.5}).apply(masked));
  const dense = km.layers.dense({units: 3, biasInitializer: {className: 'RandomUniform', config: {minval: -2, maxval: 2, seed: 5}}});
  const model = km.model({inputs: input, outputs: km.layers.softmax({axis: -1}).apply(dense.apply(noisy))});
  km.tidy(() => tf.tidy(() => {
    const values = randomValues(2 * 4 * 3, 14, 0.5, 2);
    for (const step of [1, 6]) values.fill(0, step * 3, step * 3 + 3);  // sample 0 step 1, sample 1 step 2
    const y = model.predict(km.tensor(values, [2, 4, 3])).dataSync();
    const [kernel, bias] = dense.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape));
    const logits = tf.tensor(values, [8, 3]).matMul(kernel).add(bias);
    const unmasked = tf.softmax(logits).dataSync();
    for (let i = 0; i < values.length; ++i) {
      const isMasked = Math.floor(i / 3) === 1 || Math.floor(i / 3) === 6;
      assert.ok(Math.abs(y[i] - (isMasked ? 1 / 3 : unmasked[i])) < 1e-5, `entry ${i}: ${y[i]}`);
    }
    // Without the mask the masked steps would be softmax(bias), which is not uniform.
    assert.ok(Math.abs(unmasked[3] - 1 / 3) > 0.01);
  }));
  model.dispose();
});

test('activityRegularization adds (l1·Σ|x| + l2·Σx²) / batch to the losses and to a model\'s loss', () => {
  const l1 = 0.05;
  const l2 = 0.2;
  const values = randomValues(4 * 3, 12);
  const penalty = values.reduce((s, v) => s + l1 * Math.abs(v) + l2 * v * v, 0) / 4;
  km.tidy(() => {
    const layer = km.layers.activityRegularization({l1, l2});
    const x = km.tensor(values, [4, 3]);
    assert.deepEqual(layer.apply(x).dataSync(), x.dataSync());
    const losses = layer.losses;
    assert.equal(losses.length, 1);
    assert.ok(Math.abs(losses[0].dataSync()[0] - penalty) < 1e-5 * penalty, `loss ${losses[0].dataSync()[0]} vs ${penalty}`);
    // Its gradient: (l1·sign(x) + 2·l2·x) / batch.
    const g = km.grad((v) => {
      layer.apply(v);
      return layer.losses[0];
    })(x).dataSync();
    values.forEach((v, i) => assert.ok(Math.abs(g[i] - (l1 * Math.sign(v) + 2 * l2 * v) / 4) < 1e-6, `gradient ${i}`));
    const config = layer.getConfig();
    assert.deepEqual([config.l1, config.l2], [l1, l2]);
    layer.dispose();
  });

  // In a model the penalty joins the compiled loss: evaluate = mse + penalty of the layer's input.
  const model = km.sequential({layers: [km.layers.activityRegularization({l1, l2, inputShape: [3]})]});
  model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  const x = km.tensor(values, [4, 3]);
  const y = km.zeros([4, 3]);
  const mse = values.reduce((s, v) => s + v * v, 0) / values.length;
  const loss = model.evaluate(x, y, {batchSize: 4});
  const value = (Array.isArray(loss) ? loss[0] : loss).dataSync()[0];
  assert.ok(Math.abs(value - (mse + penalty)) < 1e-5, `evaluate ${value} vs ${mse + penalty}`);
  km.dispose([x, y, loss]);
  model.dispose();
});

test('configs round-trip through the factories and a model\'s JSON', async () => {
  const specs = [
    ['spatialDropout1d', {rate: 0.1, seed: 1, inputShape: [4, 3]}],
    ['gaussianNoise', {stddev: 0.2, seed: 2}],
    ['gaussianDropout', {rate: 0.3}],
    ['alphaDropout', {rate: 0.2, noiseShape: [null, 1, 3], seed: 4}],
    ['activityRegularization', {l1: 0.01, l2: 0.02}],
    ['masking', {maskValue: 0.5}],
  ];
  const layers = specs.map(([factory, config]) => km.layers[factory](config));
  specs.forEach(([factory], i) => {
    const config = layers[i].getConfig();
    const again = km.layers[factory](config);
    assert.deepEqual(again.getConfig(), config, factory);
    again.dispose();
  });
  const model = km.sequential({layers});
  const copy = await km.models.modelFromJSON(model.toJSON());
  assert.deepEqual(copy.toJSON(null, false), model.toJSON(null, false));
  const [x] = pair([2, 4, 3], 13);
  km.tidy(() => assert.deepEqual(copy.predict(x).dataSync(), model.predict(x).dataSync()));
  // 2D / 3D spatial dropout configs in snake_case and camelCase.
  const sd = km.layers.spatialDropout2d({rate: 0.2, data_format: 'channels_first'});
  assert.equal(sd.getConfig().dataFormat, 'channelsFirst');
  const sdAgain = km.layers.spatialDropout2d(sd.getConfig());
  assert.deepEqual(sdAgain.getConfig(), sd.getConfig());
  const sd3 = km.layers.spatialDropout3d({rate: 0.2, dataFormat: 'channelsLast'});
  const sd3Again = km.layers.spatialDropout3d(sd3.getConfig());
  assert.deepEqual(sd3Again.getConfig(), sd3.getConfig());
  km.dispose(x);
  for (const m of [model, copy, sd, sdAgain, sd3, sd3Again]) m.dispose();
});

test('errors name the layer and the value', () => {
  assert.throws(() => km.layers.spatialDropout1d({rate: 1.5}), /SpatialDropout1D.*rate=1\.5/);
  assert.throws(() => km.layers.spatialDropout2d({rate: -0.2}), /SpatialDropout2D.*rate=-0\.2/);
  assert.throws(() => km.layers.spatialDropout3d({}), /SpatialDropout3D.*rate/);
  assert.throws(() => km.layers.spatialDropout2d({rate: 0.1, dataFormat: 'nchw'}), /SpatialDropout2D.*nchw/);
  assert.throws(() => km.layers.gaussianDropout({rate: 1}), /GaussianDropout.*\[0, 1\).*rate=1/);
  assert.throws(() => km.layers.alphaDropout({rate: -0.1}), /AlphaDropout.*rate=-0\.1/);
  assert.throws(() => km.layers.alphaDropout({rate: 1}), /AlphaDropout.*rate=1/);
  assert.throws(() => km.layers.gaussianNoise({stddev: -0.5}), /GaussianNoise.*stddev=-0\.5/);
  assert.throws(() => km.layers.gaussianNoise({}), /GaussianNoise.*stddev/);
  assert.throws(() => km.layers.activityRegularization({l1: -1}), /ActivityRegularization.*l1=-1/);
  assert.throws(() => km.layers.masking({maskValue: 'zero'}), /Masking.*maskValue/);
  km.tidy(() => {
    assert.throws(() => km.layers.spatialDropout1d({rate: 0.5, name: 'sd'}).apply(km.ones([2, 3]), {training: true}),
                  /SpatialDropout1D 'sd'.*ndim=3/);
    assert.throws(() => km.layers.spatialDropout3d({rate: 0.5, name: 'sd3'}).apply(km.ones([2, 3, 4, 5])),
                  /SpatialDropout3D 'sd3'.*ndim=5/);
    assert.throws(() => km.layers.alphaDropout({rate: 0.5, noiseShape: [null, 2], name: 'ad'}).apply(km.ones([3, 4]), {training: true}),
                  /AlphaDropout 'ad'.*noise_shape.*\[3,4\]/);
    assert.throws(() => km.layers.masking({name: 'mk'}).apply(km.ones([4])), /Masking 'mk'.*min_ndim=2/);
  });
});

test('no tensors leak in training or inference, nor from masks and losses', () => {
  const make = () => [
    [km.layers.spatialDropout1d({rate: 0.5}), [2, 3, 4]],
    [km.layers.spatialDropout2d({rate: 0.5, dataFormat: 'channelsFirst'}), [2, 3, 4, 2]],
    [km.layers.spatialDropout3d({rate: 0.5}), [2, 2, 2, 2, 3]],
    [km.layers.gaussianNoise({stddev: 0.5}), [2, 3]],
    [km.layers.gaussianDropout({rate: 0.5}), [2, 3]],
    [km.layers.alphaDropout({rate: 0.5, noiseShape: [null, 1]}), [2, 3]],
    [km.layers.activityRegularization({l1: 0.1}), [2, 3]],
    [km.layers.masking(), [2, 3, 4]],
  ];
  const run = (layers) => {
    for (const [layer, shape] of layers) {
      const x = km.ones(shape);
      for (const training of [true, false]) {
        const y = layer.apply(x, {training});
        const g = km.grad((v) => layer.apply(v, {training}))(x);
        km.dispose([y, g]);
      }
      km.dispose(layer.losses);
      if (shape.length >= 2) km.dispose(layer.computeMask(x, null));
      x.dispose();
    }
  };
  const warm = make();
  run(warm);  // the first calls build the layers
  const base = km.memory().numTensors;
  run(warm);
  run(warm);
  assert.equal(km.memory().numTensors, base);
  for (const [layer] of warm) layer.dispose();
});
