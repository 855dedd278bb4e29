// Keras files' training side: compiling a loaded model from Keras 3's compile_config (Keras'
// load_model(compile=True)), and reading / writing the optimizer variables Keras 3 keeps in
// model.weights.h5 under optimizer/vars/<i>. Keras 3 orders them: iterations (int64), learning_rate
// (Keras 3 only; Keras 2.13-2.15 "keras_v3" zips have none), then the slots as its optimizers' build()
// creates them (Adam: m0, v0, m1, v1, ...; RMSprop: every velocity, then every momentum; see
// kerasSlotPlan). kerasm keeps tfjs' order, slot kind by slot kind; the conversion is here, and so is
// the reading of Keras 2 .h5 optimizer_weights.
import {tensor} from '../creation.js';
import {dispose} from '../engine.js';
import {describeValue} from '../tensor.js';
import {compileFromTrainingConfig, metricsOf, trainableVariableNames} from './artifacts.js';

// Keras 3's (and tf.keras 2.11+'s) defaults for an optimizer given by name, which differ from the tfjs /
// Keras 2.2 string defaults kerasm uses for compile('adagrad') (Adagrad, Adadelta, Adamax).
const KERAS3_BY_NAME = {
  sgd: ['SGD', 0.01], rmsprop: ['RMSprop', 0.001], adam: ['Adam', 0.001], adagrad: ['Adagrad', 0.001],
  adadelta: ['Adadelta', 0.001], adamax: ['Adamax', 0.001], nadam: ['Nadam', 0.001],
};

function optimizerConfigOf(optimizer, what) {
  // Keras' compile() default when the config names none.
  if (optimizer == null) optimizer = 'rmsprop';
  if (typeof optimizer === 'string') {
    const known = KERAS3_BY_NAME[optimizer.toLowerCase()];
    if (known === undefined) throw new Error(`${what}: unknown optimizer '${optimizer}' (kerasm has ${Object.keys(KERAS3_BY_NAME).join(', ')})`);
    return {class_name: known[0], config: {learning_rate: known[1]}};
  }
  if (typeof optimizer === 'object' && typeof optimizer.class_name === 'string') {
    return {class_name: optimizer.class_name, config: optimizer.config ?? {}};
  }
  throw new Error(`${what}: optimizer must be a name or {class_name, config}, got ${describeValue(optimizer)}`);
}

// A serialized Keras loss ({module: 'keras.losses', class_name: 'MeanSquaredError', config: {name}}) by
// its function's name, which kerasm's loss table knows.
function lossName(loss) {
  if (loss != null && typeof loss === 'object' && typeof loss.class_name === 'string') return loss.config?.name ?? loss.class_name;
  if (Array.isArray(loss)) return loss.map(lossName);
  if (loss != null && typeof loss === 'object') return Object.fromEntries(Object.entries(loss).map(([k, v]) => [k, lossName(v)]));
  return loss;
}

// Keras 3's compile_config as the training config compileFromTrainingConfig reads, or null when it has no
// loss (Keras compiles such a model for inference only; kerasm leaves it uncompiled).
export function trainingFromCompileConfig(compile, what) {
  if (compile == null || compile.loss == null) return null;
  return {
    optimizer_config: optimizerConfigOf(compile.optimizer, what),
    loss: lossName(compile.loss),
    metrics: compile.metrics ?? [],
    loss_weights: compile.loss_weights ?? null,
  };
}

// Compiles as the file says. Metrics kerasm lacks (Keras' Precision, Recall, AUC ...) are dropped with a
// warning naming them: they only report, and refusing the file for them would cost the model. Any other
// failure (an unknown optimizer or loss, a bad optimizer config) is an Error naming the file.
export function compileFromKerasFile(model, training, what) {
  let metrics = metricsOf(training.metrics);
  for (;;) {
    try {
      compileFromTrainingConfig(model, {...training, metrics}, what);
      return;
    } catch (e) {
      const unknown = /unknown metric '([^']+)'/.exec(e.message)?.[1];
      if (unknown === undefined || !metrics.includes(unknown)) {
        const message = e.message.startsWith(what) ? e.message : `${what}: ${e.message}`;
        throw new Error(`${message} (load with {compile: false} to skip compiling)`, {cause: e});
      }
      console.warn(`${what}: metric '${unknown}' is not available in kerasm; compiled without it`);
      metrics = metrics.filter((m) => m !== unknown);
    }
  }
}

