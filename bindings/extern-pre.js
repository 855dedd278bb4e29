// Placed before the Emscripten glue (--extern-pre-js). The glue is written for CommonJS and calls
// require('fs') / require('path') when it runs under Node; as an ES module it has neither, so we make them
// from import.meta.url. In pages and workers `process` is absent and these stay undefined.
var require, __dirname, __filename;
if (typeof process === 'object' && process.versions && process.versions.node &&
    typeof process.getBuiltinModule === 'function') {
  require = process.getBuiltinModule('module').createRequire(import.meta.url);
  __filename = require('url').fileURLToPath(import.meta.url);
  __dirname = require('path').dirname(__filename);
}
