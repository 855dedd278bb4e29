// Layer configs in tfjs' spelling, and the activation names, both from the C++.
//
// The factories pass tfjs-style configs ({units, kernelInitializer: 'glorotUniform', inputShape}) to the C++
// unchanged: its one config reader (src/params/config_reader.h) takes camelCase and snake_case keys alike
// and spells keys in its messages as they were given. getConfig() goes the other way through
// params::ToTfjsConfig, so the rules for names live in one place (src/params/names.h).
import {checkError, wasm} from '../wasm.js';

// A Keras config as JSON text (what the bindings return) to tfjs' getConfig() form.
export function tfjsConfigFromText(text) {
  const out = wasm().toTfjsConfig(text);
  checkError(null);
  return JSON.parse(out);
}

// The same from an object (optimizer configs).
export function configToTfjs(config) {
  return tfjsConfigFromText(JSON.stringify(config));
}

// The activations the C++ knows (src/ops/activation_list.h): [{js: 'hardSigmoid', keras: 'hard_sigmoid'}, ...].
export function activationNames() {
  return JSON.parse(wasm().activationList()).map(([js, keras]) => ({js, keras}));
}
