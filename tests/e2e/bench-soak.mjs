// Browser benchmark: long runs and long links. Prints numbers and a table;
// asserts nothing about speed. Not a test: run.mjs only picks up
// *.spec.mjs files.
//
//   node tests/e2e/bench-soak.mjs [dist-dir]
//
// 1. Soak: for each pattern, a fresh page plays at 16× for SOAK_MINUTES
//    (3) real minutes while a learner acts every ~SOAK_EVERY_MS (5,000,
//    jittered ±1 s, seeded): crash or restart a service and cut or heal a
//    link through the canvas menus, switch pattern (and back the next
//    time), seek on the timeline, flip a toggle, run a workload action.
//    Time stops at 10:00, so whenever the run stands still the learner
//    seeks back to a random moment and presses Play again. Reports, per
//    pattern: console errors; JS heap (after a forced GC), wasm memory
//    (WebAssembly.Memory buffer byteLength) and DOM nodes at start and
//    end; the longest task (PerformanceObserver 'longtask') and what the
//    learner had just done; tasks over 100 ms; the main thread's busy
//    share (CDP TaskDuration over wall time).
// 2. Links: opens each pattern's largest link (tests/e2e/long-links.json:
//    2,000 actions, playhead at 10:00) in a fresh page SOAK_LINK_RUNS (2)
//    times and reports, from navigation: interactive (the app mounted and
//    a frame painted after it), done (the clock reads 600.0 s and no
//    replay is under way), the longest task of the whole load and once
//    the app is up, and the longest gap between animation frames from
//    interactive to done.
//
// SOAK_ONLY=soak|links runs one half; SOAK_PATTERNS=saga,cqrs picks
// patterns; SOAK_VERBOSE=1 lists the learner's actions; DIST_BEFORE=dir also times the links on another build (e.g.
// the one before sliced replay) for comparison.

import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.argv[2] ?? join(here, '..', '..', 'dist'));
const MINUTES = Number(process.env.SOAK_MINUTES ?? 3);
const EVERY = Number(process.env.SOAK_EVERY_MS ?? 5000);
const LINK_RUNS = Number(process.env.SOAK_LINK_RUNS ?? 2);
const ONLY = process.env.SOAK_ONLY ?? '';
const LINKS = JSON.parse(await readFile(join(here, 'long-links.json'), 'utf8'));
const PATTERNS = [
  { slug: 'event-driven', tab: 'Event-based' },
  { slug: 'background-sync', tab: 'Background sync' },
  { slug: 'saga', tab: 'Saga' },
  { slug: 'cqrs', tab: 'CQRS' },
].filter((p) => !process.env.SOAK_PATTERNS || process.env.SOAK_PATTERNS.split(',').includes(p.slug));

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-precise-memory-info'];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ARGS,
});