// Keras 3's slot variables for a kerasm optimizer, as kerasm slot kinds: a list of groups, each one
// add_optimizer_variables call in the optimizer's build (its kinds interleaved variable by variable, the
// groups one after another): Adam [[m, v]] (+ [[vhat]] with amsgrad), Adamax [[m, v]] ("momentum",
// "norm"), Adadelta [[accum_grad], [accum_var]], RMSprop [[rms]] + [[momentum]] with momentum > 0 +
// [[mg]] when centered. null: the Keras slots mean something else (SGD's momentum is Keras' velocity
// -lr * accumulation; Nadam adds a u_product), so the state is not carried over.
function kerasSlotPlan(optimizer) {
  const config = optimizer.getConfig();
  switch (optimizer.getClassName()) {
    case 'SGD':
      return config.momentum > 0 ? null : [];
    case 'Adam':
      return config.amsgrad ? [['m', 'v'], ['vhat']] : [['m', 'v']];
    case 'Adamax':
      return [['m', 'v']];
    case 'Adagrad':
      return [['accumulator']];
    case 'Adadelta':
      return [['accum_grad'], ['accum_var']];
    case 'RMSProp':
      // kerasm's momentum slot is multiplied by 0 before use at momentum 0: zeros stand in for it.
      return [['rms'], ...(config.momentum > 0 ? [['momentum']] : []), ...(config.centered ? [['mg']] : [])];
    default:
      return null;
  }
}

// Keras 3's file order: [{kind, index}] for `n` variables.
function keras3Order(plan, n) {
  const out = [];
  for (const group of plan) {
    for (let i = 0; i < n; ++i) for (const kind of group) out.push({kind, index: i});
  }
  return out;
}

function numericKeys(group) {
  return group.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
}

// Restores a compiled model's optimizer from a Keras 3 model.weights.h5 (h5wasm File). As Keras'
// load_own_variables does, a file whose variable count does not match the optimizer built for this model
// is skipped with a warning; a matching count with a wrong shape is an Error naming the variable.
export function readKeras3OptimizerState(model, file, what) {
  const optimizer = model.optimizer;
  const group = file.get('optimizer/vars') ?? file.get('optimizer');
  if (optimizer == null || optimizer._handle === null || group == null || typeof group.keys !== 'function') return;
  const keys = numericKeys(group);
  if (keys.length === 0) return;
  const plan = kerasSlotPlan(optimizer);
  const who = optimizer.getClassName();
  if (plan === null) {
    console.warn(`${what}: the saved ${who} state is not restored (its Keras slots do not map onto kerasm's); training restarts its moments`);
    return;
  }
  const vars = trainableVariableNames(model);
  const order = keras3Order(plan, vars.length);
  const slots = order.length;
  // Keras 3 adds learning_rate after iterations; Keras 2.13-2.15 zips do not.
  const header = keys.length === 2 + slots ? 2 : keys.length === 1 + slots ? 1 : 0;
  if (header === 0) {
    console.warn(`${what}: skipping the saved optimizer state: ${who} for this model's ${vars.length} trainable variables has ${slots} slot variables (plus iterations and learning_rate), the file has ${keys.length} variables`);
    return;
  }
  const read = (k) => group.get(k);
  const iterations = Number(read(keys[0]).value);
  const kinds = optimizer._slotKinds('loadKerasModel');
  // kerasm's layout: for each kind in order, one tensor per variable.
  const byKind = new Map(kinds.map((kind) => [kind, new Array(vars.length).fill(null)]));
  const made = [];
  try {
    let at = header;
    const take = (kind, i) => {
      const ds = read(keys[at]);
      const label = `optimizer/vars/${keys[at]}`;
      at += 1;
      const shape = ds.shape ?? [];
      const v = ds.value;
      const t = tensor(v instanceof Float32Array ? v : Float32Array.from(typeof v === 'number' ? [v] : v), shape, 'float32');
      made.push(t);
      byKind.get(kind)[i] = {name: `${vars[i]}/${kind}`, tensor: t, label};
    };
    for (const {kind, index} of order) take(kind, index);
    const weights = model.trainableWeights;
    const ordered = [];
    for (const kind of kinds) {
      byKind.get(kind).forEach((entry, i) => {
        if (entry === null) {
          const zeros = tensor(new Float32Array(weights[i].shape.reduce((a, b) => a * b, 1)), weights[i].shape, 'float32');
          made.push(zeros);
          ordered.push({name: `${vars[i]}/${kind}`, tensor: zeros});
          return;
        }
        if (String(entry.tensor.shape) !== String(weights[i].shape)) {
          throw new Error(`${what}: ${entry.label} (${who} ${kind} of '${vars[i]}') has shape [${entry.tensor.shape}] but the variable has shape [${weights[i].shape}]`);
        }
        ordered.push(entry);
      });
    }
    const iter = tensor(new Int32Array([iterations]), [], 'int32');
    made.push(iter);
    optimizer._setWeightsNow([{name: 'iter', tensor: iter}, ...ordered], vars, 'loadKerasModel');
  } finally {
    dispose(made);
  }
}

