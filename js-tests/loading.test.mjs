import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {km} from './support.mjs';

const indexUrl = new URL('../web/index.js', import.meta.url).href;
const wasmUrl = new URL('../dist/kerasm.wasm', import.meta.url);

// Runs a module snippet in a fresh Node process (a fresh, not yet loaded package) and returns its stdout.
function fresh(code) {
  return execFileSync(process.execPath, ['--input-type=module', '-e', `import * as km from '${indexUrl}';\n${code}`],
                      {encoding: 'utf8'});
}

test('version equals package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(km.version, pkg.version);
});

test('ready() resolves to the same load every time', async () => {
  const p1 = km.ready();
  const p2 = km.ready({wasmUrl: 'ignored-after-load'});
  assert.equal(p1, p2);
  await p1;
});

test('backendInfo reports SIMD, one thread and the real sizes', () => {
  const info = km.backendInfo();
  assert.equal(info.simd, true);
  assert.equal(info.threads, 1);
  assert.equal(info.wasmBytes, readFileSync(wasmUrl).byteLength);
  assert.ok(info.heapBytes >= 16 * 1024 * 1024 && info.heapBytes % 65536 === 0);
});

test('the package entry point resolves through package.json "exports"', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e',
    "import * as km from 'kerasm'; await km.ready(); console.log(km.tensor([1, 2]).add(1).dataSync().join(','));"],
  {encoding: 'utf8', cwd: new URL('..', import.meta.url)});
  assert.equal(out.trim(), '2,3');
});

test('using the API before ready() throws a clear error', () => {
  const out = fresh("try { km.tensor([1]); } catch (e) { console.log(e.message); }");
  assert.match(out, /not loaded yet.*km\.ready\(\)/);
});

test('ready({wasmBinary}) and ready({wasmUrl}) load from what they are given', () => {
  const viaBinary = fresh(`import {readFileSync} from 'node:fs';
    await km.ready({wasmBinary: readFileSync(new URL('${wasmUrl.href}'))});
    console.log(km.tensor([2]).mul(3).dataSync()[0]);`);
  assert.equal(viaBinary.trim(), '6');
  const viaUrl = fresh(`await km.ready({wasmUrl: '${wasmUrl.href}'});
    console.log(km.tensor([2]).sub(3).dataSync()[0]);`);
  assert.equal(viaUrl.trim(), '-1');
});

test('a failed load rejects with the reason and may be retried', () => {
  const out = fresh(`try { await km.ready({wasmUrl: 'file:///nonexistent/kerasm.wasm'}); } catch (e) { console.log('failed', e.code); }
    await km.ready();
    console.log(km.tensor([5]).dataSync()[0]);`);
  assert.deepEqual(out.trim().split('\n'), ['failed ENOENT', '5']);
});
