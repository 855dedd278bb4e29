// index.d.ts describes exactly what the package exports, and the typed usage file compiles against it.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {km} from './support.mjs';

const dts = readFileSync(new URL('../web/index.d.ts', import.meta.url), 'utf8');
const declared = new Set([...dts.matchAll(/^export (?:function|const|class) (\w+)/gm)].map((m) => m[1]));

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

test('js-tests/types/usage.ts type-checks against index.d.ts', () => {
  const tsc = new URL('../node_modules/typescript/bin/tsc', import.meta.url);
  const project = new URL('./tsconfig.json', import.meta.url);
  try {
    execFileSync(process.execPath, [tsc.pathname, '--noEmit', '-p', project.pathname], {encoding: 'utf8'});
  } catch (e) {
    assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
  }
});