// The optimizer variables Keras 3 saves for a compiled model, in its order: [{name, values, shape, dtype}]
// with 'iterations' (a number; int64 in the file) and 'learning_rate' first. Null when the model is not
// compiled or its optimizer's state has no Keras 3 form (SGD with momentum, Nadam).
export function keras3OptimizerVariables(model) {
  const optimizer = model.optimizer;
  if (optimizer == null || optimizer._handle === null) return null;
  const plan = kerasSlotPlan(optimizer);
  if (plan === null) return null;
  const vars = trainableVariableNames(model);
  const shapes = model.trainableWeights.map((w) => w.shape);
  const state = optimizer._weightsNow('save');
  try {
    const kinds = optimizer._slotKinds('save');
    const slot = new Map();
    state.slice(1).forEach((w) => slot.set(w.name, w.tensor));
    // A variable the optimizer has not updated yet (no gradient so far) has no slots: Keras' are zeros.
    const valuesOf = (kind, i) => {
      const t = slot.get(`${vars[i]}/${kind}`);
      return t ? t.dataSync() : new Float32Array(shapes[i].reduce((a, b) => a * b, 1));
    };
    if (!plan.flat().every((k) => kinds.includes(k))) return null;
    const out = [
      {name: 'iterations', values: optimizer.iterations, shape: [], dtype: 'int64'},
      {name: 'learning_rate', values: new Float32Array([optimizer.getConfig().learningRate]), shape: [], dtype: 'float32'},
    ];
    // An optimizer that has not stepped is, in Keras too, not built: it saves these two only.
    if (state.length === 1) return out;
    for (const {kind, index: i} of keras3Order(plan, vars.length)) {
      out.push({name: `${vars[i]}/${kind}`, values: valuesOf(kind, i), shape: shapes[i], dtype: 'float32'});
    }
    return out;
  } finally {
    dispose(state.map((w) => w.tensor));
  }
}

