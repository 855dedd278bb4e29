// Types of the kerasm package's public API (written by hand: Emscripten 3.1.6 cannot emit them).
// Checked against js-tests/types/usage.ts by `npm run typecheck`.

export type DataType = 'float32' | 'int32';
export interface DataTypeMap {
  float32: Float32Array;
  int32: Int32Array;
}
export type TypedArray =
  | Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array
  | Uint8ClampedArray;
export type NestedNumbers = number | NestedNumbers[];
/** Values a tensor can be made from: a number, a TypedArray, or (nested) arrays of numbers or TypedArrays. */
export type TensorLike = number | TypedArray | NestedNumbers[] | TypedArray[] | TypedArray[][];
/** An op operand: a Tensor, or values made into a temporary tensor (a number takes the other operand's dtype). */
export type TensorOrLike = Tensor | TensorLike;
export type TensorContainer =
  | void | null | undefined | number | string | boolean | Tensor | TypedArray | TensorContainer[]
  | {[key: string]: TensorContainer};
export type Axis = number | number[] | null;

export const version: string;

export interface ReadyOptions {
  /** Where to fetch (or, under Node, read) kerasm.wasm from; defaults to ../dist/kerasm.wasm next to the module. */
  wasmUrl?: string | URL;
  /** The module's bytes, when the caller already has them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
}
/** Loads and instantiates the wasm module once; later calls return the same promise. */
export function ready(opts?: ReadyOptions): Promise<void>;

export interface BackendInfo {
  simd: true;
  threads: number;
  /** Size of the loaded .wasm. */
  wasmBytes: number;
  /** Current size of the wasm memory. */
  heapBytes: number;
}
export function backendInfo(): BackendInfo;

export interface MemoryInfo {
  /** Live JS tensors, variables included. */
  numTensors: number;
  /** Bytes of the live JS tensors (a buffer shared by several tensors counts once per tensor). */
  numBytes: number;
  /** Live C++ buffers, including those held by layers, open gradient tapes and kernels' scratch. */
  numDataBuffers: number;
  /** Current size of the wasm memory. */
  wasmHeapBytes: number;
}
export function memory(): MemoryInfo;

/**
 * Runs fn and disposes every tensor created inside it except the tensors in its result and those given to
 * keep(). Tidies nest. fn must be synchronous.
 */
export function tidy<T extends TensorContainer>(fn: () => T): T;
export function tidy<T extends TensorContainer>(name: string, fn: () => T): T;
export function keep<T extends Tensor>(t: T): T;
export function dispose(container: TensorContainer): void;

/**
 * A handle to immutable values in the wasm heap. Math ops take float32 tensors (int32 ones throw a dtype
 * error: cast first); int32 tensors serve as indices and move through the data-movement ops.
 */
export class Tensor {
  protected constructor();
  readonly shape: number[];
  readonly dtype: DataType;
  readonly size: number;
  readonly rank: number;
  readonly isDisposed: boolean;
  dataSync<D extends DataType = DataType>(): DataTypeMap[D];
  data<D extends DataType = DataType>(): Promise<DataTypeMap[D]>;
  arraySync(): NestedNumbers;
  array(): Promise<NestedNumbers>;
  dispose(): void;
  toString(): string;
  print(): void;

