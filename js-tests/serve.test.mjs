// scripts/serve.mjs, the static server of the demos and browser tests: MIME types that module scripts and
// wasm streaming need, directory redirects, nothing served from outside the repository.
import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import {after, before, test} from 'node:test';
import {DEMO_PATH, serve} from '../scripts/serve.mjs';

let server;
before(async () => { server = await serve({port: 0}); });
after(() => server.close());

const get = (path) => fetch(server.url + path, {redirect: 'manual'});

test('files come back whole with their MIME types', async () => {
  const cases = [
    ['/demos/mnist-mlp/index.html', 'text/html'],
    ['/demos/mnist-mlp/main.mjs', 'text/javascript'],
    ['/web/index.js', 'text/javascript'],
    ['/demos/mnist-mlp/style.css', 'text/css'],
    ['/package.json', 'application/json'],
    ['/dist/kerasm.wasm', 'application/wasm'],
  ];
  for (const [path, type] of cases) {
    const response = await get(path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('content-type').split(';')[0], type, path);
    const body = Buffer.from(await response.arrayBuffer());
    assert.ok(body.equals(await readFile(new URL(`..${path}`, import.meta.url))), `${path}: body differs from the file`);
  }
});

test('the root and a directory without its slash redirect; a directory serves its index.html', async () => {
  const root = await get('/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), DEMO_PATH);
  const bare = await get(DEMO_PATH.slice(0, -1));
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), DEMO_PATH);
  const page = await get(DEMO_PATH);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<canvas id="pad"/);
});

test('missing files are 404, paths escaping the root 403, other methods 405', async () => {
  assert.equal((await get('/no/such/file.js')).status, 404);
  assert.equal((await get('/..%2f..%2f..%2fetc%2fpasswd')).status, 403);
  assert.equal((await fetch(`${server.url}/package.json`, {method: 'POST'})).status, 405);
});
