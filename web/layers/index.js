// km.layers: one factory per layer of the C++ registry (layers/registry.h), made when the module loads
// from the registry's own list, so adding a layer there adds its factory here. Factories take tfjs-style
// camelCase configs, passed to the C++ as they are: its config reader accepts camelCase and snake_case keys
// and its errors name each key as it was given ("kernelInitializer.config.seed").
import {describeValue} from '../tensor.js';
import {isLoaded, onLoad, wasm} from '../wasm.js';
import {activationNames} from './config.js';
import {registerClass} from './custom.js';
import {lambda} from './lambda.js';
import {Layer, LayerVariable, RNNCell, wrapLayer} from './layer.js';
import {SymbolicTensor, input} from './symbolic.js';

// [[KerasClassName, jsFactoryName], ...] in registry order, once loaded.
let layerClasses = [];

// Second names of a factory: tfjs spells Cropping2D's factory `cropping2D`, unlike every other 1D/2D/3D
// layer, so the regular `cropping2d` works too (registeredLayers() lists the tfjs name only).
const FACTORY_ALIASES = {cropping2D: ['cropping2d']};

// Creates a layer of a registered Keras class from a tfjs-style config.
export function createLayer(className, config = {}, op = className) {
  if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
    throw new Error(`layers.${op}: expects a config object, got ${describeValue(config)}`);
  }
  if (config != null && ![Object.prototype, null].includes(Object.getPrototypeOf(config))) {
    throw new Error(`layers.${op}: a layer config must be a plain object, got ${describeValue(config)}`);
  }
  const live = [];
  const text = JSON.stringify(withLivePlaceholders(config ?? {}, live, `layers.${op}`, 'config'));
  if (live.length === 0) return wrapLayer(wasm().createLayer(className, text));
  // The layers reach the C++ as themselves (shared handles), not as copies of their configs.
  const m = wasm();
  const list = new m.LayerList();
  try {
    for (const layer of live) list.push_back(layer._res.handle);
    return wrapLayer(m.createLayerWithLive(className, text, list));
  } finally {
    list.delete();
  }
}

// LIVE_LAYER_KEY (layers/registry.h): where a config held a Layer, the C++ finds {[key]: index}.
const LIVE_LAYER_KEY = '__kerasm_live_layer__';

// A copy of a config value with each Layer object (at any depth, arrays included) replaced by a placeholder
// naming its index in `live`. Other objects must be plain (JSON-like): a Tensor or a class instance where a
// layer or a value is expected would otherwise turn into garbage on its way through JSON.
function withLivePlaceholders(value, live, op, path) {
  if (value instanceof Layer) {
    if (value._res === null) throw new Error(`${op}: ${path}: layer '${value.name}' is disposed`);
    let index = live.indexOf(value);
    if (index < 0) index = live.push(value) - 1;
    return {[LIVE_LAYER_KEY]: index};
  }
  if (Array.isArray(value)) return value.map((v, i) => withLivePlaceholders(v, live, op, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    if (![Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      throw new Error(`${op}: ${path} must be a km layer, a serialized {className, config} or plain JSON data, ` +
                      `got ${describeValue(value)}`);
    }
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = withLivePlaceholders(v, live, op, `${path}.${k}`);
    return out;
  }
  return value;
}

// lambda takes JS functions, so it has its own factory rather than the registry's JSON one.
const target = {Layer, RNNCell, registeredLayers, activationNames, lambda};

// Before km.ready() the factories do not exist yet: say so instead of "is not a function".
export const layers = new Proxy(target, {
  get(obj, prop, receiver) {
    if (typeof prop === 'string' && !(prop in obj) && !isLoaded() && prop !== 'then') {
      throw new Error(`km.layers.${prop}: kerasm is not loaded yet: call \`await km.ready()\` first`);
    }
    return Reflect.get(obj, prop, receiver);
  },
});

onLoad((m) => {
  layerClasses = JSON.parse(m.layerClassList());
  for (const [className, jsName] of layerClasses) {
    const factory = (config) => createLayer(className, config, jsName);
    Object.defineProperty(factory, 'name', {value: jsName});
    target[jsName] = factory;
    for (const alias of FACTORY_ALIASES[jsName] ?? []) target[alias] = factory;
  }
});

// The registry's list: [{className, factory}] (the generic layer test iterates it).
// Every layer class with its factory: the registry's, and Lambda, whose factory is made here (it takes a
// JS function, which a registry config cannot carry).
function registeredLayers() {
  return [...layerClasses.map(([className, factory]) => ({className, factory})), {className: 'Lambda', factory: 'lambda'}];
}

// km.serialization: registerClass makes a JS layer class constructible from configs (model JSON, files).
export const serialization = {registerClass};

export {Layer, LayerVariable, RNNCell, SymbolicTensor, activationNames, input, registeredLayers};