  add(b: TensorOrLike): Tensor;
  sub(b: TensorOrLike): Tensor;
  mul(b: TensorOrLike): Tensor;
  div(b: TensorOrLike): Tensor;
  pow(exp: TensorOrLike): Tensor;
  maximum(b: TensorOrLike): Tensor;
  minimum(b: TensorOrLike): Tensor;
  squaredDifference(b: TensorOrLike): Tensor;
  neg(): Tensor;
  abs(): Tensor;
  square(): Tensor;
  sqrt(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  log1p(): Tensor;
  reciprocal(): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  sign(): Tensor;
  step(): Tensor;
  relu(): Tensor;
  relu6(): Tensor;
  sigmoid(): Tensor;
  tanh(): Tensor;
  elu(): Tensor;
  selu(): Tensor;
  softplus(): Tensor;
  softsign(): Tensor;
  swish(): Tensor;
  gelu(): Tensor;
  mish(): Tensor;
  hardSigmoid(): Tensor;
  leakyRelu(alpha?: number): Tensor;
  thresholdedRelu(theta?: number): Tensor;
  softmax(dim?: number): Tensor;
  logSoftmax(axis?: number): Tensor;
  clipByValue(clipValueMin: number, clipValueMax: number): Tensor;

  matMul(b: TensorOrLike, transposeA?: boolean, transposeB?: boolean): Tensor;
  reshape(shape: number[]): Tensor;
  flatten(): Tensor;
  transpose(perm?: number[]): Tensor;
  concat(x: Tensor | Tensor[], axis?: number): Tensor;
  stack(x: Tensor | Tensor[], axis?: number): Tensor;
  slice(begin: number | number[], size?: number | number[]): Tensor;
  gather(indices: Tensor | number[] | Int32Array, axis?: number): Tensor;
  broadcastTo(shape: number[]): Tensor;
  cast(dtype: DataType): Tensor;
  toFloat(): Tensor;
  toInt(): Tensor;
  expandDims(axis?: number): Tensor;
  squeeze(axis?: number | number[]): Tensor;
  pad(paddings: Array<[number, number]>, constantValue?: number): Tensor;
  tile(reps: number[]): Tensor;
  oneHot(depth: number, onValue?: number, offValue?: number, dtype?: DataType): Tensor;
  clone(): Tensor;
  zerosLike(): Tensor;
  onesLike(): Tensor;

  sum(axis?: Axis, keepDims?: boolean): Tensor;
  mean(axis?: Axis, keepDims?: boolean): Tensor;
  max(axis?: Axis, keepDims?: boolean): Tensor;
  min(axis?: Axis, keepDims?: boolean): Tensor;
  argMax(axis?: number): Tensor;
  argMin(axis?: number): Tensor;
  l2Normalize(axis?: Axis, epsilon?: number): Tensor;
}

/** A tensor whose value assign() replaces; never disposed by tidy(). Gradients flow to its current value. */
export class Variable extends Tensor {
  /** Unique among live variables ('w', 'w_1', ...). */
  readonly name: string;
  trainable: boolean;
  assign(newValue: Tensor): void;
}
/** As tfjs: the name defaults to 'Variable' (made unique); dtype casts the initial value. */
export function variable(initialValue: Tensor, trainable?: boolean, name?: string, dtype?: DataType): Variable;

// ---- creation -----------------------------------------------------------------------------------------
export function tensor(values: TensorLike, shape?: number[] | null, dtype?: DataType): Tensor;
export function scalar(value: number, dtype?: DataType): Tensor;
export function tensor1d(values: TensorLike, dtype?: DataType): Tensor;
export function tensor2d(values: TensorLike, shape?: [number, number] | null, dtype?: DataType): Tensor;
export function tensor3d(values: TensorLike, shape?: [number, number, number] | null, dtype?: DataType): Tensor;
export function tensor4d(values: TensorLike, shape?: [number, number, number, number] | null, dtype?: DataType): Tensor;
export function zeros(shape: number[], dtype?: DataType): Tensor;
export function ones(shape: number[], dtype?: DataType): Tensor;
export function fill(shape: number[], value: number, dtype?: DataType): Tensor;
export function zerosLike(x: TensorOrLike): Tensor;
export function onesLike(x: TensorOrLike): Tensor;
/** Seeded draws repeat across Node, browsers and the native build (they differ from tfjs' numbers). */
export function randomNormal(shape: number[], mean?: number, stdDev?: number, dtype?: DataType, seed?: number): Tensor;
export function randomUniform(shape: number[], minval?: number, maxval?: number, dtype?: DataType, seed?: number): Tensor;

// ---- element-wise (numpy broadcasting) ----------------------------------------------------------------
export function add(a: TensorOrLike, b: TensorOrLike): Tensor;
export function sub(a: TensorOrLike, b: TensorOrLike): Tensor;
export function mul(a: TensorOrLike, b: TensorOrLike): Tensor;
export function div(a: TensorOrLike, b: TensorOrLike): Tensor;
export function pow(base: TensorOrLike, exp: TensorOrLike): Tensor;
export function maximum(a: TensorOrLike, b: TensorOrLike): Tensor;
export function minimum(a: TensorOrLike, b: TensorOrLike): Tensor;
export function squaredDifference(a: TensorOrLike, b: TensorOrLike): Tensor;
export function neg(x: TensorOrLike): Tensor;
export function abs(x: TensorOrLike): Tensor;
export function square(x: TensorOrLike): Tensor;
export function sqrt(x: TensorOrLike): Tensor;
export function exp(x: TensorOrLike): Tensor;
export function log(x: TensorOrLike): Tensor;
export function log1p(x: TensorOrLike): Tensor;
export function reciprocal(x: TensorOrLike): Tensor;
export function sin(x: TensorOrLike): Tensor;
export function cos(x: TensorOrLike): Tensor;
/** -1, 0 or 1; no gradient. */
export function sign(x: TensorOrLike): Tensor;
/** x > 0 ? 1 : 0 (tfjs' step with alpha 0); no gradient. */
export function step(x: TensorOrLike): Tensor;
export function relu(x: TensorOrLike): Tensor;
export function relu6(x: TensorOrLike): Tensor;
export function sigmoid(x: TensorOrLike): Tensor;
export function tanh(x: TensorOrLike): Tensor;
export function elu(x: TensorOrLike): Tensor;
export function selu(x: TensorOrLike): Tensor;
export function softplus(x: TensorOrLike): Tensor;
export function softsign(x: TensorOrLike): Tensor;
export function swish(x: TensorOrLike): Tensor;
/** The exact (erf) form, Keras 3's default. */
export function gelu(x: TensorOrLike): Tensor;
export function mish(x: TensorOrLike): Tensor;
/** Keras 3's relu6(x + 3) / 6. */
export function hardSigmoid(x: TensorOrLike): Tensor;
export function leakyRelu(x: TensorOrLike, alpha?: number): Tensor;
export function thresholdedRelu(x: TensorOrLike, theta?: number): Tensor;
/** An activation by Keras or tfjs name: 'relu', 'leaky_relu', 'softmax', 'gelu', ... */
export function activation(name: string, x: TensorOrLike): Tensor;
export function softmax(logits: TensorOrLike, dim?: number): Tensor;
export function logSoftmax(logits: TensorOrLike, axis?: number): Tensor;
export function clipByValue(x: TensorOrLike, clipValueMin: number, clipValueMax: number): Tensor;
/** condition holds 0 / 1 (float32 or int32); the three operands broadcast together. */
export function where(condition: TensorOrLike, a: TensorOrLike, b: TensorOrLike): Tensor;

// ---- linear algebra, shape and data movement ----------------------------------------------------------
/** Operands of rank >= 2; batch dimensions broadcast. */
export function matMul(a: TensorOrLike, b: TensorOrLike, transposeA?: boolean, transposeB?: boolean): Tensor;
export function reshape(x: TensorOrLike, shape: number[]): Tensor;
export function transpose(x: TensorOrLike, perm?: number[]): Tensor;
export function concat(tensors: TensorOrLike[], axis?: number): Tensor;
export function stack(tensors: TensorOrLike[], axis?: number): Tensor;
export function slice(x: TensorOrLike, begin: number | number[], size?: number | number[]): Tensor;
export function gather(x: TensorOrLike, indices: Tensor | number[] | Int32Array, axis?: number): Tensor;
export function broadcastTo(x: TensorOrLike, shape: number[]): Tensor;
export function cast(x: TensorOrLike, dtype: DataType): Tensor;
export function expandDims(x: TensorOrLike, axis?: number): Tensor;
export function squeeze(x: TensorOrLike, axis?: number | number[]): Tensor;
export function pad(x: TensorOrLike, paddings: Array<[number, number]>, constantValue?: number): Tensor;
export function tile(x: TensorOrLike, reps: number[]): Tensor;
/** int32 by default, as tfjs. */
export function oneHot(indices: Tensor | number[] | Int32Array, depth: number, onValue?: number, offValue?: number,
                       dtype?: DataType): Tensor;
export function clone(x: Tensor): Tensor;

// ---- reductions ---------------------------------------------------------------------------------------
export function sum(x: TensorOrLike, axis?: Axis, keepDims?: boolean): Tensor;
export function mean(x: TensorOrLike, axis?: Axis, keepDims?: boolean): Tensor;
export function max(x: TensorOrLike, axis?: Axis, keepDims?: boolean): Tensor;
export function min(x: TensorOrLike, axis?: Axis, keepDims?: boolean): Tensor;
/** int32 result; the axis defaults to 0 as in tfjs. */
export function argMax(x: TensorOrLike, axis?: number): Tensor;
export function argMin(x: TensorOrLike, axis?: number): Tensor;
/** x / sqrt(max(sum(x^2, axis), epsilon)); axis defaults to -1, null means every axis. */
export function l2Normalize(x: TensorOrLike, axis?: Axis, epsilon?: number): Tensor;

// ---- gradients ----------------------------------------------------------------------------------------
// Gradients are first order: a gradient computed inside f is a constant to the outer gradient.
/** d(sum(f(x) * dy))/dx; dy defaults to ones of f(x)'s shape. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor;
export function grads(f: (...args: Tensor[]) => Tensor): (xs: Tensor[], dy?: Tensor) => Tensor[];
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => {value: Tensor; grad: Tensor};
export function valueAndGrads(f: (...args: Tensor[]) => Tensor):
    (xs: Tensor[], dy?: Tensor) => {value: Tensor; grads: Tensor[]};
export interface NamedTensorMap {
  [name: string]: Tensor;
}
/**
 * Gradients of the scalar f() with respect to varList (default: every trainable variable, layers' included),
 * keyed by variable name. Variables f does not use get no entry; non-trainable ones in an explicit varList
 * map to null, as in tfjs.
 */
export function variableGrads(f: () => Tensor, varList?: Variable[]): {value: Tensor; grads: NamedTensorMap};

// ---- layers -------------------------------------------------------------------------------------------
/** A shape with null for unknown dimensions (the batch, usually). */
export type Shape = Array<number | null>;
/** Activation names in tfjs' camelCase or Keras' snake_case spelling. */
export type ActivationIdentifier =
  | 'linear' | 'relu' | 'relu6' | 'sigmoid' | 'hardSigmoid' | 'hard_sigmoid' | 'tanh' | 'softmax' | 'logSoftmax'
  | 'log_softmax' | 'elu' | 'selu' | 'softplus' | 'softsign' | 'exponential' | 'swish' | 'silu' | 'gelu' | 'mish'
  | 'leakyRelu' | 'leaky_relu' | 'hardSigmoidKeras2' | 'hard_sigmoid_keras2';
/** An initializer, regularizer or constraint: a name ('glorotUniform', 'l1l2', 'maxNorm') or {className, config}. */
export type SerializedSpec = string | {className: string; config?: {[key: string]: unknown}};
export type DataFormat = 'channelsLast' | 'channelsFirst' | 'channels_last' | 'channels_first';

/** Keys every layer accepts. */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  dtype?: DataType;
  /** The input shape without the batch dimension; a Sequential's first layer creates its input from it. */
  inputShape?: Shape;
  batchInputShape?: Shape;
  batchSize?: number;
  inputDim?: number;
}
export interface DenseLayerArgs extends LayerArgs {
  units: number;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: SerializedSpec;
  biasInitializer?: SerializedSpec;
  kernelRegularizer?: SerializedSpec;
  biasRegularizer?: SerializedSpec;
  activityRegularizer?: SerializedSpec;
  kernelConstraint?: SerializedSpec;
  biasConstraint?: SerializedSpec;
}
export interface ActivationLayerArgs extends LayerArgs {
  activation: ActivationIdentifier;
}
export interface DropoutLayerArgs extends LayerArgs {
  rate: number;
  /** 1 on the axes that share one decision; null takes the input's size. */
  noiseShape?: Shape;
  seed?: number;
}
export interface FlattenLayerArgs extends LayerArgs {
  dataFormat?: DataFormat;
}
export interface ReshapeLayerArgs extends LayerArgs {
  /** Without the batch dimension; one entry may be -1. */
  targetShape: number[];
}
export interface ConcatenateLayerArgs extends LayerArgs {
  /** Any axis but the batch axis; negative counts from the end. Default -1. */
  axis?: number;
}
export interface DotLayerArgs extends LayerArgs {
  /** One axis for both inputs, or [axis of input 0, axis of input 1]; never the batch axis. */
  axes: number | [number, number];
  /** L2-normalize along the axes first (the output is then the cosine similarity). */
  normalize?: boolean;
}
export interface LeakyReLULayerArgs extends LayerArgs {
  /** Keras 3's name; `alpha` (Keras 2, tfjs) is the same argument. Default 0.3. */
  negativeSlope?: number;
  alpha?: number;
}
export interface ELULayerArgs extends LayerArgs {
  alpha?: number;
}
export interface ThresholdedReLULayerArgs extends LayerArgs {
  theta?: number;
}
export interface SoftmaxLayerArgs extends LayerArgs {
  /** Default -1 (tfjs-layers' default is 1); several axes normalize over their product. */
  axis?: number | number[];
}
export interface ReLULayerArgs extends LayerArgs {
  maxValue?: number | null;
  negativeSlope?: number;
  threshold?: number;
}
export interface PReLULayerArgs extends LayerArgs {
  alphaInitializer?: SerializedSpec;
  alphaRegularizer?: SerializedSpec;
  alphaConstraint?: SerializedSpec;
  /** 1-based axes (after the batch) along which alpha is shared. */
  sharedAxes?: number | number[];
}
export interface ConvWindowArgs extends LayerArgs {
  /** One integer for every spatial axis, or one per axis. */
  kernelSize: number | number[];
  strides?: number | number[];
  /** 'valid' (default) or 'same'; Conv1D also 'causal'. */
  padding?: 'valid' | 'same' | 'causal';
  dataFormat?: DataFormat;
  /** Not together with strides > 1. */
  dilationRate?: number | number[];
  activation?: ActivationIdentifier;
  useBias?: boolean;
  biasInitializer?: SerializedSpec;
  biasRegularizer?: SerializedSpec;
  activityRegularizer?: SerializedSpec;
  biasConstraint?: SerializedSpec;
}
export interface ConvLayerArgs extends ConvWindowArgs {
  filters: number;
  /** Input and output channels split into this many independent groups. Default 1. */
  groups?: number;
  kernelInitializer?: SerializedSpec;
  kernelRegularizer?: SerializedSpec;
  kernelConstraint?: SerializedSpec;
}
export interface ConvTransposeLayerArgs extends ConvWindowArgs {
  filters: number;
  /** Extra output length per axis (each smaller than its stride); null follows Keras' default rule. */
  outputPadding?: number | number[] | null;
  kernelInitializer?: SerializedSpec;
  kernelRegularizer?: SerializedSpec;
  kernelConstraint?: SerializedSpec;
}
export interface DepthwiseConvLayerArgs extends ConvWindowArgs {
  /** Output channels per input channel. Default 1. */
  depthMultiplier?: number;
  depthwiseInitializer?: SerializedSpec;
  depthwiseRegularizer?: SerializedSpec;
  depthwiseConstraint?: SerializedSpec;
}
export interface SeparableConvLayerArgs extends DepthwiseConvLayerArgs {
  filters: number;
  pointwiseInitializer?: SerializedSpec;
  pointwiseRegularizer?: SerializedSpec;
  pointwiseConstraint?: SerializedSpec;
}
export interface LocallyConnectedLayerArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  /** Only 'valid', as in Keras. */
  padding?: 'valid';
  dataFormat?: DataFormat;
  /** Keras 2's three ways of computing the same function; the weights always have implementation 1's shapes. */
  implementation?: 1 | 2 | 3;
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: SerializedSpec;
  biasInitializer?: SerializedSpec;
  kernelRegularizer?: SerializedSpec;
  biasRegularizer?: SerializedSpec;
  activityRegularizer?: SerializedSpec;
  kernelConstraint?: SerializedSpec;
  biasConstraint?: SerializedSpec;
}
/** What every recurrent layer takes besides its cell's arguments (Keras' RNN arguments). */
export interface BaseRNNLayerArgs extends LayerArgs {
  /** Return the output of every step ([batch, time, units]) rather than the last one. Default false. */
  returnSequences?: boolean;
  /** Also return the final states: [output, ...states]. Default false. */
  returnState?: boolean;
  /** Run from the last step to the first; sequence outputs come in that order. Default false. */
  goBackwards?: boolean;
  /** Keep the final states as the next call's initial ones (needs batchInputShape); see resetStates. */
  stateful?: boolean;
  /** Run the step loop over ordinary ops instead of the fused sequence kernel (the same results). */
  unroll?: boolean;
  /** Inputs are [time, batch, ...]. Default false. */
  timeMajor?: boolean;
  /** Masked steps output zeros instead of repeating the previous output. Default false. */
  zeroOutputForMask?: boolean;
  activityRegularizer?: SerializedSpec;
  /** Keras 2 / tfjs: the input shape [inputLength, inputDim]. */
  inputDim?: number;
  inputLength?: number;
}
/** The initializers, regularizers and constraints of a recurrent layer's kernel, recurrent kernel and bias. */
export interface RecurrentWeightArgs {
  kernelInitializer?: SerializedSpec;
  recurrentInitializer?: SerializedSpec;
  biasInitializer?: SerializedSpec;
  kernelRegularizer?: SerializedSpec;
  recurrentRegularizer?: SerializedSpec;
  biasRegularizer?: SerializedSpec;
  kernelConstraint?: SerializedSpec;
  recurrentConstraint?: SerializedSpec;
  biasConstraint?: SerializedSpec;
}
/** SimpleRNNCell / GRUCell / LSTMCell, and the flat arguments of SimpleRNN / GRU / LSTM. */
export interface RNNCellLayerArgs extends LayerArgs, RecurrentWeightArgs {
  units: number;
  /** Default 'tanh'. */
  activation?: ActivationIdentifier;
  /** GRU and LSTM gates. Default 'sigmoid' (Keras 3; tfjs' default was Keras 2's hardSigmoid). */
  recurrentActivation?: ActivationIdentifier;
  useBias?: boolean;
  /** Input and recurrent-state dropout rates in training; one mask per call, fixed across its steps. */
  dropout?: number;
  recurrentDropout?: number;
  /** LSTM: the forget gate's bias starts at 1. Default true. */
  unitForgetBias?: boolean;
  /** GRU: apply the reset gate after the recurrent product (Keras 3 / cuDNN). Default true. */
  resetAfter?: boolean;
  /** 1 or 2: the same results. */
  implementation?: number;
  seed?: number | null;
}
export interface RNNLayerArgs extends RNNCellLayerArgs, BaseRNNLayerArgs {}
/** CuDNNGRU / CuDNNLSTM: cuDNN's weight layout, sigmoid and tanh, no dropout. */
export interface CuDNNRNNLayerArgs extends BaseRNNLayerArgs, RecurrentWeightArgs {
  units: number;
  unitForgetBias?: boolean;
}
/** ConvLSTM2D: an LSTM over feature maps, inputs [batch, time, rows, cols, channels] (or channels first). */
export interface ConvLSTM2DLayerArgs extends BaseRNNLayerArgs, RecurrentWeightArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  /** Of the input convolution; the recurrent one is always 'same' with stride 1. */
  padding?: 'valid' | 'same';
  dataFormat?: DataFormat;
  dilationRate?: number | number[];
  activation?: ActivationIdentifier;
  recurrentActivation?: ActivationIdentifier;
  useBias?: boolean;
  unitForgetBias?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  seed?: number | null;
}
/** Lambda: a JS function of km ops as a layer (differentiable like any op). */
export interface LambdaLayerArgs extends LayerArgs {
  /** inputs (an array when there are several), the `arguments` object and {training} -> Tensor(s). */
  function: (inputs: any, args: {[key: string]: unknown}, kwargs: {training: boolean}) => Tensor | Tensor[];
  /** Without the batch axis, or a function of the input shape(s) giving the output shape(s); absent: found by
   * running the function once on zeros. */
  outputShape?: Shape | Shape[] | ((inputShape: any) => Shape | Shape[]);
  arguments?: {[key: string]: unknown};
  /** The output mask from the inputs and their mask; absent: no mask. */
  mask?: (inputs: any, mask: any) => Tensor | null;
}
/** A cell: a layer from a cell factory or a serialized {className, config}. */
export type RNNCellSpec = layers.Layer | {className: string; config?: {[key: string]: unknown}};
export interface GenericRNNLayerArgs extends BaseRNNLayerArgs {
  /** A cell, or a list of cells (stacked). */
  cell: RNNCellSpec | RNNCellSpec[];
}
export interface StackedRNNCellsLayerArgs extends LayerArgs {
  cells: RNNCellSpec[];
}
/** A wrapper's layer: a layer object (TimeDistributed uses that very layer) or a serialized {className, config}. */
export type LayerSpec = layers.Layer | {className: string; config?: {[key: string]: unknown}};
export interface TimeDistributedLayerArgs extends LayerArgs {
  /** Applied to every time step of inputs [batch, time, ...]: its weights become the wrapper's. */
  layer: LayerSpec;
}
export interface BidirectionalLayerArgs extends LayerArgs {
  /** A recurrent layer: the forward and backward layers are copies of it from its config. */
  layer: LayerSpec;
  /** How the two outputs combine; null returns both. Default 'concat'. */
  mergeMode?: 'concat' | 'sum' | 'mul' | 'ave' | null;
  /** Used as the backward layer instead of a copy (its goBackwards must differ from the layer's). */
  backwardLayer?: LayerSpec;
}

