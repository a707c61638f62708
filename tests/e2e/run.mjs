// End-to-end test runner: serves the release build (dist/) on a free
// loopback port, starts Debian's Chromium through playwright-core, and runs
// every exported async function of every tests/e2e/*.spec.mjs file.
//
// Each test gets `newPage(contextOptions?)`, which opens a page in a fresh
// browser context and watches it: any console error or warning, uncaught
// exception, failed request or HTTP status >= 400 fails the test, but
// those it names itself: `newPage(options, { expected: [/regex/] })`.
//
//   node tests/e2e/run.mjs [dist-dir]     (E2E_FILTER=substring to select)

import { readdir, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = resolve(process.argv[2] ?? join(repo, 'dist'));
const shotDir = join(repo, 'target', 'e2e');
const filter = process.env.E2E_FILTER ?? '';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

await mkdir(shotDir, { recursive: true });
const server = await startServer({ root: dist });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: CHROMIUM_ARGS,
});

const specs = (await readdir(here)).filter((f) => f.endsWith('.spec.mjs')).sort();
let passed = 0;
let failed = 0;
const t0 = Date.now();

try {
  for (const spec of specs) {
    const mod = await import(pathToFileURL(join(here, spec)).href);
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== 'function') continue;
      const id = `${spec.replace('.spec.mjs', '')} › ${name}`;
      if (filter && !id.includes(filter)) continue;
      const contexts = [];
      const problems = [];
      const newPage = async (options = {}, { expected = [] } = {}) => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
        contexts.push(context);
        const page = await context.newPage();
        page.setDefaultTimeout(15_000);
        // A test may name problems it causes on purpose (a file it asks
        // for that is not there); every other one fails it.
        const report = (text) => {
          if (!expected.some((re) => re.test(text))) problems.push(text);
        };
        page.on('console', (msg) => {
          if (msg.type() === 'error' || msg.type() === 'warning') {
            report(`console ${msg.type()}: ${msg.text()}`);
          }
        });
        page.on('pageerror', (err) => report(`uncaught exception: ${err.message}`));
        page.on('requestfailed', (req) =>
          report(`request failed: ${req.url()} (${req.failure()?.errorText})`),
        );
        page.on('response', (res) => {
          if (res.status() >= 400) report(`HTTP ${res.status()}: ${res.url()}`);
        });
        return page;
      };
      const started = Date.now();
      try {
        await fn({ newPage, baseURL: server.url, shotDir });
        if (problems.length) throw new Error(`page problems:\n    ${problems.join('\n    ')}`);
        passed++;
        console.log(`ok   ${id} (${Date.now() - started} ms)`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${id} (${Date.now() - started} ms)\n  ${String(err?.stack ?? err).replace(/\n/g, '\n  ')}`);
      } finally {
        for (const c of contexts) await c.close().catch(() => {});
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}

console.log(`\nscreenshots in ${shotDir}; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed || passed === 0 ? 1 : 0);
