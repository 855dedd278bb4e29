// Two structural rules, checked on the sources. The package's module graph has no import cycles: a cycle makes a module see another's bindings before
// they are initialised (a TDZ error or an undefined class, depending on which module a bundler reaches
// first), and it hides which module is the lower one.
import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import test from 'node:test';
import {fileURLToPath} from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function jsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsFiles(p));
    else if (p.endsWith('.js') || p.endsWith('.mjs')) out.push(p);
  }
  return out;
}

// Static imports and re-exports with a relative specifier ("import ... from './x.js'", "export ... from").
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/gms)) {
    found.push(resolve(dirname(file), m[1]));
  }
  for (const m of text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm)) found.push(resolve(dirname(file), m[1]));
  return found;
}

// Every cycle as a list of files, found by depth-first search with the three colours.
function cycles(graph) {
  const colour = new Map();
  const stack = [];
  const found = [];
  const visit = (node) => {
    colour.set(node, 'grey');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (colour.get(next) === 'grey') found.push(stack.slice(stack.indexOf(next)).concat(next));
      else if (!colour.has(next)) visit(next);
    }
    stack.pop();
    colour.set(node, 'black');
  };
  for (const node of graph.keys()) if (!colour.has(node)) visit(node);
  return found;
}

test('web/: no module imports itself through others', () => {
  const graph = new Map(jsFiles(join(root, 'web')).map((f) => [f, importsOf(f)]));
  assert.ok(graph.size > 10, `expected the package's modules, found ${graph.size}`);
  const names = cycles(graph).map((c) => c.map((f) => relative(root, f)).join(' -> '));
  assert.deepEqual(names, [], `import cycles:\n${names.join('\n')}`);
});

test('the cycle finder finds a cycle', () => {
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  assert.deepEqual(cycles(g), [['a', 'b', 'c', 'a']]);
});

// The C++ rooms of DESIGN.md reach only down: core <- kernels <- ops <- params <- layers <- models, and
// bindings sit on top of them all. A room including one above it is the data-flows-up mistake.
const ROOMS = ['core', 'kernels', 'ops', 'params', 'layers', 'models'];
const ALLOWED = {
  core: ['core'],
  kernels: ['kernels', 'core'],
  ops: ['ops', 'kernels', 'core'],
  params: ['params', 'ops', 'kernels', 'core'],
  layers: ['layers', 'params', 'ops', 'kernels', 'core'],
  models: ROOMS,
};

function includesUpward(srcRoot) {
  const found = [];
  for (const room of ROOMS) {
    const roomDir = join(srcRoot, room);
    if (!existsSync(roomDir)) continue;
    for (const file of readdirSync(roomDir)) {
      const text = readFileSync(join(roomDir, file), 'utf8');
      for (const m of text.matchAll(/^#include "([a-z_]+)\//gm)) {
        if (ROOMS.includes(m[1]) && !ALLOWED[room].includes(m[1])) found.push(`src/${room}/${file} includes ${m[1]}/`);
      }
    }
  }
  return found;
}

test('src/: each room includes only itself and the rooms below it', () => {
  assert.deepEqual(includesUpward(join(root, 'src')), []);
});
