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

// The C++ layer for `layer`, an instance of a subclass of `Base` (the JS Layer class) built from `config`.
// Methods the subclass leaves to Base get the defaults (no weights; shapes unchanged; no masks).
export function createJsLayer(layer, config, Base) {
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
  const handle = wasm().createJsLayer(className, JSON.stringify(config ?? {}), hooks);
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
