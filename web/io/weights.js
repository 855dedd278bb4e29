// Weight data in the tfjs layers-model format: the values of every weight one after another in a single
// binary blob, described by specs {name, shape, dtype, quantization?} in the same order. Quantized weights
// (uint8 / uint16 with an affine scale and min, or float16) are expanded to float32 on load.

const ELEMENT_BYTES = {float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2};

function sizeOf(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

// One blob and its specs from [{name, tensor}]; the tensors are read, not disposed.
export function encodeWeights(named) {
  const specs = [];
  const parts = [];
  let total = 0;
  for (const {name, tensor} of named) {
    const values = tensor.dataSync();
    specs.push({name, shape: tensor.shape.slice(), dtype: tensor.dtype});
    parts.push(values);
    total += values.byteLength;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const v of parts) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  return {data: out.buffer, specs};
}

// IEEE half to float, for float16-quantized weights.
function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function checkSpec(spec, i, what) {
  if (spec == null || typeof spec !== 'object') throw new Error(`${what}: weight spec ${i} is not an object`);
  if (typeof spec.name !== 'string') throw new Error(`${what}: weight spec ${i} has no name`);
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${what}: weight '${spec.name}' has an invalid shape ${JSON.stringify(spec.shape)}`);
  }
  const count = sizeOf(spec.shape);
  if (count > 2 ** 31) throw new Error(`${what}: weight '${spec.name}' declares ${count} elements (shape [${spec.shape}]), more than can be held`);
  const dtype = spec.dtype ?? 'float32';
  if (!(dtype in ELEMENT_BYTES) || dtype === 'uint8' || dtype === 'uint16' || dtype === 'float16') {
    throw new Error(`${what}: weight '${spec.name}' has dtype '${dtype}'; layers-model weights are float32, int32 or bool`);
  }
  const q = spec.quantization;
  if (q != null && !['uint8', 'uint16', 'float16'].includes(q.dtype)) {
    throw new Error(`${what}: weight '${spec.name}' is quantized as '${q?.dtype}'; known are uint8, uint16 and float16`);
  }
  return {count, dtype, q};
}

// [{name, shape, dtype, values}] from a blob (ArrayBuffer or typed array) and its specs; values are
// Float32Array for float32 weights and Int32Array for int32 and bool ones. `what` names the source in
// errors. The blob must hold exactly what the specs describe.
export function decodeWeights(data, specs, what = 'weights') {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!Array.isArray(specs)) throw new Error(`${what}: the weight specs must be an array`);
  const out = [];
  let offset = 0;
  specs.forEach((spec, i) => {
    const {count, dtype, q} = checkSpec(spec, i, what);
    const stored = q ? q.dtype : dtype;
    const length = count * ELEMENT_BYTES[stored];
    if (offset + length > bytes.byteLength) {
      throw new Error(`${what}: weight '${spec.name}' (shape [${spec.shape}], ${stored}) needs bytes ${offset}..${offset + length}, but the weight data has only ${bytes.byteLength} bytes`);
    }
    const chunk = bytes.slice(offset, offset + length).buffer;
    offset += length;
    let values;
    if (q) {
      const raw = stored === 'uint8' ? new Uint8Array(chunk) : new Uint16Array(chunk);
      values = dtype === 'int32' ? new Int32Array(count) : new Float32Array(count);
      if (stored === 'float16') {
        for (let k = 0; k < count; ++k) values[k] = halfToFloat(raw[k]);
      } else {
        if (typeof q.scale !== 'number' || typeof q.min !== 'number') {
          throw new Error(`${what}: weight '${spec.name}' is ${stored}-quantized without a numeric scale and min`);
        }
        for (let k = 0; k < count; ++k) values[k] = raw[k] * q.scale + q.min;
      }
    } else if (dtype === 'float32') {
      values = new Float32Array(chunk);
    } else if (dtype === 'int32') {
      values = new Int32Array(chunk);
    } else {
      values = Int32Array.from(new Uint8Array(chunk));
    }
    out.push({name: spec.name, shape: spec.shape.slice(), dtype: dtype === 'bool' ? 'int32' : dtype, values, group: spec.group});
  });
  if (offset !== bytes.byteLength) {
    throw new Error(`${what}: the weight specs describe ${offset} bytes but the weight data has ${bytes.byteLength}`);
  }
  return out;
}

// One ArrayBuffer from several (the shards of a weights group, in order).
export function concatBuffers(buffers) {
  let total = 0;
  for (const b of buffers) total += b.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

// Splits a blob into shards of at most maxBytes (tfjs writes 4 MB shards).
export function shardBuffer(buffer, maxBytes = 4 * 1024 * 1024) {
  const shards = [];
  for (let at = 0; at < buffer.byteLength; at += maxBytes) shards.push(buffer.slice(at, Math.min(buffer.byteLength, at + maxBytes)));
  if (shards.length === 0) shards.push(new ArrayBuffer(0));
  return shards;
}

// The weights manifest of model.json for one group of shards: paths and the specs.
export function manifestFor(specs, shardCount, prefix = 'group1') {
  const paths = [];
  for (let i = 1; i <= shardCount; ++i) paths.push(`${prefix}-shard${i}of${shardCount}.bin`);
  return [{paths, weights: specs}];
}

// tfjs' ModelArtifactsInfo for a save result.
export function artifactsInfo(artifacts) {
  const utf8 = (v) => (v == null ? 0 : new TextEncoder().encode(JSON.stringify(v)).byteLength);
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: utf8(artifacts.modelTopology),
    weightSpecsBytes: utf8(artifacts.weightSpecs),
    weightDataBytes: artifacts.weightData == null ? 0 : artifacts.weightData.byteLength,
  };
}
