// Turns a hand-drawn digit into what the network was trained on, the way MNIST was made (LeCun et al.):
// the digit's bounding box is scaled, keeping its aspect ratio, to fit a 20x20 box (area averaging gives
// the anti-aliased grey levels), then placed in a 28x28 field so that its centre of mass sits at the
// field's centre. Pure functions on Float32Arrays, so Node can test them without a canvas.

import {IMAGE_SIZE} from './data.mjs';

export const BOX_SIZE = 20;

// For a resize of `from` source pixels to `to` target pixels, the source pixels each target pixel
// covers and by how much: [[index, weight], ...] per target pixel, weights summing to 1. Applied to rows
// and then columns this is an exact area average.
function areaWeights(from, to) {
  const step = from / to;
  const out = [];
  for (let t = 0; t < to; ++t) {
    const lo = t * step;
    const hi = lo + step;
    const taps = [];
    for (let s = Math.floor(lo); s < Math.min(from, Math.ceil(hi)); ++s) {
      const cover = Math.min(hi, s + 1) - Math.max(lo, s);
      if (cover > 0) taps.push([s, cover / step]);
    }
    out.push(taps);
  }
  return out;
}

// Area-resizes the box [x0, x0+bw) x [y0, y0+bh) of a width-wide image to tw x th.
function resizeBox(ink, width, x0, y0, bw, bh, tw, th) {
  const cols = areaWeights(bw, tw);
  const rows = areaWeights(bh, th);
  const narrow = new Float32Array(bh * tw);  // every source row of the box, resized horizontally
  for (let y = 0; y < bh; ++y) {
    const src = (y0 + y) * width + x0;
    for (let u = 0; u < tw; ++u) {
      let acc = 0;
      for (const [s, w] of cols[u]) acc += w * ink[src + s];
      narrow[y * tw + u] = acc;
    }
  }
  const out = new Float32Array(th * tw);
  for (let v = 0; v < th; ++v) {
    for (const [s, w] of rows[v]) {
      for (let u = 0; u < tw; ++u) out[v * tw + u] += w * narrow[s * tw + u];
    }
  }
  return out;
}

// ink: Float32Array(width * height), 0 = background, 1 = full ink. Returns null for an empty drawing,
// else {image: Float32Array(784) in [0, 1], box: {x, y, width, height}} (the digit's bounding box in the
// input, for display).
export function preprocessDrawing(ink, width, height, threshold = 0.01) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; ++y) {
    for (let x = 0; x < width; ++x) {
      if (ink[y * width + x] > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const scale = BOX_SIZE / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  const small = resizeBox(ink, width, x0, y0, bw, bh, tw, th);

  // MNIST strokes have a core at full intensity; a thin stroke averaged over big target pixels would
  // not, so the digit is rescaled to peak at 1.
  let peak = 0;
  for (const v of small) peak = Math.max(peak, v);
  let mass = 0, mx = 0, my = 0;
  for (let v = 0; v < th; ++v) {
    for (let u = 0; u < tw; ++u) {
      const p = (small[v * tw + u] /= peak);
      mass += p;
      mx += p * (u + 0.5);
      my += p * (v + 0.5);
    }
  }
  // Integer shifts, as MNIST used: the centre of mass lands within half a pixel of (14, 14).
  const ox = Math.round(IMAGE_SIZE / 2 - mx / mass);
  const oy = Math.round(IMAGE_SIZE / 2 - my / mass);
  const image = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let v = 0; v < th; ++v) {
    const y = v + oy;
    if (y < 0 || y >= IMAGE_SIZE) continue;
    for (let u = 0; u < tw; ++u) {
      const x = u + ox;
      if (x >= 0 && x < IMAGE_SIZE) image[y * IMAGE_SIZE + x] = small[v * tw + u];
    }
  }
  return {image, box: {x: x0, y: y0, width: bw, height: bh}};
}