export interface EmbeddingLayerArgs extends LayerArgs {
  /** Number of rows: indices must lie in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  embeddingsInitializer?: SerializedSpec;
  embeddingsRegularizer?: SerializedSpec;
  activityRegularizer?: SerializedSpec;
  embeddingsConstraint?: SerializedSpec;
  /** Index 0 is padding: the layer emits the mask indices != 0 for the layers after it. */
  maskZero?: boolean;
  /** Keras 2 / tfjs: the sequence length (also the input shape of a Sequential's first layer). */
  inputLength?: number | number[] | null;
}
/** An amount for both sides of one axis, or [before, after]. */
export type SideAmount = number | [number, number];
/** Per-side amounts of a 1D layer: one for both sides, or [before, after]. */
export type SideAmounts1D = SideAmount;
/** One number for every side, or one entry per spatial axis, each a number or [before, after]. */
export type SideAmounts2D = number | [SideAmount, SideAmount];
export type SideAmounts3D = number | [SideAmount, SideAmount, SideAmount];
export interface Cropping1DLayerArgs extends LayerArgs {
  /** Entries removed at the start and end of the steps axis. Default [1, 1]. */
  cropping?: SideAmounts1D;
}
export interface Cropping2DLayerArgs extends LayerArgs {
  /** [[top, bottom], [left, right]], [symmetricHeight, symmetricWidth] or one number. Default none. */
  cropping?: SideAmounts2D;
  dataFormat?: DataFormat;
}
export interface Cropping3DLayerArgs extends LayerArgs {
  /** Per spatial axis, [before, after] or one number; or one number for all. Default 1 everywhere. */
  cropping?: SideAmounts3D;
  dataFormat?: DataFormat;
}
export interface ZeroPadding1DLayerArgs extends LayerArgs {
  /** Zeros added at the start and end of the steps axis. Default [1, 1]. */
  padding?: SideAmounts1D;
  /** Keras 3's: channelsFirst pads the last axis. */
  dataFormat?: DataFormat;
}
export interface ZeroPadding2DLayerArgs extends LayerArgs {
  /** [[top, bottom], [left, right]], [symmetricHeight, symmetricWidth] or one number. Default 1. */
  padding?: SideAmounts2D;
  dataFormat?: DataFormat;
}
export interface ZeroPadding3DLayerArgs extends LayerArgs {
  padding?: SideAmounts3D;
  dataFormat?: DataFormat;
}
export interface UpSampling1DLayerArgs extends LayerArgs {
  /** Copies of each step. Default 2. */
  size?: number;
}
export interface UpSampling2DLayerArgs extends LayerArgs {
  /** Factors for rows and columns, or one for both. Default [2, 2]. */
  size?: number | [number, number];
  dataFormat?: DataFormat;
  /**
   * 'bilinear' samples at half-pixel centres as Keras 3 does (tfjs-layers' upSampling2d does not, so the
   * two differ by a fraction of a pixel).
   */
  interpolation?: 'nearest' | 'bilinear';
}
export interface UpSampling3DLayerArgs extends LayerArgs {
  size?: number | [number, number, number];
  dataFormat?: DataFormat;
}
export interface PermuteLayerArgs extends LayerArgs {
  /** A permutation of 1..rank-1: output axis i + 1 is input axis dims[i] (the batch axis stays). */
  dims: number[];
}
export interface RepeatVectorLayerArgs extends LayerArgs {
  /** Copies: [batch, features] becomes [batch, n, features]. */
  n: number;
}
export interface BatchNormalizationLayerArgs extends LayerArgs {
  /** The feature axis (negative counts from the end; 1 for channels-first convolutions); Keras 2 lists. */
  axis?: number | number[];
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: SerializedSpec;
  gammaInitializer?: SerializedSpec;
  movingMeanInitializer?: SerializedSpec;
  movingVarianceInitializer?: SerializedSpec;
  betaRegularizer?: SerializedSpec;
  gammaRegularizer?: SerializedSpec;
  betaConstraint?: SerializedSpec;
  gammaConstraint?: SerializedSpec;
  /** Keras 3's cross-device statistics: only false. */
  synchronized?: boolean;
}
export interface InputLayerArgs extends LayerArgs {
  sparse?: false;
}
export interface SpatialDropout1DLayerArgs extends LayerArgs {
  /** Fraction of the channels to drop, in [0, 1]. */
  rate: number;
  seed?: number;
  /** Accepted as tfjs-layers writes it: only null (the layer picks [batch, 1, channels]). */
  noiseShape?: null;
}
export interface SpatialDropout2DLayerArgs extends LayerArgs {
  rate: number;
  dataFormat?: DataFormat;
  seed?: number;
}
export interface SpatialDropout3DLayerArgs extends LayerArgs {
  rate: number;
  dataFormat?: DataFormat;
  seed?: number;
}
export interface GaussianNoiseLayerArgs extends LayerArgs {
  /** Standard deviation of the additive noise, >= 0. */
  stddev: number;
  seed?: number;
}
export interface GaussianDropoutLayerArgs extends LayerArgs {
  /** In [0, 1): the multiplicative noise has mean 1 and variance rate / (1 - rate). */
  rate: number;
  seed?: number;
}
export interface AlphaDropoutLayerArgs extends LayerArgs {
  /** In [0, 1). */
  rate: number;
  /** 1 on the axes that share one decision; null takes the input's size. */
  noiseShape?: Shape;
  seed?: number;
}
export interface ActivityRegularizationLayerArgs extends LayerArgs {
  /** Coefficients (>= 0, default 0) of the penalty (l1·Σ|x| + l2·Σx²) / batch size. */
  l1?: number;
  l2?: number;
}
export interface MaskingLayerArgs extends LayerArgs {
  /** Steps whose features all equal it are masked (default 0). */
  maskValue?: number;
}
export interface InputConfig {
  /** Without the batch dimension. */
  shape?: Shape;
  /** With the batch dimension. */
  batchShape?: Shape;
  name?: string;
  dtype?: DataType;
  sparse?: false;
}
/** A layer config as getConfig() returns it (camelCase keys). */
export interface LayerConfig {
  [key: string]: unknown;
}

