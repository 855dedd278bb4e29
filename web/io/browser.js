// The browser's stores, laid out as tfjs lays them out so a model saved by either library loads in the
// other from the same origin: localstorage:// (keys tensorflowjs_models/<path>/{info, model_topology,
// weight_specs, weight_data (base64), model_metadata}) and indexeddb:// (database 'tensorflowjs',
// version 1, stores 'models_store' and 'model_info_store' keyed by modelPath); plus downloads:// and
// browserFiles() for files the user saves or picks.
import {artifactsFromModelJson, modelJsonFor} from './node_files.js';
import {artifactsInfo} from './weights.js';

const LS_PREFIX = 'tensorflowjs_models';
const DB_NAME = 'tensorflowjs';
const DB_VERSION = 1;
const MODEL_STORE = 'models_store';
const INFO_STORE = 'model_info_store';

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; ++i) out[i] = raw.charCodeAt(i);
  return out.buffer;
}

function storage(what) {
  if (typeof localStorage === 'undefined') throw new Error(`${what}: localStorage is not available here`);
  return localStorage;
}

function lsKeys(path) {
  const k = (suffix) => `${LS_PREFIX}/${path}/${suffix}`;
  return {info: k('info'), topology: k('model_topology'), weightSpecs: k('weight_specs'), weightData: k('weight_data'), metadata: k('model_metadata')};
}

export function localStorageHandler(path) {
  const keys = lsKeys(path);
  return {
    async save(artifacts) {
      const ls = storage('localstorage://');
      const info = artifactsInfo(artifacts);
      const metadata = {format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy};
      if (artifacts.trainingConfig != null) metadata.trainingConfig = artifacts.trainingConfig;
      try {
        ls.setItem(keys.info, JSON.stringify(info));
        ls.setItem(keys.topology, JSON.stringify(artifacts.modelTopology));
        ls.setItem(keys.weightSpecs, JSON.stringify(artifacts.weightSpecs ?? []));
        ls.setItem(keys.weightData, toBase64(artifacts.weightData ?? new ArrayBuffer(0)));
        ls.setItem(keys.metadata, JSON.stringify(metadata));
      } catch (e) {
        for (const key of Object.values(keys)) ls.removeItem(key);
        throw new Error(`save: localstorage://${path}: the model (${info.weightDataBytes} bytes of weights) does not fit: ${e.message}`);
      }
      return {modelArtifactsInfo: info};
    },
    async load() {
      const ls = storage('localstorage://');
      const info = ls.getItem(keys.info);
      if (info === null) throw new Error(`loadLayersModel: no model at localstorage://${path}`);
      const metadata = JSON.parse(ls.getItem(keys.metadata) ?? '{}');
      const artifacts = {
        modelTopology: JSON.parse(ls.getItem(keys.topology)),
        weightSpecs: JSON.parse(ls.getItem(keys.weightSpecs) ?? '[]'),
        weightData: fromBase64(ls.getItem(keys.weightData) ?? ''),
        format: metadata.format,
        generatedBy: metadata.generatedBy,
        convertedBy: metadata.convertedBy,
      };
      if (metadata.trainingConfig != null) artifacts.trainingConfig = metadata.trainingConfig;
      return artifacts;
    },
  };
}

function openDb(what) {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error(`${what}: IndexedDB is not available here`));
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(MODEL_STORE, {keyPath: 'modelPath'});
      req.result.createObjectStore(INFO_STORE, {keyPath: 'modelPath'});
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`${what}: cannot open IndexedDB: ${req.error?.message}`));
  });
}

// Runs fn(stores) in one transaction over both stores and resolves with what fn's last request gave.
async function inDb(mode, what, fn) {
  const db = await openDb(what);
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction([MODEL_STORE, INFO_STORE], mode);
      let result;
      const req = fn(tx.objectStore(MODEL_STORE), tx.objectStore(INFO_STORE));
      if (req) req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(new Error(`${what}: ${tx.error?.message}`));
      tx.onabort = () => reject(new Error(`${what}: ${tx.error?.message ?? 'aborted'}`));
    });
  } finally {
    db.close();
  }
}

