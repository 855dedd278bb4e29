// The generic layer test: every layer of the C++ registry (the list the km.layers factories are made
// from) must have cases here, and each case is checked against tfjs-layers: config round trip (and tfjs'
// config keys present), build, weight count and shapes, output shape, forward with the weights copied
// across, and the gradients for the input and for every trainable weight.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {tfCellStep, tfRecurrent} from './recurrent_reference.mjs';
import {assertClose, km, randomValues, sizeOf, tf} from './support.mjs';

// Activation names as tfjs-layers knows them, minus those whose formula differs (checked below).
const TFJS_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'logSoftmax', 'elu', 'selu',
  'softplus', 'softsign', 'swish', 'mish', 'gelu'];

// 1 where x > theta, as a constant outside any gradient.
function constantMask(x, theta) {
  return tf.tensor(x.dataSync(), x.shape).greater(theta).cast('float32');
}

// Masking's [..., 1] keep mask, as a constant outside any gradient.
function constantStepMask(x, maskValue) {
  return tf.tensor(x.dataSync(), x.shape).notEqual(maskValue).any(-1, true).cast('float32');
}

// Each entry of x `times` times along `axis` (nearest upsampling): a gather of index floor(i / times).
function repeatEach(x, axis, times) {
  const indices = Array.from({length: x.shape[axis] * times}, (_, i) => Math.floor(i / times));
  return tf.gather(x, tf.tensor1d(indices, 'int32'), axis);
}

// Half-pixel bilinear upsampling of channels-last x by integer `size`, as interpolation matrices:
// A[i][k] = max(0, 1 - |src_i - k|), src_i = clamp((i + 0.5) / s - 0.5, 0, n - 1); y = A_h . x . A_w^T.
function bilinearFormula(x, size) {
  const matrix = (n, s) => tf.tensor2d(Array.from({length: n * s}, (_, i) => {
    const src = Math.min(Math.max((i + 0.5) / s - 0.5, 0), n - 1);
    return Array.from({length: n}, (_, k) => Math.max(0, 1 - Math.abs(src - k)));
  }));
  const [b, h, w, c] = x.shape;
  const ah = matrix(h, size[0]);
  const aw = matrix(w, size[1]);
  const rows = tf.matMul(x.transpose([0, 3, 2, 1]).reshape([-1, h]), ah, false, true);  // [b*c*w, H]
  const cols = tf.matMul(rows.reshape([b, c, w, h * size[0]]).transpose([0, 1, 3, 2]).reshape([-1, w]), aw, false, true);
  return cols.reshape([b, c, h * size[0], w * size[1]]).transpose([0, 2, 3, 1]);
}

// Keys tfjs writes that Keras has not: read (and ignored) but not written, so Keras 3 can load the config.
const TFJS_ONLY_KEYS = {ConvLSTM2D: ['implementation']};

// Biases from a seeded draw (the default zeros would hide them).
const RANDOM_BIAS = {className: 'RandomUniform', config: {minval: -0.5, maxval: 0.5, seed: 9}};

// PReLU's alpha from a seeded draw, so the negative side is not all zeros.
const ALPHA_INIT = {className: 'RandomUniform', config: {minval: 0.1, maxval: 0.6, seed: 3}};

// Keras 2's local_conv: every output position's patch (rows in (tap, channel) order, as a channels_last
// slice reshapes) times that position's own kernel, then the bias of that position.
function localConv(x, kernel, bias, kernelSize, strides) {
  const outs = [];
  const spatial = x.shape.slice(1, -1);
  const out = spatial.map((s, a) => Math.floor((s - kernelSize[a]) / strides[a]) + 1);
  const count = out.reduce((a, b) => a * b, 1);
  for (let p = 0; p < count; ++p) {
    const at = out.length === 1 ? [p] : [Math.floor(p / out[1]), p % out[1]];
    const patch = tf.slice(x, [0, ...at.map((o, a) => o * strides[a]), 0], [-1, ...kernelSize, -1]).reshape([x.shape[0], -1]);
    outs.push(patch.matMul(tf.slice(kernel, [p, 0, 0], [1, -1, -1]).squeeze([0])));
  }
  const y = tf.stack(outs, 1).reshape([x.shape[0], ...out, -1]);
  return bias ? y.add(bias) : y;
}

