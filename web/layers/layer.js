// The JS Layer: a handle to a C++ layer (shared with the models and graph nodes that use it) with the
// tfjs-layers surface: apply on tensors or symbolic tensors, build, shapes, configs, weights.
//
// One JS object per C++ layer: wrapLayer() looks layers up by address, so model.layers returns the very
// objects the user created, and layers a model made (modelFromJSON) get a wrapper on first access. A
// wrapper that is garbage-collected without dispose() releases its handle through a FinalizationRegistry.
import {describeValue, handleOf} from '../tensor.js';
import {Variable} from '../variable.js';
import {takeHandles, takeTensors, toTensorArray, withTensorList} from '../lists.js';
import {checkError, readMeta, wasm, weightsChanged} from '../wasm.js';
import {tfjsConfigFromText} from './config.js';
import {addWeightTo, createJsLayer} from './custom.js';
import {SymbolicTensor, symbolicFrom, withSymbolicList} from './symbolic.js';

// Lets the internal constructor tell a wrapper being made here from a user's `new` / subclass.
const INTERNAL = Symbol('kerasm.internal');

const wrappers = new Map();  // layer address -> WeakRef to its wrapper
const kinds = new Map();     // bindings' layerKind -> wrapper class (models register theirs)

// A collected wrapper's variables from read() may still be in use: they keep their own handles (and the
// tensors' own finalizer releases them), so only the wrapper's handles go here.
const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((res) => {
  if (!res.handle.isDeleted()) res.handle.delete();
  for (const v of res.variables.values()) v._release(false);
  if (wrappers.get(res.id) === res.ref) wrappers.delete(res.id);
}) : null;

export function registerLayerKind(kind, cls) {
  kinds.set(kind, cls);
}

// The wrapper of the layer a binding just returned (after checking its error); the handle is consumed.
export function wrapLayer(handle) {
  checkError(handle);
  const m = wasm();
  const id = m.layerId(handle);
  const existing = wrappers.get(id)?.deref();
  if (existing !== undefined && existing._res !== null) {
    handle.delete();
    return existing;
  }
  const Cls = kinds.get(m.layerKind(handle)) ?? Layer;
  return new Cls(INTERNAL, handle, id);
}

// tfjs' symbolicTensor.sourceLayer: the layer whose node produces the tensor (an InputLayer for km.input()).
// Defined here rather than in symbolic.js so that module need not import this one.
Object.defineProperty(SymbolicTensor.prototype, 'sourceLayer', {
  get() {
    return wrapLayer(wasm().symbolicLayer(this._handle));
  },
  configurable: true,
});

function isShape(s) {
  return Array.isArray(s) && s.every((d) => d === null || typeof d === 'number');
}

// A shape or a list of shapes, as the JSON list of shapes the bindings read.
function shapesJson(shapeOrShapes, op) {
  if (isShape(shapeOrShapes)) return JSON.stringify([shapeOrShapes]);
  if (Array.isArray(shapeOrShapes) && shapeOrShapes.length > 0 && shapeOrShapes.every(isShape)) {
    return JSON.stringify(shapeOrShapes);
  }
  throw new Error(`${op}: expected a shape (an array of numbers or null) or an array of shapes, got ${JSON.stringify(shapeOrShapes)}`);
}

// A weight as tfjs-layers exposes it ({name, shape, dtype, trainable, read(), write()}); read() returns
// a km.Variable (the same object each time until it is disposed) holding the current value.
export class LayerVariable {
  constructor(varHandle) {
    const m = wasm();
    this._varHandle = varHandle;
    this._variable = null;
    this.name = m.variableName(varHandle);
    const value = m.variableValue(varHandle);
    checkError(value);
    const meta = readMeta();
    value.delete();
    this.shape = meta.shape;
    this.dtype = meta.dtype;
  }

  get trainable() {
    return this._varHandle !== null && wasm().variableTrainable(this._varHandle);
  }

  read() {
    if (this._varHandle === null) throw new Error(`weight '${this.name}': its layer is disposed`);
    if (this._variable === null || this._variable.isDisposed) this._variable = new Variable(this._varHandle.clone());
    return this._variable;
  }

  // Replaces the value (same shape and dtype).
  write(value) {
    if (this._varHandle === null) throw new Error(`weight '${this.name}': its layer is disposed`);
    wasm().variableAssign(this._varHandle, handleOf(value, `weight '${this.name}'.write`, 'value'));
    checkError(null);
    weightsChanged();
  }

  // Deletes the handle; with disposeVariable, also disposes the variable read() handed out.
  _release(disposeVariable = true) {
    if (disposeVariable && this._variable !== null) this._variable.dispose();
    if (this._varHandle !== null && !this._varHandle.isDeleted()) this._varHandle.delete();
    this._variable = null;
    this._varHandle = null;
  }
}

