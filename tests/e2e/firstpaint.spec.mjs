// End-to-end tests of the static first paint: index.html's #shell shows
// the default view before the wasm arrives, and the app replaces it in
// place (same regions, same text, no layout shift).
//
// Each test holds the .wasm request until it has looked at the shell, so
// nothing depends on timing.

import assert from 'node:assert/strict';
import { join } from 'node:path';

const NODES = ['Meter', 'Broker · meter-readings', 'Billing', 'Load balancer', 'Analytics'];
const TABS = ['Event-based', 'Background sync', 'Saga', 'CQRS'];

// The regions a learner sees; the app must put each where the shell had it.
const REGIONS = [
  '.app-header', '.brand', '.tabs-bar', '.tab', '.header-tools', '.stage-intro', '.stage-title',
  '.stage-description', '.ctl', '.ctl-row', '.stage-canvas', '.cv-legend', '.timeline',
  '.stage-side', '.meter', '.meter-bar-fill', '.lesson', '.meter-checks-box', '.dock', '.dock-bar',
];
// The text they show (visible text only; screen-reader-only text is the app's alone).
const TEXTS = [
  '.brand-name', '.tabs', '.header-tools', '.stage-intro', '.ctl', '.cv-node-name',
  '.cv-node-summary', '.cv-legend', '.timeline', '.meter', '.lesson', '.meter-checks-box', '.dock-bar',
];

