// What the demo pages' browser tests share: a local server and a headless Chromium (with a profile of its
// own, so IndexedDB starts empty) showing one demo page, and a wait on the page's window.demoState.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {chromium} from 'playwright-core';
import {serve} from '../../scripts/serve.mjs';

// Opens `path` (e.g. '/demos/mnist-mlp/') and waits for its 'ready' phase. Returns {page, waitForPhase, close}.
export async function openDemo(path, {height = 1000} = {}) {
  const server = await serve({port: 0});
  const userDataDir = await mkdtemp(join(tmpdir(), 'kerasm-demo-'));
  const logs = [];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: {width: 1280, height},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  const page = await context.newPage();
  page.on('console', (m) => logs.push(m.text()));
  page.on('pageerror', (e) => logs.push(String(e)));

  // Resolves with window.demoState once its phase is one of `phases`; the page's log is in the error otherwise.
  async function waitForPhase(phases, timeout) {
    try {
      await page.waitForFunction((p) => p.includes(window.demoState?.phase) || window.demoState?.phase === 'error',
                                 phases, {timeout});
    } catch (e) {
      throw new Error(`the demo did not reach ${phases}: ${e.message}\n${logs.join('\n')}`);
    }
    const state = await page.evaluate(() => window.demoState);
    if (state.phase === 'error') throw new Error(`the demo failed: ${state.error}\n${logs.join('\n')}`);
    return state;
  }

  async function close() {
    await context.close();
    await server.close();
    await rm(userDataDir, {recursive: true, force: true});
  }

  await page.goto(`${server.url}${path}`);
  await waitForPhase(['ready'], 60000);
  return {page, waitForPhase, close};
}
