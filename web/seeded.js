// The one small seeded generator the JS side uses (mulberry32): fit's shuffles, the demos' data split and
// the tests' inputs are the same on every run and platform for the same seed. Seeded tensors come from
// the C++ generator instead (random.js); this is for orderings and test data made in JS.

// Returns a function giving floats uniform in [0, 1) from a 32-bit seed.
export function seededRandom(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