/** A node output in a layer graph: from km.input() or layer.apply(symbolic). */
export class SymbolicTensor {
  protected constructor();
  readonly shape: Shape;
  readonly dtype: DataType;
  readonly name: string;
  readonly outputIndex: number;
  readonly rank: number;
  readonly sourceLayer: layers.Layer;
  toString(): string;
}

/** A layer's weight, as tfjs-layers exposes it. */
export class LayerVariable {
  protected constructor();
  /** The variable's name, '<layer>/<weight>' (made unique among live variables). */
  readonly name: string;
  readonly shape: number[];
  readonly dtype: DataType;
  readonly trainable: boolean;
  /** The variable holding the current value (the same object until it is disposed). */
  read(): Variable;
  write(value: Tensor): void;
}

export interface LayerApplyArgs {
  training?: boolean;
  mask?: Tensor | Array<Tensor | null>;
  /** RNN layers: the initial states (they join the inputs after x). */
  initialState?: Tensor | Tensor[];
}

export namespace layers {
  /**
   * The base of every layer. Layers come from the factories below, km.model, km.sequential and
   * modelFromJSON, or from a JS subclass with build / call / computeOutputShape / computeMask / getConfig.
   */
  class Layer {
    constructor(config?: LayerArgs & {[key: string]: unknown});
    readonly name: string;
    readonly built: boolean;
    readonly dtype: DataType;
    trainable: boolean;
    getClassName(): string;
    /** Tensors in: tensors out, now. Symbolic tensors in: symbolic tensors out (a graph node). */
    apply(inputs: Tensor, kwargs?: LayerApplyArgs): Tensor;
    apply(inputs: Tensor[], kwargs?: LayerApplyArgs): Tensor | Tensor[];
    apply(inputs: SymbolicTensor, kwargs: {training?: boolean; initialState: SymbolicTensor | SymbolicTensor[]}): SymbolicTensor | SymbolicTensor[];
    apply(inputs: SymbolicTensor, kwargs?: {training?: boolean}): SymbolicTensor;
    apply(inputs: SymbolicTensor[], kwargs?: {training?: boolean}): SymbolicTensor | SymbolicTensor[];
    computeMask(inputs: Tensor | Tensor[], mask?: Tensor | Array<Tensor | null>): Tensor | Array<Tensor | null> | null;
    build(inputShape: Shape | Shape[]): void;
    computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[];
    getConfig(): LayerConfig;
    /** For layers written in JS (subclasses), inside build: a new weight, as tfjs' addWeight. */
    addWeight(name: string, shape: number[], dtype?: DataType, initializer?: SerializedSpec | null,
              regularizer?: SerializedSpec | null, trainable?: boolean, constraint?: SerializedSpec | null): LayerVariable;
    /** In the order of LAYERS.md (trainable first). */
    getWeights(trainableOnly?: boolean): Tensor[];
    /** Same count, order and shapes as getWeights(), else an error naming the weight; a failed call changes nothing. */
    setWeights(weights: Tensor[]): void;
    countParams(): number;
    readonly weights: LayerVariable[];
    readonly trainableWeights: LayerVariable[];
    readonly nonTrainableWeights: LayerVariable[];
    /** Activity-regularization losses of the latest call and the weights' penalties, as new scalars. */
    readonly losses: Tensor[];
    /** Stateful RNNs: zero the kept states, or set them (one tensor per state, batch first). */
    resetStates(states?: Tensor | Tensor[]): void;
    /** The symbolic input / output of the layer's only node. */
    readonly input: SymbolicTensor | SymbolicTensor[];
    readonly output: SymbolicTensor | SymbolicTensor[];
    /** Releases this object's handle and its weights' variables; models using the layer keep it. */
    dispose(): void;
    toString(): string;
  }
  /**
   * The base of recurrent cells written in JS (tfjs' RNNCell): set `stateSize` (an integer, or one entry
   * per state) and optionally `outputSize` in the constructor, and write `call([x, ...states])` returning
   * `[output, ...newStates]` (or Keras' `[output, [newStates]]`); km.layers.rnn({cell}) steps it.
   */
  class RNNCell extends Layer {
    stateSize: number | Array<number | number[]>;
    outputSize?: number;
  }
  /** Every layer class and its factory: the registry's, and Lambda (whose factory takes a JS function). */
  function registeredLayers(): Array<{className: string; factory: string}>;
  /** The activations kerasm knows, in tfjs and Keras spelling (both are accepted wherever one is named). */
  function activationNames(): Array<{js: string; keras: string}>;

