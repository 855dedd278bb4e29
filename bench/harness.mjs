// Timing harness shared by the benchmarks: peers run interleaved (A B C A B C ...) in one process so the
// machine's slow phases hit every side alike; each side's figure is the median of its own calls after a
// warm-up long enough for V8 to tier the wasm up (a function called once stays in the baseline tier).

export async function compare(cases, { rounds = 12, warmup = 4 } = {}) {
  const names = Object.keys(cases);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < warmup; ++i) for (const n of names) await cases[n]();
  for (let r = 0; r < rounds; ++r) {
    for (const n of names) {
      const t0 = performance.now();
      await cases[n]();
      times[n].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(times[n])]));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function seededValues(n, seed) {
  // xorshift32: the same inputs for every peer, without depending on any peer's RNG.
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; ++i) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = (x / 4294967296) * 2 - 1;
  }
  return out;
}

export function formatTable(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}
