// km.train.*: optimizers with tfjs-core's factory signatures and defaults. Each wraps a C++ optimizer
// (models/optimizers.h) that compile() shares, so an optimizer object passed to compile keeps its state
// across fit calls, and minimize() / applyGradients() update variables by name as tfjs does.
import {scalar} from './creation.js';
import {dispose} from './engine.js';
import {variableGrads} from './gradients.js';
import {configToTfjs} from './layers/config.js';
import {takeTensors} from './lists.js';
import {Tensor, describeValue, handleOf} from './tensor.js';
import {checkError, wasm, weightsChanged} from './wasm.js';

// tfjs' epsilon() on its cpu and wasm backends, the default when a factory gets epsilon null.
const EPSILON = 1e-7;

const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((handle) => handle.isDeleted() || handle.delete())
  : null;

export class Optimizer {
  // Internal: use km.train.* or a string name in compile().
  constructor(handle) {
    checkError(handle);
    this._handle = handle;
    if (finalizer) finalizer.register(this, handle, this);
  }

  // A C++ optimizer by class or string name with a camelCase config (Keras' snake_case is accepted too).
  static fromConfig(name, config = {}) {
    return new Optimizer(wasm().createOptimizer(name, JSON.stringify(config)));
  }

  _live(op) {
    if (this._handle === null) throw new Error(`optimizer.${op}: the optimizer is disposed`);
    return this._handle;
  }

  getClassName() {
    return wasm().optimizerClassName(this._live('getClassName'));
  }

  getConfig() {
    const text = wasm().optimizerConfig(this._live('getConfig'));
    checkError(null);
    return configToTfjs(JSON.parse(text));
  }

  // Steps taken so far.
  get iterations() {
    return wasm().optimizerIterations(this._live('iterations'));
  }

  // tfjs' getWeights(): [{name: 'iter', tensor: int32 scalar}, then '<variable>/<slot>' for each slot kind
  // in turn (Adam: every '/m', then every '/v'), variables in the order they were first updated]. The
  // tensors are new; the caller disposes them.
  async getWeights() {
    return this._weightsNow('getWeights');
  }

  _weightsNow(op) {
    const h = this._live(op);
    const m = wasm();
    const namesList = new m.StringList();
    let names;
    let values;
    try {
      values = takeTensors(m.optimizerSlotWeights(h, namesList));
      names = Array.from({length: namesList.size()}, (_, i) => namesList.get(i));
    } finally {
      namesList.delete();
    }
    return [{name: 'iter', tensor: scalar(this.iterations, 'int32')}, ...values.map((tensor, i) => ({name: names[i], tensor}))];
  }

  // tfjs' setWeights(weightValues): the first entry is the step count, the rest the slots in getWeights()
  // order. As in tfjs the slots are matched by position, not by name: they go to the variables the next
  // step updates, which checks their count and shapes. The tensors stay the caller's.
  async setWeights(weightValues) {
    this._setWeightsNow(weightValues, [], 'setWeights');
  }

  // The slot kinds this optimizer keeps, in order ('m', 'v' for Adam).
  _slotKinds(op) {
    const list = wasm().optimizerSlotKinds(this._live(op));
    checkError(list);
    try {
      return Array.from({length: list.size()}, (_, i) => list.get(i));
    } finally {
      list.delete();
    }
  }

  // setWeights with the slots bound now to the named live variables (a model's trainable weights, in
  // order), so a mismatch is reported at once. `op` names the caller in errors.
  _setWeightsNow(weightValues, variableNames, op) {
    const h = this._live(op);
    const who = `${this.getClassName()}.${op}`;
    if (!Array.isArray(weightValues) || weightValues.length === 0) {
      throw new Error(`${who}: expects [{name: 'iter', tensor}, ...slots] as getWeights() returns, got ${describeValue(weightValues)}`);
    }
    weightValues.forEach((w, i) => {
      if (!(w?.tensor instanceof Tensor)) {
        throw new Error(`${who}: entry ${i}${typeof w?.name === 'string' ? ` ('${w.name}')` : ''} must be {name, tensor} with a Tensor, got ${describeValue(w?.tensor ?? w)}`);
      }
    });
    const iter = weightValues[0].tensor;
    if (iter.size !== 1) {
      throw new Error(`${who}: the first weight must be the step count ('iter', a scalar), got '${weightValues[0].name}' of shape [${iter.shape}]`);
    }
    const iterations = iter.dataSync()[0];
    const m = wasm();
    const slots = new m.TensorList();
    const names = new m.StringList();
    try {
      weightValues.slice(1).forEach((w, i) => slots.push_back(handleOf(w.tensor, op, w.name ?? `slot ${i}`)));
      for (const n of variableNames) names.push_back(n);
      m.optimizerSetWeights(h, iterations, slots, names);
      checkError(null);
    } finally {
      slots.delete();
      names.delete();
    }
  }