export function indexedDbHandler(path) {
  return {
    async save(artifacts) {
      const info = artifactsInfo(artifacts);
      await inDb('readwrite', `save: indexeddb://${path}`, (models, infos) => {
        infos.put({modelPath: path, modelArtifactsInfo: info});
        return models.put({modelPath: path, modelArtifacts: artifacts});
      });
      return {modelArtifactsInfo: info};
    },
    async load() {
      const entry = await inDb('readonly', `loadLayersModel: indexeddb://${path}`, (models) => models.get(path));
      if (entry == null) throw new Error(`loadLayersModel: no model at indexeddb://${path}`);
      return entry.modelArtifacts;
    },
  };
}

// {path: info} of every model in IndexedDB / localStorage.
export async function listIndexedDb() {
  if (typeof indexedDB === 'undefined') return {};
  const all = await inDb('readonly', 'listModels', (models, infos) => infos.getAll());
  return Object.fromEntries((all ?? []).map((e) => [e.modelPath, e.modelArtifactsInfo]));
}

export function listLocalStorage() {
  if (typeof localStorage === 'undefined') return {};
  const out = {};
  for (let i = 0; i < localStorage.length; ++i) {
    const key = localStorage.key(i);
    if (key.startsWith(`${LS_PREFIX}/`) && key.endsWith('/info')) {
      out[key.slice(LS_PREFIX.length + 1, -'/info'.length)] = JSON.parse(localStorage.getItem(key));
    }
  }
  return out;
}

export async function removeIndexedDb(path) {
  const entry = await inDb('readonly', `removeModel: indexeddb://${path}`, (models, infos) => infos.get(path));
  if (entry == null) throw new Error(`removeModel: no model at indexeddb://${path}`);
  await inDb('readwrite', `removeModel: indexeddb://${path}`, (models, infos) => {
    models.delete(path);
    return infos.delete(path);
  });
  return entry.modelArtifactsInfo;
}

export function removeLocalStorage(path) {
  const keys = lsKeys(path);
  const ls = storage('removeModel');
  const info = ls.getItem(keys.info);
  if (info === null) throw new Error(`removeModel: no model at localstorage://${path}`);
  for (const key of Object.values(keys)) ls.removeItem(key);
  return JSON.parse(info);
}

// downloads://name: the browser downloads name.json and name.weights.bin.
export function downloadsHandler(name) {
  const stem = name || 'model';
  return {
    async save(artifacts) {
      if (typeof document === 'undefined') throw new Error('save: downloads:// needs a page (document)');
      const weightsName = `${stem}.weights.bin`;
      const manifest = [{paths: [`./${weightsName}`], weights: artifacts.weightSpecs ?? []}];
      const files = [
        [`${stem}.json`, new Blob([JSON.stringify(modelJsonFor(artifacts, manifest))], {type: 'application/json'})],
        [weightsName, new Blob([artifacts.weightData ?? new ArrayBuffer(0)], {type: 'application/octet-stream'})],
      ];
      for (const [file, blob] of files) {
        const a = document.createElement('a');
        a.download = file;
        a.href = URL.createObjectURL(blob);
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 0);
      }
      return {modelArtifactsInfo: artifactsInfo(artifacts)};
    },
  };
}

// km.io.browserFiles([modelJsonFile, ...weightFiles]): File objects, e.g. from <input type=file multiple>.
// Weight files are matched to the manifest's paths by their base names.
export function browserFiles(files) {
  if (!Array.isArray(files) || files.length === 0) throw new Error('io.browserFiles: expects [model.json file, ...weight files]');
  const [jsonFile, ...weightFiles] = files;
  return {
    async load() {
      let json;
      try {
        json = JSON.parse(await jsonFile.text());
      } catch (e) {
        throw new Error(`loadLayersModel: ${jsonFile.name}: not a model.json (${e.message})`);
      }
      const byName = new Map(weightFiles.map((f) => [f.name, f]));
      const readShard = async (p) => {
        const base = p.split('/').pop();
        const f = byName.get(base);
        if (f === undefined) throw new Error(`loadLayersModel: ${jsonFile.name}: weight file '${base}' was not among the files given (${[...byName.keys()].join(', ') || 'none'})`);
        return f.arrayBuffer();
      };
      return artifactsFromModelJson(json, readShard, `loadLayersModel: ${jsonFile.name}`);
    },
  };
}
