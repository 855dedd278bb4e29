// The size budget of the package's module: users of a web library pay for every 100 KB on every cold
// load. The budget must hold through the whole Keras catalogue; `node scripts/wasm-sizes.mjs` shows
// where the bytes go when it does not.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {gzipSync} from 'node:zlib';

const MAX_RAW = 1.6e6;
const MAX_GZIP = 500e3;

test(`dist/kerasm.wasm stays within ${MAX_RAW / 1e6} MB raw and ${MAX_GZIP / 1e3} KB gzipped`, () => {
  const bytes = readFileSync(new URL('../dist/kerasm.wasm', import.meta.url));
  const gzipped = gzipSync(bytes, {level: 9}).length;
  console.log(`kerasm.wasm: ${bytes.length} bytes, ${gzipped} gzipped`);
  assert.ok(bytes.length <= MAX_RAW, `kerasm.wasm is ${bytes.length} bytes; the budget is ${MAX_RAW}`);
  assert.ok(gzipped <= MAX_GZIP, `kerasm.wasm is ${gzipped} bytes gzipped; the budget is ${MAX_GZIP}`);
});
