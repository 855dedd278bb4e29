// A kerasm model's Keras JSON (model.toJSON(): the Keras 2 / tfjs form) rewritten for the Keras that will
// read the file: Keras 3's serialized form for `.keras` (config.json), and Keras 2's for `.h5`
// (model_config). Both also get the training configuration in their own form. Everything a Keras reader
// would rebuild differently is refused here, with the layer named.

// The arguments each Keras dropped or never had. Keras' Layer() raises on an argument it does not know,
// so a file that carries one fails to load there.
const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D', 'RNN',
  'SimpleRNNCell', 'LSTMCell', 'GRUCell', 'CuDNNLSTM', 'CuDNNGRU']);
const NOT_IN_KERAS3 = {
  SimpleRNN: ['implementation', 'time_major'],
  LSTM: ['implementation', 'time_major'],
  GRU: ['implementation', 'time_major'],
  ConvLSTM1D: ['implementation', 'time_major'],
  ConvLSTM2D: ['implementation', 'time_major'],
  ConvLSTM3D: ['implementation', 'time_major'],
  RNN: ['time_major'],
  LSTMCell: ['implementation'],
  GRUCell: ['implementation'],
  LeakyReLU: ['alpha'],
  Embedding: ['input_length'],
  // Keras 3's SpatialDropout classes take (rate, seed, name, dtype) and data_format for 2D/3D only.
  SpatialDropout1D: ['noise_shape', 'trainable'],
  SpatialDropout2D: ['noise_shape', 'trainable'],
  SpatialDropout3D: ['noise_shape', 'trainable'],
};
// Written by Keras 3 only when set.
const KERAS3_IF_SET = {Dense: ['activity_regularizer']};
const KERAS3_DTYPE_STRING = new Set(['InputLayer', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D']);
// Keras 2 (tf.keras 2.x) RNN layers have no `seed` (only their dropout masks do, unseeded).
const NOT_IN_KERAS2 = {LeakyReLU: ['negative_slope']};
for (const c of RECURRENT) NOT_IN_KERAS2[c] = ['seed'];

// Lambda layers hold a JS function, which Keras cannot rebuild from a file (JS layer classes are refused by
// io/keras_write.js, which knows the C++ catalogue).
function refuseUnportable(entry, what) {
  const name = entry.config?.name ?? entry.name;
  if (entry.class_name === 'Lambda') {
    throw new Error(`${what}: layer '${name}' is a Lambda layer whose function is JavaScript; Keras cannot rebuild it from a file. Replace it with a Keras layer, or save in the tfjs format (a directory URL)`);
  }
}

// hard_sigmoid means relu6(x + 3) / 6 in Keras 3 and kerasm, clip(0.2 x + 0.5, 0, 1) in Keras 2 (kerasm
// keeps the latter as 'hard_sigmoid_keras2' for models read from Keras 2 files): each writer spells the
// formula the model computes in its reader's words, or refuses when that reader has no such activation.
function activationFor(value, target, layerName, key, what) {
  if (typeof value !== 'string') return value;
  if (target === 3 && value === 'hard_sigmoid_keras2') {
    throw new Error(`${what}: layer '${layerName}' has ${key} hard_sigmoid in Keras 2's formula clip(0.2x + 0.5, 0, 1), which Keras 3 has no activation for (its hard_sigmoid is relu6(x + 3) / 6); save it as a Keras 2 .h5 file instead`);
  }
  if (target === 2 && value === 'hard_sigmoid') {
    throw new Error(`${what}: layer '${layerName}' has ${key} hard_sigmoid in Keras 3's formula relu6(x + 3) / 6, which Keras 2 has no activation for (its hard_sigmoid is clip(0.2x + 0.5, 0, 1)); save it as a Keras 3 .keras file instead`);
  }
  if (target === 2 && value === 'hard_sigmoid_keras2') return 'hard_sigmoid';
  return value;
}

const ACTIVATION_KEYS = new Set(['activation', 'recurrent_activation']);

function objectModule(key) {
  if (/initializer$/.test(key)) return 'keras.initializers';
  if (/regularizer$/.test(key)) return 'keras.regularizers';
  if (/constraint$/.test(key)) return 'keras.constraints';
  return null;
}

export const DTYPE_POLICY = (name = 'float32') => ({module: 'keras', class_name: 'DTypePolicy', config: {name}, registered_name: null});

const isLayerEntry = (v) => v != null && typeof v === 'object' && !Array.isArray(v) && typeof v.class_name === 'string' && v.config != null && typeof v.config === 'object';
const isModelClass = (c) => c === 'Sequential' || c === 'Functional' || c === 'Model';

// ---- Keras 3 ---------------------------------------------------------------------------------------------

// One layer's config in Keras 3's form; nested layers (a wrapper's `layer`, an RNN's `cell`) become full
// serialized entries.
function keras3LayerConfig(entry, what) {
  const cls = entry.class_name;
  const config = entry.config;
  const drop = new Set(NOT_IN_KERAS3[cls] ?? []);
  if (cls !== 'InputLayer') drop.add('batch_input_shape');
  const out = {};
  for (const [key, value] of Object.entries(config)) {
    if (drop.has(key)) continue;
    if (value == null && KERAS3_IF_SET[cls]?.includes(key)) continue;
    if (key === 'dtype' && typeof value === 'string' && !KERAS3_DTYPE_STRING.has(cls)) {
      out.dtype = DTYPE_POLICY(value);
    } else if (ACTIVATION_KEYS.has(key)) {
      out[key] = activationFor(value, 3, config.name, key, what);
    } else if (isLayerEntry(value) && (key === 'layer' || key === 'backward_layer' || key === 'cell')) {
      out[key] = keras3LayerEntry(value, undefined, what);
    } else if (isLayerEntry(value) && objectModule(key) !== null) {
      out[key] = {module: objectModule(key), class_name: value.class_name, config: value.config, registered_name: null};
    } else {
      out[key] = value;
    }
  }
  if (cls === 'InputLayer') {
    const shape = out.batch_input_shape ?? out.batch_shape;
    delete out.batch_input_shape;
    return {batch_shape: shape, dtype: out.dtype ?? 'float32', sparse: out.sparse ?? false, name: out.name};
  }
  return out;
}

// Keras 2 classes Keras 3 removed (ThresholdedReLU's `x > theta` is not ReLU(threshold)'s `x >= theta`;
// the CuDNN layers keep cuDNN's weight layout), and what this writer does not lay out in a weights file.
const NOT_IN_KERAS3_CLASSES = new Set(['ThresholdedReLU', 'LocallyConnected1D', 'LocallyConnected2D', 'CuDNNLSTM', 'CuDNNGRU']);
const NOT_WRITTEN_KERAS3 = new Set(['StackedRNNCells']);

// A layer entry ({class_name, config}, Keras 2 form) as Keras 3 serializes it, with the build_config
// given. Models are laid out by io/keras_write.js.
export function keras3LayerEntry(entry, buildConfig, what) {
  refuseUnportable(entry, what);
  if (isModelClass(entry.class_name)) {
    throw new Error(`${what}: a model inside the wrapper of layer '${entry.config?.name}' cannot be written to a .keras file yet`);
  }
  if (NOT_IN_KERAS3_CLASSES.has(entry.class_name)) {
    throw new Error(`${what}: layer '${entry.config?.name}' is a ${entry.class_name}, a class Keras 3 does not have; save it as a Keras 2 .h5 file instead`);
  }
  if (NOT_WRITTEN_KERAS3.has(entry.class_name)) {
    throw new Error(`${what}: layer '${entry.config?.name}' is a ${entry.class_name}, whose Keras 3 weights layout this writer does not produce yet; save it as a Keras 2 .h5 file instead`);
  }
  const out = {module: 'keras.layers', class_name: entry.class_name, config: keras3LayerConfig(entry, what), registered_name: null};
  if (buildConfig !== undefined) out.build_config = buildConfig;
  return out;
}

export {refuseUnportable, isModelClass};

// Keras 3 writes a build_config for the layers whose class has its own build() (those that create weights
// or check their inputs' shapes); the others are built by being called.
const NO_BUILD = new Set(['InputLayer', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D',
  'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax',
  'ThresholdedReLU', 'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D',
  'AveragePooling3D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'GlobalMaxPooling3D', 'GlobalAveragePooling1D',
  'GlobalAveragePooling2D', 'GlobalAveragePooling3D', 'Flatten', 'Reshape', 'Permute', 'RepeatVector',
  'UpSampling1D', 'UpSampling2D', 'UpSampling3D', 'ZeroPadding1D', 'ZeroPadding2D', 'ZeroPadding3D',
  'Cropping1D', 'Cropping2D', 'Cropping3D', 'Masking', 'ActivityRegularization']);

export function hasBuildConfig(className) {
  return !NO_BUILD.has(className);
}

// A Keras 3 node's arguments: one tensor alone; an RNN's initial states as its second argument; the
// inputs of any other multi-input layer (merge, attention) as one list.
const TAKES_STATES = new Set([...RECURRENT, 'Bidirectional']);
export function keras3NodeArgs(className, tensors) {
  if (tensors.length === 1) return [tensors[0]];
  if (TAKES_STATES.has(className)) return [tensors[0], tensors.slice(1)];
  return [tensors];
}

// Keras 3 records a build's shapes by the argument names of build(): one input is `input_shape`; an RNN
// built with initial states records `sequences_shape` and `initial_state_shape`.
export function keras3BuildConfig(className, shapes) {
  if (shapes.length > 1 && TAKES_STATES.has(className)) {
    return {shapes_dict: {sequences_shape: shapes[0], initial_state_shape: shapes.slice(1)}};
  }
  return {input_shape: shapes.length === 1 ? shapes[0] : shapes};
}

// ---- Keras 2 -----------------------------------------------------------------------------------------------

// model.toJSON()'s config with what tf.keras 2.x would not accept rewritten (see NOT_IN_KERAS2).
export function keras2ModelConfig(json, what) {
  const walk = (node) => {
    if (Array.isArray(node)) return node.map(walk);
    if (node == null || typeof node !== 'object') return node;
    if (isLayerEntry(node) && !Array.isArray(node.config)) {
      refuseUnportable(node, what);
      if (isModelClass(node.class_name)) return {...node, config: {...node.config, layers: walk(node.config.layers)}};
      const config = {};
      const drop = new Set(NOT_IN_KERAS2[node.class_name] ?? []);
      for (const [key, value] of Object.entries(node.config)) {
        if (drop.has(key)) continue;
        if (key === 'zero_output_for_mask' && value === false) continue;
        config[key] = ACTIVATION_KEYS.has(key) ? activationFor(value, 2, node.config.name, key, what) : walk(value);
      }
      if (node.class_name === 'LeakyReLU' && config.alpha === undefined && node.config.negative_slope !== undefined) config.alpha = node.config.negative_slope;
      return {...node, config};
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    return out;
  };
  const {class_name: className, config} = json;
  return {class_name: className, config: walk({class_name: className, config}).config};
}

// ---- training configuration ----------------------------------------------------------------------------------

// kerasm's optimizer configs (tfjs' names) as Keras' (the same in Keras 2 and 3).
function kerasOptimizer(className, c, what) {
  const lr = c.learningRate;
  switch (className) {
    case 'Adam': return ['Adam', {learning_rate: lr, beta_1: c.beta1, beta_2: c.beta2, epsilon: c.epsilon, amsgrad: false}];
    case 'SGD': return ['SGD', {learning_rate: lr, momentum: 0, nesterov: false}];
    case 'Momentum': return ['SGD', {learning_rate: lr, momentum: c.momentum, nesterov: !!c.useNesterov}];
    case 'RMSProp': return ['RMSprop', {learning_rate: lr, rho: c.decay, momentum: c.momentum, epsilon: c.epsilon, centered: !!c.centered}];
    case 'Adagrad': return ['Adagrad', {learning_rate: lr, initial_accumulator_value: c.initialAccumulatorValue, epsilon: c.epsilon}];
    case 'Adadelta': return ['Adadelta', {learning_rate: lr, rho: c.rho, epsilon: c.epsilon}];
    case 'Adamax':
      if (c.decay) throw new Error(`${what}: the Adamax optimizer's decay ${c.decay} has no Keras counterpart; compile with decay 0 or save uncompiled`);
      return ['Adamax', {learning_rate: lr, beta_1: c.beta1, beta_2: c.beta2, epsilon: c.epsilon}];
    default:
      throw new Error(`${what}: the optimizer ${className} has no Keras counterpart`);
  }
}

// tfjs spells losses and metrics in camelCase ('meanSquaredError'), Keras in snake_case; a few differ.
const KERAS_NAMES = {kullback_leibler_divergence: 'kl_divergence', logcosh: 'log_cosh', cosine_proximity: 'cosine_similarity'};
function kerasName(name) {
  if (typeof name !== 'string') return name;
  const snake = name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return KERAS_NAMES[snake] ?? snake;
}
function kerasNames(value) {
  if (Array.isArray(value)) return value.map(kerasNames);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, kerasNames(v)]));
  return kerasName(value);
}