  function activation(config: ActivationLayerArgs): Layer;
  function dense(config: DenseLayerArgs): Layer;
  function dropout(config: DropoutLayerArgs): Layer;
  function flatten(config?: FlattenLayerArgs): Layer;
  function inputLayer(config: InputLayerArgs): Layer;
  function lambda(config: LambdaLayerArgs): Layer;
  function reshape(config: ReshapeLayerArgs): Layer;

  // Merge layers: apply them to a list of inputs, `layer.apply([a, b])`. Shapes broadcast as in Keras.
  function add(config?: LayerArgs): Layer;
  function average(config?: LayerArgs): Layer;
  function concatenate(config?: ConcatenateLayerArgs): Layer;
  function dot(config: DotLayerArgs): Layer;
  function maximum(config?: LayerArgs): Layer;
  function minimum(config?: LayerArgs): Layer;
  function multiply(config?: LayerArgs): Layer;
  /** Exactly two inputs: inputs[0] - inputs[1]. */
  function subtract(config?: LayerArgs): Layer;

  // Advanced activations.
  function elu(config?: ELULayerArgs): Layer;
  function leakyReLU(config?: LeakyReLULayerArgs): Layer;
  function prelu(config?: PReLULayerArgs): Layer;
  function reLU(config?: ReLULayerArgs): Layer;
  function softmax(config?: SoftmaxLayerArgs): Layer;
  function thresholdedReLU(config?: ThresholdedReLULayerArgs): Layer;

