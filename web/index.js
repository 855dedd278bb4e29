// kerasm: the public API (see index.d.ts for its types). Everything except ready() and version needs
// `await km.ready()` first.
export {version} from './version.js';
export {ready, backendInfo} from './loader.js';
export {Tensor} from './tensor.js';
export {Variable, variable} from './variable.js';
export {tensor, scalar, tensor1d, tensor2d, tensor3d, tensor4d, zeros, ones, fill} from './creation.js';
export {randomNormal, randomUniform} from './random.js';
export {tidy, keep, dispose, memory} from './engine.js';
export * from './ops/index.js';
export {grad, grads, valueAndGrad, valueAndGrads, variableGrads} from './gradients.js';
export {layers, input, LayerVariable, serialization} from './layers/index.js';
export {SymbolicTensor} from './layers/symbolic.js';
export {LayersModel, Sequential, model, sequential, models, loadLayersModel} from './models/model.js';
export {io} from './io/index.js';
export {History} from './models/fit.js';
export {Optimizer, train} from './train.js';
export {Callback, EarlyStopping, callbacks} from './callbacks.js';
export {data} from './models/fit_data.js';
