// Keras 1 spelled many layer arguments differently; configs written by Keras 1.x are rewritten to the
// current names before the layers are built, so the same C++ readers serve every version. Only arguments
// of layers kerasm has are listed; each family adds its own as it lands.

// Keras 1 argument -> current argument, for every layer.
const COMMON = {
  init: 'kernel_initializer',
  W_regularizer: 'kernel_regularizer',
  b_regularizer: 'bias_regularizer',
  W_constraint: 'kernel_constraint',
  b_constraint: 'bias_constraint',
  bias: 'use_bias',
  output_dim: 'units',
  input_dtype: 'dtype',
};
// Keras 1 arguments with no current counterpart (input_dim is folded into batch_input_shape by Keras 1).
const DROPPED = new Set(['input_dim', 'input_length']);

export function isKeras1(version) {
  return typeof version === 'string' && /^1\./.test(version);
}

function upgradeLayerConfig(config) {
  const out = {};
  for (const [key, value] of Object.entries(config)) {
    if (DROPPED.has(key)) continue;
    const name = COMMON[key] ?? key;
    out[name] = value;
  }
  return out;
}

// A Keras 1 model config ({class_name, config}) with every layer's arguments renamed.
export function upgradeKeras1(modelConfig) {
  const walk = (node) => {
    if (Array.isArray(node)) return node.map(walk);
    if (node == null || typeof node !== 'object') return node;
    if (typeof node.class_name === 'string' && node.config != null && typeof node.config === 'object' && !Array.isArray(node.config)) {
      const isModel = ['Sequential', 'Model', 'Functional'].includes(node.class_name);
      const config = isModel ? {...node.config, layers: walk(node.config.layers)} : upgradeLayerConfig(node.config);
      return {...node, config};
    }
    if (typeof node.class_name === 'string' && Array.isArray(node.config)) return {...node, config: walk(node.config)};
    return node;
  };
  return walk(modelConfig);
}
