// km.layers.lambda({function, outputShape, arguments, mask}): a layer whose computation is a JS function of
// km ops, differentiable through the C++ tape like every op, so it trains inside models. The function
// receives the input (an array for several inputs), the `arguments` object and {training}; it returns a
// Tensor or an array of Tensors.
import {tidy} from '../engine.js';
import {takeTensors} from '../lists.js';
import {describeValue, handleOf, Tensor} from '../tensor.js';
import {callable, wasm} from '../wasm.js';
import {wrapLayer} from './layer.js';

function asList(value, what) {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((t) => t instanceof Tensor || (what === 'mask' && t === null))) {
    throw new Error(`${what} returned ${describeValue(value)}, not a Tensor or an array of Tensors`);
  }
  return list;
}

export function lambda(config) {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(`layers.lambda: expects a config object {function, outputShape?, arguments?, mask?}, got ${describeValue(config)}`);
  }
  const {function: fn, outputShape, arguments: args = {}, mask, ...rest} = config;
  if (typeof fn !== 'function') {
    throw new Error(`layers.lambda: config.function must be a JS function of km ops, got ${describeValue(fn)}`);
  }
  // The C++ side puts "Lambda '<name>': " in front of what these functions throw.
  // Inputs arrive as a list of handles; the function's results leave as fresh handles (C++ deletes them),
  // so every km Tensor made here is disposed by the tidy.
  const call = callable((list, training) => tidy(() => {
    const inputs = takeTensors(list);
    let result;
    try {
      result = fn(inputs.length === 1 ? inputs[0] : inputs, args, {training});
    } catch (e) {
      throw new Error(`its function threw: ${e instanceof Error ? e.message : String(e)}`, {cause: e});
    }
    return asList(result, 'its function').map((t, i) => handleOf(t, 'lambda', `output ${i}`).clone());
  }));
  const shapeFn = typeof outputShape === 'function' ? callable((text) => {
    const shapes = JSON.parse(text);
    const out = outputShape(shapes.length === 1 ? shapes[0] : shapes);
    const list = Array.isArray(out) && out.length > 0 && Array.isArray(out[0]) ? out : [out];
    return JSON.stringify(list);
  }) : null;
  const maskFn = typeof mask === 'function' ? callable((list, maskList) => tidy(() => {
    const inputs = takeTensors(list);
    const masks = takeTensors(maskList);
    const result = mask(inputs.length === 1 ? inputs[0] : inputs, masks.length === 1 ? masks[0] : masks);
    if (result === null || result === undefined) return [null];
    return asList(result, 'its mask function').map((t) => (t === null ? null : handleOf(t, 'lambda', 'mask').clone()));
  })) : null;
  const json = {...rest, arguments: args, function: fn.toString(),
                outputShape: Array.isArray(outputShape) ? outputShape : null};
  return wrapLayer(wasm().createLambdaLayer(JSON.stringify(json), call, shapeFn, maskFn));
}