  // variableGradients: {variableName: gradient} or [{name, tensor}], as tfjs. Null gradients are skipped.
  applyGradients(variableGradients) {
    const h = this._live('applyGradients');
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((e) => [e?.name, e?.tensor])
      : Object.entries(variableGradients ?? {});
    const m = wasm();
    const names = new m.StringList();
    const grads = new m.TensorList();
    try {
      for (const [name, g] of entries) {
        if (g == null) continue;
        if (typeof name !== 'string') throw new Error(`applyGradients: every gradient needs a variable name, got ${describeValue(name)}`);
        if (!(g instanceof Tensor)) throw new Error(`applyGradients: the gradient of '${name}' must be a Tensor, got ${describeValue(g)}`);
        names.push_back(name);
        grads.push_back(handleOf(g, 'applyGradients', name));
      }
      m.applyGradientsByName(h, names, grads);
      checkError(null);
    } finally {
      names.delete();
      grads.delete();
    }
    weightsChanged();
  }

  // One step on the scalar f(): gradients of varList (default: every trainable variable) by variableGrads,
  // then applyGradients. Returns the cost when returnCost, else null.
  minimize(f, returnCost = false, varList) {
    const {value, grads} = variableGrads(f, varList);
    try {
      this.applyGradients(grads);
    } finally {
      dispose(grads);
    }
    if (returnCost) return value;
    value.dispose();
    return null;
  }

  dispose() {
    if (this._handle === null) return;
    if (finalizer) finalizer.unregister(this);
    this._handle.delete();
    this._handle = null;
  }
}

function rate(value, op) {
  if (typeof value !== 'number') throw new Error(`train.${op}: learningRate must be a number, got ${describeValue(value)}`);
  return value;
}

export const train = {
  sgd(learningRate) {
    return Optimizer.fromConfig('SGD', {learningRate: rate(learningRate, 'sgd')});
  },
  momentum(learningRate, momentum, useNesterov = false) {
    if (typeof momentum !== 'number') throw new Error(`train.momentum: momentum must be a number, got ${describeValue(momentum)}`);
    return Optimizer.fromConfig('Momentum', {learningRate: rate(learningRate, 'momentum'), momentum, useNesterov});
  },
  rmsprop(learningRate, decay = 0.9, momentum = 0, epsilon = null, centered = false) {
    return Optimizer.fromConfig('RMSProp', {
      learningRate: rate(learningRate, 'rmsprop'), decay, momentum, epsilon: epsilon ?? EPSILON, centered,
    });
  },
  adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = null) {
    return Optimizer.fromConfig('Adam', {learningRate: rate(learningRate, 'adam'), beta1, beta2, epsilon: epsilon ?? EPSILON});
  },
  adagrad(learningRate, initialAccumulatorValue = 0.1) {
    return Optimizer.fromConfig('Adagrad', {learningRate: rate(learningRate, 'adagrad'), initialAccumulatorValue});
  },
  adadelta(learningRate = 0.001, rho = 0.95, epsilon = null) {
    return Optimizer.fromConfig('Adadelta', {learningRate: rate(learningRate, 'adadelta'), rho, epsilon: epsilon ?? EPSILON});
  },
  adamax(learningRate = 0.002, beta1 = 0.9, beta2 = 0.999, epsilon = null, decay = 0) {
    return Optimizer.fromConfig('Adamax', {
      learningRate: rate(learningRate, 'adamax'), beta1, beta2, epsilon: epsilon ?? EPSILON, decay,
    });
  },
};

// compile()'s optimizer argument: a string name (tfjs-layers' defaults for it) or an Optimizer.
export function toOptimizer(optimizer) {
  if (optimizer instanceof Optimizer) return optimizer;
  if (typeof optimizer === 'string') return Optimizer.fromConfig(optimizer, {});
  throw new Error(`compile: optimizer must be a name ('adam', 'sgd', ...) or a km.train optimizer, got ${describeValue(optimizer)}`);
}
