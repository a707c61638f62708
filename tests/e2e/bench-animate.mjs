// Animation benchmark (not part of the pass/fail e2e run: run.mjs only
// picks up *.spec.mjs). The machine's other load inflates both numbers:
// run it on an idle machine. Puts ~500 messages in flight in the event-based
// pattern the way a learner would (slow links via the link menus, then
// the "Burst of readings" action again and again), then measures for 5 s:
//   - the main thread's busy share: CDP Performance.getMetrics
//     TaskDuration delta divided by wall time, with no script of ours in
//     the page;
//   - then, over another 5 s, requestAnimationFrame deltas (p50, p95,
//     max) in the page.
//
//   node tests/e2e/bench-animate.mjs [dist-dir]   (TARGET=500 LATENCY=9000)
//   (with 9 s links the bursts level off near 400 in flight in the 30 s
//   allowed; LATENCY=15000 reaches 500)
//
// COMPARE=1 measures compare mode: two runs on one clock, the bursts sent
// to both ("Act on both"), TARGET messages in flight in total.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.argv[2] ?? join(here, '..', '..', 'dist'));
const TARGET = Number(process.env.TARGET ?? 500);
const LATENCY = String(process.env.LATENCY ?? 9000);
const WINDOW_MS = 5000;

const server = await startServer({ root: dist });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

const COMPARE = Boolean(process.env.COMPARE);

// Messages in flight on every canvas shown (two in compare mode).
const inFlight = async (page) =>
  (await page.locator('.cv-count').allTextContents())
    .map((t) => Number(t.match(/\d+/)?.[0] ?? 0))
    .reduce((a, b) => a + b, 0);

async function measure(page, cdp, label) {
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n) => metrics.find((m) => m.name === n)?.value ?? 0;
    return { task: get('TaskDuration'), ts: get('Timestamp') };
  };
  const before = await inFlight(page);
  // Busy share first, with nothing of ours in the page: a measuring
  // requestAnimationFrame loop would itself make the browser render every
  // frame, which the app does not need (its clock wakes on a timer and
  // the token worker animates off the main thread).
  const m0 = await metric();
  await page.waitForTimeout(WINDOW_MS);
  const m1 = await metric();
  // Then how smooth frames are, over another window.
  const deltas = await page.evaluate(
    (ms) =>
      new Promise((done) => {
        const out = [];
        let last = performance.now();
        const t0 = last;
        const tick = (now) => {
          out.push(now - last);
          last = now;
          if (now - t0 < ms) requestAnimationFrame(tick);
          else done(out);
        };
        requestAnimationFrame(tick);
      }),
    WINDOW_MS,
  );
  const after = await inFlight(page);
  deltas.shift();
  deltas.sort((a, b) => a - b);
  const q = (p) => deltas[Math.min(deltas.length - 1, Math.floor(p * deltas.length))];
  const busy = (m1.task - m0.task) / (m1.ts - m0.ts);
  console.log(
    `${label}: ${before}→${after} messages in flight; ` +
      `rAF p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${deltas[deltas.length - 1].toFixed(1)} ms ` +
      `(${deltas.length} frames ≈ ${((deltas.length * 1000) / WINDOW_MS).toFixed(0)} fps); ` +
      `main thread busy ${(busy * 100).toFixed(1)}%`,
  );
  return { busy, p50: q(0.5), p95: q(0.95) };
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`console ${m.type()}: ${m.text()}`);
  });
  await page.goto(server.url);
  await page.waitForSelector('[data-ready="true"]');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');

  // Slow every link so messages stay in flight.
  for (const peer of ['Meter ↔ Broker', 'Broker ↔ Billing', 'Broker ↔ Load balancer', 'Broker ↔ Analytics']) {
    await page.getByRole('button', { name: new RegExp(`^Link ${peer}`) }).click();
    const menu = page.getByRole('dialog', { name: 'Link actions' });
    await menu.getByRole('spinbutton', { name: 'Latency' }).fill(LATENCY);
    await menu.getByRole('spinbutton', { name: 'Jitter' }).fill('1000');
    await menu.getByRole('button', { name: 'Apply settings' }).click();
    await menu.waitFor({ state: 'detached' });
  }
  if (COMPARE) {
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.locator('.compare-side[data-side="b"]').waitFor();
    await page.getByRole('checkbox', { name: 'Act on both' }).check();
  }
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(1000);
  await measure(page, cdp, 'baseline (playing, few messages)');

  const burst = page.getByRole('button', { name: 'Burst of readings' });
  const t0 = Date.now();
  while ((await inFlight(page)) < TARGET && Date.now() - t0 < 30_000) {
    await burst.click();
    await page.waitForTimeout(120);
  }
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  const r = await measure(page, cdp, `~${TARGET} in flight`);
  if (process.env.PAUSED) {
    await page.keyboard.press(' ');
    await measure(page, cdp, 'paused with the same messages');
  }
  await page.screenshot({ path: join(here, '..', '..', 'target', 'bench-animate.png') }).catch(() => {});
  await context.close();
  console.log(
    `summary: rAF p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, main thread busy ${(r.busy * 100).toFixed(1)}%`,
  );
} finally {
  await browser.close();
  await server.close();
}