// Each case: factory config, concrete input shape, and optionally a looser tolerance or an input range.
const CASES = {
  Dense: [
    ...TFJS_ACTIVATIONS.map((activation) => ({label: activation, config: {units: 5, activation}, input: [3, 4]})),
    {label: 'no bias', config: {units: 4, useBias: false}, input: [2, 3]},
    {label: 'rank 3, tanh', config: {units: 3, activation: 'tanh'}, input: [2, 5, 4]},
    {label: 'rank 4', config: {units: 2, kernelInitializer: 'heNormal', biasInitializer: 'ones'}, input: [2, 2, 3, 4]},
    {label: 'snake_case config', config: {units: 3, use_bias: true, kernel_initializer: 'glorot_normal'}, input: [2, 6]},
  ],
  Activation: [
    ...TFJS_ACTIVATIONS.map((activation) => ({label: activation, config: {activation}, input: [3, 5]})),
    {label: 'softmax rank 3', config: {activation: 'softmax'}, input: [2, 3, 4]},
  ],
  Dropout: [
    {label: 'rate 0.3', config: {rate: 0.3}, input: [4, 6]},
    {label: 'noiseShape', config: {rate: 0.5, noiseShape: [null, 1, 3], seed: 3}, input: [2, 4, 3]},
  ],
  Flatten: [
    {label: 'rank 3', config: {}, input: [2, 3, 4]},
    {label: 'channelsFirst', config: {dataFormat: 'channelsFirst'}, input: [2, 3, 4, 5]},
  ],
  // tfjs' InputLayer refuses tensors in apply(): applied to a tensor it is the identity.
  InputLayer: [
    {label: 'inputShape', config: {inputShape: [3]}, input: [2, 3], identity: true},
    {label: 'batchInputShape', config: {batchInputShape: [null, 2, 4]}, input: [5, 2, 4], identity: true},
  ],
  Reshape: [
    // tfjs leaves the -1 of computeOutputShape unresolved even when the input shape is known; Keras resolves it.
    {label: 'with -1', config: {targetShape: [6, -1]}, input: [2, 3, 4], outputShape: [null, 6, 2]},
    {label: 'rank 4 out', config: {targetShape: [2, 2, 3]}, input: [3, 12]},
  ],
  Add: [
    {label: 'two', config: {}, inputs: [[2, 3, 4], [2, 3, 4]]},
    {label: 'three', config: {}, inputs: [[3, 5], [3, 5], [3, 5]]},
  ],
  Average: [{label: 'three', config: {}, inputs: [[2, 3, 4], [2, 3, 4], [2, 3, 4]]}],
  Concatenate: [
    {label: 'last axis', config: {}, inputs: [[2, 3, 4], [2, 3, 2]]},
    {label: 'axis 1', config: {axis: 1}, inputs: [[2, 1, 4], [2, 3, 4], [2, 2, 4]]},
    // tfjs-layers mishandles negative axes other than -1; layers_merge.test.mjs checks those against tf.concat.
    {label: 'axis 2, rank 4', config: {axis: 2}, inputs: [[2, 2, 1, 3], [2, 2, 3, 3]]},
  ],
  Dot: [
    {label: 'axes 1, rank 2', config: {axes: 1}, inputs: [[3, 4], [3, 4]]},
    {label: 'axes [1, 2]', config: {axes: [1, 2]}, inputs: [[2, 3, 5], [2, 4, 3]]},
    {label: 'axes [2, 2], normalize', config: {axes: [2, 2], normalize: true}, inputs: [[2, 3, 4], [2, 5, 4]]},
  ],
  // Value ties would make the gradient depend on the tie rule: random inputs have none.
  Maximum: [{label: 'three', config: {}, inputs: [[2, 3, 4], [2, 3, 4], [2, 3, 4]]}],
  Minimum: [{label: 'two', config: {}, inputs: [[4, 5], [4, 5]]}],
  Multiply: [{label: 'three', config: {}, inputs: [[2, 3], [2, 3], [2, 3]]}],
  // tfjs-layers has no Lambda: the function itself, in tfjs ops, is the reference.
  Lambda: [
    {label: 'a function of km ops with arguments', config: {function: (x, {k}) => x.mul(k).tanh(), arguments: {k: 1.5}},
     input: [3, 4], tfjs: false, outputShape: [null, 4], reference: (x) => x.mul(1.5).tanh(), roundTrip: false},
  ],
  // tfjs-layers has no Subtract: the Keras formula is the reference.
  Subtract: [
    {label: 'two', config: {}, inputs: [[2, 3, 4], [2, 3, 4]], tfjs: false, outputShape: [null, 3, 4],
     reference: (a, b) => a.sub(b)},
  ],  ELU: [{label: 'default alpha (tfjs has no other)', config: {}, input: [3, 5]}],
  LeakyReLU: [
    {label: 'default', config: {}, input: [3, 5]},
    {label: 'alpha 0.1', config: {alpha: 0.1}, input: [2, 3, 4]},
  ],
  PReLU: [
    {label: 'per position', config: {alphaInitializer: ALPHA_INIT}, input: [2, 3, 4]},
    {label: 'sharedAxes [1]', config: {sharedAxes: [1], alphaInitializer: ALPHA_INIT}, input: [2, 3, 4]},
    {label: 'sharedAxes [1, 2], regularizer', config: {sharedAxes: [1, 2], alphaRegularizer: {className: 'L1L2', config: {l1: 0, l2: 0.01}}}, input: [2, 2, 3, 4]},
  ],
  ReLU: [
    {label: 'default', config: {}, input: [3, 5]},
    {label: 'maxValue 1.5', config: {maxValue: 1.5}, input: [2, 3, 4]},
  ],
  // tfjs' Softmax defaults to axis 1 where Keras uses -1: the cases give the axis.
  Softmax: [
    {label: 'axis -1', config: {axis: -1}, input: [2, 3, 4]},
    // tfjs' cpu backend has softmax on the last axis only: exp(x - logsumexp(x)) is the reference.
    {label: 'axis 1', config: {axis: 1}, input: [2, 3, 4], tfjs: false, outputShape: [null, 3, 4],
     reference: (x) => tf.exp(x.sub(tf.logSumExp(x, 1, true)))},
    {label: 'axes [1, 2]', config: {axis: [1, 2]}, input: [2, 3, 4]},
  ],
  // tfjs cannot differentiate its ThresholdedReLU (its mask comes from greater(), which has no gradient):
  // the same formula with the mask taken as a constant gives the gradient.
  ThresholdedReLU: [
    {label: 'default theta', config: {}, input: [3, 5], gradReference: (x) => x.mul(constantMask(x, 1))},
    {label: 'theta 0.5', config: {theta: 0.5}, input: [2, 3, 4], gradReference: (x) => x.mul(constantMask(x, 0.5))},
  ],
  // Convolutions. tfjs-layers has no groups and no SeparableConv1D: layers_conv.test.mjs covers groups, and
  // SeparableConv1D is checked against tfjs' separableConv2d over a unit height.
  Conv1D: [
    {label: 'valid', config: {filters: 3, kernelSize: 3, biasInitializer: 'randomUniform'}, input: [2, 7, 4]},
    {label: 'same, stride 2, tanh', config: {filters: 2, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh', biasInitializer: 'randomUniform'}, input: [2, 9, 3]},
    // tfjs cannot differentiate dilated convolutions: layers_conv.test.mjs checks their forward pass.
    // tfjs-layers cannot apply causal padding: Keras' definition (kernel - 1 zeros in front, then valid).
    {label: 'causal', config: {filters: 2, kernelSize: 3, padding: 'causal', biasInitializer: 'randomUniform'}, input: [1, 6, 3],
     tfjs: false, outputShape: [null, 6, 2],
     reference: (x, [kernel, bias]) => tf.conv1d(tf.pad(x, [[0, 0], [2, 0], [0, 0]]), kernel, 1, 'valid').add(bias)},
  ],
  Conv2D: [
    {label: 'valid', config: {filters: 4, kernelSize: 3, biasInitializer: 'randomUniform'}, input: [2, 6, 5, 3]},
    {label: 'same, strides [2, 1]', config: {filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', biasInitializer: 'randomUniform'}, input: [2, 5, 6, 2]},
    {label: 'channelsFirst, no bias', config: {filters: 2, kernelSize: 2, dataFormat: 'channelsFirst', useBias: false}, input: [2, 3, 6, 5]},
  ],
  Conv3D: [
    {label: 'valid', config: {filters: 2, kernelSize: 2, biasInitializer: 'randomUniform'}, input: [2, 3, 4, 3, 2]},
    {label: 'same, stride 2, channelsFirst', config: {filters: 3, kernelSize: [2, 3, 2], strides: 2, padding: 'same', dataFormat: 'channelsFirst', biasInitializer: 'randomUniform'}, input: [1, 2, 4, 5, 3]},
  ],
  Conv2DTranspose: [
    {label: 'valid, stride 2', config: {filters: 3, kernelSize: 3, strides: 2, biasInitializer: 'randomUniform'}, input: [2, 3, 4, 2]},
    {label: 'same, stride 2, channelsFirst', config: {filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', dataFormat: 'channelsFirst', biasInitializer: 'randomUniform'}, input: [1, 3, 3, 4]},
  ],
  Conv3DTranspose: [
    // tfjs has no gradient for its conv3dTranspose: forward only here; the native generic test checks the
    // gradients by finite differences.
    {label: 'same, strides [2, 1, 2]', config: {filters: 2, kernelSize: 2, strides: [2, 1, 2], padding: 'same', biasInitializer: 'randomUniform'}, input: [1, 2, 3, 2, 3],
     tfjsGradients: false},
  ],
  DepthwiseConv2D: [
    {label: 'valid', config: {kernelSize: 3, biasInitializer: 'randomUniform'}, input: [2, 5, 6, 3]},
    {label: 'depthMultiplier 2, same, stride 2', config: {kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', biasInitializer: 'randomUniform'}, input: [1, 6, 5, 2]},
  ],
  SeparableConv2D: [
    {label: 'depthMultiplier 2', config: {filters: 3, kernelSize: 3, depthMultiplier: 2, biasInitializer: 'randomUniform'}, input: [2, 5, 5, 2]},
    {label: 'same, stride 2', config: {filters: 4, kernelSize: 2, strides: 2, padding: 'same', biasInitializer: 'randomUniform'}, input: [1, 5, 6, 3]},
  ],
  // tfjs-layers has no locally-connected layers: Keras' local_conv written with tfjs ops.
  LocallyConnected1D: [
    {label: 'stride 2', config: {filters: 3, kernelSize: 3, strides: 2, biasInitializer: 'randomUniform'}, input: [2, 8, 2],
     tfjs: false, outputShape: [null, 3, 3], reference: (x, [k, b]) => localConv(x, k, b, [3], [2])},
  ],
  LocallyConnected2D: [
    {label: 'strides [1, 2], tanh', config: {filters: 2, kernelSize: [2, 3], strides: [1, 2], activation: 'tanh',
                                            biasInitializer: 'randomUniform'},
     input: [2, 4, 7, 3], tfjs: false, outputShape: [null, 3, 3, 2],
     reference: (x, [k, b]) => tf.tanh(localConv(x, k, b, [2, 3], [1, 2]))},
  ],
  Embedding: [
    {label: 'sequences', config: {inputDim: 9, outputDim: 4}, input: [3, 5], indices: 9},
    {label: 'maskZero, inputLength, rank 3', config: {inputDim: 5, outputDim: 3, maskZero: true, inputLength: [2, 4]},
     input: [2, 2, 4], indices: 5},
  ],
  SeparableConv1D: [
    {label: 'depthMultiplier 2, same', config: {filters: 3, kernelSize: 3, depthMultiplier: 2, padding: 'same', biasInitializer: 'randomUniform'},
     input: [2, 7, 2], tfjs: false, outputShape: [null, 7, 3],
     reference: (x, [depthwise, pointwise, bias]) => tf.separableConv2d(x.expandDims(1), depthwise.expandDims(0),
       pointwise.expandDims(0), 1, 'same').squeeze([1]).add(bias)},
  ],
  // Noise, regularization and masking: at inference (what this test runs) the noise layers are the
  // identity; layers_noise.test.mjs checks their training statistics. tfjs-layers lacks SpatialDropout2D/3D
  // and ActivityRegularization: the identity is their reference.
  SpatialDropout1D: [{label: 'rate 0.3', config: {rate: 0.3, seed: 1}, input: [2, 4, 3]}],
  SpatialDropout2D: [
    {label: 'channelsLast', config: {rate: 0.3}, input: [2, 3, 3, 2], tfjs: false, outputShape: [null, 3, 3, 2],
     reference: (x) => x},
    {label: 'channelsFirst', config: {rate: 0.3, dataFormat: 'channelsFirst'}, input: [2, 2, 3, 3], tfjs: false,
     outputShape: [null, 2, 3, 3], reference: (x) => x},
  ],
  SpatialDropout3D: [
    {label: 'channelsLast', config: {rate: 0.2}, input: [2, 2, 2, 2, 3], tfjs: false, outputShape: [null, 2, 2, 2, 3],
     reference: (x) => x},
    {label: 'channelsFirst', config: {rate: 0.2, dataFormat: 'channelsFirst'}, input: [2, 3, 2, 2, 2], tfjs: false,
     outputShape: [null, 3, 2, 2, 2], reference: (x) => x},
  ],
  GaussianNoise: [{label: 'stddev 0.3', config: {stddev: 0.3}, input: [3, 4]}],
  GaussianDropout: [{label: 'rate 0.4', config: {rate: 0.4}, input: [2, 3, 4]}],
  AlphaDropout: [{label: 'rate 0.2', config: {rate: 0.2}, input: [3, 5]}],
  ActivityRegularization: [
    {label: 'l1 and l2', config: {l1: 0.01, l2: 0.02}, input: [3, 4], tfjs: false, outputShape: [null, 4],
     reference: (x) => x},
  ],
  // tfjs cannot differentiate its Masking (any() has no gradient): x times the mask as a constant.
  Masking: [
    {label: 'default maskValue', config: {}, input: [2, 3, 4], gradReference: (x) => x.mul(constantStepMask(x, 0))},
    {label: 'maskValue 0.5', config: {maskValue: 0.5}, input: [3, 2, 5],
     gradReference: (x) => x.mul(constantStepMask(x, 0.5))},
  ],
  // pooling (random inputs have no ties, so the max-pool gradients do not depend on the tie rule). tfjs'
  // same-padded average-pool gradient and some of its 3D max-pool gradients disagree with its own forward:
  // layers_pooling.test.mjs checks those against explicit padding; the cases here are ones tfjs gets right.
  AveragePooling1D: [
    {label: 'default', config: {}, input: [2, 6, 3]},
    {label: 'overlapping, strides 1', config: {poolSize: 3, strides: 1}, input: [2, 5, 2]},
  ],
  AveragePooling2D: [
    {label: 'default', config: {}, input: [2, 4, 5, 3]},
    {label: 'strides, channelsFirst', config: {poolSize: [3, 2], strides: [2, 1], dataFormat: 'channelsFirst'},
     input: [2, 3, 5, 4]},
  ],
  AveragePooling3D: [
    {label: 'default', config: {}, input: [1, 4, 4, 5, 2]},
    {label: 'strides', config: {poolSize: [2, 3, 2], strides: [1, 2, 2]}, input: [1, 3, 5, 4, 2]},
  ],
  GlobalAveragePooling1D: [{label: 'default', config: {}, input: [2, 5, 3]}],
  GlobalAveragePooling2D: [
    {label: 'default', config: {}, input: [2, 4, 5, 3]},
    {label: 'channelsFirst', config: {dataFormat: 'channelsFirst'}, input: [2, 3, 4, 5]},
  ],
  // tfjs-layers has no 3D global poolings: the mean over the spatial axes is the reference.
  GlobalAveragePooling3D: [
    {label: 'default', config: {}, input: [2, 3, 4, 2, 3], tfjs: false, outputShape: [null, 3],
     reference: (x) => x.mean([1, 2, 3])},
    {label: 'channelsFirst keepdims', config: {dataFormat: 'channelsFirst', keepdims: true}, input: [2, 3, 4, 2, 3],
     tfjs: false, outputShape: [null, 3, 1, 1, 1], reference: (x) => x.mean([2, 3, 4], true)},
  ],
  GlobalMaxPooling1D: [{label: 'default', config: {}, input: [2, 5, 3]}],
  GlobalMaxPooling2D: [
    {label: 'default', config: {}, input: [2, 4, 5, 3]},
    {label: 'channelsFirst', config: {dataFormat: 'channelsFirst'}, input: [2, 3, 4, 5]},
  ],
  GlobalMaxPooling3D: [
    {label: 'default', config: {}, input: [2, 3, 4, 2, 3], tfjs: false, outputShape: [null, 3],
     reference: (x) => x.max([1, 2, 3])},
    {label: 'channelsFirst keepdims', config: {dataFormat: 'channelsFirst', keepdims: true}, input: [2, 3, 4, 2, 3],
     tfjs: false, outputShape: [null, 3, 1, 1, 1], reference: (x) => x.max([2, 3, 4], true)},
  ],
  MaxPooling1D: [
    {label: 'default', config: {}, input: [2, 6, 3]},
    {label: 'same, strides 3', config: {poolSize: 2, strides: 3, padding: 'same'}, input: [2, 7, 2]},
  ],
  MaxPooling2D: [
    {label: 'default', config: {}, input: [2, 4, 5, 3]},
    {label: 'same, channelsFirst', config: {poolSize: [3, 2], strides: [2, 1], padding: 'same', dataFormat: 'channelsFirst'},
     input: [2, 3, 5, 4]},
  ],
  MaxPooling3D: [
    {label: 'default', config: {}, input: [1, 4, 4, 5, 2]},
    {label: 'valid, strides', config: {poolSize: [3, 2, 2], strides: [2, 1, 2]}, input: [2, 5, 3, 4, 1]},
  ],
  // Reshaping layers. tfjs-layers has only the 2D ones (and Permute, RepeatVector): the 1D and 3D ones are
  // checked against slice / pad / gather written from the Keras formula.
  Cropping1D: [
    {label: 'default [1, 1]', config: {}, input: [2, 5, 3], tfjs: false, outputShape: [null, 3, 3],
     reference: (x) => x.slice([0, 1, 0], [-1, 3, -1])},
    {label: '[2, 0]', config: {cropping: [2, 0]}, input: [2, 6, 3], tfjs: false, outputShape: [null, 4, 3],
     reference: (x) => x.slice([0, 2, 0], [-1, 4, -1])},
  ],
  Cropping2D: [
    {label: '[[1, 0], [2, 1]]', config: {cropping: [[1, 0], [2, 1]]}, input: [2, 4, 5, 3]},
    {label: 'symmetric, channelsFirst', config: {cropping: [1, 2], dataFormat: 'channelsFirst'}, input: [2, 3, 4, 6]},
  ],
  Cropping3D: [
    {label: 'default', config: {}, input: [1, 3, 4, 3, 2], tfjs: false, outputShape: [null, 1, 2, 1, 2],
     reference: (x) => x.slice([0, 1, 1, 1, 0], [-1, 1, 2, 1, -1])},
    {label: 'per side, channelsFirst', config: {cropping: [[0, 1], 1, [2, 0]], dataFormat: 'channelsFirst'},
     input: [1, 2, 3, 4, 5], tfjs: false, outputShape: [null, 2, 2, 2, 3],
     reference: (x) => x.slice([0, 0, 0, 1, 2], [-1, -1, 2, 2, 3])},
  ],
  Permute: [
    {label: '[2, 1]', config: {dims: [2, 1]}, input: [2, 3, 4]},
    {label: '[3, 1, 2]', config: {dims: [3, 1, 2]}, input: [2, 2, 3, 4]},
  ],
  RepeatVector: [{label: 'n 3', config: {n: 3}, input: [2, 4]}],
  UpSampling1D: [
    {label: 'default 2', config: {}, input: [2, 3, 2], tfjs: false, outputShape: [null, 6, 2],
     reference: (x) => repeatEach(x, 1, 2)},
    {label: 'size 3', config: {size: 3}, input: [1, 4, 3], tfjs: false, outputShape: [null, 12, 3],
     reference: (x) => repeatEach(x, 1, 3)},
  ],
  UpSampling2D: [
    // tfjs' resizeNearestNeighbor gradient is wrong for more than one image or channel: the same repeat as
    // gathers gives the gradient.
    {label: 'nearest [2, 3]', config: {size: [2, 3]}, input: [2, 2, 3, 2],
     gradReference: (x) => repeatEach(repeatEach(x, 1, 2), 2, 3)},
    {label: 'nearest, channelsFirst', config: {size: [2, 2], dataFormat: 'channelsFirst'}, input: [1, 2, 3, 2],
     gradReference: (x) => repeatEach(repeatEach(x, 2, 2), 3, 2)},
    // Keras 3's bilinear samples at half-pixel centres; tfjs-layers' does not (layers_reshaping.test.mjs).
    // tfjs' own resizeBilinear with halfPixelCenters is the forward oracle; its gradient is broken for
    // non-square images, so the tent-weight formula gives the gradient.
    {label: 'bilinear [2, 3]', config: {size: [2, 3], interpolation: 'bilinear'}, input: [2, 3, 4, 2], tfjs: false,
     outputShape: [null, 6, 12, 2], reference: (x) => tf.image.resizeBilinear(x, [6, 12], false, true),
     gradReference: (x) => bilinearFormula(x, [2, 3])},
    {label: 'bilinear, channelsFirst', config: {size: [3, 2], interpolation: 'bilinear', dataFormat: 'channelsFirst'},
     input: [1, 2, 3, 4], tfjs: false, outputShape: [null, 2, 9, 8],
     reference: (x) => tf.image.resizeBilinear(x.transpose([0, 2, 3, 1]), [9, 8], false, true).transpose([0, 3, 1, 2]),
     gradReference: (x) => bilinearFormula(x.transpose([0, 2, 3, 1]), [3, 2]).transpose([0, 3, 1, 2])},
  ],
  UpSampling3D: [
    {label: 'default', config: {}, input: [1, 2, 2, 1, 2], tfjs: false, outputShape: [null, 4, 4, 2, 2],
     reference: (x) => repeatEach(repeatEach(repeatEach(x, 1, 2), 2, 2), 3, 2)},
    {label: '[1, 3, 2], channelsFirst', config: {size: [1, 3, 2], dataFormat: 'channelsFirst'}, input: [1, 2, 2, 1, 3],
     tfjs: false, outputShape: [null, 2, 2, 3, 6], reference: (x) => repeatEach(repeatEach(x, 3, 3), 4, 2)},
  ],
  ZeroPadding1D: [
    {label: 'default', config: {}, input: [2, 3, 2], tfjs: false, outputShape: [null, 5, 2],
     reference: (x) => x.pad([[0, 0], [1, 1], [0, 0]])},
    {label: '[0, 2], channelsFirst', config: {padding: [0, 2], dataFormat: 'channelsFirst'}, input: [2, 3, 4],
     tfjs: false, outputShape: [null, 3, 6], reference: (x) => x.pad([[0, 0], [0, 0], [0, 2]])},
  ],
  ZeroPadding2D: [
    {label: '[[1, 2], [0, 1]]', config: {padding: [[1, 2], [0, 1]]}, input: [2, 3, 2, 2]},
    {label: 'symmetric, channelsFirst', config: {padding: [2, 1], dataFormat: 'channelsFirst'}, input: [1, 2, 3, 2]},
  ],
  ZeroPadding3D: [
    {label: 'default', config: {}, input: [1, 2, 2, 1, 2], tfjs: false, outputShape: [null, 4, 4, 3, 2],
     reference: (x) => x.pad([[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]])},
    {label: 'per side, channelsFirst', config: {padding: [[0, 1], [2, 0], [1, 1]], dataFormat: 'channelsFirst'},
     input: [1, 2, 2, 1, 2], tfjs: false, outputShape: [null, 2, 3, 3, 4],
     reference: (x) => x.pad([[0, 0], [0, 0], [0, 1], [2, 0], [1, 1]])},
  ],
  // Normalization (inference here; layers_normalization.test.mjs has training calls). Seeded initializers
  // give non-trivial weights; the moving variances stay positive.
  BatchNormalization: [
    {label: 'rank 2', config: {gammaInitializer: {className: 'RandomUniform', config: {minval: 0.5, maxval: 1.5, seed: 1}},
                               betaInitializer: {className: 'RandomUniform', config: {minval: -1, maxval: 1, seed: 2}},
                               movingMeanInitializer: {className: 'RandomUniform', config: {minval: -1, maxval: 1, seed: 3}},
                               movingVarianceInitializer: {className: 'RandomUniform', config: {minval: 0.3, maxval: 2, seed: 4}}},
     input: [3, 4]},
    // tfjs' cpu batchNorm kernel takes the statistics as last-axis ones whatever their shape: the Keras
    // formula with broadcasting ops (default moving statistics: mean 0, variance 1) for axis 1.
    {label: 'channelsFirst axis 1, rank 4', config: {axis: 1, epsilon: 0.01,
                                                      gammaInitializer: {className: 'RandomUniform', config: {minval: 0.5, maxval: 1.5, seed: 5}},
                                                      betaInitializer: {className: 'RandomUniform', config: {minval: -1, maxval: 1, seed: 6}}},
     input: [2, 3, 4, 2], tfjs: false, outputShape: [null, 3, 4, 2],
     reference: (x, [gamma, beta]) => x.div(Math.sqrt(1.01)).mul(gamma.reshape([1, 3, 1, 1])).add(beta.reshape([1, 3, 1, 1]))},
    // tfjs cannot differentiate its batchNorm without beta (or gamma): forward only here; the gradients are
    // checked against the formula in layers_normalization.test.mjs and by finite differences natively.
    {label: 'rank 3, no center, regularizer', config: {center: false, gammaRegularizer: {className: 'L1L2', config: {l1: 0, l2: 0.01}},
                                                       movingVarianceInitializer: {className: 'RandomUniform', config: {minval: 0.3, maxval: 2, seed: 7}}},
     input: [2, 3, 4], tfjsGradients: false},
  ],
  // Recurrent layers. tfjs' defaults differ from Keras 3's (recurrentActivation hardSigmoid, resetAfter
  // false), so the configs compared with tfjs spell them out; biases start random so they matter.
  SimpleRNN: [
    {label: 'returnSequences', config: {units: 3, returnSequences: true, biasInitializer: RANDOM_BIAS}, input: [2, 5, 4]},
    {label: 'goBackwards, sigmoid, no bias', config: {units: 2, goBackwards: true, activation: 'sigmoid', useBias: false},
     input: [3, 4, 2]},
    {label: 'initial state', config: {units: 3, biasInitializer: RANDOM_BIAS}, inputs: [[2, 4, 3], [2, 3]]},
  ],
  GRU: [
    {label: 'resetAfter false, returnSequences', config: {units: 3, resetAfter: false, recurrentActivation: 'sigmoid',
                                                         returnSequences: true, biasInitializer: RANDOM_BIAS},
     input: [2, 5, 4]},
    {label: 'resetAfter false, goBackwards, initial state', config: {units: 2, resetAfter: false, goBackwards: true,
                                                                     recurrentActivation: 'sigmoid'},
     inputs: [[2, 4, 3], [2, 2]]},
    // tfjs has no resetAfter: the Keras 3 formula in tfjs ops.
    {label: 'resetAfter (Keras 3 default)', config: {units: 3, returnSequences: true, biasInitializer: RANDOM_BIAS},
     input: [2, 4, 3], tfjs: false, outputShape: [null, 4, 3],
     reference: (x, w) => tfRecurrent('gru', x, w, {units: 3, returnSequences: true})[0]},
  ],
  LSTM: [
    {label: 'last output', config: {units: 3, recurrentActivation: 'sigmoid', biasInitializer: RANDOM_BIAS}, input: [2, 5, 4]},
    {label: 'returnSequences, goBackwards, no unitForgetBias', config: {units: 2, recurrentActivation: 'sigmoid',
                                                                        returnSequences: true, goBackwards: true,
                                                                        unitForgetBias: false},
     input: [3, 4, 2]},
    {label: 'initial states', config: {units: 2, recurrentActivation: 'sigmoid'}, inputs: [[2, 3, 3], [2, 2], [2, 2]]},
  ],
  ConvLSTM2D: [
    {label: 'same, returnSequences', config: {filters: 2, kernelSize: 3, padding: 'same', returnSequences: true,
                                             recurrentActivation: 'sigmoid', biasInitializer: RANDOM_BIAS},
     input: [2, 3, 4, 4, 2]},
    {label: 'valid, strides 2, goBackwards', config: {filters: 3, kernelSize: [2, 2], strides: 2, goBackwards: true,
                                                     recurrentActivation: 'sigmoid'},
     input: [1, 2, 5, 4, 1]},
    // tfjs' ConvLSTM2D is channels-last only: the channels-last layer on the transposed input, transposed back.
    {label: 'channelsFirst', config: {filters: 2, kernelSize: 2, dataFormat: 'channelsFirst', returnSequences: true,
                                      biasInitializer: RANDOM_BIAS},
     input: [2, 2, 3, 4, 3], tfjs: false, outputShape: [null, 2, 2, 3, 2],
     reference: (x, [k, r, b]) => {
       const last = tf.layers.convLstm2d({filters: 2, kernelSize: 2, returnSequences: true, recurrentActivation: 'sigmoid'});
       last.build([null, 2, 4, 3, 3]);
       last.built = true;
       // Copies the reference's variables into the tfjs layer: its forward is then the formula, but the
       // weight gradients would not reach the reference's variables, hence tfjsGradients below.
       last.setWeights([k, r, b]);
       return last.apply(x.transpose([0, 1, 3, 4, 2])).transpose([0, 1, 4, 2, 3]);
     }, tfjsGradients: false},
  ],
  CuDNNGRU: [
    {label: 'returnSequences', config: {units: 3, returnSequences: true, biasInitializer: RANDOM_BIAS},
     input: [2, 4, 3], tfjs: false, outputShape: [null, 4, 3],
     reference: (x, w) => tfRecurrent('gru', x, w, {units: 3, returnSequences: true, cudnn: true})[0]},
  ],
  CuDNNLSTM: [
    {label: 'goBackwards', config: {units: 2, goBackwards: true, biasInitializer: RANDOM_BIAS},
     input: [2, 4, 3], tfjs: false, outputShape: [null, 2],
     reference: (x, w) => tfRecurrent('lstm', x, w, {units: 2, goBackwards: true, cudnn: true})[0]},
  ],
  // A cell on its own: apply([x, ...states]) gives [output, ...states]; `output` picks one to compare.
  // (tfjs' cells build from the input shape alone, so they cannot take these shape lists: the formulas.)
  SimpleRNNCell: [
    {label: 'step', config: {units: 3, biasInitializer: RANDOM_BIAS}, inputs: [[2, 4], [2, 3]], output: 0,
     tfjs: false, outputShape: [[null, 3], [null, 3]],
     reference: (x, h, w) => tfCellStep('simple', x, [h], w, {units: 3})[0]},
  ],
  GRUCell: [
    {label: 'resetAfter false step', config: {units: 2, resetAfter: false, recurrentActivation: 'sigmoid',
                                              biasInitializer: RANDOM_BIAS},
     inputs: [[3, 4], [3, 2]], output: 0, tfjs: false, outputShape: [[null, 2], [null, 2]],
     reference: (x, h, w) => tfCellStep('gru', x, [h], w, {units: 2, resetAfter: false})[0]},
    {label: 'resetAfter step', config: {units: 2, biasInitializer: RANDOM_BIAS}, inputs: [[3, 4], [3, 2]], output: 0,
     tfjs: false, outputShape: [[null, 2], [null, 2]],
     reference: (x, h, w) => tfCellStep('gru', x, [h], w, {units: 2})[0]},
  ],
  LSTMCell: [
    {label: 'step: the carry state', config: {units: 2, biasInitializer: RANDOM_BIAS},
     inputs: [[3, 4], [3, 2], [3, 2]], output: 2, tfjs: false, outputShape: [[null, 2], [null, 2], [null, 2]],
     reference: (x, h, c, w) => tfCellStep('lstm', x, [h, c], w, {units: 2})[2]},
  ],
  RNN: [
    {label: 'a serialized LSTMCell, returnSequences', config: {cell: {className: 'LSTMCell', config: {units: 3}}, returnSequences: true},
     input: [2, 4, 3], tfjs: false, outputShape: [null, 4, 3],
     reference: (x, w) => tfRecurrent('lstm', x, w, {units: 3, returnSequences: true})[0]},
  ],
  StackedRNNCells: [
    {label: 'SimpleRNNCell then GRUCell', config: {cells: [{className: 'SimpleRNNCell', config: {units: 3}},
                                                           {className: 'GRUCell', config: {units: 2}}]},
     inputs: [[2, 4], [2, 3], [2, 2]], output: 0, tfjs: false, outputShape: [[null, 2], [null, 3], [null, 2]],
     reference: (x, h1, h2, [k1, r1, b1, k2, r2, b2]) => {
       const [y1] = tfCellStep('simple', x, [h1], [k1, r1, b1], {units: 3});
       return tfCellStep('gru', y1, [h2], [k2, r2, b2], {units: 2})[0];
     }},
  ],
  // Wrappers of a serialized layer (live layers in configs: layers_wrappers.test.mjs): the inner layer's
  // formula run per step, and forwards plus backwards, with tfjs ops.
  TimeDistributed: [
    {label: 'Dense tanh', config: {layer: {className: 'Dense', config: {units: 3, activation: 'tanh', biasInitializer: RANDOM_BIAS}}},
     input: [2, 4, 5], tfjs: false, outputShape: [null, 4, 3],
     reference: (x, [k, b]) => tf.tanh(x.reshape([-1, 5]).matMul(k).add(b)).reshape([2, 4, 3])},
  ],
  Bidirectional: [
    {label: 'SimpleRNN sequences concat', config: {layer: {className: 'SimpleRNN', config: {units: 2, returnSequences: true,
                                                                                          biasInitializer: RANDOM_BIAS}}},
     input: [2, 4, 3], tfjs: false, outputShape: [null, 4, 4],
     reference: (x, w) => tf.concat([tfRecurrent('simple', x, w.slice(0, 3), {units: 2, returnSequences: true})[0],
       tf.reverse(tfRecurrent('simple', x, w.slice(3), {units: 2, returnSequences: true, goBackwards: true})[0], 1)], -1)},
    {label: 'LSTM last output, sum', config: {layer: {className: 'LSTM', config: {units: 3, biasInitializer: RANDOM_BIAS}},
                                              mergeMode: 'sum'},
     input: [2, 3, 2], tfjs: false, outputShape: [null, 3],
     reference: (x, w) => tfRecurrent('lstm', x, w.slice(0, 3), {units: 3})[0]
       .add(tfRecurrent('lstm', x, w.slice(3), {units: 3, goBackwards: true})[0])},
  ],
};

test('every registered layer has a factory and generic test cases', () => {
  const registered = km.layers.registeredLayers();
  assert.ok(registered.length >= 6);
  for (const {className, factory} of registered) {
    assert.equal(typeof km.layers[factory], 'function', `km.layers.${factory}`);
    assert.ok(CASES[className]?.length > 0, `no generic test cases for ${className}`);
  }
});

function tfTensor(t) {
  return tf.tensor(t.dataSync(), t.shape, t.dtype);
}

function withBatchUnknown(shape) {
  return [null, ...shape.slice(1)];
}

// A case has one input shape (`input`) or several (`inputs`, for merge layers). Layers tfjs-layers lacks
// (`tfjs: false`) are checked against `reference`, a function of tfjs tensors written from the Keras
// formula, with the expected `outputShape`; `gradReference` replaces tfjs for the input gradient where
// tfjs cannot differentiate its own layer.
function runCase(factory, c) {
  const shapes = c.inputs ?? [c.input];
  const multi = c.inputs !== undefined;
  const kmLayer = km.layers[factory](c.config);
  // A copy for tfjs, which writes into the specs it is given (customObjects).
  const tfLayer = c.tfjs === false ? null : tf.layers[factory](structuredClone(c.config));
  let refWeights = [];
  try {
    // Config: a round trip through the factory gives the same config, holding every key tfjs has (not for
    // a Lambda, whose config holds its function's source, as Keras' does: a JS function rebuilds it).
    const config = kmLayer.getConfig();
    if (c.roundTrip !== false) {
      const again = km.layers[factory](config);
      assert.deepEqual(again.getConfig(), config);
      again.dispose();
    }
    if (tfLayer) {
      for (const key of Object.keys(tfLayer.getConfig())) {
        if (!(TFJS_ONLY_KEYS[kmLayer.getClassName()] ?? []).includes(key)) assert.ok(key in config, `tfjs config key '${key}' missing`);
      }
    }

    // Build, weights and output shape.
    const inputShapes = shapes.map(withBatchUnknown);
    const inputShape = multi ? inputShapes : inputShapes[0];
    kmLayer.build(inputShape);
    assert.equal(kmLayer.built, true);
    if (tfLayer) {
      tfLayer.build(inputShape);
      // tfjs' RNN.build does not mark the layer built, so its first apply would build the cell again.
      tfLayer.built = true;
      assert.deepEqual(kmLayer.weights.map((w) => w.shape), tfLayer.weights.map((w) => w.shape), 'weight shapes');
      // From the weights: tfjs' merge layers never mark themselves built, so their countParams() throws.
      assert.equal(kmLayer.countParams(), tfLayer.weights.reduce((n, w) => n + sizeOf(w.shape), 0));
    }
    assert.deepEqual(kmLayer.computeOutputShape(inputShape), c.outputShape ?? tfLayer.computeOutputShape(inputShape),
                     'output shape');

    // Forward (inference) with the same weights.
    if (tfLayer) {
      const weights = kmLayer.getWeights();
      tfLayer.setWeights(weights.map(tfTensor));
      km.dispose(weights);
    }
    // `indices: n`: int32 inputs in [0, n) (Embedding), which have no gradient.
    const values = shapes.map((s, i) => c.indices
      ? Int32Array.from(randomValues(sizeOf(s), 7 + 10 * i, 0, c.indices), Math.floor)
      : randomValues(sizeOf(s), 7 + 10 * i));
    const dtype = c.indices ? 'int32' : 'float32';
    const xs = shapes.map((s, i) => km.tensor(values[i], s, dtype));
    const txs = shapes.map((s, i) => tf.tensor(values[i], s, dtype));
    // A reference for a layer with weights gets them (as tfjs variables, for their gradients) after the inputs.
    refWeights = tfLayer ? [] : kmLayer.trainableWeights.map((w) => tf.variable(tfTensor(w.read())));
    // `output: i`: a multi-output layer (a cell's [output, ...states]) is compared on its output i.
    const pick = (r) => (c.output === undefined ? r : r[c.output]);
    const tfForward = c.identity ? (...v) => v[0]
      : tfLayer ? (...v) => pick(tfLayer.apply(multi ? v : v[0]))
      : (...v) => c.reference(...v, refWeights);
    const kmForward = (...v) => pick(kmLayer.apply(multi ? v : v[0]));
    const y = kmForward(...xs);
    assertClose(y, tfForward(...txs), {rtol: 1e-5, atol: 1e-6, what: 'forward'});

    if (c.tfjsGradients === false) return;
    // Gradients for the inputs and the trainable weights, with the same random output weighting.
    const dyValues = randomValues(sizeOf(y.shape), 8);
    const dy = km.tensor(dyValues, y.shape);
    const tdy = tf.tensor(dyValues, y.shape);
    if (!c.indices) {
      const kmInputGrads = km.grads(kmForward)(xs, dy);
      const tfGradForward = c.gradReference ?? tfForward;
      const tfInputGrads = tf.grads((...v) => tfGradForward(...v).mul(1))(txs, tdy);
      kmInputGrads.forEach((g, i) => assertClose(g, tfInputGrads[i], {rtol: 1e-4, atol: 1e-5, what: `input ${i} gradient`}));
    }
    const kmVars = kmLayer.trainableWeights.map((w) => w.read());
    const tfVars = tfLayer ? tfLayer.trainableWeights.map((w) => w.read()) : refWeights;
    assert.equal(kmVars.length, tfVars.length);
    if (kmVars.length > 0) {
      const kg = km.variableGrads(() => kmForward(...xs).mul(dy).sum(), kmVars);
      const tg = tf.variableGrads(() => tfForward(...txs).mul(tdy).sum(), tfVars);
      kmVars.forEach((v, i) => {
        assertClose(kg.grads[v.name], tg.grads[tfVars[i].name], {rtol: 1e-4, atol: 1e-5, what: `gradient of ${v.name}`});
      });
      km.dispose([kg.value, kg.grads]);
      tf.dispose([tg.value, tg.grads]);
    }
  } finally {
    kmLayer.dispose();
    if (tfLayer) for (const w of tfLayer.weights) w.dispose();
    for (const w of refWeights) w.dispose();
  }
}

for (const {className, factory} of km.layers.registeredLayers()) {
  test(`${className} (layers.${factory}) matches tfjs-layers`, async (t) => {
    for (const c of CASES[className] ?? []) {
      await t.test(c.label, () => {
        tf.tidy(() => km.tidy(() => runCase(factory, c)));
      });
    }
  });
}

test('Dropout: inverted dropout at the stated rate in training, identity at inference', () => {
  km.tidy(() => {
    const rate = 0.3;
    const layer = km.layers.dropout({rate, seed: 11});
    const x = km.ones([200, 50]);
    assert.deepEqual(layer.apply(x).dataSync(), x.dataSync());
    const y = layer.apply(x, {training: true}).dataSync();
    const zeros = y.filter((v) => v === 0).length / y.length;
    // 10000 Bernoulli(0.3) draws: a standard deviation of 0.0046; 5 of them is the tolerance.
    assert.ok(Math.abs(zeros - rate) < 0.023, `fraction dropped ${zeros}`);
    for (const v of y) assert.ok(v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6, `kept value ${v}`);
    // The same statistics from tfjs' dropout.
    const ty = tf.tidy(() => tf.layers.dropout({rate}).apply(tf.ones([200, 50]), {training: true}).dataSync());
    const tfZeros = ty.filter((v) => v === 0).length / ty.length;
    assert.ok(Math.abs(zeros - tfZeros) < 0.033);
    // A new mask per call; the gradient is the mask.
    const again = layer.apply(x, {training: true}).dataSync();
    assert.notDeepEqual(again, y);
    const g = km.grad((v) => layer.apply(v, {training: true}))(x).dataSync();
    for (const v of g) assert.ok(v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6);
    layer.dispose();
  });
});

test('Dropout noiseShape: whole rows share one decision', () => {
  km.tidy(() => {
    const layer = km.layers.dropout({rate: 0.5, noiseShape: [null, 1, 3], seed: 5});
    const y = layer.apply(km.ones([8, 4, 3]), {training: true}).arraySync();
    for (const sample of y) for (const row of sample) assert.deepEqual(row, sample[0]);
    layer.dispose();
  });
});

test('Flatten takes rank 2 inputs as Keras 3 does (tfjs wants rank 3): the identity', () => {
  km.tidy(() => {
    const layer = km.layers.flatten();
    const x = km.tensor(randomValues(21, 4), [3, 7]);
    assert.deepEqual(layer.computeOutputShape([null, 7]), [null, 7]);
    assertClose(layer.apply(x), x);
    layer.dispose();
  });
});

test('hardSigmoid follows Keras 3 (relu6(x + 3) / 6), where tfjs keeps the Keras 2 formula', () => {
  km.tidy(() => {
    const values = randomValues(40, 3, -5, 5);
    const layer = km.layers.activation({activation: 'hardSigmoid'});
    const y = layer.apply(km.tensor(values)).dataSync();
    values.forEach((x, i) => assert.ok(Math.abs(y[i] - Math.min(Math.max(x + 3, 0), 6) / 6) < 1e-6));
    layer.dispose();
  });
});

test("tfjs' gelu_new is not an activation here; the error names it and the layer", () => {
  assert.throws(() => km.layers.activation({activation: 'gelu_new'}), /Activation 'activation(_\d+)?': unknown activation 'gelu_new'/);
});
