// A functional model using every core, merge, advanced-activation, normalization and noise layer, a Lambda
// and a JS-written layer trains with fit in Node (js-tests/browser/chromium.test.mjs runs the same in a page
// and compares the numbers). The oracle is the task's labels: a model that does not learn fails.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {trainEveryLayerModel} from './browser/every_layer_model.mjs';

export const EVERY_LAYER_CLASSES = [
  'Activation', 'ActivityRegularization', 'Add', 'AlphaDropout', 'Average', 'BatchNormalization', 'Concatenate',
  'Dense', 'Dot', 'Dropout', 'ELU', 'Flatten', 'Gain', 'GaussianDropout', 'GaussianNoise', 'InputLayer', 'Lambda',
  'LeakyReLU', 'Maximum', 'Minimum', 'Multiply', 'PReLU', 'Permute', 'ReLU', 'RepeatVector', 'Reshape', 'Softmax',
  'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'Subtract', 'ThresholdedReLU',
];

test('a model of every core, merge, activation, normalization and noise layer trains with fit', async () => {
  const r = await trainEveryLayerModel();
  assert.deepEqual(r.classes, EVERY_LAYER_CLASSES);
  assert.ok(r.fitLoss.every(Number.isFinite), `fit losses: ${r.fitLoss}`);
  assert.ok(r.lossAfter < 0.5 * r.lossBefore, `loss ${r.lossBefore} -> ${r.lossAfter}`);
  assert.ok(r.trainAcc >= 0.9, `training accuracy ${r.trainAcc}`);
  assert.ok(r.testAcc >= 0.85, `held-out accuracy ${r.testAcc}`);
  assert.equal(r.leaked, 0, 'tensors left behind');
});
