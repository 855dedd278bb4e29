// kerasm: the public API (see index.d.ts for its types). Everything but ready(), version and the
// constructors' classes needs `await km.ready()` first.
export {version} from './version.js';
export {ready, backendInfo} from './loader.js';
export {Tensor} from './tensor.js';
export {tensor, scalar, tensor1d, tensor2d, tensor3d, tensor4d, zeros, ones, fill} from './creation.js';
export {tidy, keep, dispose, memory} from './engine.js';
