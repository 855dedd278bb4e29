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
