// The error exchange between C++ and JS (bindings/guard.h): calls that nest through JS functions called
// from C++, JS exceptions carried out of C++ frames with their message and as the Error's cause, JSON
// errors turned into readable messages, and a failed call left unchecked not poisoning the next one.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {callable, checkError, wasm} from '../web/wasm.js';
import {km} from './support.mjs';

const CALL = 0;
const JSON_TYPE_ERROR = 1;
const VALUE_ERROR = 2;
const DEPTH = 3;

// The probe through web/'s usual path: the call, then checkError.
function probe(kind, fn) {
  const r = wasm().boundaryProbe(kind, fn);
  checkError();
  return r;
}

function buffers() {
  return km.memory().numDataBuffers;
}

test('a JS function called from C++ returns its value; the depth counts nested calls', () => {
  assert.equal(probe(DEPTH), 1);
  assert.equal(probe(CALL, callable(() => 41)), 42);
  assert.equal(probe(CALL, callable(() => probe(DEPTH))), 3);
  assert.equal(probe(CALL, callable(() => probe(CALL, callable(() => probe(DEPTH))) )), 5);
});

test('a JS exception inside a C++ call comes out as an Error with its message and the original as cause', () => {
  class MyError extends Error {}
  const original = new MyError('boom from JS');
  assert.throws(() => probe(CALL, callable(() => {
    throw original;
  })), (e) => e instanceof Error && /boundaryProbe: boom from JS/.test(e.message) && e.cause === original);
  // A thrown non-Error value survives too.
  assert.throws(() => probe(CALL, callable(() => {
    throw 'a string';  // eslint-disable-line no-throw-literal
  })), (e) => /a string/.test(e.message) && e.cause === 'a string');
  assert.equal(probe(DEPTH), 1, 'the module works after the error');
});

test('a failing op inside a nested call unwinds both levels and leaks nothing', () => {
  const before = buffers();
  const tensorsBefore = km.memory().numTensors;
  for (let i = 0; i < 20; ++i) {
    assert.throws(() => probe(CALL, callable(() => km.tidy(() => {
      const a = km.ones([2, 3]);
      return km.add(a, km.ones([4, 5])).dataSync()[0];
    }))), (e) => /boundaryProbe: .*\[2,3\].*\[4,5\]/s.test(e.message) && e.cause instanceof Error);
  }
  assert.equal(km.memory().numTensors, tensorsBefore);
  assert.equal(buffers(), before);
});

test('a nested call that succeeds after a nested failure was handled leaves no error behind', () => {
  const value = probe(CALL, callable(() => {
    assert.throws(() => probe(VALUE_ERROR), /a ValueError/);
    return km.tidy(() => km.add(km.ones([2]), km.ones([2])).dataSync()[0]);
  }));
  assert.equal(value, 3);
  // The flag is clear: a plain op right after does not throw a stale error.
  km.tidy(() => km.add(km.ones([2]), km.ones([2])));
});

test('a failed call whose error nobody took does not make the next call throw', () => {
  wasm().boundaryProbe(VALUE_ERROR, undefined);  // no checkError: the flag stays set
  const sum = km.tidy(() => km.add(km.ones([3]), km.ones([3])).dataSync());
  assert.deepEqual(Array.from(sum), [2, 2, 2]);
  // Nested: an inner failure left unchecked inside a JS function does not fail the outer call.
  assert.equal(probe(CALL, callable(() => {
    wasm().boundaryProbe(VALUE_ERROR, undefined);
    return 1;
  })), 2);
});

test('a JSON type error reads as a config error, without nlohmann tags', () => {
  assert.throws(() => probe(JSON_TYPE_ERROR), (e) => /^invalid config value: type must be string, but is number/.test(e.message) &&
    !e.message.includes('json.exception'));
});