// Restores a compiled model's optimizer from a Keras 2 .h5 file's optimizer_weights group (h5wasm Group)
// with its weight_names. tf.keras 2.11+ (its new optimizers) writes 'iteration:0' and then the slots in
// the build order Keras 3 kept (keras3Order); tf.keras 2.0-2.10 (OptimizerV2) '<Optimizer>/iter:0' and
// then the slots kind by kind ('Adam/dense/kernel/m:0' for every variable, then '/v:0'), kerasm's own
// order; standalone Keras 2.1-2.3 'iterations' and Adam's ms, vs and (without amsgrad) placeholder vhats
// of shape [1].
// Anything else (Keras 1 and 2.0's unnamed accumulators without a step count, unbuilt optimizers) is
// skipped with a warning, as Keras 2 does when the saved state does not fit ("freshly initialized").
export function readKeras2OptimizerState(model, group, weightNames, what) {
  const optimizer = model.optimizer;
  if (optimizer == null || optimizer._handle === null || group == null || weightNames.length === 0) return;
  const who = optimizer.getClassName();
  const skip = (why) => console.warn(`${what}: optimizer_weights: the saved ${who} state is not restored (${why}); training starts with fresh moments`);
  const plan = kerasSlotPlan(optimizer);
  if (plan === null) return skip("its Keras slots do not map onto kerasm's");
  const names = weightNames.map((n) => String(n));
  if (!/(^|\/)(iter|iterations|iteration)(:\d+)?$/.test(names[0])) return skip(`the first weight is '${names[0]}', not the step count`);
  const vars = trainableVariableNames(model);
  const weights = model.trainableWeights;
  const n = vars.length;
  const read = (name) => {
    const ds = group.get(name);
    if (ds == null || typeof ds.value === 'undefined') throw new Error(`${what}: optimizer_weights: dataset '${name}' is missing`);
    return ds;
  };
  let rest = names.slice(1);
  const kindsInFile = plan.flat();
  const order = /(^|\/)iteration(:\d+)?$/.test(names[0])
    ? keras3Order(plan, n)
    : kindsInFile.flatMap((kind) => vars.map((_, index) => ({kind, index})));
  if (who === 'Adam' && kindsInFile.length === 2 && rest.length === 3 * n &&
      rest.slice(2 * n).every((name) => String(read(name).shape) === '1')) {
    rest = rest.slice(0, 2 * n);  // standalone Keras' placeholder vhats
  }
  if (rest.length !== order.length) {
    return skip(`${rest.length} slot weights for ${n} trainable variables, expected ${order.length} (${kindsInFile.join(', ')} for each)`);
  }
  const made = [];
  try {
    const iterValue = read(names[0]).value;
    const iter = tensor(new Int32Array([Number(typeof iterValue === 'object' ? iterValue[0] : iterValue)]), [], 'int32');
    made.push(iter);
    const byKind = new Map(kindsInFile.map((kind) => [kind, []]));
    order.forEach(({kind, index: i}, j) => {
      const name = rest[j];
      const ds = read(name);
      const shape = ds.shape ?? [];
      if (String(shape) !== String(weights[i].shape)) {
        throw new Error(`${what}: optimizer_weights: '${name}' (${who} ${kind} of '${vars[i]}') has shape [${shape}] but the variable has shape [${weights[i].shape}]`);
      }
      const t = tensor(Float32Array.from(ds.value), shape, 'float32');
      made.push(t);
      byKind.get(kind)[i] = t;
    });
    const ordered = [];
    for (const kind of optimizer._slotKinds('loadKerasModel')) {
      vars.forEach((v, i) => {
        let t = byKind.get(kind)?.[i];
        if (t === undefined) {
          // A slot Keras keeps only when it is used (RMSprop's momentum at momentum 0).
          t = tensor(new Float32Array(weights[i].shape.reduce((a, b) => a * b, 1)), weights[i].shape, 'float32');
          made.push(t);
        }
        ordered.push({name: `${v}/${kind}`, tensor: t});
      });
    }
    optimizer._setWeightsNow([{name: 'iter', tensor: iter}, ...ordered], vars, 'loadKerasModel');
  } finally {
    dispose(made);
  }
}

// optimizer_weights as tf.keras 2.15 (the version the .h5 writer names) saves them: 'iteration:0', then
// the slots in its optimizers' build order, named '<Optimizer>/<slot>/<variable>:0' (Keras' loader reads
// them by position; the names only have to be distinct). Null as keras3OptimizerVariables.
export function keras2OptimizerWeights(model) {
  const vars = keras3OptimizerVariables(model);
  if (vars === null) return null;
  const cls = model.optimizer.getClassName();
  return vars.filter((v) => v.name !== 'learning_rate').map((v) => (v.name === 'iterations'
    ? {...v, name: 'iteration:0'}
    : {...v, name: `${cls}/${v.name.split('/').pop()}/${v.name.split('/').slice(0, -1).join('/')}:0`}));
}