  // Convolutions (inputs [batch, spatial..., channels], or channels first).
  function conv1d(config: ConvLayerArgs): Layer;
  function conv2d(config: ConvLayerArgs): Layer;
  function conv3d(config: ConvLayerArgs): Layer;
  function conv2dTranspose(config: ConvTransposeLayerArgs): Layer;
  function conv3dTranspose(config: ConvTransposeLayerArgs): Layer;
  function depthwiseConv2d(config: DepthwiseConvLayerArgs): Layer;
  function separableConv1d(config: SeparableConvLayerArgs): Layer;
  function separableConv2d(config: SeparableConvLayerArgs): Layer;

  // Locally connected: a convolution with a separate kernel at every output position.
  function locallyConnected1d(config: LocallyConnectedLayerArgs): Layer;
  function locallyConnected2d(config: LocallyConnectedLayerArgs): Layer;

  // Embedding: int32 indices [batch, ...] to [batch, ..., outputDim].
  function embedding(config: EmbeddingLayerArgs): Layer;
  // Noise, regularization and masking. The dropout and noise layers act only in training
  // (`apply(x, {training: true})`) and are the identity otherwise; masks pass through them.
  function activityRegularization(config?: ActivityRegularizationLayerArgs): Layer;
  function alphaDropout(config: AlphaDropoutLayerArgs): Layer;
  function gaussianDropout(config: GaussianDropoutLayerArgs): Layer;
  function gaussianNoise(config: GaussianNoiseLayerArgs): Layer;
  /** Its output mask ([batch, steps]) marks the steps that are not all maskValue: see computeMask. */
  function masking(config?: MaskingLayerArgs): Layer;
  function spatialDropout1d(config: SpatialDropout1DLayerArgs): Layer;
  function spatialDropout2d(config: SpatialDropout2DLayerArgs): Layer;
  function spatialDropout3d(config: SpatialDropout3DLayerArgs): Layer;
  // pooling
  /** MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (Keras: pool_size, strides, padding, data_format). */
  interface PoolingLayerArgs extends LayerArgs {
    /** One size for every spatial axis, or one per axis. Default 2. */
    poolSize?: number | number[];
    /** Default (and null): poolSize. */
    strides?: number | number[] | null;
    /** 'same' pads as TF does (out = ceil(in / stride)); an average counts only the cells inside the input. */
    padding?: 'valid' | 'same';
    dataFormat?: DataFormat;
  }
  /** GlobalMaxPooling1D/2D/3D and GlobalAveragePooling1D/2D/3D; the 1D ones reduce over unmasked steps. */
  interface GlobalPoolingLayerArgs extends LayerArgs {
    dataFormat?: DataFormat;
    /** Keep the pooled axes with size 1. Default false. */
    keepdims?: boolean;
  }
  function averagePooling1d(config?: PoolingLayerArgs): Layer;
  function averagePooling2d(config?: PoolingLayerArgs): Layer;
  function averagePooling3d(config?: PoolingLayerArgs): Layer;
  function globalAveragePooling1d(config?: GlobalPoolingLayerArgs): Layer;
  function globalAveragePooling2d(config?: GlobalPoolingLayerArgs): Layer;
  function globalAveragePooling3d(config?: GlobalPoolingLayerArgs): Layer;
  function globalMaxPooling1d(config?: GlobalPoolingLayerArgs): Layer;
  function globalMaxPooling2d(config?: GlobalPoolingLayerArgs): Layer;
  function globalMaxPooling3d(config?: GlobalPoolingLayerArgs): Layer;
  function maxPooling1d(config?: PoolingLayerArgs): Layer;
  function maxPooling2d(config?: PoolingLayerArgs): Layer;
  function maxPooling3d(config?: PoolingLayerArgs): Layer;
  // Reshaping layers (none of them passes a mask on).
  function cropping1d(config?: Cropping1DLayerArgs): Layer;
  /** tfjs' spelling; cropping2d is the same factory. */
  function cropping2D(config?: Cropping2DLayerArgs): Layer;
  function cropping2d(config?: Cropping2DLayerArgs): Layer;
  function cropping3d(config?: Cropping3DLayerArgs): Layer;
  function permute(config: PermuteLayerArgs): Layer;
  function repeatVector(config: RepeatVectorLayerArgs): Layer;
  function upSampling1d(config?: UpSampling1DLayerArgs): Layer;
  function upSampling2d(config?: UpSampling2DLayerArgs): Layer;
  function upSampling3d(config?: UpSampling3DLayerArgs): Layer;
  function zeroPadding1d(config?: ZeroPadding1DLayerArgs): Layer;
  function zeroPadding2d(config?: ZeroPadding2DLayerArgs): Layer;
  function zeroPadding3d(config?: ZeroPadding3DLayerArgs): Layer;
  // Normalization: training calls use the batch statistics and update the moving ones.
  function batchNormalization(config?: BatchNormalizationLayerArgs): Layer;
  // Recurrent layers: inputs [batch, time, features]; initial states via apply(x, {initialState}).
  function convLstm2d(config: ConvLSTM2DLayerArgs): Layer;
  function cudnnGru(config: CuDNNRNNLayerArgs): Layer;
  function cudnnLstm(config: CuDNNRNNLayerArgs): Layer;
  function gru(config: RNNLayerArgs): Layer;
  function gruCell(config: RNNCellLayerArgs): Layer;
  function lstm(config: RNNLayerArgs): Layer;
  function lstmCell(config: RNNCellLayerArgs): Layer;
  function rnn(config: GenericRNNLayerArgs): Layer;
  function simpleRNN(config: RNNLayerArgs): Layer;
  function simpleRNNCell(config: RNNCellLayerArgs): Layer;
  function stackedRNNCells(config: StackedRNNCellsLayerArgs): Layer;
  // Wrappers: initial states of a bidirectional layer via apply(x, {initialState}), forward ones first.
  function bidirectional(config: BidirectionalLayerArgs): Layer;
  function timeDistributed(config: TimeDistributedLayerArgs): Layer;
}

/** As tfjs' tf.input: the symbolic input of a functional model. */
export function input(config: InputConfig): SymbolicTensor;

// ---- optimizers ---------------------------------------------------------------------------------------
export class Optimizer {
  protected constructor();
  /** A C++ optimizer by class or string name ('Adam', 'rmsprop', 'nadam' ...) with a camelCase config. */
  static fromConfig(name: string, config?: {[key: string]: number | boolean}): Optimizer;
  getClassName(): string;
  getConfig(): {[key: string]: number | boolean};
  /** Steps taken. */
  readonly iterations: number;
  /** By variable name, as tfjs; null gradients are skipped. */
  applyGradients(variableGradients: {[name: string]: Tensor | null} | Array<{name: string; tensor: Tensor}>): void;
  /** One step on the scalar f(); varList defaults to every trainable variable (layers' included). */
  minimize(f: () => Tensor, returnCost: true, varList?: Variable[]): Tensor;
  minimize(f: () => Tensor, returnCost?: false, varList?: Variable[]): null;
  /** tfjs' layout: {name: 'iter', tensor: int32 scalar}, then '<variable>/<slot>' slot kind by slot kind
   *  (Adam: every '/m', then every '/v'). New tensors: the caller disposes them. */
  getWeights(): Promise<Array<{name: string; tensor: Tensor}>>;
  /** 'iter' first, then the slots in getWeights() order; matched by position to the next step's variables. */
  setWeights(weightValues: Array<{name: string; tensor: Tensor}>): Promise<void>;
  dispose(): void;
}
/** tfjs-core's factories and defaults (a defaulted epsilon is 1e-7). */
export namespace train {
  function sgd(learningRate: number): Optimizer;
  function momentum(learningRate: number, momentum: number, useNesterov?: boolean): Optimizer;
  function rmsprop(learningRate: number, decay?: number, momentum?: number, epsilon?: number | null,
                   centered?: boolean): Optimizer;
  function adam(learningRate?: number, beta1?: number, beta2?: number, epsilon?: number | null): Optimizer;
  function adagrad(learningRate: number, initialAccumulatorValue?: number): Optimizer;
  function adadelta(learningRate?: number, rho?: number, epsilon?: number | null): Optimizer;
  function adamax(learningRate?: number, beta1?: number, beta2?: number, epsilon?: number | null,
                  decay?: number): Optimizer;
}

