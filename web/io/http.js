// http(s):// and relative URLs: load fetches model.json and then its weight files, resolved against
// model.json's URL (or weightPathPrefix); save POSTs a multipart form with model.json and
// model.weights.bin, as tfjs' http handler does.
import {artifactsFromModelJson, modelJsonFor} from './node_files.js';
import {artifactsInfo} from './weights.js';

function baseUrl() {
  return typeof location !== 'undefined' ? location.href : undefined;
}

export function httpHandler(url, options = {}) {
  const fetchFunc = options.fetchFunc ?? globalThis.fetch?.bind(globalThis);
  const init = options.requestInit ?? {};
  const resolve = (u, base) => {
    try {
      return new URL(u, base ?? baseUrl()).href;
    } catch {
      throw new Error(`loadLayersModel: '${u}' is not a URL (in Node, use file:// for files)`);
    }
  };
  return {
    async load() {
      if (typeof fetchFunc !== 'function') throw new Error('loadLayersModel: no fetch() here; pass {fetchFunc}');
      const modelUrl = resolve(url);
      const response = await fetchFunc(modelUrl, init);
      if (!response.ok) throw new Error(`loadLayersModel: ${modelUrl}: HTTP ${response.status}`);
      let json;
      try {
        json = await response.json();
      } catch (e) {
        throw new Error(`loadLayersModel: ${modelUrl}: not a model.json (${e.message})`);
      }
      const prefix = options.weightPathPrefix;
      const readShard = async (p) => {
        const shardUrl = prefix != null ? resolve(prefix.endsWith('/') ? prefix + p : `${prefix}/${p}`) : resolve(p, modelUrl);
        const r = await fetchFunc(shardUrl, init);
        if (!r.ok) throw new Error(`loadLayersModel: ${modelUrl}: weight file ${shardUrl}: HTTP ${r.status}`);
        return r.arrayBuffer();
      };
      return artifactsFromModelJson(json, readShard, `loadLayersModel: ${modelUrl}`, options.onProgress);
    },
    async save(artifacts) {
      if (typeof fetchFunc !== 'function') throw new Error('save: no fetch() here; pass {fetchFunc}');
      const manifest = [{paths: ['./model.weights.bin'], weights: artifacts.weightSpecs ?? []}];
      const form = new FormData();
      form.append('model.json', new Blob([JSON.stringify(modelJsonFor(artifacts, manifest))], {type: 'application/json'}), 'model.json');
      form.append('model.weights.bin', new Blob([artifacts.weightData ?? new ArrayBuffer(0)], {type: 'application/octet-stream'}), 'model.weights.bin');
      const response = await fetchFunc(resolve(url), {method: 'POST', ...init, body: form});
      if (!response.ok) throw new Error(`save: ${url}: HTTP ${response.status}`);
      return {modelArtifactsInfo: artifactsInfo(artifacts), responses: [response]};
    },
  };
}
