// Losses and metrics written in JS for compile(): the C++ training step calls them with (yTrue, yPred) as
// km Tensors (bindings/models_bindings.cc, through callable() so a throw never unwinds wasm frames). They
// run while the step's gradient tape records, so their km ops are differentiated like the layers' own.
import {tidy} from '../engine.js';
import {takeTensors} from '../lists.js';
import {Tensor, describeValue, handleOf} from '../tensor.js';
import {callable} from '../wasm.js';

export function jsLossOrMetric(fn, kind) {
  // The tensors C++ hands over and everything fn makes are disposed by the tidy; the result leaves as a
  // fresh handle that C++ takes over.
  return callable((list) => tidy(() => {
    const [yTrue, yPred] = takeTensors(list);
    let result;
    try {
      result = fn(yTrue, yPred);
    } catch (e) {
      throw new Error(`it threw: ${e instanceof Error ? e.message : String(e)}`, {cause: e});
    }
    if (!(result instanceof Tensor)) throw new Error(`a ${kind} function must return a Tensor, got ${describeValue(result)}`);
    return [handleOf(result, kind, 'result').clone()];
  }));
}
