// Ops as Tensor methods (x.add(y), x.sum(1) ...), as tfjs' chained ops: the tensor is the first argument.
import {Tensor} from '../tensor.js';
import * as ew from './elementwise.js';
import * as sh from './shape.js';
import * as rd from './reduce.js';

const asFirstArgument = {
  ...ew, ...sh, ...rd,
};
const skip = new Set(['where', 'concat', 'stack', 'activation']);

for (const [name, fn] of Object.entries(asFirstArgument)) {
  if (skip.has(name)) continue;
  Object.defineProperty(Tensor.prototype, name, {
    value(...args) {
      return fn(this, ...args);
    },
    writable: true,
    configurable: true,
  });
}

function others(x) {
  return Array.isArray(x) ? x : [x];
}

Object.assign(Tensor.prototype, {
  concat(x, axis = 0) {
    return sh.concat([this, ...others(x)], axis);
  },
  stack(x, axis = 0) {
    return sh.stack([this, ...others(x)], axis);
  },
  flatten() {
    return sh.reshape(this, [this.size]);
  },
  toFloat() {
    return sh.cast(this, 'float32');
  },
  toInt() {
    return sh.cast(this, 'int32');
  },
});
