// The package version, kept equal to package.json's "version" (js-tests/loading.test.mjs checks it).
export const version = '0.1.0';