// ---- models -------------------------------------------------------------------------------------------
export interface ModelArgs {
  inputs: SymbolicTensor | SymbolicTensor[];
  outputs: SymbolicTensor | SymbolicTensor[];
  name?: string;
}
export interface SequentialArgs {
  layers?: layers.Layer[];
  name?: string;
}
export interface ModelPredictArgs {
  batchSize?: number;
}
/** Per-sample weights, shape [samples]: one tensor (one output), one per output (null: unweighted) or keyed by output name. */
export type SampleWeight = Tensor | Array<Tensor | null> | {[outputName: string]: Tensor};
/** {classIndex: weight}; every class in the targets needs one. */
export interface ClassWeight {
  [classIndex: number]: number;
}
/** One ClassWeight (one output), one per output, or keyed by output name. */
export type ClassWeights = ClassWeight | Array<ClassWeight | null> | {[outputName: string]: ClassWeight};
export interface ModelEvaluateArgs {
  batchSize?: number;
  /** Weights the loss as in fit: mean(w * loss) over the samples. */
  sampleWeight?: SampleWeight;
}
/** A loss or metric written with km ops: a per-sample tensor [batch] (or anything whose mean is the value). */
export type LossOrMetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;
/** Loss names: tfjs' camelCase (meanSquaredError ...) or Keras' snake_case and aliases (mse, kld ...), or functions. */
export interface ModelCompileArgs {
  optimizer: string | Optimizer;
  loss: string | LossOrMetricFn | Array<string | LossOrMetricFn> | {[outputName: string]: string | LossOrMetricFn};
  /** 'accuracy' / 'acc' (binary, categorical or sparse, from the loss), 'mse', 'mae', loss names, or functions
   * (logged under their function name, as tfjs names them). */
  metrics?: string | LossOrMetricFn | Array<string | LossOrMetricFn>;
  lossWeights?: number[] | {[outputName: string]: number};
}
export interface Logs {
  [key: string]: number;
}
export interface CustomCallbackArgs {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  /** logs: loss and metrics (size-weighted means over the epoch's batches), val_ values with validation. */
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  /** logs: {batch, size}. */
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  /** logs: {batch, size, loss, ...metrics} of this batch. */
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
  /** Called before each yield to the event loop. */
  onYield?: (epoch: number, batch: number, logs: Logs) => void | Promise<void>;
}
export interface ModelFitArgs {
  epochs?: number;
  batchSize?: number;
  /** Reorders the samples each epoch with a seeded permutation (default true). */
  shuffle?: boolean;
  /** The last fraction of the samples (before shuffling) becomes validation data. */
  validationSplit?: number;
  validationData?: [Tensor | Tensor[], Tensor | Tensor[]] | [Tensor | Tensor[], Tensor | Tensor[], SampleWeight];
  /** Validate after every n-th epoch, or after the listed (1-based) epochs (Keras' validation_freq). */
  validationFreq?: number | number[];
  callbacks?: CustomCallbackArgs | CustomCallbackArgs[];
  /** 1 (default) or 2: a line per epoch on the console (epoch, time, logs); 0: silent. */
  verbose?: number;
  /** The loss of each sample is multiplied by its weight: mean(w * loss) over the batch (Keras 2, tfjs). */
  sampleWeight?: SampleWeight;
  /** Per-class weights, turned into sample weights from the targets (class indices or one-hot). */
  classWeight?: ClassWeights;
  initialEpoch?: number;
  /** 'auto' (every batch), 'batch', 'epoch', 'never', or at most every this many milliseconds. */
  yieldEvery?: 'auto' | 'batch' | 'epoch' | 'never' | number;
  /** Seeds the shuffling (default: the model's count of fit calls, so equal models and calls shuffle alike). */
  seed?: number;
}
/** What a dataset element holds: one tensor, one per input / output, or tensors keyed by input / output name. */
export type ModelData = Tensor | Tensor[] | {[name: string]: Tensor};
/** An element of a training dataset. Its tensors are disposed after its step, as tfjs does. */
export type DatasetElement =
  | {xs: ModelData; ys: ModelData; sampleWeight?: SampleWeight}
  | [ModelData, ModelData]
  | [ModelData, ModelData, SampleWeight];
export interface DatasetIterator<T = DatasetElement> {
  next(): IteratorResult<T> | Promise<IteratorResult<T>>;
}
/** tfjs' dataset shape: iterator() gives a fresh pass. */
export interface Dataset<T = DatasetElement> {
  iterator(): DatasetIterator<T> | Promise<DatasetIterator<T>>;
  size?: number;
}
/** A dataset, a (async) generator function called per pass, or an (async) iterable (one pass for a generator object). */
export type DatasetLike<T = DatasetElement> =
  | Dataset<T>
  | (() => DatasetIterator<T> | Iterable<T> | AsyncIterable<T> | Promise<DatasetIterator<T>>)
  | Iterable<T>
  | AsyncIterable<T>;
export interface ModelFitDatasetArgs {
  /** Required, as in tfjs. */
  epochs: number;
  /** Batches per epoch, read from one iterator across epochs; default: a full fresh pass per epoch. */
  batchesPerEpoch?: number;
  initialEpoch?: number;
  validationData?: DatasetLike | [Tensor | Tensor[], Tensor | Tensor[]] | [Tensor | Tensor[], Tensor | Tensor[], SampleWeight];
  /** Batches of a validation dataset to evaluate (default: all of it). */
  validationBatches?: number;
  /** Batch size for validation tensors (default 32). */
  validationBatchSize?: number;
  validationFreq?: number | number[];
  callbacks?: CustomCallbackArgs | CustomCallbackArgs[];
  /** 1 (default) or 2: a line per epoch; 0: silent. */
  verbose?: number;
  classWeight?: ClassWeights;
  yieldEvery?: 'auto' | 'batch' | 'epoch' | 'never' | number;
}
export interface ModelEvaluateDatasetArgs {
  /** Elements to evaluate (default: the whole dataset). */
  batches?: number;
}
export class History {
  protected constructor();
  epoch: number[];
  history: {[key: string]: number[]};
  params: {[key: string]: unknown};
}

