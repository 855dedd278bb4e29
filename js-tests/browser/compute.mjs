// What the browser test runs, in a page and in a module worker: a few ops, a gradient, a variable's
// gradients, an error, and the memory counts. It reports plain numbers; the test checks them against
// the formulas.
import * as km from '../../web/index.js';

export async function compute() {
  await km.ready();
  const base = km.memory().numTensors;
  const out = km.tidy(() => {
    const a = km.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = km.tensor([0.5, -1, 2]);
    const w = km.variable(km.tensor([[0.1], [-0.2], [0.3]]), true, 'w');
    const target = km.tensor([[1], [0]]);
    const result = {
      add: a.add(b).arraySync(),
      matMul: a.matMul(a, false, true).arraySync(),
      softmax: km.softmax(b).arraySync(),
      sum: a.sum(0).arraySync(),
      gradTanhSquared: km.grad((x) => x.tanh().square().sum())(b).arraySync(),
      variableGrad: km.variableGrads(() => a.matMul(w).sub(target).square().mean(), [w]).grads.w.arraySync(),
      backend: km.backendInfo(),
    };
    try {
      a.add(km.ones([2]));
    } catch (e) {
      result.error = e.message;
    }
    result.afterError = a.mul(2).arraySync();
    w.dispose();
    return result;
  });
  out.leaked = km.memory().numTensors - base;
  return out;
}
