// Layer configs between tfjs' camelCase and Keras' snake_case.
//
// JS factories take tfjs-style configs ({units, kernelInitializer: 'glorotUniform', inputShape}) and the
// C++ layers read Keras configs ({units, kernel_initializer: 'glorot_uniform', input_shape}); getConfig()
// goes the other way and returns what tfjs-layers' getConfig() would. Only keys, the nested
// {className, config} specs of initializers / regularizers / constraints, and the enumerated values tfjs
// spells differently (dataFormat, activation names) are converted; other values pass through untouched.

// 'kernelInitializer' -> 'kernel_initializer'; already-snake keys are unchanged.
export function camelToSnake(s) {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// 'kernel_initializer' -> 'kernelInitializer'; 'conv2d' and 'l1' are unchanged.
export function snakeToCamel(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// Keys whose values are serialized specs: a name or {className, config}.
const SPEC_KEY = /(Initializer|Regularizer|Constraint|initializer|regularizer|constraint)$/;

function mapKeys(obj, fn) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) out[fn(k)] = v;
  return out;
}

// An initializer / regularizer / constraint to its Keras form: names snake_case ('heNormal' -> 'he_normal'),
// {className, config} -> {class_name, config} with snake_case config keys.
function specToKeras(spec) {
  if (typeof spec === 'string') return camelToSnake(spec);
  if (isPlainObject(spec)) {
    const className = spec.className ?? spec.class_name;
    if (typeof className === 'string') {
      const config = isPlainObject(spec.config) ? mapKeys(spec.config, camelToSnake) : (spec.config ?? {});
      return {class_name: className, config};
    }
  }
  return spec;
}

function specToTfjs(spec) {
  if (isPlainObject(spec) && typeof spec.class_name === 'string') {
    const config = isPlainObject(spec.config) ? mapKeys(spec.config, snakeToCamel) : spec.config;
    return {className: spec.class_name, config};
  }
  return spec;
}

const DATA_FORMATS = {channelsLast: 'channels_last', channelsFirst: 'channels_first'};
const DATA_FORMATS_TFJS = {channels_last: 'channelsLast', channels_first: 'channelsFirst'};

// A tfjs-style config (camelCase; snake_case keys are accepted too) to the Keras config the C++ reads.
export function configToKeras(config) {
  if (config == null) return {};
  if (!isPlainObject(config)) throw new Error(`a layer config must be a plain object, got ${typeof config}`);
  const out = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const k = camelToSnake(key);
    if (k in out) throw new Error(`the config gives '${k}' twice (as '${key}' and in another spelling)`);
    if (SPEC_KEY.test(key)) {
      out[k] = specToKeras(value);
    } else if (k === 'data_format' && typeof value === 'string') {
      out[k] = DATA_FORMATS[value] ?? value;
    } else {
      out[k] = value;
    }
  }
  return out;
}

// A Keras config (as the C++ layers write it) to tfjs' getConfig() form.
export function configToTfjs(config) {
  const out = {};
  for (const [key, value] of Object.entries(config)) {
    const k = snakeToCamel(key);
    if (SPEC_KEY.test(key)) {
      out[k] = specToTfjs(value);
    } else if (key === 'data_format' && typeof value === 'string') {
      out[k] = DATA_FORMATS_TFJS[value] ?? value;
    } else if ((key === 'activation' || key === 'recurrent_activation') && typeof value === 'string') {
      out[k] = snakeToCamel(value);
    } else {
      out[k] = value;
    }
  }
  return out;
}
