// Pre-js of gemm_bench: run main() only when executed directly (`node gemm_bench.cjs`); when another script
// require()s the module (bench/gemm_vs_tfjs.mjs), skip main and hand it the Module to call into.
if (typeof module !== 'undefined' && require.main !== module) {
  Module['noInitialRun'] = true;
  module.exports = Module;
}
