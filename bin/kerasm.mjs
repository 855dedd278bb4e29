#!/usr/bin/env node
// kerasm's command line. Today one command:
//   kerasm convert <model.h5 | model.keras | keras.json | tfjs model.json> <out-dir | out.keras | out.h5>
// reads a Keras file (format told by its bytes) or a tfjs layers-model and writes the tfjs layers-model
// format (model.json + 4 MB weight shards) to out-dir, or a Keras 3 .keras / Keras 2 .h5 file when the
// output's name ends so, with a progress line and a summary.
import {resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import * as km from '../web/index.js';

function usage(code) {
  const text = 'usage: kerasm convert <model.h5|model.keras|keras.json|model.json> <out-dir|out.keras|out.h5>\n' +
    '  writes the tfjs layers-model format (model.json + weight shards) to out-dir,\n' +
    '  or a Keras 3 .keras / Keras 2 .h5 file';
  (code === 0 ? console.log : console.error)(text);
  process.exit(code);
}

async function convert(input, outDir) {
  await km.ready();
  const started = Date.now();
  process.stdout.write(`reading ${input} ...`);
  const source = resolve(input);
  let model;
  const {readFile} = await import('node:fs/promises');
  const head = new Uint8Array(await readFile(source)).subarray(0, 4096);
  const text = new TextDecoder().decode(head);
  // A tfjs model.json names its weightsManifest near the top; Keras JSON has none.
  if (text.trimStart().startsWith('{') && text.includes('"modelTopology"')) {
    model = await km.loadLayersModel(pathToFileURL(source).href, {onProgress: (f) => process.stdout.write(` ${Math.round(f * 100)}%`)});
  } else {
    model = await km.models.loadKerasModel(source);
  }
  process.stdout.write(' done\n');
  if (/\.(keras|h5|hdf5)$/i.test(outDir)) {
    const result = await model.save(pathToFileURL(resolve(outDir)).href);
    const kind = /\.keras$/i.test(outDir) ? 'Keras 3 .keras' : 'Keras 2 .h5';
    console.log(`wrote ${outDir} (${kind}): ${model.layers.length} layers, ${model.countParams()} parameters, ` +
      `${result.modelArtifactsInfo.weightDataBytes} bytes, in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    model.optimizer?.dispose();
    model.dispose();
    return;
  }
  const result = await model.save(pathToFileURL(resolve(outDir)).href);
  const info = result.modelArtifactsInfo;
  console.log(`wrote ${outDir}/model.json: ${model.layers.length} layers, ${model.countParams()} parameters, ` +
    `${info.weightDataBytes} bytes of weights in ${Math.max(1, Math.ceil(info.weightDataBytes / (4 * 1024 * 1024)))} shard(s), ` +
    `in ${((Date.now() - started) / 1000).toFixed(2)} s`);
  model.optimizer?.dispose();
  model.dispose();
}

const [command, ...rest] = process.argv.slice(2);
if (command === '--help' || command === '-h') usage(0);
if (command !== 'convert' || rest.length !== 2) usage(2);
try {
  await convert(rest[0], rest[1]);
} catch (e) {
  console.error(`\nkerasm convert: ${e.message}`);
  process.exit(1);
}