export class Layer {
  // Layers come from the factories (km.layers.dense(...)), km.model / km.sequential and modelFromJSON; a
  // user's subclass (`class MyLayer extends km.layers.Layer`) is constructed with its config, as in tfjs.
  constructor(token, handle, id) {
    const m = wasm();
    if (token !== INTERNAL) {
      if (new.target === Layer) throw new Error('km.layers.Layer is a base class: extend it, or use the factories (km.layers.dense ...)');
      handle = createJsLayer(this, token ?? {}, Layer, this instanceof RNNCell);
      id = m.layerId(handle);
    }
    const ref = new WeakRef(this);
    // Shared with the finalizer; holds no reference to this object.
    this._res = {handle, id, ref, variables: new Map()};
    this.name = m.layerName(handle);
    wrappers.set(id, ref);
    if (finalizer) finalizer.register(this, this._res, this);
  }

  // The handle for a binding call; a clear error once the layer is disposed.
  _handle(op) {
    if (this._res === null) throw new Error(`${op}: layer '${this.name}' is disposed`);
    return this._res.handle;
  }

  getClassName() {
    return wasm().layerClassName(this._handle('getClassName'));
  }

  get built() {
    return this._res !== null && wasm().layerBuilt(this._res.handle);
  }

  get dtype() {
    return wasm().layerDType(this._handle('dtype'));
  }

  get trainable() {
    return this._res !== null && wasm().layerTrainable(this._res.handle);
  }

  set trainable(value) {
    wasm().layerSetTrainable(this._handle('trainable'), !!value);
    checkError(null);
  }

  // Tensor(s) in: Tensor(s) out, computed now. SymbolicTensor(s) in: SymbolicTensor(s) out, a node in the
  // graph. One output comes back as it is, several as an array. kwargs: {training, mask, initialState}; an
  // RNN's initial states join the inputs after x, as Keras passes them (symbolic ones become node inputs).
  apply(inputs, kwargs = {}) {
    let list = Array.isArray(inputs) ? inputs : [inputs];
    const initial = kwargs?.initialState;
    if (initial != null) {
      if (Array.isArray(inputs) && inputs.length !== 1) {
        throw new Error(`layer '${this.name}'.apply: pass the initial states either as initialState or after x in the inputs, not both`);
      }
      list = [...list, ...(Array.isArray(initial) ? initial : [initial])];
      inputs = list;
    }
    const h = this._handle('apply');
    const m = wasm();
    if (list.length > 0 && list.every((x) => x instanceof SymbolicTensor)) {
      const callKwargs = kwargs?.training == null ? {} : {training: !!kwargs.training};
      const outs = withSymbolicList(list, (l) => takeHandles(m.layerApplySymbolic(h, l, JSON.stringify(callKwargs))));
      const symbolic = outs.map(symbolicFrom);
      return symbolic.length === 1 ? symbolic[0] : symbolic;
    }
    if (list.some((x) => x instanceof SymbolicTensor)) {
      throw new Error(`layer '${this.name}'.apply: inputs mix SymbolicTensors and Tensors; pass all of one kind`);
    }
    const xs = toTensorArray(inputs, `layer '${this.name}'.apply`, 'inputs');
    const masks = kwargs?.mask == null ? [] : toTensorArray(kwargs.mask, `layer '${this.name}'.apply`, 'mask',
                                                           {allowNull: true});
    // A mask for x alone: the initial states have none.
    while (masks.length > 0 && masks.length < xs.length) masks.push(null);
    const training = !!kwargs?.training;
    const outs = withTensorList(xs, 'apply', 'inputs', (xl) =>
      withTensorList(masks, 'apply', 'mask', (ml) => takeTensors(m.layerApply(h, xl, training, ml))));
    return outs.length === 1 ? outs[0] : outs;
  }

  // The output masks for inputs and their masks (tfjs' computeMask); null where there is none.
  computeMask(inputs, mask) {
    const xs = toTensorArray(inputs, `layer '${this.name}'.computeMask`, 'inputs');
    const masks = mask == null ? [] : toTensorArray(mask, `layer '${this.name}'.computeMask`, 'mask', {allowNull: true});
    const h = this._handle('computeMask');
    const out = withTensorList(xs, 'computeMask', 'inputs', (xl) =>
      withTensorList(masks, 'computeMask', 'mask', (ml) => takeTensors(wasm().layerComputeMask(h, xl, ml))));
    if (out.length === 0) return null;
    // One mask per input comes back as the inputs came; a merge layer's one mask for its list of inputs
    // comes back as a tensor, as tfjs-layers returns it.
    if (Array.isArray(inputs) && out.length === inputs.length) return out;
    return out.length === 1 ? out[0] : out;
  }

  // Creates the weights for an input shape (null for unknown dimensions); a no-op once built.
  build(inputShape) {
    wasm().layerBuild(this._handle('build'), shapesJson(inputShape, `layer '${this.name}'.build`));
    checkError(null);
  }

