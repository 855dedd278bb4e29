// The training chart, drawn on a <canvas>: per-batch training loss (left axis) and accuracy (right
// axis), smoothed, over fractional epochs, plus one point per epoch for the test set. Redraws at most
// once per animation frame however often batches arrive.

const COLORS = {loss: '#e8590c', acc: '#1c7ed6', test: '#2f9e44', grid: '#e3e6ea', text: '#6b7280'};
const PAD = {left: 46, right: 50, top: 28, bottom: 34};
// Per-batch values of a 32-digit batch jump by several percent; an exponential moving average over
// about 20 batches shows the trend, and the raw values are drawn faintly beneath it.
const SMOOTHING = 0.05;

// The smallest "round" value >= v that splits into four round grid steps (0.6 -> 0.15 each, 2.3 -> 2.4).
function niceCeil(v) {
  if (!(v > 0)) return 1;
  const step = v / 4;
  const p = 10 ** Math.floor(Math.log10(step));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= step) return 4 * m * p;
  return 40 * p;
}

export class TrainingChart {
  constructor(canvas, epochs) {
    this.canvas = canvas;
    this.epochs = epochs;
    this.pending = false;
    this.reset();
  }

  reset() {
    this.batches = [];   // {x, loss, acc, lossSmooth, accSmooth}
    this.tests = [];     // {x, acc}
    this.schedule();
  }

  // x: fractional epoch (1.0 = end of the first epoch).
  addBatch(x, loss, acc) {
    const prev = this.batches[this.batches.length - 1];
    const ema = (old, v) => (old === undefined || !Number.isFinite(v) ? v : old + SMOOTHING * (v - old));
    this.batches.push({x, loss, acc, lossSmooth: ema(prev?.lossSmooth, loss), accSmooth: ema(prev?.accSmooth, acc)});
    this.schedule();
  }

  addTest(x, acc) {
    this.tests.push({x, acc});
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const canvas = this.canvas;
    // Sharp lines on high-density screens: the backing store follows the displayed size.
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth || canvas.width;
    const cssHeight = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(cssWidth * ratio) || canvas.height !== Math.round(cssHeight * ratio)) {
      canvas.width = Math.round(cssWidth * ratio);
      canvas.height = Math.round(cssHeight * ratio);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);

    const w = cssWidth - PAD.left - PAD.right;
    const h = cssHeight - PAD.top - PAD.bottom;
    const maxLoss = niceCeil(Math.max(0.5, ...this.batches.map((b) => b.loss).filter(Number.isFinite)));
    const px = (x) => PAD.left + (x / this.epochs) * w;
    const pyLoss = (v) => PAD.top + h - (Math.min(v, maxLoss) / maxLoss) * h;
    const pyAcc = (v) => PAD.top + h - v * h;

    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    // Grid: one vertical line per epoch, five horizontal lines shared by both axes.
    ctx.strokeStyle = COLORS.grid;
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let e = 0; e <= this.epochs; ++e) {
      ctx.beginPath();
      ctx.moveTo(px(e) + 0.5, PAD.top);
      ctx.lineTo(px(e) + 0.5, PAD.top + h);
      ctx.stroke();
      ctx.fillText(String(e), px(e), PAD.top + h + 6);
    }
    ctx.fillText('epoch', PAD.left + w / 2, PAD.top + h + 20);
    ctx.textBaseline = 'middle';
    for (let i = 0; i <= 4; ++i) {
      const y = Math.round(PAD.top + h - (i / 4) * h) + 0.5;
      ctx.beginPath();
      ctx.moveTo(PAD.left, y);
      ctx.lineTo(PAD.left + w, y);
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillStyle = COLORS.loss;
      ctx.fillText(String(+((maxLoss * i) / 4).toPrecision(3)), PAD.left - 6, y);
      ctx.textAlign = 'left';
      ctx.fillStyle = COLORS.acc;
      ctx.fillText(`${i * 25}%`, PAD.left + w + 6, y);
    }

    const line = (points, y, color, width, alpha = 1) => {
      if (points.length === 0) return;
      ctx.save();
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      points.forEach((p, i) => (i === 0 ? ctx.moveTo(px(p.x), y(p)) : ctx.lineTo(px(p.x), y(p))));
      ctx.stroke();
      ctx.restore();
    };
    const finite = (key) => this.batches.filter((b) => Number.isFinite(b[key]));
    line(finite('loss'), (p) => pyLoss(p.loss), COLORS.loss, 1, 0.18);
    line(finite('acc'), (p) => pyAcc(p.acc), COLORS.acc, 1, 0.18);
    line(finite('lossSmooth'), (p) => pyLoss(p.lossSmooth), COLORS.loss, 2);
    line(finite('accSmooth'), (p) => pyAcc(p.accSmooth), COLORS.acc, 2);
    line(this.tests, (p) => pyAcc(p.acc), COLORS.test, 2);
    ctx.fillStyle = COLORS.test;
    for (const p of this.tests) {
      ctx.beginPath();
      ctx.arc(px(p.x), pyAcc(p.acc), 4, 0, 2 * Math.PI);
      ctx.fill();
    }

    // Legend along the top.
    const legend = [['training loss', COLORS.loss], ['training accuracy', COLORS.acc], ['test accuracy (per epoch)', COLORS.test]];
    let x = PAD.left;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const [label, color] of legend) {
      ctx.fillStyle = color;
      ctx.fillRect(x, PAD.top - 16, 14, 3);
      ctx.fillStyle = COLORS.text;
      ctx.fillText(label, x + 19, PAD.top - 14);
      x += 19 + ctx.measureText(label).width + 18;
    }
  }
}