function compiled(model) {
  const c = model._compileArgs;
  return c != null && model.optimizer != null && model.optimizer._handle !== null ? c : null;
}

// Keras 3's compile_config, or null for a model that is not compiled.
export function keras3CompileConfig(model, what) {
  const c = compiled(model);
  if (c === null) return null;
  const [className, config] = kerasOptimizer(model.optimizer.getClassName(), model.optimizer.getConfig(), what);
  return {
    optimizer: {module: 'keras.optimizers', class_name: className, config: {name: className.toLowerCase(), ...config}, registered_name: null},
    loss: kerasNames(c.loss), loss_weights: c.lossWeights ?? null, metrics: c.metrics?.length ? kerasNames(c.metrics) : null,
    weighted_metrics: null, run_eagerly: false, steps_per_execution: 1, jit_compile: false,
  };
}

// Keras 2's training_config, or null.
export function keras2TrainingConfig(model, what) {
  const c = compiled(model);
  if (c === null) return null;
  const [className, config] = kerasOptimizer(model.optimizer.getClassName(), model.optimizer.getConfig(), what);
  return {
    loss: kerasNames(c.loss), metrics: kerasNames(c.metrics ?? []), weighted_metrics: null, loss_weights: c.lossWeights ?? null,
    optimizer_config: {class_name: className, config: {name: className, ...config}},
  };
}
