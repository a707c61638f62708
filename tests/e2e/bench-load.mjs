// Browser benchmark: what a first visit costs. Serves the release build,
// opens it in a fresh browser context several times (no cache, no stored
// state) and prints, per load and as the median:
//
//   FCP          first contentful paint (the static shell, once there is one)
//   LCP          largest contentful paint, as reported up to interactive
//   interactive  the first frame in which a control is painted and live:
//                the app has mounted (`[data-ready="true"]`, event handlers
//                attached) and the first of its controls is painted (its
//                Element Timing render time)
//   CLS          cumulative layout shift up to a moment after interactive
//   bytes        gzip -9 of every response the page received, summed
//
// Prints numbers; asserts nothing about speed. Not a test: run.mjs only
// picks up *.spec.mjs files.
//
//   node tests/e2e/bench-load.mjs [dist-dir]     (BENCH_RUNS=5, BENCH_QUERY='')

import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.argv[2] ?? join(here, '..', '..', 'dist'));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const QUERY = process.env.BENCH_QUERY ?? '';
const VIEWPORT = { width: 1280, height: 800 };

// Runs in the page before any of its scripts: collects the paint, LCP and
// layout-shift entries, and notes the first frame after the app is ready.
function observe() {
  const m = { fcp: null, lcp: null, cls: 0, shifts: [], interactive: null };
  window.__load = m;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'first-contentful-paint') m.fcp = e.startTime;
  }).observe({ type: 'paint', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) m.lcp = e.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      m.cls += e.value;
      m.shifts.push({
        at: e.startTime,
        value: e.value,
        nodes: (e.sources ?? []).map((s) => s.node?.className || s.node?.nodeName || '?'),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
  // The paint of the mounted app's first control, by Element Timing: the
  // mutation observer runs before the next frame, so the control carries
  // `elementtiming` when it is first painted.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.identifier === 'bench-control') m.interactive = e.renderTime || e.loadTime;
    }
  }).observe({ type: 'element', buffered: true });
  const control = () => document.querySelector('[data-ready="true"] button:not([disabled])');
  const watch = new MutationObserver(() => {
    const c = control();
    if (c) {
      watch.disconnect();
      c.setAttribute('elementtiming', 'bench-control');
    }
  });
  watch.observe(document, { childList: true, subtree: true });
}

async function load(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript(observe);
  const bodies = [];
  page.on('response', (res) => {
    bodies.push(
      res
        .body()
        .then((b) => ({ url: res.url(), raw: b.length, gz: gzipSync(b, { level: 9 }).length }))
        .catch(() => ({ url: res.url(), raw: 0, gz: 0 })),
    );
  });
  await page.goto(server.url + QUERY);
  await page.waitForFunction(() => window.__load?.interactive != null, null, { timeout: 30_000 });
  // Let late layout shifts and LCP candidates arrive.
  await page.waitForTimeout(500);
  const m = await page.evaluate(() => window.__load);
  const files = await Promise.all(bodies);
  await context.close();
  return {
    fcp: m.fcp,
    lcp: m.lcp,
    interactive: m.interactive,
    cls: m.cls,
    shifts: m.shifts,
    bytes: files.reduce((a, f) => a + f.gz, 0),
    files,
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const ms = (x) => (x == null ? '-' : `${x.toFixed(0)} ms`);
const kb = (x) => `${(x / 1024).toFixed(1)} KiB`;
const row = (cells) => `| ${cells.map((c, i) => String(c).padStart(i ? 11 : 8)).join(' | ')} |`;

const server = await startServer({ root: dist });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

try {
  // One load to warm the OS file cache and Chromium's start-up; not counted.
  await load(browser);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await load(browser));

  console.log(`first load of ${server.url}${QUERY} at ${VIEWPORT.width}x${VIEWPORT.height}, ${RUNS} fresh contexts\n`);
  console.log(row(['load', 'FCP', 'LCP', 'interactive', 'CLS', 'bytes (gz)']));
  console.log(row(['---', '---', '---', '---', '---', '---']));
  runs.forEach((r, i) =>
    console.log(row([i + 1, ms(r.fcp), ms(r.lcp), ms(r.interactive), r.cls.toFixed(4), kb(r.bytes)])),
  );
  const med = (k) => median(runs.map((r) => r[k]));
  console.log(row(['median', ms(med('fcp')), ms(med('lcp')), ms(med('interactive')), med('cls').toFixed(4), kb(med('bytes'))]));

  console.log('\nresponses of the last load (gzip -9):');
  for (const f of runs[runs.length - 1].files) {
    console.log(`  ${kb(f.gz).padStart(10)}  ${new URL(f.url).pathname}`);
  }
  const shifts = runs.flatMap((r) => r.shifts);
  if (shifts.length) {
    console.log('\nlayout shifts:');
    for (const s of shifts) console.log(`  ${s.value.toFixed(4)} at ${ms(s.at)}: ${s.nodes.join(', ')}`);
  }
} finally {
  await browser.close();
  await server.close();
}
