// The drawing side of the page: a 280x280 pad (mouse, pen and touch through Pointer Events), the
// 28x28 preview of what the network gets, and the ten probability bars.
import {IMAGE_SIZE, NUM_CLASSES} from './data.mjs';
import {preprocessDrawing} from './preprocess.mjs';

// In pad pixels: about what an MNIST pen stroke is to a digit that fills most of the pad.
const STROKE_WIDTH = 20;

export class DrawingPad {
  // onChange(result) gets preprocessDrawing's result (null once cleared), at most once per frame.
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', {willReadFrequently: true});
    this.onChange = onChange;
    this.last = null;
    this.pending = false;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e));
    canvas.addEventListener('pointercancel', (e) => this.up(e));
  }

  clear() {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.last = null;
    this.changed();
  }

  // Pointer position in canvas pixels (the canvas may be displayed at another size).
  point(e) {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) / rect.width) * this.canvas.width,
      y: ((e.clientY - rect.top) / rect.height) * this.canvas.height,
    };
  }

  down(e) {
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.point(e);
    this.stroke([this.last]);
  }

  move(e) {
    if (this.last === null) return;
    // Coalesced events keep fast strokes smooth where the browser merges pointer moves.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    this.stroke((events.length > 0 ? events : [e]).map((ev) => this.point(ev)));
  }

  up(e) {
    if (this.last === null) return;
    if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    this.last = null;
  }

  stroke(points) {
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = STROKE_WIDTH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(this.last.x, this.last.y);
    for (const p of points) ctx.lineTo(p.x, p.y);
    // A single point (a tap) still leaves a round dot.
    if (points.length === 1 && points[0] === this.last) ctx.lineTo(this.last.x + 0.01, this.last.y);
    ctx.stroke();
    this.last = points[points.length - 1];
    this.changed();
  }

  // Draws a 28x28 image ([0, 1], row-major) scaled up to fill the pad, as if it had been drawn.
  showImage(image) {
    const small = document.createElement('canvas');
    small.width = small.height = IMAGE_SIZE;
    small.getContext('2d').putImageData(toImageData(image), 0, 0);
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
    this.changed();
  }

  changed() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.onChange(this.read());
    });
  }

  // The drawing as ink in [0, 1] (white strokes on black: the red channel), MNIST-preprocessed.
  read() {
    const {width, height} = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; ++i) ink[i] = rgba[4 * i] / 255;
    return preprocessDrawing(ink, width, height);
  }
}

// A [0, 1] grayscale image as opaque white-on-black ImageData.
export function toImageData(image, size = IMAGE_SIZE) {
  const data = new ImageData(size, size);
  for (let i = 0; i < size * size; ++i) {
    const v = Math.round(Math.min(1, Math.max(0, image[i])) * 255);
    data.data.set([v, v, v, 255], 4 * i);
  }
  return data;
}

export function showPreview(canvas, image) {
  const ctx = canvas.getContext('2d');
  if (image === null) {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  } else {
    ctx.putImageData(toImageData(image), 0, 0);
  }
}

// Ten rows "digit, bar, percent"; update(probabilities | null) fills them in.
export class ProbabilityBars {
  constructor(container) {
    this.rows = [];
    for (let d = 0; d < NUM_CLASSES; ++d) {
      const row = document.createElement('div');
      row.className = 'prob';
      row.innerHTML = `<span class="digit">${d}</span><div class="track"><div class="fill"></div></div><span class="pct">–</span>`;
      container.append(row);
      this.rows.push({row, fill: row.querySelector('.fill'), pct: row.querySelector('.pct')});
    }
  }

  update(probabilities) {
    let top = -1;
    if (probabilities) top = probabilities.indexOf(Math.max(...probabilities));
    this.rows.forEach(({row, fill, pct}, d) => {
      const p = probabilities ? probabilities[d] : 0;
      row.classList.toggle('top', d === top);
      row.dataset.p = probabilities ? String(p) : '';
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      pct.textContent = probabilities ? `${(p * 100).toFixed(1)}%` : '–';
    });
  }
}