export class LayersModel extends layers.Layer {
  readonly layers: layers.Layer[];
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** Set by compile(). */
  optimizer: Optimizer | null;
  /** Set to true in a callback to end fit() after the current batch. */
  stopTraining: boolean;
  /** True while fit() or fitDataset() runs; a second one meanwhile throws. */
  readonly isTraining: boolean;
  /** The names of trainOnBatch's and evaluate's values: 'loss', per-output losses, metrics ('acc', ...). */
  readonly metricsNames: string[];
  getLayer(name: string): layers.Layer;
  getLayer(index: number): layers.Layer;
  getLayer(name: undefined, index: number): layers.Layer;
  /** Prints the Keras-style table with printFn (default console.log), line by line, and returns it. */
  summary(lineLength?: number, positions?: number[], printFn?: (line: string) => void): string;
  predict(x: Tensor | Tensor[], args?: ModelPredictArgs): Tensor | Tensor[];
  predictOnBatch(x: Tensor | Tensor[]): Tensor | Tensor[];
  compile(args: ModelCompileArgs): void;
  fit(x: Tensor | Tensor[], y: Tensor | Tensor[], args?: ModelFitArgs): Promise<History>;
  /** One scalar, or one per metricsNames entry. */
  evaluate(x: Tensor | Tensor[], y: Tensor | Tensor[], args?: ModelEvaluateArgs): Tensor | Tensor[];
  trainOnBatch(x: Tensor | Tensor[], y: Tensor | Tensor[], args?: {sampleWeight?: SampleWeight; classWeight?: ClassWeights}): number | number[];
  /** tfjs' fitDataset: trains batch by batch over a dataset (see DatasetLike). */
  fitDataset(dataset: DatasetLike, args: ModelFitDatasetArgs): Promise<History>;
  /** Size-weighted means of loss and metrics over a dataset: one scalar, or one per metricsNames entry. */
  evaluateDataset(dataset: DatasetLike, args?: ModelEvaluateDatasetArgs): Promise<Tensor | Tensor[]>;
  /** The History of the latest fit / fitDataset. */
  history?: History;
  /** Keras' model.to_json(): a string, or the parsed object when returnString is false. */
  toJSON(unused?: unknown, returnString?: true): string;
  toJSON(unused: unknown, returnString: false): {[key: string]: unknown};
  /** tfjs' model.save: 'file://dir' (Node), 'indexeddb://name', 'localstorage://name', 'downloads://name', an http(s) URL (POST), or a handler.
   * A file:// or downloads:// URL ending in .keras writes a Keras 3 .keras file, one ending in .h5 a Keras 2 .h5 file (models.saveKerasModel). */
  save(handlerOrURL: string | io.IOHandler, config?: io.SaveConfig): Promise<io.SaveResult>;
  /** Keras' load_weights: a Keras 2 .h5 (full or weights only; in layer order, or by layer name) or a Keras 3 .weights.h5. */
  loadWeights(fileOrBytes: string | Blob | ArrayBuffer | Uint8Array, options?: {byName?: boolean; skipMismatch?: boolean}): Promise<void>;
}
export class Sequential extends LayersModel {
  add(layer: layers.Layer): void;
  pop(): void;
}
export function model(args: ModelArgs): LayersModel;
export function sequential(args?: SequentialArgs): Sequential;
/** Layer classes written in JS, made constructible from configs (model JSON, saved models) by their
 * static `className` (or their name). */
export namespace serialization {
  function registerClass<T extends new (config?: any) => layers.Layer>(cls: T): T;
}

export namespace models {
  /** From Keras' model.to_json() (object or text) or a tfjs model.json's topology; weights are freshly initialized. */
  function modelFromJSON(json: {[key: string]: unknown} | string): Promise<LayersModel>;
  /** A Keras 3 .keras zip, a Keras 1/2 .h5 model or Keras JSON (told apart by content): a URL, a path (Node), a File/Blob or bytes.
   *  Compiled from the file's compile_config / training_config with its optimizer state (.keras), unless {compile: false}. */
  function loadKerasModel(source: string | Blob | ArrayBuffer | Uint8Array, options?: {skipMismatch?: boolean; compile?: boolean}): Promise<LayersModel>;
  /** The bytes of a Keras file of the model, in any environment: 'keras' (the default) is Keras 3's
   * `.keras` zip (config.json, model.weights.h5, metadata.json), 'h5' Keras 2's `.h5` (the full model,
   * or with weightsOnly what Keras' save_weights writes). Throws for layers Keras cannot rebuild (Lambda,
   * layers written in JS) and for activations the target Keras has no formula for. */
  function saveKerasModel(model: LayersModel, options?: SaveKerasOptions): Promise<Uint8Array>;
  interface SaveKerasOptions {
    format?: 'keras' | 'h5';
    weightsOnly?: boolean;
    /** 'h5': also write a compiled model's optimizer_weights (a .keras file always carries its optimizer state). */
    includeOptimizer?: boolean;
  }
}
/** A model in the tfjs layers-model format, from a URL, a handler with load(), or the artifacts themselves. */
export function loadLayersModel(source: string | io.IOHandler | io.ModelArtifacts, options?: io.LoadOptions): Promise<LayersModel>;
export namespace io {
  interface WeightsManifestEntry {
    name: string;
    shape: number[];
    dtype: 'float32' | 'int32' | 'bool';
    quantization?: {dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number};
  }
  interface ModelArtifacts {
    modelTopology: {[key: string]: unknown};
    weightSpecs?: WeightsManifestEntry[];
    weightData?: ArrayBuffer;
    format?: string;
    generatedBy?: string | null;
    convertedBy?: string | null;
    trainingConfig?: {[key: string]: unknown};
    userDefinedMetadata?: {[key: string]: unknown};
  }
  interface ModelArtifactsInfo {
    dateSaved: Date;
    modelTopologyType: 'JSON' | 'GraphDef';
    modelTopologyBytes?: number;
    weightSpecsBytes?: number;
    weightDataBytes?: number;
  }
  interface SaveResult {
    modelArtifactsInfo: ModelArtifactsInfo;
    responses?: Response[];
  }
  interface IOHandler {
    save?(artifacts: ModelArtifacts): Promise<SaveResult>;
    load?(): Promise<ModelArtifacts>;
  }
  interface SaveConfig {
    /** Also save a compiled model's optimizer state (weight specs in group 'optimizer', as tfjs; optimizer_weights in an .h5). */
    includeOptimizer?: boolean;
  }
  interface LoadOptions {
    /** Every weight must be matched by name both ways (default true). */
    strict?: boolean;
    onProgress?: (fraction: number) => void;
    weightPathPrefix?: string;
    requestInit?: RequestInit;
    fetchFunc?: typeof fetch;
  }
  function fromMemory(artifacts: ModelArtifacts): IOHandler;
  function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult | void>): IOHandler;
  function browserFiles(files: File[]): IOHandler;
  function http(url: string, options?: LoadOptions): IOHandler;
  function browserHTTPRequest(url: string, options?: LoadOptions): IOHandler;
  function fileSystem(path: string): IOHandler;
  function listModels(): Promise<{[url: string]: ModelArtifactsInfo}>;
  function removeModel(url: string): Promise<ModelArtifactsInfo>;
  function copyModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo>;
  function moveModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo>;
}

/** tfjs' Callback: subclass it and define hooks (onEpochEnd ...); fit hands it the model and the run's params. */
export class Callback {
  model: LayersModel | null;
  params: {[key: string]: unknown} | null;
  setModel(model: LayersModel): void;
  setParams(params: {[key: string]: unknown}): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}
export interface EarlyStoppingArgs {
  /** Default 'val_loss'. */
  monitor?: string;
  minDelta?: number;
  patience?: number;
  verbose?: number;
  /** 'auto' (default: maximize names containing 'acc'), 'min' or 'max'. */
  mode?: 'auto' | 'min' | 'max';
  baseline?: number;
  /** Keras': set the best epoch's weights back when training stops early. */
  restoreBestWeights?: boolean;
}
export class EarlyStopping extends Callback {
  constructor(args?: EarlyStoppingArgs);
  readonly monitor: string;
  readonly patience: number;
  best: number;
  wait: number;
  stoppedEpoch: number;
  onTrainBegin(logs?: Logs): Promise<void>;
  onEpochEnd(epoch: number, logs?: Logs): Promise<void>;
  onTrainEnd(logs?: Logs): Promise<void>;
}
/** As tf.callbacks. */
export namespace callbacks {
  function earlyStopping(args?: EarlyStoppingArgs): EarlyStopping;
}
/** As tf.data (only generator). */
export namespace data {
  /** A dataset whose every pass calls fn for a fresh iterator. */
  function generator<T = DatasetElement>(fn: () => DatasetIterator<T> | Iterator<T> | AsyncIterator<T> | Promise<DatasetIterator<T>>): Dataset<T>;
}
