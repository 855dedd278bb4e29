// index.d.ts describes exactly what the package exports, and the typed usage file compiles against it.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {km} from './support.mjs';

const dts = readFileSync(new URL('../web/index.d.ts', import.meta.url), 'utf8');
const declared = new Set([...dts.matchAll(/^export (?:function|const|class|namespace) (\w+)/gm)].map((m) => m[1]));

test('every runtime export is declared in index.d.ts and every declaration exists', () => {
  const exported = new Set(Object.keys(km));
  assert.deepEqual([...exported].filter((n) => !declared.has(n)), [], 'exported but not declared');
  assert.deepEqual([...declared].filter((n) => !exported.has(n)), [], 'declared but not exported');
});

test('every Tensor method is declared on the Tensor class', () => {
  const body = dts.slice(dts.indexOf('export class Tensor'), dts.indexOf('export class Variable'));
  const methods = Object.getOwnPropertyNames(km.Tensor.prototype).filter((n) => n !== 'constructor');
  const missing = methods.filter((n) => !new RegExp(`^  (?:readonly )?${n}[(<:]`, 'm').test(body));
  assert.deepEqual(missing, []);
});

// The members a class body declares at `indent` (methods, getters and properties).
function classBody(start, indent) {
  const from = dts.indexOf(start);
  const end = dts.indexOf(`\n${indent}}`, from);
  return dts.slice(from, end);
}

test('every public method and property of layers, models and optimizers is declared', () => {
  const classes = [
    [km.layers.Layer.prototype, classBody('  class Layer {', '  '), '    '],
    [km.LayersModel.prototype, classBody('export class LayersModel', ''), '  '],
    [km.Sequential.prototype, classBody('export class Sequential', ''), '  '],
    [km.Optimizer.prototype, classBody('export class Optimizer', ''), '  '],
    [km.SymbolicTensor.prototype, classBody('export class SymbolicTensor', ''), '  '],
    [km.LayerVariable.prototype, classBody('export class LayerVariable', ''), '  '],
  ];
  for (const [proto, body, indent] of classes) {
    const names = Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && !n.startsWith('_'));
    const missing = names.filter((n) => !new RegExp(`^${indent}(?:readonly )?${n}[(<:?]`, 'm').test(body));
    assert.deepEqual(missing, [], proto.constructor.name);
  }
});

test('every layer of the registry has a typed factory in the layers namespace', () => {
  const body = dts.slice(dts.indexOf('export namespace layers'), dts.indexOf('/** As tfjs\' tf.input'));
  for (const {factory} of km.layers.registeredLayers()) {
    assert.match(body, new RegExp(`^  function ${factory}\\(`, 'm'), `layers.${factory}`);
  }
});

test('js-tests/types/usage.ts type-checks against index.d.ts', () => {
  const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url);
  const project = new URL('./tsconfig.json', import.meta.url);
  try {
    execFileSync(process.execPath, [tsc.pathname, '--noEmit', '-p', project.pathname], {encoding: 'utf8'});
  } catch (e) {
    assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
  }
});