  computeOutputShape(inputShape) {
    const json = shapesJson(inputShape, `layer '${this.name}'.computeOutputShape`);
    const out = wasm().layerComputeOutputShape(this._handle('computeOutputShape'), json);
    checkError(null);
    const shapes = JSON.parse(out);
    return shapes.length === 1 ? shapes[0] : shapes;
  }

  // The camelCase config, as tfjs-layers' getConfig() returns it; the factory accepts it back.
  getConfig() {
    const text = wasm().layerConfig(this._handle('getConfig'));
    checkError(null);
    return tfjsConfigFromText(text);
  }

  // For layers written in JS, inside build: a new weight (tfjs' signature), returned as a LayerVariable.
  addWeight(name, shape, dtype, initializer, regularizer, trainable, constraint) {
    const vh = addWeightTo(this._handle('addWeight'), {name, shape, dtype, initializer, regularizer, trainable, constraint},
                           `layer '${this.name}'`);
    const v = new LayerVariable(vh);
    this._res.variables.set(wasm().variableId(vh), v);
    weightsChanged();
    return v;
  }

  // Current values in the order of LAYERS.md (trainable weights first, as Keras orders them).
  getWeights(trainableOnly = false) {
    if (trainableOnly) return this.trainableWeights.map((w) => w.read().clone());
    return takeTensors(wasm().layerGetWeights(this._handle('getWeights')));
  }

  // Same count, order and shapes as getWeights(); a failed call changes nothing.
  setWeights(weights) {
    if (!Array.isArray(weights)) {
      throw new Error(`layer '${this.name}'.setWeights: expects an array of Tensors, got ${describeValue(weights)}`);
    }
    const h = this._handle('setWeights');
    withTensorList(weights, `layer '${this.name}'.setWeights`, 'weights', (l) => wasm().layerSetWeights(h, l));
    checkError(null);
    weightsChanged();
  }

  countParams() {
    const n = wasm().layerCountParams(this._handle('countParams'));
    checkError(null);
    return n;
  }

  get weights() {
    return this._variables(0);
  }

  get trainableWeights() {
    return this._variables(1);
  }

  get nonTrainableWeights() {
    return this._variables(2);
  }

  _variables(which) {
    const m = wasm();
    const cache = this._res?.variables;
    const handles = takeHandles(m.layerVariables(this._handle('weights'), which));
    return handles.map((vh) => {
      const id = m.variableId(vh);
      const cached = cache.get(id);
      if (cached !== undefined) {
        vh.delete();
        return cached;
      }
      const v = new LayerVariable(vh);
      cache.set(id, v);
      return v;
    });
  }

  // The losses of the latest call (activity regularization) and the weights' regularization penalties,
  // as new scalar tensors.
  get losses() {
    return takeTensors(wasm().layerLosses(this._handle('losses')));
  }

  // Clears a stateful RNN's states; with `states` (one tensor per state, batch first) sets them, as Keras'
  // reset_states(states).
  resetStates(states) {
    const h = this._handle('resetStates');
    if (states == null) {
      wasm().layerResetStates(h);
    } else {
      const list = toTensorArray(states, `layer '${this.name}'.resetStates`, 'states');
      withTensorList(list, `layer '${this.name}'.resetStates`, 'states', (l) => wasm().layerResetStatesTo(h, l));
    }
    checkError(null);
  }

  // tfjs' layer.input / layer.output: the symbolic tensor(s) of the layer's only node.
  get input() {
    return this._nodeTensors(1, 'input');
  }

  get output() {
    return this._nodeTensors(0, 'output');
  }

  _nodeTensors(which, what) {
    const m = wasm();
    const h = this._handle(what);
    const count = m.layerNodeCount(h);
    if (count > 1) {
      throw new Error(`layer '${this.name}' has ${count} inbound nodes, so its ${what} is ill-defined; use a model's ` +
                      `inputs / outputs instead`);
    }
    const out = takeHandles(m.layerNodeTensors(h, 0, which)).map(symbolicFrom);
    return out.length === 1 ? out[0] : out;
  }

  // Releases this wrapper's handle and the weights' JS variables; the C++ layer lives on while a model
  // or graph node still uses it.
  dispose() {
    if (this._res === null) return;
    const res = this._res;
    if (finalizer) finalizer.unregister(this);
    for (const v of res.variables.values()) v._release();
    res.handle.delete();
    if (wrappers.get(res.id) === res.ref) wrappers.delete(res.id);
    this._res = null;
  }

  toString() {
    return this._res === null ? `Layer '${this.name}' (disposed)` : `${this.getClassName()} '${this.name}'`;
  }
}


// The base of recurrent cells written in JS, as tfjs' RNNCell: a subclass sets `stateSize` (an integer, or
// one per state; and `outputSize` when the output is not the first state's size) and a
// `call([x, ...states])` returning `[output, ...newStates]`; km.layers.rnn({cell}) steps it.
export class RNNCell extends Layer {
  constructor(config) {
    if (new.target === RNNCell) throw new Error('km.layers.RNNCell is a base class: extend it with stateSize and call()');
    super(config);
  }
}
