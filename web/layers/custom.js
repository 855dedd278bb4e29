// Layers written in JS: `class MyLayer extends km.layers.Layer` with build / call / computeOutputShape /
// computeMask / getConfig, as in tfjs-layers. The C++ side (bindings/js_layer_bindings.cc) is an ordinary
// layer whose hooks call this object's methods; weights come from this.addWeight (C++ variables), so the
// layer trains with fit and its weights save with the model. The hooks catch JS exceptions (callable) and
// leave every km Tensor they make to a tidy: results cross back as fresh handles C++ takes over.
import {tidy} from '../engine.js';
import {takeTensors} from '../lists.js';
import {describeValue, handleOf, Tensor} from '../tensor.js';
import {callable, checkError, wasm} from '../wasm.js';
import {configToTfjs} from './config.js';

const one = (list) => (list.length === 1 ? list[0] : list);

function outputHandles(result, what) {
  const list = Array.isArray(result) ? result : [result];
  if (list.length === 0 || !list.every((t) => t instanceof Tensor)) {
    throw new Error(`${what} returned ${describeValue(result)}, not a Tensor or an array of Tensors`);
  }
  return list.map((t, i) => handleOf(t, what, `output ${i}`).clone());
}

// A cell's state and output shapes from its stateSize (an integer, or one entry per state, each an integer
// or a shape) and outputSize (stateSize's first entry unless given), as tfjs and Keras read them.
function cellSizes(layer, className) {
  const shape = (s) => {
    if (Number.isInteger(s) && s > 0) return [s];
    if (Array.isArray(s) && s.length > 0 && s.every((d) => Number.isInteger(d) && d > 0)) return s;
    return null;
  };
  const size = layer.stateSize;
  const list = Array.isArray(size) ? size : [size];
  const states = list.map(shape);
  if (size == null) throw new Error(`RNN cell class ${className}: stateSize is not set (set this.stateSize in the constructor)`);
  if (list.length === 0 || states.includes(null)) {
    throw new Error(`RNN cell class ${className}: stateSize must be a positive integer or an array of them (one per state), got ${JSON.stringify(size)}`);
  }
  const output = layer.outputSize == null ? states[0] : shape(layer.outputSize);
  if (output === null) throw new Error(`RNN cell class ${className}: outputSize must be a positive integer, got ${describeValue(layer.outputSize)}`);
  return {states, output};
}

// The C++ layer for `layer`, an instance of a subclass of `Base` (the JS Layer class) built from `config`;
// with `cell`, a recurrent cell (a subclass of km.layers.RNNCell). Methods the subclass leaves to Base get
// the defaults (no weights; shapes unchanged; no masks).
export function createJsLayer(layer, config, Base, cell = false) {
  const cls = layer.constructor;
  const className = cls.className ?? cls.name;
  if (typeof layer.call !== 'function') {
    throw new Error(`layer class ${className}: a JS layer needs a call(inputs, kwargs) method`);
  }
  const own = (name) => layer[name] !== Base.prototype[name] && typeof layer[name] === 'function';
  const hooks = {
    supportsMasking: layer.supportsMasking === true || own('computeMask'),
    build: callable((shapesText) => {
      if (own('build')) layer.build(one(JSON.parse(shapesText)));
    }),
    call: callable((list, training, maskList) => tidy(() => {
      const inputs = takeTensors(list);
      const masks = takeTensors(maskList);
      const kwargs = {training};
      if (masks.some((m) => m !== null)) kwargs.mask = one(masks);
      return outputHandles(layer.call(one(inputs), kwargs), `${className}.call`);
    })),
    computeOutputShape: callable((shapesText) => {
      if (!own('computeOutputShape')) return null;
      const out = layer.computeOutputShape(one(JSON.parse(shapesText)));
      const list = Array.isArray(out) && out.length > 0 && Array.isArray(out[0]) ? out : [out];
      return JSON.stringify(list);
    }),
    computeMask: callable((list, maskList) => tidy(() => {
      if (!own('computeMask')) return null;
      const inputs = takeTensors(list);
      const masks = takeTensors(maskList);
      const r = layer.computeMask(one(inputs), one(masks));
      if (r == null) return [null];
      return (Array.isArray(r) ? r : [r]).map((m) => (m === null ? null : handleOf(m, `${className}.computeMask`, 'mask').clone()));
    })),
    getConfig: callable(() => JSON.stringify(own('getConfig') ? layer.getConfig() : {})),
  };
  if (cell) {
    hooks.sizes = callable(() => JSON.stringify(cellSizes(layer, className)));
    // A step: [x, states...] in, [output, new states...] out (tfjs' form), or Keras' [output, [states...]].
    hooks.call = callable((list, training) => tidy(() => {
      let out = layer.call(takeTensors(list), {training});
      if (Array.isArray(out) && out.length === 2 && Array.isArray(out[1])) out = [out[0], ...out[1]];
      return outputHandles(out, `${className}.call`);
    }));
  }
  const handle = wasm()[cell ? 'createJsCell' : 'createJsLayer'](className, JSON.stringify(config ?? {}), hooks);
  checkError(handle);
  return handle;
}

// this.addWeight(name, shape, dtype?, initializer?, regularizer?, trainable?, constraint?) as in tfjs:
// specs are names ('zeros', 'l2') or {className, config}, or initializer / regularizer objects' configs.
export function addWeightTo(handle, {name, shape, dtype, initializer, regularizer, trainable = true, constraint}, who) {
  if (typeof name !== 'string' || name === '') throw new Error(`${who}.addWeight: the name must be a non-empty string`);
  if (dtype != null && dtype !== 'float32') throw new Error(`${who}.addWeight('${name}'): only float32 weights, got ${dtype}`);
  const spec = (v) => (v == null ? null : v);
  const vh = wasm().layerAddWeight(handle, name, JSON.stringify(shape), JSON.stringify(spec(initializer)),
                                   JSON.stringify(spec(regularizer)), trainable !== false, JSON.stringify(spec(constraint)));
  checkError(vh);
  return vh;
}

// km.serialization.registerClass(cls): configs naming cls.className (or cls.name) build a `new cls(config)`.
export function registerClass(cls) {
  if (typeof cls !== 'function') throw new Error(`serialization.registerClass: expects a class, got ${describeValue(cls)}`);
  const className = cls.className ?? cls.name;
  wasm().registerJsLayerClass(className, callable((configText) => {
    const layer = new cls(configToTfjs(JSON.parse(configText)));
    return layer._handle('registerClass').clone();
  }));
  checkError(null);
  return cls;
}
