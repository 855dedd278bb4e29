// Type-checked use of the public API (npm run typecheck); never executed. It imports through the
// package's "exports", as users do.
import * as km from 'kerasm';

async function main(): Promise<void> {
  await km.ready();
  await km.ready({wasmUrl: new URL('https://example.com/kerasm.wasm')});
  await km.ready({wasmBinary: new Uint8Array(8)});
  const v: string = km.version;
  const info: km.BackendInfo = km.backendInfo();
  const heap: number = info.heapBytes + info.wasmBytes + info.threads;

  const a = km.tensor([[1, 2], [3, 4]]);
  const b = km.tensor(new Float32Array([1, 2]), [2], 'float32');
  const i = km.tensor(new Int32Array([0, 1]), null, 'int32');
  const c = km.tensor2d([1, 2, 3, 4], [2, 2]);
  const s = km.scalar(3);
  const shape: number[] = a.shape;
  const dtype: km.DataType = a.dtype;
  const size: number = a.size + a.rank;
  const floats: Float32Array = a.dataSync<'float32'>();
  const ints: Int32Array = i.dataSync<'int32'>();
  const values: Float32Array | Int32Array = await a.data();
  const nested: km.NestedNumbers = a.arraySync();

  const y: km.Tensor = km.tidy(() => a.add(b).mul(2).relu().matMul(c, false, true).sum(1, true));
  const pair: [km.Tensor, km.Tensor] = km.tidy('named', () => [a.softmax(), km.concat([a, c], 1)] as [km.Tensor, km.Tensor]);
  const obj = km.tidy(() => ({m: km.mean(a, [0, 1]), g: a.gather(i, 1), o: km.oneHot(i, 3)}));
  km.keep(y);
  km.dispose([pair, obj, y]);
  km.dispose({s});
  const mem: km.MemoryInfo = km.memory();
  const n: number = mem.numTensors + mem.numBytes + mem.numDataBuffers + mem.wasmHeapBytes;

  const ops: km.Tensor[] = [
    km.sub(a, 1), km.div(1, a), km.pow(a, 2), km.maximum(a, b), km.minimum(a, [1, 2]), km.squaredDifference(a, b),
    km.neg(a), km.abs(a), km.square(a), km.sqrt(a), km.exp(a), km.log(a), km.sigmoid(a), km.tanh(a), km.elu(a),
    km.leakyRelu(a, 0.1), km.softmax(a, -1), km.logSoftmax(a), km.transpose(a, [1, 0]), km.reshape(a, [4]),
    km.stack([a, c]), km.slice(a, [0, 0], [1, -1]), km.gather(a, [1, 0]), km.sum(a), km.max(a, 0), km.min(a, null, true),
    km.l2Normalize(a), km.l2Normalize(a, [0, 1], 1e-6), km.expandDims(a, 1), km.squeeze(a), km.pad(a, [[1, 0], [0, 1]], 2),
    km.tile(a, [2, 1]), km.cast(a, 'int32'), km.clipByValue(a, 0, 1), km.where(km.ones([2, 2]), a, 0),
    km.broadcastTo(b, [3, 2]), km.argMax(a, 1), km.zerosLike(a), km.onesLike(a), km.activation('relu', a),
    km.randomNormal([2], 0, 1, 'float32', 1), km.randomUniform([2], -1, 1), km.zeros([2]), km.ones([2], 'int32'),
    km.fill([2], 5), a.flatten(), a.toFloat(), a.clone(), a.argMin(), a.l2Normalize(null), a.concat([c], 0),
  ];
  km.dispose(ops);

  const g: km.Tensor = km.grad((x) => x.square().sum())(a);
  const gs: km.Tensor[] = km.grads((x, w) => x.matMul(w).mean())([a, c], km.scalar(1));
  const vg: {value: km.Tensor; grad: km.Tensor} = km.valueAndGrad((x) => x.exp())(a);
  const vgs = km.valueAndGrads((x, w) => x.mul(w))([a, c]);
  const w: km.Variable = km.variable(km.zeros([2, 2]), true, 'w');
  const name: string = w.name;
  w.trainable = false;
  w.assign(km.ones([2, 2]));
  const {value, grads} = km.variableGrads(() => w.mul(a).sum(), [w]);
  const gw: km.Tensor = grads[w.name];
  const disposed: boolean = gw.isDisposed;
  km.dispose([g, gs, vg, vgs.value, vgs.grads, value, w]);
  // Layers, models and training.
  const dense: km.layers.Layer = km.layers.dense({units: 4, inputShape: [3], activation: 'relu',
                                                  kernelInitializer: 'heNormal',
                                                  kernelRegularizer: {className: 'L1L2', config: {l2: 0.01}}});
  const layerOut: km.Tensor = dense.apply(km.ones([2, 3]), {training: true});
  const inp: km.SymbolicTensor = km.input({shape: [3], name: 'features'});
  const hidden: km.SymbolicTensor = dense.apply(inp);
  const out = km.layers.dense({units: 2, activation: 'softmax'}).apply(hidden);
  const functional: km.LayersModel = km.model({inputs: inp, outputs: out, name: 'f'});
  const other: km.SymbolicTensor = km.input({shape: [3]});
  const merged = km.layers.concatenate({axis: -1}).apply([km.layers.add().apply([inp, other]) as km.SymbolicTensor,
                                                          km.layers.dot({axes: [1, 1], normalize: true}).apply([inp, other]) as km.SymbolicTensor]);
  const seq: km.Sequential = km.sequential({layers: [km.layers.flatten({inputShape: [2, 2]}),
                                                     km.layers.dropout({rate: 0.1, seed: 1})]});
  seq.add(km.layers.reshape({targetShape: [2, -1]}));
  seq.add(km.layers.activation({activation: 'leaky_relu'}));
  seq.pop();
  const weight: km.LayerVariable = dense.trainableWeights[0];
  const wv: km.Variable = weight.read();
  const wShape: number[] = weight.shape;
  const config: km.LayerConfig = dense.getConfig();
  const outShape = dense.computeOutputShape([null, 3]);
  const params: number = functional.countParams() + dense.getWeights().length;
  functional.compile({optimizer: km.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy']});
  seq.compile({optimizer: 'sgd', loss: ['mse']});
  const history: km.History = await functional.fit(km.ones([4, 3]), km.ones([4, 2]), {
    epochs: 2, batchSize: 2, validationSplit: 0.5, yieldEvery: 'never',
    callbacks: {onEpochEnd: (epoch: number, logs?: km.Logs) => { void [epoch, logs?.loss]; }},
  });
  const losses: number[] = history.history.loss;
  const mse: km.LossOrMetricFn = (yTrue, yPred) => km.mean(km.square(km.sub(yPred, yTrue)), -1);
  functional.compile({optimizer: 'sgd', loss: mse, metrics: ['accuracy', mse]});
  const stopper: km.EarlyStopping = km.callbacks.earlyStopping({monitor: 'loss', patience: 1, restoreBestWeights: true});
  await functional.fit(km.ones([4, 3]), km.ones([4, 2]), {
    verbose: 0, sampleWeight: km.ones([4]), classWeight: {0: 1, 1: 2}, validationFreq: [1, 2],
    validationData: [km.ones([2, 3]), km.ones([2, 2]), km.ones([2])], callbacks: [stopper, {onTrainEnd: () => {}}],
  });
  async function* batches(): AsyncGenerator<km.DatasetElement> {
    yield {xs: km.ones([2, 3]), ys: km.ones([2, 2])};
  }
  const dataset: km.Dataset = km.data.generator(batches);
  await functional.fitDataset(dataset, {epochs: 1, batchesPerEpoch: 1, validationData: batches, verbose: 0});
  const onData = await functional.evaluateDataset(batches, {batches: 1});
  km.dispose(onData);
  const evaluated: km.Tensor | km.Tensor[] = functional.evaluate(km.ones([4, 3]), km.ones([4, 2]), {batchSize: 2});
  const step: number | number[] = functional.trainOnBatch(km.ones([4, 3]), km.ones([4, 2]));
  const predicted = functional.predict(km.ones([1, 3]), {batchSize: 8}) as km.Tensor;
  const text: string = functional.summary(undefined, undefined, (line: string) => void line);
  const json: string = functional.toJSON();
  const copy: km.LayersModel = await km.models.modelFromJSON(functional.toJSON(null, false));
  const kerasBytes: Uint8Array = await km.models.saveKerasModel(copy, {format: 'h5', weightsOnly: true});
  void kerasBytes;
  await copy.save('file://./copy.keras');
  // @ts-expect-error: Keras files are 'keras' (Keras 3) or 'h5' (Keras 2)
  await km.models.saveKerasModel(copy, {format: 'zip'});
  const layer0: km.layers.Layer = copy.getLayer(0) ?? copy.getLayer('dense');
  const names: string[] = km.layers.registeredLayers().map((r) => r.factory);
  const sgd: km.Optimizer = km.train.sgd(0.1);
  const cost: km.Tensor = sgd.minimize(() => wv.square().sum(), true, [wv]);
  km.train.momentum(0.1, 0.9, true).applyGradients({[wv.name]: km.onesLike(wv)});
  const opts = [km.train.rmsprop(0.01), km.train.adagrad(0.1), km.train.adadelta(), km.train.adamax(), km.Optimizer.fromConfig('nadam')];
  km.dispose([layerOut, evaluated, predicted, cost]);
  functional.dispose();
  void [wShape, config, outShape, params, losses, step, text, json, layer0, names, opts, merged];
  // @ts-expect-error: units is required
  km.layers.dense({activation: 'relu'});
  // @ts-expect-error: Dot needs its axes
  km.layers.dot({normalize: true});
  // @ts-expect-error: activation names are checked
  km.layers.activation({activation: 'relux'});
  // @ts-expect-error: dtype names are checked
  km.zeros([2], 'float64');
  const reshaping: km.layers.Layer[] = [
    km.layers.cropping2D({cropping: [[1, 0], 2], dataFormat: 'channelsFirst'}), km.layers.cropping2d({cropping: 1}),
    km.layers.cropping1d({cropping: [1, 2]}), km.layers.cropping3d(), km.layers.zeroPadding1d({padding: 2}),
    km.layers.zeroPadding2d({padding: [1, 2]}), km.layers.zeroPadding3d({padding: [[1, 0], 1, [0, 2]]}),
    km.layers.upSampling1d({size: 3}), km.layers.upSampling2d({size: [2, 3], interpolation: 'bilinear'}),
    km.layers.upSampling3d({size: 2}), km.layers.permute({dims: [2, 1]}), km.layers.repeatVector({n: 3}),
  ];
  void reshaping;
  // @ts-expect-error: Permute needs its dims
  km.layers.permute({});
  // @ts-expect-error: only nearest and bilinear interpolation
  km.layers.upSampling2d({interpolation: 'bicubic'});
  // @ts-expect-error: a 1D layer takes no per-axis list of pairs
  km.layers.cropping1d({cropping: [[1, 1]]});
  // @ts-expect-error: tensors are not constructed directly
  new km.Tensor();
  void [v, heap, shape, dtype, size, floats, ints, values, nested, n, name, disposed, s];
}

void main;
