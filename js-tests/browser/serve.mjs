// A minimal static file server for the browser tests: serves the repository root on 127.0.0.1 at an
// ephemeral port, with the MIME types module scripts and wasm need, and nothing outside the root.
import {createServer} from 'node:http';
import {readFile} from 'node:fs/promises';
import {extname, resolve, sep} from 'node:path';
import {fileURLToPath} from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export async function serve(root = fileURLToPath(new URL('../..', import.meta.url))) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const path = resolve(base, '.' + decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path !== base && !path.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, {'content-type': MIME[extname(path)] ?? 'application/octet-stream'}).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok))};
}
