#!/usr/bin/env node
// Where the bytes of a .wasm go: the size of every function body (from the Code section), named through
// the symbol map Emscripten writes beside the module (--emit-symbol-map: "index:mangled name" lines),
// demangled with c++filt and grouped by where the code comes from.
//   node scripts/wasm-sizes.mjs [dist/kerasm.wasm] [--top N] [--json]
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'dist/kerasm.wasm';
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 40;
const asJson = args.includes('--json');

const bytes = readFileSync(file);

function leb(buf, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, pos];
  }
}

// Section sizes by id, the number of imported functions (function indices count them first), and the
// body size of every defined function.
function parse(buf) {
  const sections = {};
  let importedFunctions = 0;
  const bodies = [];
  let pos = 8;
  while (pos < buf.length) {
    const id = buf[pos++];
    let size;
    [size, pos] = leb(buf, pos);
    const end = pos + size;
    sections[id] = (sections[id] ?? 0) + size;
    if (id === 2) {  // imports: count the functions among them
      let [count, p] = leb(buf, pos);
      for (let i = 0; i < count; ++i) {
        let len;
        [len, p] = leb(buf, p); p += len;  // module
        [len, p] = leb(buf, p); p += len;  // field
        const kind = buf[p++];
        if (kind === 0) { [, p] = leb(buf, p); importedFunctions++; }
        else if (kind === 1) { p++; const flags = buf[p++]; [, p] = leb(buf, p); if (flags & 1) [, p] = leb(buf, p); }
        else if (kind === 2) { const flags = buf[p++]; [, p] = leb(buf, p); if (flags & 1) [, p] = leb(buf, p); }
        else if (kind === 3) { p += 2; }
        else if (kind === 4) { p++; [, p] = leb(buf, p); }
      }
    } else if (id === 10) {  // code
      let [count, p] = leb(buf, pos);
      for (let i = 0; i < count; ++i) {
        let len;
        const start = p;
        [len, p] = leb(buf, p);
        bodies.push(p + len - start);
        p += len;
      }
    }
    pos = end;
  }
  return {sections, importedFunctions, bodies};
}

const {sections, importedFunctions, bodies} = parse(bytes);
const names = new Map();
const mapFile = file.replace(/\.wasm$/, '.js.symbols');
if (existsSync(mapFile)) {
  for (const line of readFileSync(mapFile, 'utf8').split('\n')) {
    const at = line.indexOf(':');
    // Emscripten writes names already demangled, with punctuation escaped as \XX (hex).
    if (at > 0) {
      const name = line.slice(at + 1).replace(/\\([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      names.set(Number(line.slice(0, at)), name);
    }
  }
}
const nameOf = (i) => names.get(importedFunctions + i) ?? `function ${importedFunctions + i}`;
let demangled = bodies.map((_, i) => nameOf(i));
if (demangled.some((n) => n.startsWith('_Z'))) {
  try {
    demangled = execFileSync('c++filt', {input: demangled.join('\n'), maxBuffer: 1 << 28}).toString().split('\n');
  } catch {
    // without c++filt the mangled names still group well enough
  }
}

// Which part of the code a function belongs to, from its demangled name.
function groupOf(name) {
  const rules = [
    [/kerasm::kernels|N_WASM|hwy::/, 'kernels (Highway)'],
    [/kerasm::ops/, 'ops'],
    [/kerasm::layers/, 'layers'],
    [/kerasm::params/, 'params'],
    [/kerasm::models/, 'models'],
    [/kerasm::bindings|emscripten::/, 'bindings (Embind)'],
    [/nlohmann/, 'JSON (nlohmann)'],
    [/Eigen/, 'Eigen'],
    [/kerasm::/, 'core'],
    [/std::|__cxx|__1::|operator new|operator delete|^(str|mem|__)|printf|malloc|free|dlmalloc|sbrk/, 'C/C++ runtime'],
  ];
  for (const [re, g] of rules) if (re.test(name)) return g;
  return 'other';
}

const functions = bodies.map((size, i) => ({size, name: demangled[i] ?? nameOf(i), group: groupOf(demangled[i] ?? '')}));
const groups = new Map();
for (const f of functions) {
  const g = groups.get(f.group) ?? {bytes: 0, count: 0};
  g.bytes += f.size;
  g.count += 1;
  groups.set(f.group, g);
}
const code = sections[10] ?? 0;
const report = {
  file,
  bytes: bytes.length,
  gzipBytes: gzipSync(bytes, {level: 9}).length,
  codeBytes: code,
  dataBytes: sections[11] ?? 0,
  functions: functions.length,
  groups: Object.fromEntries([...groups].sort((a, b) => b[1].bytes - a[1].bytes)),
  largest: [...functions].sort((a, b) => b.size - a.size).slice(0, top),
};

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`${file}: ${kb(report.bytes)} (${kb(report.gzipBytes)} gzip); code ${kb(code)} in ${functions.length} functions, data ${kb(report.dataBytes)}`);
  if (names.size === 0) console.log(`(no ${mapFile}: functions are unnamed)`);
  console.log('\nby origin:');
  for (const [g, v] of Object.entries(report.groups)) console.log(`  ${kb(v.bytes).padStart(10)}  ${String(v.count).padStart(5)} fns  ${g}`);
  console.log(`\nlargest ${top}:`);
  for (const f of report.largest) console.log(`  ${String(f.size).padStart(8)}  ${f.name.slice(0, 150)}`);
}
