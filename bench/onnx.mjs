// A minimal ONNX model writer (protobuf wire format by hand) so the benchmark can hand onnxruntime-web the
// same computation kerasm and tfjs run, without shipping .onnx files. Only the message fields used here are
// encoded: ModelProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto, TensorProto (float32, raw data).

const enc = new TextEncoder();

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
const concat = (parts) => {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const lenField = (field, bytes) => concat([Uint8Array.from(key(field, 2)), Uint8Array.from(varint(bytes.length)), bytes]);
const strField = (field, s) => lenField(field, enc.encode(s));
const intField = (field, n) => Uint8Array.from([...key(field, 0), ...varint(n)]);
const floatField = (field, f) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, f, true);
  return concat([Uint8Array.from(key(field, 5)), b]);
};

const FLOAT = 1;
const ELEM_TYPES = { float32: FLOAT, int32: 6 };

function tensorProto(name, dims, data) {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return concat([...dims.map((d) => intField(1, d)), intField(2, FLOAT), strField(8, name), lenField(9, raw)]);
}

function valueInfo(name, dims, dtype = 'float32') {
  const shape = concat(dims.map((d) => lenField(1, typeof d === 'string' ? strField(2, d) : intField(1, d))));
  const tensorType = concat([intField(1, ELEM_TYPES[dtype]), lenField(2, shape)]);
  return concat([strField(1, name), lenField(2, lenField(1, tensorType))]);
}

function attribute(name, value) {
  if (Number.isInteger(value)) return concat([strField(1, name), intField(3, value), intField(20, 2)]);
  if (typeof value === 'number') return concat([strField(1, name), floatField(2, value), intField(20, 1)]);
  if (Array.isArray(value)) return concat([strField(1, name), ...value.map((v) => intField(8, v)), intField(20, 7)]);
  if (typeof value === 'string') return concat([strField(1, name), strField(4, value), intField(20, 3)]);
  throw new Error(`onnx: unsupported attribute ${name}`);
}

// nodes: [{op, inputs, outputs, attrs}], inputs/outputs: [{name, dims, dtype}] (dtype float32 unless
// 'int32'), initializers: [{name, dims, data}] (float32)
export function buildModel({ nodes, inputs, outputs, initializers = [], opset = 17 }) {
  const graph = concat([
    ...nodes.map((n, i) => lenField(1, concat([
      ...n.inputs.map((s) => strField(1, s)),
      ...n.outputs.map((s) => strField(2, s)),
      strField(3, `n${i}`),
      strField(4, n.op),
      ...Object.entries(n.attrs || {}).map(([k, v]) => lenField(5, attribute(k, v))),
    ]))),
    strField(2, 'bench'),
    ...initializers.map((t) => lenField(5, tensorProto(t.name, t.dims, t.data))),
    ...inputs.map((v) => lenField(11, valueInfo(v.name, v.dims, v.dtype))),
    ...outputs.map((v) => lenField(12, valueInfo(v.name, v.dims))),
  ]);
  return concat([
    intField(1, 8),
    strField(2, 'kerasm-bench'),
    lenField(7, graph),
    lenField(8, concat([strField(1, ''), intField(2, opset)])),
  ]);
}
