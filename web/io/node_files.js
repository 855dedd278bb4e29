// file:// in Node: model.json plus weight shards of at most 4 MB beside it, as tfjs writes them.
// node:fs is imported on first use, so pages never ask for it.
import {artifactsInfo, concatBuffers, manifestFor, shardBuffer} from './weights.js';

async function nodeModules() {
  const [fs, path, url] = await Promise.all([import('node:fs/promises'), import('node:path'), import('node:url')]);
  return {fs, path, url};
}

function pathOf(target, url) {
  const rest = target.slice('file://'.length);
  // file:///abs/path and file://./relative/path are both accepted, as tfjs-node does.
  return target.startsWith('file:///') ? url.fileURLToPath(target) : rest;
}

// The body of model.json for artifacts whose weights are in the shards named by the manifest.
export function modelJsonFor(artifacts, weightsManifest) {
  const json = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? null,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest,
  };
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return json;
}

// Artifacts from a parsed model.json, with `readShard(path)` giving each weight file's bytes. The
// manifest may have several groups, each of several shards; their specs and bytes are joined in order.
export async function artifactsFromModelJson(json, readShard, what, onProgress) {
  if (json == null || typeof json !== 'object' || json.modelTopology == null) {
    throw new Error(`${what}: model.json has no modelTopology`);
  }
  const artifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.trainingConfig != null) artifacts.trainingConfig = json.trainingConfig;
  if (json.userDefinedMetadata != null) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  const manifest = json.weightsManifest;
  if (manifest == null) return artifacts;
  if (!Array.isArray(manifest)) throw new Error(`${what}: weightsManifest must be an array of {paths, weights} groups`);
  const specs = [];
  const buffers = [];
  const total = manifest.reduce((n, g) => n + (Array.isArray(g?.paths) ? g.paths.length : 0), 0);
  let done = 0;
  for (const [i, group] of manifest.entries()) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new Error(`${what}: weightsManifest[${i}] must have paths and weights arrays`);
    }
    specs.push(...group.weights);
    for (const p of group.paths) {
      if (typeof p !== 'string') throw new Error(`${what}: weightsManifest[${i}].paths holds a non-string`);
      buffers.push(await readShard(p));
      done += 1;
      if (onProgress) onProgress(done / total);
    }
  }
  artifacts.weightSpecs = specs;
  artifacts.weightData = concatBuffers(buffers);
  return artifacts;
}

export function fileHandler(target, options = {}) {
  return {
    async save(artifacts) {
      const {fs, path, url} = await nodeModules();
      const dir = pathOf(target, url);
      const shards = shardBuffer(artifacts.weightData ?? new ArrayBuffer(0));
      const manifest = manifestFor(artifacts.weightSpecs ?? [], shards.length);
      await fs.mkdir(dir, {recursive: true});
      await Promise.all(shards.map((s, i) => fs.writeFile(path.join(dir, manifest[0].paths[i]), new Uint8Array(s))));
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJsonFor(artifacts, manifest)));
      return {modelArtifactsInfo: artifactsInfo(artifacts)};
    },
    async load() {
      const {fs, path, url} = await nodeModules();
      let file = pathOf(target, url);
      const stat = await fs.stat(file).catch(() => null);
      if (stat === null) throw new Error(`loadLayersModel: ${target}: no such file`);
      if (stat.isDirectory()) file = path.join(file, 'model.json');
      let json;
      try {
        json = JSON.parse(await fs.readFile(file, 'utf8'));
      } catch (e) {
        throw new Error(`loadLayersModel: ${file}: not a model.json (${e.message})`);
      }
      const base = options.weightPathPrefix ?? path.dirname(file);
      const readShard = async (p) => {
        const where = path.join(base, p);
        try {
          const b = await fs.readFile(where);
          return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
        } catch {
          throw new Error(`loadLayersModel: ${file}: weight file '${p}' is missing (looked for ${where})`);
        }
      };
      return artifactsFromModelJson(json, readShard, `loadLayersModel: ${file}`, options.onProgress);
    },
  };
}
