// Yielding to the event loop during fit(), so a page keeps rendering and handling input while it trains.
// A macrotask yield: setImmediate under Node, a MessageChannel message in pages and workers (setTimeout(0)
// is clamped to 4 ms once nested, which would cost more than many training steps).
const isNode = typeof process === 'object' && process.versions?.node != null;

let channel = null;
const waiting = [];

function macrotask() {
  if (isNode) return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  if (channel === null) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

// yieldEvery as tfjs: 'auto' | 'batch' | 'epoch' | 'never' | a number of milliseconds between yields.
// 'auto' yields after every batch, in Node too: a setImmediate round trip measured 10 us under Node 20
// and a MessageChannel round trip 13 us in an idle Chromium page, against 1-2 ms for one training step
// of the MNIST MLP at batch 32 (setTimeout(0) measured 1.1 ms in Node and 4.2 ms in Chromium, as much
// as the step itself or more).
export function nextFrame(yieldEvery) {
  const every = yieldEvery === 'auto' ? 'batch' : yieldEvery;
  if (!['batch', 'epoch', 'never'].includes(every) && !(typeof every === 'number' && every >= 0)) {
    throw new Error(`fit: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds, got ${yieldEvery}`);
  }
  let last = Date.now();
  return {
    async afterBatch(callbacks, epoch, batch, logs) {
      if (every === 'batch' || (typeof every === 'number' && Date.now() - last >= every)) {
        for (const cb of callbacks) if (cb.onYield) await cb.onYield(epoch, batch, logs);
        await macrotask();
        last = Date.now();
      }
    },
    async afterEpoch() {
      if (every === 'epoch') await macrotask();
    },
  };
}
