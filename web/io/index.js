// km.io and km.loadLayersModel / model.save: IO handlers in tfjs' shape ({save(artifacts)} and
// {load()}), chosen from a URL's scheme, plus model management over the browser's stores.
import {describeValue} from '../tensor.js';
import {modelFromArtifacts, modelToArtifacts} from './artifacts.js';
import {
  browserFiles, downloadsHandler, indexedDbHandler, listIndexedDb, listLocalStorage, localStorageHandler,
  removeIndexedDb, removeLocalStorage,
} from './browser.js';
import {httpHandler} from './http.js';
import {kerasFormatOf, saveKerasFile} from './keras_write.js';
import {fileHandler} from './node_files.js';
import {artifactsInfo} from './weights.js';

const SCHEMES = {
  'file://': (rest, url, opts) => fileHandler(url, opts),
  'indexeddb://': (rest) => indexedDbHandler(rest),
  'localstorage://': (rest) => localStorageHandler(rest),
  'downloads://': (rest) => downloadsHandler(rest),
  'http://': (rest, url, opts) => httpHandler(url, opts),
  'https://': (rest, url, opts) => httpHandler(url, opts),
};

function schemeOf(url) {
  return Object.keys(SCHEMES).find((s) => url.startsWith(s));
}

// The handler for a URL or the handler object itself; `need` is 'save' or 'load'.
function handlerFor(target, need, opts, op) {
  if (target != null && typeof target === 'object' && typeof target[need] === 'function') return target;
  if (typeof target !== 'string') throw new Error(`${op}: expects a URL or an IO handler with ${need}(), got ${describeValue(target)}`);
  const scheme = schemeOf(target);
  if (scheme === undefined) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
      throw new Error(`${op}: unknown URL scheme in '${target}'; known are ${Object.keys(SCHEMES).join(', ')}`);
    }
    // A relative URL: fetched against the page's location, as tfjs does.
    return httpHandler(target, opts);
  }
  const handler = SCHEMES[scheme](target.slice(scheme.length), target, opts);
  if (typeof handler[need] !== 'function') throw new Error(`${op}: ${scheme} cannot ${need} models`);
  return handler;
}

// model.save(urlOrHandler, {includeOptimizer}): tfjs' SaveResult. A file:// or downloads:// URL ending in
// .keras / .h5 writes that Keras file instead of tfjs' model.json and weights.
export async function saveModel(model, target, config = {}) {
  const op = `model '${model.name}'.save`;
  if (kerasFormatOf(target) !== null) return saveKerasFile(model, target, config);
  const handler = handlerFor(target, 'save', config, op);
  const artifacts = modelToArtifacts(model, config);
  return handler.save(artifacts);
}

// km.loadLayersModel(urlOrHandlerOrArtifacts, {strict, onProgress, weightPathPrefix, requestInit, fetchFunc}).
export async function loadLayersModel(source, options = {}, modelFromJSON) {
  let artifacts;
  if (source != null && typeof source === 'object' && typeof source.load !== 'function' && source.modelTopology != null) {
    artifacts = source;
  } else {
    artifacts = await handlerFor(source, 'load', options, 'loadLayersModel').load();
  }
  const what = typeof source === 'string' ? `loadLayersModel: ${source}` : 'loadLayersModel';
  return modelFromArtifacts(artifacts, {strict: options.strict ?? true, what}, modelFromJSON);
}

// tfjs' io.fromMemory: artifacts (or tfjs' older positional form) as a load handler.
function fromMemory(modelArtifacts, weightSpecs, weightData, trainingConfig) {
  const artifacts = modelArtifacts?.modelTopology != null
    ? modelArtifacts
    : {modelTopology: modelArtifacts, weightSpecs, weightData, trainingConfig};
  return {load: async () => artifacts};
}

// tfjs' io.withSaveHandler: a save handler that gives the artifacts to fn.
function withSaveHandler(fn) {
  if (typeof fn !== 'function') throw new Error(`io.withSaveHandler: expects a function, got ${describeValue(fn)}`);
  return {
    async save(artifacts) {
      const result = await fn(artifacts);
      return result ?? {modelArtifactsInfo: artifactsInfo(artifacts)};
    },
  };
}

const STORES = {
  'indexeddb://': {list: listIndexedDb, remove: removeIndexedDb},
  'localstorage://': {list: async () => listLocalStorage(), remove: async (p) => removeLocalStorage(p)},
};

function storeOf(url, op) {
  const scheme = typeof url === 'string' ? Object.keys(STORES).find((s) => url.startsWith(s)) : undefined;
  if (scheme === undefined) throw new Error(`${op}: expects an indexeddb:// or localstorage:// URL, got ${describeValue(url)}`);
  return {scheme, path: url.slice(scheme.length), store: STORES[scheme]};
}

// {url: modelArtifactsInfo} of every model in the browser's stores.
async function listModels() {
  const out = {};
  for (const [scheme, store] of Object.entries(STORES)) {
    for (const [path, info] of Object.entries(await store.list())) out[scheme + path] = info;
  }
  return out;
}

async function removeModel(url) {
  const {path, store} = storeOf(url, 'io.removeModel');
  return store.remove(path);
}

async function copyModel(sourceUrl, destUrl) {
  storeOf(sourceUrl, 'io.copyModel');
  storeOf(destUrl, 'io.copyModel');
  const artifacts = await handlerFor(sourceUrl, 'load', {}, 'io.copyModel').load();
  return (await handlerFor(destUrl, 'save', {}, 'io.copyModel').save(artifacts)).modelArtifactsInfo;
}

async function moveModel(sourceUrl, destUrl) {
  if (sourceUrl === destUrl) throw new Error(`io.moveModel: source and destination are both ${sourceUrl}`);
  const info = await copyModel(sourceUrl, destUrl);
  await removeModel(sourceUrl);
  return info;
}

export const io = {
  fromMemory, withSaveHandler, browserFiles, listModels, removeModel, copyModel, moveModel,
  http: (url, options) => httpHandler(url, options),
  browserHTTPRequest: (url, options) => httpHandler(url, options),
  fileSystem: (url) => fileHandler(url.startsWith('file://') ? url : `file://${url}`),
};