/** Opens `query` with the .wasm held back; returns the page and a function that lets it load. */
async function openHeld(newPage, baseURL, query = '', options = {}) {
  const page = await newPage(options);
  await page.addInitScript(() => {
    window.__cls = 0;
    window.__shifts = [];
    const name = (n) => (n ? `${n.nodeName.toLowerCase()}.${String(n.className?.baseVal ?? n.className ?? '').split(' ')[0]}` : '?');
    const rect = (r) => [r.x, r.y, r.width, r.height].map(Math.round).join(',');
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        window.__cls += e.value;
        // Which boxes moved, so a failure says what to fix.
        const what = e.sources.map((s) => `${name(s.node)} ${rect(s.previousRect)} -> ${rect(s.currentRect)}`);
        window.__shifts.push(`${Math.round(e.startTime)} ms ${e.value.toFixed(4)}: ${what.join('; ')}`);
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  let release;
  const held = new Promise((ok) => (release = ok));
  await page.route(/\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(baseURL + query, { waitUntil: 'commit' });
  return { page, release };
}

async function painted(page) {
  await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
}

/** Boxes of the regions and their visible text, in the first `.app` of the page. */
function snapshot(page) {
  return page.evaluate(
    ([regions, texts]) => {
      const app = document.querySelector('.app');
      const visibleText = (el) => {
        const out = [];
        const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
          const p = n.parentElement;
          if (p.closest('.sr-only') || !p.checkVisibility()) continue;
          out.push(n.data);
        }
        return out.join('').replace(/\s+/g, ' ').trim();
      };
      const boxes = {};
      for (const sel of regions) {
        boxes[sel] = [...app.querySelectorAll(sel)].map((el) => {
          const r = el.getBoundingClientRect();
          return [r.x, r.y, r.width, r.height].map((v) => Math.round(v));
        });
      }
      const words = {};
      for (const sel of texts) words[sel] = [...app.querySelectorAll(sel)].map(visibleText);
      return { id: app.id, boxes, words };
    },
    [REGIONS, TEXTS],
  );
}

/** Asserts the app shows the shell's regions in the same places (1 px) and the same words. */
function assertSameView(shell, app, what) {
  assert.equal(shell.id, 'shell', `${what}: the first paint is the shell`);
  assert.notEqual(app.id, 'shell', `${what}: the app replaced the shell`);
  for (const sel of REGIONS) {
    const a = shell.boxes[sel];
    const b = app.boxes[sel];
    assert.equal(a.length, b.length, `${what}: as many ${sel} in the shell as in the app`);
    a.forEach((box, i) =>
      box.forEach((v, j) =>
        assert.ok(Math.abs(v - b[i][j]) <= 1, `${what}: ${sel} #${i} at ${box} in the shell, ${b[i]} in the app`),
      ),
    );
  }
  const squash = (s) => s.replace(/\s+/g, '');
  for (const sel of TEXTS) {
    assert.deepEqual(shell.words[sel].map(squash), app.words[sel].map(squash),
      `${what}: ${sel} reads the same (shell ${JSON.stringify(shell.words[sel])}, app ${JSON.stringify(app.words[sel])})`);
  }
}

async function replaceInPlace({ newPage, baseURL, shotDir }, viewport, name) {
  const { page, release } = await openHeld(newPage, baseURL, '', { viewport });
  await painted(page);
  const shell = page.locator('#shell');
  assert.ok(await shell.isVisible(), 'the shell is painted while the wasm is on its way');
  assert.equal(await page.locator('[data-ready="true"]').count(), 0, 'the app has not started yet');
  await page.screenshot({ path: join(shotDir, `firstpaint-shell-${name}.png`) });
  const before = await snapshot(page);

  release();
  await page.waitForSelector('[data-ready="true"]');
  assert.equal(await shell.count(), 0, 'the app removed the shell');
  await page.waitForTimeout(300); // let late layout shifts be reported
  await page.screenshot({ path: join(shotDir, `firstpaint-app-${name}.png`) });
  const after = await snapshot(page);
  assertSameView(before, after, name);
  const [cls, shifts] = await page.evaluate(() => [window.__cls, window.__shifts]);
  assert.ok(cls < 0.01, `${name}: cumulative layout shift ${cls} (want < 0.01): ${shifts.join(' | ')}`);
  return page;
}

export async function theShellPaintsTheFirstViewBeforeTheWasmArrives({ newPage, baseURL, shotDir }) {
  const { page, release } = await openHeld(newPage, baseURL);
  await painted(page);
  const shell = page.locator('#shell');
  assert.ok(await shell.isVisible());
  // What a learner sees at once: the product, the four tabs (Event-based
  // chosen), the pattern's introduction and its topology.
  assert.equal(await shell.locator('.brand-name').textContent(), 'Converge');
  assert.deepEqual((await shell.locator('.tab').allTextContents()).map((t) => t.trim()), TABS);
  assert.equal(await shell.locator('.tab[aria-selected="true"]').textContent(), 'Event-based');
  assert.equal(await shell.locator('.stage-title').textContent(), 'Event-based');
  assert.ok(await shell.locator('.stage-description').isVisible(), 'a first visit sees the introduction');
  assert.deepEqual(await shell.locator('.stage-canvas .cv-node-name').allTextContents(), NODES);
  for (const n of NODES) {
    assert.ok(await shell.locator('.cv-node-name').getByText(n, { exact: true }).isVisible(), `${n} is drawn`);
  }
  // Nothing in it pretends to work: it is inert until the app replaces it.
  assert.equal(await shell.evaluate((el) => el.inert), true);
  await page.screenshot({ path: join(shotDir, 'firstpaint-held.png') });
  release();
  await page.waitForSelector('[data-ready="true"]');
  assert.equal(await page.locator('.app').count(), 1, 'one app on the page');
}

export async function theAppReplacesTheShellInPlace(ctx) {
  await replaceInPlace(ctx, { width: 1280, height: 800 }, '1280x800');
}

export async function theAppReplacesTheShellInPlaceOnALaptop(ctx) {
  await replaceInPlace(ctx, { width: 1280, height: 720 }, '1280x720');
}

export async function theAppReplacesTheShellInPlaceWithTheDockOpen(ctx) {
  const page = await replaceInPlace(ctx, { width: 1440, height: 1000 }, '1440x1000');
  assert.equal(await page.getByRole('button', { name: 'Hide views' }).count(), 1, 'the dock is open');
}

export async function aReturningVisitorSeesTheIntroductionFolded({ newPage, baseURL, shotDir }) {
  const page = await newPage();
  await page.goto(baseURL);
  await page.waitForSelector('[data-ready="true"]');
  await page.getByRole('button', { name: 'Less', exact: true }).click(); // folds it and remembers the visit

  let release;
  const held = new Promise((ok) => (release = ok));
  await page.route(/\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });
  await page.reload({ waitUntil: 'commit' });
  await page.locator('#shell').waitFor();
  await painted(page);
  assert.equal((await page.locator('#shell .intro-toggle').innerText()).trim(), 'More');
  assert.equal(await page.locator('#shell .stage-description').isVisible(), false);
  const before = await snapshot(page);
  release();
  await page.waitForSelector('[data-ready="true"]');
  await page.screenshot({ path: join(shotDir, 'firstpaint-returning.png') });
  assertSameView(before, await snapshot(page), 'returning visitor');
}

export async function embedsAndPresentModeNeverShowTheShell({ newPage, baseURL }) {
  for (const query of ['?embed', '?embed&autoplay&controls=0', '?present']) {
    const { page, release } = await openHeld(newPage, baseURL, query);
    await page.waitForSelector('html.shell-off', { state: 'attached' });
    await page.waitForSelector('#shell', { state: 'attached' });
    // main.css (which hides the shell here) is applied: it sets the page's background.
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor !== 'rgba(0, 0, 0, 0)');
    assert.equal(await page.locator('#shell').isVisible(), false, `${query}: no shell`);
    release();
    await page.waitForSelector('[data-ready="true"]');
    assert.equal(await page.locator('#shell').count(), 0);
  }
}

export async function withoutScriptsTheShellSaysWhatIsNeeded({ newPage, baseURL }) {
  const page = await newPage({ javaScriptEnabled: false });
  // Chromium still preloads the module script and then refuses it, which
  // the runner counts as a failed request: serve the page without that hint.
  await page.route(baseURL, async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace(/<link[^>]*rel="?modulepreload"?[^>]*>/g, '');
    await route.fulfill({ response: res, body: html });
  });
  await page.goto(baseURL);
  const note = page.locator('body > noscript');
  assert.ok(await note.isVisible(), 'the noscript message shows');
  assert.match(await note.innerText(), /needs JavaScript and WebAssembly/);
  const box = await note.boundingBox();
  assert.ok(box.y < 50, 'above the picture of the app');
}
