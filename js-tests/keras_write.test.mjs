// Writing Keras files: the oracles are the files Keras itself wrote (fixtures): a model loaded from one
// and saved again must give back the same config.json / model_config, the same HDF5 layout and values,
// and the same predictions; models built here round-trip through both formats; tfjs-layers rebuilt from
// a written .keras predicts the same.
import assert from 'node:assert/strict';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import h5wasm from 'h5wasm/node';
import {unzipSync} from 'fflate';
import {assertClose, km, randomValues, tf} from './support.mjs';

const {FS} = await h5wasm.ready;
const MODELS = new URL('../../shared/fixtures/models/', import.meta.url);
const DOTKERAS = new URL('keras3-dotkeras/', MODELS);
const KERAS2 = new URL('dl4j-keras-import/modelimport/keras/', MODELS);
let counter = 0;

function withH5(bytes, fn) {
  const name = `/write-test-${++counter}.h5`;
  FS.writeFile(name, bytes);
  const f = new h5wasm.File(name, 'r');
  try {
    return fn(f);
  } finally {
    f.close();
    FS.unlink(name);
  }
}

// Every group and dataset under `layers` (Keras 2.15 on Windows wrote "layers\name" at the root):
// {groups: Set, datasets: Map(path -> {shape, values})}.
function keras3Tree(bytes) {
  return withH5(bytes, (f) => {
    const groups = new Set();
    const datasets = new Map();
    const walk = (g, path) => {
      for (const k of g.keys()) {
        const child = g.get(k);
        const p = `${path}/${k}`;
        if (child instanceof h5wasm.Group) {
          groups.add(p);
          walk(child, p);
        } else {
          datasets.set(p, {shape: child.shape, values: Float32Array.from(child.value)});
        }
      }
    };
    for (const k of f.keys()) {
      if (k === 'layers') walk(f.get(k), 'layers');
      else if (k.startsWith('layers\\')) walk(f.get(k), `layers/${k.slice(7)}`);
      if (k.startsWith('layers\\')) groups.add(`layers/${k.slice(7)}`);
    }
    return {groups, datasets};
  });
}

function unzipKeras(bytes) {
  const entries = unzipSync(bytes);
  return {
    config: JSON.parse(new TextDecoder().decode(entries['config.json'])),
    metadata: JSON.parse(new TextDecoder().decode(entries['metadata.json'])),
    weights: entries['model.weights.h5'],
  };
}

// Keys the writer deliberately leaves out (see the README's saving section): Keras' in-memory object
// sharing ids, InputLayer's `ragged` (Keras 3 before 3.10 rejects it), and compile_config of a model that
// kerasm loaded uncompiled (it does not compile from a .keras file's compile_config).
function dropUnwritten(value) {
  if (Array.isArray(value)) return value.map(dropUnwritten);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'shared_object_id' || k === 'compile_config') continue;
    if (k === 'ragged' && value.sparse !== undefined) continue;
    out[k] = dropUnwritten(v);
  }
  return out;
}

// Numbers as float32 (kerasm keeps configs' floats at float32 precision in places).
function roundFloats(value) {
  if (Array.isArray(value)) return value.map(roundFloats);
  if (typeof value === 'number') return Math.fround(value);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundFloats(v)]));
}

function samePredictions(a, b, inputShapes, what) {
  const xs = inputShapes.map((s, i) => {
    const shape = [2, ...s.slice(1).map((d) => d ?? 5)];
    return km.tensor(randomValues(shape.reduce((p, q) => p * q, 1), 11 + i), shape);
  });
  const x = xs.length === 1 ? xs[0] : xs;
  const ya = a.predict(x);
  const yb = b.predict(x);
  [ya].flat().forEach((t, i) => assertClose([yb].flat()[i], t, {rtol: 0, atol: 0, what}));
  km.dispose([...xs, ...[ya].flat(), ...[yb].flat()]);
}

function sameTree(written, original, what) {
  assert.deepEqual([...written.groups].sort(), [...original.groups].sort(), `${what}: groups`);
  assert.deepEqual([...written.datasets.keys()].sort(), [...original.datasets.keys()].sort(), `${what}: datasets`);
  for (const [p, d] of original.datasets) {
    const w = written.datasets.get(p);
    assert.deepEqual(w.shape, d.shape, `${what}: ${p} shape`);
    assert.deepEqual(w.values, d.values, `${what}: ${p} values`);
  }
}

test('fixture .keras files: load, save as .keras: the same config.json, weights tree and predictions', async (t) => {
  if (!existsSync(DOTKERAS)) return t.skip('../shared/fixtures is absent');
  const zips = readdirSync(DOTKERAS).filter((f) => f.endsWith('.keras') && sniffZip(new URL(f, DOTKERAS)));
  assert.ok(zips.length >= 4, zips.join(', '));
  for (const file of zips) {
    await t.test(file, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(file, DOTKERAS)));
      const original = unzipKeras(bytes);
      const model = await km.models.loadKerasModel(bytes);
      const out = await km.models.saveKerasModel(model, {format: 'keras'});
      const written = unzipKeras(out);
      assert.equal(written.metadata.keras_version, '3.12.0');
      assert.match(written.metadata.date_saved, /^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/);
      const version = original.metadata.keras_version;
      if (/^3\.(8|9|1\d)\./.test(version)) {
        // Written by the Keras whose layout the writer follows: the whole config is the same.
        assert.deepEqual(roundFloats(written.config), roundFloats(dropUnwritten(original.config)));
      } else {
        // Keras 3.0 and tf.keras 2.15 spelled modules, build_configs and InputLayer differently; the
        // architecture (classes, names, graph) is the same.
        const summary = (c) => c.config.layers.map((l) => [l.class_name, l.config.name,
          JSON.stringify((l.inbound_nodes ?? []).map((n) => JSON.stringify(n.args ?? n).match(/"keras_history":\[[^\]]*\]/g)))]);
        assert.deepEqual(summary(written.config), summary(original.config));
      }
      sameTree(keras3Tree(written.weights), keras3Tree(original.weights), file);
      const again = await km.models.loadKerasModel(out);
      samePredictions(model, again, model.inputs.map((i) => i.shape), file);
      model.dispose();
      again.dispose();
    });
  }
});

function sniffZip(url) {
  const b = readFileSync(url);
  return b[0] === 0x50 && b[1] === 0x4b;
}
