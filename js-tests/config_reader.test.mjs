// Configs reach the C++ as the caller spelled them: camelCase from JS, snake_case from Keras files. The one
// reader (src/params/config_reader.h) names the layer and the path of a bad value in that spelling, and the
// activation names are one list (src/ops/activation_list.h) that both sides read.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {assertClose, km, randomValues} from './support.mjs';

// assert.throws matches a RegExp against "Error: <message>"; these anchor on the message itself.
function throwsMessage(fn, re) {
  assert.throws(fn, (e) => {
    assert.match(e.message, re);
    return true;
  });
}

test('a bad nested config value is reported with its path, as the caller spelled it', () => {
  const before = km.memory().numTensors;
  throwsMessage(() => km.layers.dense({units: 2, name: 'd', kernelInitializer: {className: 'GlorotUniform', config: {seed: 'x'}}}),
                /^Dense 'd': kernelInitializer\.config\.seed must be an integer or null\. Received: kernelInitializer\.config\.seed="x"$/);
  throwsMessage(() => km.layers.dense({units: 2, name: 'd', kernel_initializer: {class_name: 'GlorotUniform', config: {seed: 'x'}}}),
                /^Dense 'd': kernel_initializer\.config\.seed must be an integer or null/);
  throwsMessage(() => km.layers.dense({units: 2, kernelConstraint: {className: 'MaxNorm', config: {maxValue: -1}}}),
                /kernelConstraint\.config\.maxValue must be >= 0\. Received: kernelConstraint\.config\.maxValue=-1/);
  throwsMessage(() => km.layers.dense({units: 2, useBias: 3}), /useBias must be true or false\. Received: useBias=3/);
  throwsMessage(() => km.layers.dense({units: 2, kernelSizes: 3}), /unrecognized argument 'kernelSizes'/);
  throwsMessage(() => km.layers.dropout({}), /Dropout 'dropout(_\d+)?': the argument rate is required/);
  throwsMessage(() => km.layers.reshape({targetShape: [-1, -1]}), /targetShape can have at most one unknown dimension.*Received: targetShape=\[-1,-1\]/);
  throwsMessage(() => km.layers.dense({units: 2, useBias: true, use_bias: false}), /'useBias' and 'use_bias' are one argument and disagree/);
  throwsMessage(() => km.layers.dense(new Map()), /layers\.dense: a layer config must be a plain object/);
  assert.equal(km.memory().numTensors, before);
});

test('camelCase and snake_case configs make the same layer', () => {
  const a = km.layers.dense({units: 3, useBias: false, kernelInitializer: {className: 'RandomUniform', config: {seed: 4}}, inputShape: [2]});
  const b = km.layers.dense({units: 3, use_bias: false, kernel_initializer: {class_name: 'RandomUniform', config: {seed: 4}}, input_shape: [2]});
  const {name: na, ...ca} = a.getConfig();
  const {name: nb, ...cb} = b.getConfig();
  assert.deepEqual(ca, cb);
  assert.notEqual(na, nb);
  km.tidy(() => {
    a.build([null, 2]);
    b.build([null, 2]);
    assertClose(a.getWeights()[0], b.getWeights()[0]);
  });
  a.dispose();
  b.dispose();
});

// The union type in index.d.ts, as written there.
function declaredActivations() {
  const dts = readFileSync(new URL('../web/index.d.ts', import.meta.url), 'utf8');
  const body = dts.match(/export type ActivationIdentifier =([^;]*);/)[1];
  return [...body.matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
}

test('the activation list is the same on both sides: op, layer, config, message and types', () => {
  const names = km.layers.activationNames();
  assert.ok(names.length >= 18);
  assert.deepEqual(declaredActivations(), [...new Set(names.flatMap(({js, keras}) => [js, keras]))].sort());
  km.tidy(() => {
    const x = km.tensor(randomValues(12, 5), [3, 4]);
    for (const {js, keras} of names) {
      assertClose(km.activation(js, x), km.activation(keras, x));
      for (const spelling of [js, keras]) {
        const layer = km.layers.activation({activation: spelling});
        assert.equal(layer.getConfig().activation, js, spelling);
        assertClose(layer.apply(x), km.activation(js, x));
        layer.dispose();
      }
    }
  });
  assert.throws(() => km.layers.dense({units: 1, activation: 'rleu'}), (e) => {
    for (const {js} of names) assert.ok(e.message.includes(js), `${js} in: ${e.message}`);
    return true;
  });
});