// Runs in the page before its scripts: long tasks, the wasm's memory,
// and (for links) when the app mounted, when the replay landed and the
// gaps between frames in between.
function observe() {
  const m = { long: [], memory: null, ready: null, painted: null, done: null, gap: 0 };
  window.__soak = m;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) m.long.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  addEventListener('TrunkApplicationStarted', (e) => {
    m.memory = e.detail?.wasm?.memory ?? m.memory;
  });
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const orig = WebAssembly[name];
    WebAssembly[name] = async function (...args) {
      const r = await orig.apply(this, args);
      const exports = (r.instance ?? r).exports;
      if (exports?.memory instanceof WebAssembly.Memory) m.memory = exports.memory;
      return r;
    };
  }
  const landed = () =>
    /t = 600\.0 s/.test(document.querySelector('.ctl-time')?.textContent ?? '') &&
    !document.querySelector('[role=progressbar]');
  // Times are read with performance.now() in each callback: after a long
  // task Chromium may hand rAF a frame time from before it.
  let last = null;
  const frame = () => {
    const now = performance.now();
    if (m.ready !== null && m.painted === null) {
      m.painted = now;
    } else if (m.ready === null && document.querySelector('[data-ready="true"]')) {
      m.ready = now;
    }
    if (m.painted !== null && m.done === null) {
      if (last !== null) m.gap = Math.max(m.gap, now - last);
      last = now;
      if (landed()) m.done = now;
    }
    if (m.done === null) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

const MB = (b) => (b / 2 ** 20).toFixed(1);

async function sample(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (n) => metrics.find((x) => x.name === n)?.value ?? 0;
  const dom = await page.evaluate(() => ({
    nodes: document.getElementsByTagName('*').length,
    wasm: window.__soak.memory?.buffer.byteLength ?? 0,
    now: performance.now(),
  }));
  return { heap: get('JSHeapUsedSize'), task: get('TaskDuration'), ts: get('Timestamp'), ...dom };
}

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const virtualTime = async (page) =>
  Number((await page.locator('.ctl-time').textContent()).match(/t = ([\d.]+) s/)?.[1] ?? 0);

async function ensurePlaying(page, rand) {
  if (await page.getByRole('button', { name: 'Pause', exact: true }).count()) return;
  if ((await virtualTime(page)) >= 600) {
    // Time stopped at 10:00: go back somewhere first.
    await seek(page, rand);
  }
  await page.getByRole('button', { name: 'Play', exact: true }).click();
}

async function seek(page, rand) {
  const slider = page.getByRole('slider', { name: 'Virtual time' });
  const max = Number(await slider.getAttribute('max'));
  const t = Math.round((rand() * max) / 100) * 100;
  await slider.evaluate((el, t) => {
    el.value = String(t);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, t);
  await page.waitForFunction(() => !document.querySelector('[role=progressbar]'), null, { timeout: 60_000 });
  return `seek to ${(t / 1000).toFixed(1)} s`;
}

/** Opens a canvas element's menu and picks one of `names` (regexps). */
async function canvasMenu(page, selector, names, rand) {
  const items = page.locator(selector);
  const n = await items.count();
  if (!n) return null;
  for (let attempt = 0; attempt < 8; attempt++) {
    const item = items.nth(Math.floor(rand() * n));
    const label = await item.getAttribute('aria-label');
    // By keyboard, as the canvas allows: moving tokens and overlapping
    // shapes make a pointer click on SVG flaky.
    await item.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('dialog');
    await menu.waitFor();
    if ((await menu.getAttribute('aria-label')) === 'Message actions') {
      await menu.getByRole('button', { name: 'Close menu' }).click();
      await menu.waitFor({ state: 'detached' });
      continue;
    }
    // The menu's enabled buttons that do one of `names` (a healthy link's
    // "Heal link" is disabled, say).
    const buttons = menu.locator('button:not([disabled])');
    const texts = (await buttons.allTextContents()).map((t) => t.trim());
    const fit = texts.map((t, i) => [t, i]).filter(([t]) => names.some((re) => re.test(t)));
    if (fit.length) {
      const [text, i] = fit[Math.floor(rand() * fit.length)];
      await buttons.nth(i).click();
      await menu.waitFor({ state: 'detached' });
      return `${text} (${label.split(',')[0]})`;
    }
    await menu.getByRole('button', { name: 'Close menu' }).click();
    await menu.waitFor({ state: 'detached' });
  }
  return null;
}

async function act(page, rand, home, state) {
  const roll = rand();
  if (roll < 0.25) {
    return canvasMenu(page, 'g.cv-node[role=button]', [/^Crash /, /^Restart /], rand);
  }
  if (roll < 0.45) {
    return canvasMenu(page, 'g.cv-link[role=button]', [/^Heal link$/, /^Cut both ways$/], rand);
  }
  if (roll < 0.55) {
    const tabs = ['Event-based', 'Background sync', 'Saga', 'CQRS'].filter((t) => t !== home.tab);
    const to = state.away ? home.tab : tabs[Math.floor(rand() * tabs.length)];
    state.away = !state.away;
    await page.getByRole('tab', { name: to, exact: true }).click();
    return `switch to ${to}`;
  }
  if (roll < 0.75) return seek(page, rand);
  if (roll < 0.9) {
    const switches = page.locator('.stage-side [role=switch]');
    const n = await switches.count();
    if (!n) return null;
    const sw = switches.nth(Math.floor(rand() * n));
    await sw.click();
    return `toggle ${(await sw.getAttribute('id')) ?? '?'}`;
  }
  const actions = page.locator('.pn-actions button');
  const n = await actions.count();
  if (!n) return null;
  const b = actions.nth(Math.floor(rand() * n));
  const text = (await b.textContent()).trim();
  await b.click();
  return `action ${text}`;
}

async function soak(base, p, seed) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(observe);
  await page.goto(base);
  await page.waitForSelector('[data-ready="true"]');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.getByRole('tab', { name: p.tab, exact: true }).click();
  const slider = page.getByRole('slider', { name: 'Speed' });
  await slider.focus();
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForTimeout(2000);
  const start = await sample(page, cdp);
  const rand = rng(seed);
  const log = [];
  const state = { away: false };
  let maxVirtual = 0;
  const t0 = Date.now();
  while (Date.now() - t0 < MINUTES * 60_000) {
    await page.waitForTimeout(EVERY - 1000 + rand() * 2000);
    maxVirtual = Math.max(maxVirtual, await virtualTime(page));
    const at = await page.evaluate(() => performance.now());
    let what;
    try {
      what = await act(page, rand, p, state);
    } catch (e) {
      what = `failed: ${e.message.split('\n').slice(0, 3).join(' / ')}`;
    }
    if (what) log.push({ at, what });
    await ensurePlaying(page, rand);
  }
  const end = await sample(page, cdp);
  // Long tasks while the soak ran (not the app's start).
  const long = (await page.evaluate(() => window.__soak.long)).filter((l) => l.start >= start.now);
  const longest = long.reduce((a, b) => (b.duration > (a?.duration ?? 0) ? b : a), null);
  const cause = longest && [...log].reverse().find((l) => l.at <= longest.start + 50);
  await context.close();
  return {
    pattern: p.slug,
    errors,
    log,
    actions: log.length,
    failed: log.filter((l) => l.what.startsWith('failed')).length,
    maxVirtual,
    start,
    end,
    longest: longest?.duration ?? 0,
    longestAfter: cause
      ? `${cause.what}, +${((longest.start - cause.at) / 1000).toFixed(1)} s`
      : longest
        ? 'playing, before the first action'
        : '-',
    over100: long.filter((l) => l.duration > 100).length,
    busy: (end.task - start.task) / (end.ts - start.ts),
  };
}

async function openLink(base, query) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(observe);
  await page.goto(base + query);
  await page.waitForFunction(() => window.__soak.done !== null, null, { timeout: 300_000, polling: 200 });
  const m = await page.evaluate(() => ({ ...window.__soak, memory: window.__soak.memory?.buffer.byteLength ?? 0 }));
  await context.close();
  // The longest task once the app is up (before it: fetching, compiling
  // and mounting, the same for every link), and over the whole load.
  const after = m.long.filter((l) => l.start + l.duration > m.ready + 1);
  const longest = after.reduce((a, b) => Math.max(a, b.duration), 0);
  const overall = m.long.reduce((a, b) => Math.max(a, b.duration), 0);
  return { interactive: m.painted, done: m.done, longest, overall, gap: m.gap, wasm: m.memory, errors };
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

const servers = [];
try {
  const server = await startServer({ root: dist });
  servers.push(server);
  if (ONLY !== 'links') {
    console.log(`soak: ${MINUTES} min per pattern at 16×, a learner action every ~${EVERY / 1000} s`);
    const rows = [];
    for (const [i, p] of PATTERNS.entries()) {
      const r = await soak(server.url, p, 1000 + i);
      rows.push(r);
      console.log(`  ${p.slug}: ${r.actions} actions (${r.failed} failed), reached ${r.maxVirtual.toFixed(0)} s, ${r.errors.length} console errors`);
      for (const e of r.errors.slice(0, 5)) console.log(`    console: ${e}`);
      if (process.env.SOAK_VERBOSE) for (const l of r.log) console.log(`    ${(l.at / 1000).toFixed(1)} s: ${l.what}`);
    }
    console.log('');
    console.log(
      `| pattern | console errors | JS heap start → end | wasm memory start → end | DOM nodes start → end | longest task (after) | tasks > 100 ms | main thread busy |`,
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      console.log(
        `| ${r.pattern} | ${r.errors.length} | ${MB(r.start.heap)} → ${MB(r.end.heap)} MB | ${MB(r.start.wasm)} → ${MB(r.end.wasm)} MB | ${r.start.nodes} → ${r.end.nodes} | ${r.longest.toFixed(0)} ms (${r.longestAfter}) | ${r.over100} | ${(r.busy * 100).toFixed(0)} % |`,
      );
    }
  }
  if (ONLY !== 'soak') {
    const builds = [['this build', server.url]];
    if (process.env.DIST_BEFORE) {
      const before = await startServer({ root: resolve(process.env.DIST_BEFORE) });
      servers.push(before);
      builds.unshift(['before', before.url]);
    }
    console.log('');
    console.log(`largest links (2,000 actions, playhead 10:00), ${LINK_RUNS} fresh loads each, from navigation:`);
    console.log('| build | pattern | interactive | replay done | longest task (whole load) | longest task once up | longest frame gap once up | wasm memory | console errors |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [name, url] of builds) {
      for (const p of PATTERNS) {
        for (let i = 0; i < LINK_RUNS; i++) {
          const r = await openLink(url, LINKS[p.slug]);
          console.log(
            `| ${pad(name, 10)} | ${pad(p.slug, 15)} | ${lpad(r.interactive.toFixed(0), 6)} ms | ${lpad(r.done.toFixed(0), 6)} ms | ${lpad(r.overall.toFixed(0), 5)} ms | ${lpad(r.longest.toFixed(0), 5)} ms | ${lpad(r.gap.toFixed(0), 5)} ms | ${MB(r.wasm)} MB | ${r.errors.length} |`,
          );
        }
      }
    }
  }
} finally {
  await browser.close();
  for (const s of servers) await s.close();
}
