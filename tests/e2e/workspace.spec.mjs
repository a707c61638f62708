// End-to-end tests of the workspace layout at the sizes people use:
// projectors and laptops (the whole playground in the first viewport, no
// page scroll), phones (one column, never sideways, readable canvas
// names), embeds (everything fits, labels readable, meter lines whole),
// menus inside the viewport, the study dock, the introduction, present
// mode, and axe in each state. They measure bounding boxes, so they fail
// if the layout regresses. Screenshots go to target/e2e/.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { open, play, pause, openDock, until } from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

const DESKTOP = [
  { width: 1280, height: 720 },
  { width: 1366, height: 768 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
];
const PHONES = [
  { width: 360, height: 640 },
  { width: 390, height: 844 },
  { width: 430, height: 932 },
];
const EMBEDS = [
  { width: 800, height: 500 },
  { width: 640, height: 360 },
];
const PATTERNS = ['Event-based', 'Background sync', 'Saga', 'CQRS'];

/** Measures what the layout tests need, in the page (after two frames, so
 * the canvas has been fitted to any new size of its region). */
async function measure() {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const rect = (el) => el && el.getBoundingClientRect().toJSON();
  const all = (sel) => [...document.querySelectorAll(sel)];
  const svg = document.querySelector('.cv-svg');
  const scale = svg ? svg.getBoundingClientRect().width / 1000 : 0;
  const scroller = document.scrollingElement;
  return {
    vw: window.innerWidth,
    vh: window.innerHeight,
    scrollWidth: scroller.scrollWidth,
    scrollHeight: scroller.scrollHeight,
    canvas: rect(document.querySelector('.stage-canvas')),
    fit: rect(document.querySelector('.cv-fit')),
    nodes: all('.cv-node').map((n) => ({ name: n.dataset.node, ...rect(n.querySelector('.cv-box')) })),
    names: all('.cv-node-name').map((t) => ({
      text: t.textContent,
      px: parseFloat(getComputedStyle(t).fontSize) * scale,
    })),
    boxLabels: all('.cv-node-name, .cv-node-summary').map((t) => parseFloat(getComputedStyle(t).fontSize) * scale),
    labels: all('.cv-svg text')
      .filter((t) => t.closest('.cv-down-badge') === null && t.textContent.trim() !== '')
      .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale),
    controls: rect(document.querySelector('.ctl')),
    play: rect(document.querySelector('.ctl-play')),
    headline: rect(document.querySelector('.meter-headline')),
    headlineClipped: (() => {
      const h = document.querySelector('.meter-headline');
      return h ? h.scrollWidth > h.clientWidth + 1 || h.scrollHeight > h.clientHeight + 1 : true;
    })(),
    views: all('.meter-view').map(rect),
    viewsClipped: all('.meter-view-text, .meter-view-short')
      .filter((t) => t.getClientRects().length)
      .some((t) => t.scrollHeight > t.clientHeight + 1 || t.scrollWidth > t.clientWidth + 1),
    side: rect(document.querySelector('.stage-side')),
    meterBox: rect(document.querySelector('.meter')?.closest('.meter-strip, .stage-side')),
    timeline: rect(document.querySelector('.timeline')),
    dock: rect(document.querySelector('.dock-bar')),
    buttons: all('button, input, select, [role=tab]')
      .filter((b) => b.getClientRects().length && !b.closest('.sr-only, [hidden], .dock-panel'))
      .map((b) => ({ what: b.textContent.trim() || b.getAttribute('aria-label') || b.id, ...rect(b) })),
  };
}

/** Every text drawn on the canvas with its rendered size in CSS pixels
 * (font size times the screen transform: the zoom, the label scale and
 * any scale of its mark). */
function canvasTexts() {
  return [...document.querySelectorAll('.cv-svg text, .cv-svg tspan')]
    .filter((t) => [...t.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== ''))
    .filter((t) => getComputedStyle(t).display !== 'none' && t.getBBox().width > 0)
    .map((t) => ({
      text: t.textContent.trim(),
      name: t.classList.contains('cv-node-name'),
      px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
    }));
}

/** Asserts names at `namePx` or more and every other canvas text at 11 px or more. */
function assertCanvasTexts(texts, where, namePx = 12) {
  assert.ok(texts.length >= 3, `${where}: the canvas has text`);
  for (const t of texts) {
    const min = t.name ? namePx : 11;
    assert.ok(t.px >= min - 0.05, `${where}: "${t.text}" reads at ${t.px.toFixed(1)}px (at least ${min})`);
  }
}

const inside = (r, box, slack = 1) =>
  r.left >= box.left - slack &&
  r.top >= box.top - slack &&
  r.right <= box.right + slack &&
  r.bottom <= box.bottom + slack;

function assertNoPageScroll(m, where) {
  assert.ok(m.scrollWidth <= m.vw, `${where}: no sideways scroll (content ${m.scrollWidth}px wide)`);
  assert.ok(m.scrollHeight <= m.vh, `${where}: no page scroll (content ${m.scrollHeight}px high)`);
}

/** The first viewport shows the topology, controls, meter, replica lines and timeline. */
function assertWholePlayground(m, where) {
  const view = { left: 0, top: 0, right: m.vw, bottom: m.vh };
  assertNoPageScroll(m, where);
  assert.ok(m.nodes.length >= 3, `${where}: the topology is drawn`);
  for (const n of m.nodes) {
    assert.ok(inside(n, m.canvas), `${where}: ${n.name} is inside the canvas (${JSON.stringify(n)})`);
    assert.ok(inside(n, view), `${where}: ${n.name} is in the first viewport`);
  }
  assert.ok(inside(m.controls, view), `${where}: the run controls are in view`);
  assert.ok(inside(m.timeline, view), `${where}: the timeline is in view`);
  if (m.dock) assert.ok(inside(m.dock, view), `${where}: the study dock's tabs are in view`);
  assert.ok(inside(m.headline, m.meterBox) && inside(m.headline, view), `${where}: the meter headline is in view`);
  assert.ok(m.views.length > 0, `${where}: the meter has replica lines`);
  for (const v of m.views) assert.ok(inside(v, m.meterBox) && inside(v, view), `${where}: every replica line is in view`);
  assert.ok(m.canvas.height >= 250, `${where}: the canvas has room (${m.canvas.height}px)`);
  for (const n of m.names) assert.ok(n.px >= 11, `${where}: "${n.text}" reads at ${n.px.toFixed(1)}px`);
}

export async function desktopSizesShowTheWholePlaygroundAtOnce({ newPage, baseURL, shotDir }) {
  for (const viewport of DESKTOP) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await open(newPage, baseURL, { viewport, colorScheme });
      const where = `${viewport.width}x${viewport.height} ${colorScheme}`;
      for (const tab of PATTERNS) {
        await page.getByRole('tab', { name: tab, exact: true }).click();
        await page.waitForTimeout(50);
        assertWholePlayground(await page.evaluate(measure), `${where} ${tab}`);
      }
      await page.getByRole('tab', { name: 'Event-based', exact: true }).click();
      await page.mouse.move(0, 0);
      await page.screenshot({ path: join(shotDir, `ws-${viewport.width}x${viewport.height}-${colorScheme}.png`) });
    }
  }
}

export async function anOpenLessonStepStaysInViewWithTheCanvas({ newPage, baseURL, shotDir }) {
  for (const viewport of [DESKTOP[0], DESKTOP[1]]) {
    for (const tab of ['Event-based', 'Saga']) {
      const page = await open(newPage, baseURL, { viewport });
      await page.getByRole('tab', { name: tab, exact: true }).click();
      await page.getByRole('button', { name: 'Start lesson' }).click();
      const pane = page.locator('.lesson');
      await pane.locator('.lesson-step-title').waitFor();
      const steps = Number((await page.locator('.lesson-progress').textContent()).match(/of (\d+)/)[1]);
      for (let step = 0; step < steps; step++) {
        await page.waitForTimeout(100);
        const m = await page.evaluate(measure);
        const where = `${viewport.width}x${viewport.height} ${tab} lesson step ${step + 1}`;
        assertWholePlayground(m, where);
        const parts = await page.evaluate(() =>
          ['.lesson-step-title', '.lesson-body', '.lesson-watch', '.lesson-actions'].map((s) =>
            document.querySelector(s).getBoundingClientRect().toJSON(),
          ),
        );
        // The step's heading, what to watch and its buttons are in view;
        // its text starts in view (a long one scrolls, the buttons stay).
        const [title, body, watch, actions] = parts;
        for (const [what, r] of [['title', title], ['watch', watch], ['buttons', actions]]) {
          assert.ok(inside(r, m.side) && inside(r, { left: 0, top: 0, right: m.vw, bottom: m.vh }),
            `${where}: the step's ${what} is in view (${JSON.stringify(r)} in ${JSON.stringify(m.side)})`);
        }
        assert.ok(body.top >= m.side.top && body.top < m.side.bottom - 60, `${where}: the step's text starts in view`);
        if (step === 0) {
          await page.screenshot({ path: join(shotDir, `ws-lesson-${tab}-${viewport.width}x${viewport.height}.png`) });
        }
        if (step + 1 < steps) await page.getByRole('button', { name: 'Next', exact: true }).click();
      }
    }
  }
}

export async function aStudyViewBesideTheCanvasKeepsEveryCanvasTextReadable({ newPage, baseURL, shotDir }) {
  for (const viewport of [DESKTOP[0], DESKTOP[1]]) {
    const page = await open(newPage, baseURL, { viewport });
    const where = `${viewport.width}x${viewport.height}`;
    for (const tab of PATTERNS) {
      await page.getByRole('tab', { name: tab, exact: true }).click();
      for (const view of ['State', 'Divergence', 'Space-time', 'Event log']) {
        await openDock(page, view);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        assertCanvasTexts(await page.evaluate(canvasTexts), `${where} ${tab}, ${view} open`);
        // The study view keeps room to be read too.
        const panel = await page.locator('#dock-panel').boundingBox();
        assert.ok(panel.height >= 120, `${where} ${tab}: the ${view} view has room (${panel.height}px)`);
        const m = await page.evaluate(measure);
        assertNoPageScroll(m, `${where} ${tab}, ${view} open`);
        for (const n of m.nodes) assert.ok(inside(n, m.canvas), `${where} ${tab}, ${view} open: ${n.name} is inside the canvas`);
        if (view === 'Space-time') {
          await page.screenshot({ path: join(shotDir, `ws-dock-${viewport.width}x${viewport.height}-${tab.replace(/\W+/g, '-')}.png`) });
        }
      }
    }
    // Left out of a compact canvas, the state lines and the broker's table
    // are in the boxes' menus.
    await page.getByRole('tab', { name: 'Event-based', exact: true }).click();
    await openDock(page, 'State');
    if (await page.locator('.cv-svg.compact').count()) {
      await page.getByRole('button', { name: /^Broker [^,]*, broker/ }).click();
      const lines = await page.locator('.cv-menu .cv-menu-parts li').allTextContents();
      assert.ok(lines.length >= 1 && lines.every((l) => /^p\d+: \d+ in the log, billing at \d+/.test(l)), `${where}: the broker's menu lists its partitions: ${lines}`);
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: /^Billing[ ,]/ }).click();
      assert.match(await page.locator('.cv-menu .cv-menu-status').textContent(), /^Running: billed/);
      await page.keyboard.press('Escape');
    }
  }
}

export async function phonesAndSmallEmbedsDrawNoCanvasTextUnder11px({ newPage, baseURL, shotDir }) {
  for (const viewport of PHONES) {
    const page = await open(newPage, baseURL, { viewport, isMobile: true, hasTouch: true });
    for (const tab of PATTERNS) {
      await page.getByRole('tab', { name: tab, exact: true }).click();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assertCanvasTexts(await page.evaluate(canvasTexts), `${viewport.width}x${viewport.height} ${tab}`, 11);
    }
    // The header fits the phone: nothing in it runs past the right edge.
    const over = await page.evaluate(() =>
      [...document.querySelectorAll('.app-header *')]
        .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((el) => el.className || el.tagName),
    );
    assert.deepEqual(over, [], `${viewport.width}x${viewport.height}: the header fits`);
    assert.ok(await page.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
    await page.screenshot({ path: join(shotDir, `ws-phone-text-${viewport.width}x${viewport.height}.png`) });
  }
  for (const viewport of EMBEDS) {
    const page = await newPage({ viewport });
    for (const slug of ['event-driven', 'background-sync', 'saga', 'cqrs']) {
      await page.goto(`${baseURL}?embed&pattern=${slug}`);
      await page.waitForSelector('[data-ready="true"]');
      const pattern = await page.locator('.app').evaluate(() => document.querySelector('.stage').dataset.pattern);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assertCanvasTexts(await page.evaluate(canvasTexts), `embed ${viewport.width}x${viewport.height} ${pattern}`, 11);
    }
    await page.screenshot({ path: join(shotDir, `ws-embed-text-${viewport.width}x${viewport.height}.png`) });
  }
}

export async function phonesScrollDownNeverSideways({ newPage, baseURL, shotDir }) {
  for (const viewport of PHONES) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await open(newPage, baseURL, { viewport, colorScheme, isMobile: true, hasTouch: true });
      const where = `${viewport.width}x${viewport.height} ${colorScheme}`;
      for (const tab of PATTERNS) {
        await page.getByRole('tab', { name: tab, exact: true }).click();
        await page.waitForTimeout(50);
        const m = await page.evaluate(measure);
        assert.ok(m.scrollWidth <= m.vw, `${where} ${tab}: no sideways scroll (${m.scrollWidth}px)`);
        for (const n of m.names) {
          assert.ok(n.px >= 11, `${where} ${tab}: "${n.text}" reads at ${n.px.toFixed(1)}px`);
        }
        for (const b of m.buttons) {
          assert.ok(b.left >= -1 && b.right <= m.vw + 1, `${where} ${tab}: "${b.what}" is reachable (${b.left}..${b.right})`);
        }
        // The canvas pans inside its own region when it is wider than the
        // phone, and says so.
        assert.ok(m.fit.right <= m.vw + 1, `${where} ${tab}: the canvas region fits the width`);
        const pans = await page.evaluate(() => {
          const f = document.querySelector('.cv-fit');
          return f.scrollWidth > f.clientWidth + 1;
        });
        assert.equal(await page.locator('.cv-pan-hint').count(), pans ? 1 : 0, `${where} ${tab}: a pan hint exactly when it pans`);
      }
      await page.getByRole('tab', { name: 'Event-based', exact: true }).click();
      await page.screenshot({ path: join(shotDir, `ws-phone-${viewport.width}x${viewport.height}-${colorScheme}.png`) });
    }
  }
}

export async function embedsFitTheirFrameWithReadableLabels({ newPage, baseURL, shotDir }) {
  for (const viewport of EMBEDS) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await newPage({ viewport, colorScheme });
      await page.goto(`${baseURL}?embed`);
      await page.waitForSelector('[data-ready="true"]');
      const where = `embed ${viewport.width}x${viewport.height} ${colorScheme}`;
      const check = async (label) => {
        const m = await page.evaluate(measure);
        const view = { left: 0, top: 0, right: m.vw, bottom: m.vh };
        assertNoPageScroll(m, `${where} ${label}`);
        for (const n of m.nodes) assert.ok(inside(n, view), `${where} ${label}: ${n.name} fits`);
        // At 800 x 500 the boxes' names and state lines read at 11 px or
        // more; in the smallest embed (640 x 360) the service names do.
        const labels = viewport.width >= 800 ? m.boxLabels : m.names.map((n) => n.px);
        for (const px of labels) assert.ok(px >= 11, `${where} ${label}: a canvas label reads at ${px.toFixed(1)}px`);
        assert.ok(inside(m.headline, view), `${where} ${label}: the meter headline is in view`);
        assert.ok(!m.headlineClipped, `${where} ${label}: the meter headline is whole`);
        assert.ok(!m.viewsClipped, `${where} ${label}: no meter line is cut off`);
        assert.ok(inside(m.play, view), `${where} ${label}: Play is in view`);
      };
      await check('at start');
      await play(page);
      await until(page, 'a second of virtual time', async () =>
        /t = [1-9]/.test(await page.locator('.ctl-time').textContent()),
      );
      await pause(page);
      await check('after playing');
      await page.screenshot({ path: join(shotDir, `ws-embed-${viewport.width}x${viewport.height}-${colorScheme}.png`) });
    }
  }
}

export async function menusOpenInsideTheViewportAndEscapeReturnsFocus({ newPage, baseURL, shotDir }) {
  for (const viewport of [DESKTOP[0], PHONES[1], EMBEDS[0]]) {
    const page = await open(newPage, baseURL, { viewport });
    const where = `${viewport.width}x${viewport.height}`;
    // The rightmost service and the link to it sit at the canvas's right edge.
    for (const subject of [/^Analytics[ ,]/, /^Link Broker ↔ Analytics/, /^Link Meter ↔ Broker/]) {
      const opener = page.getByRole('button', { name: subject });
      await opener.scrollIntoViewIfNeeded();
      await opener.focus();
      await page.keyboard.press('Enter');
      const menu = page.getByRole('dialog');
      await menu.waitFor();
      await page.waitForSelector('.cv-menu.placed');
      const r = await menu.evaluate((el) => el.getBoundingClientRect().toJSON());
      const vw = viewport.width;
      const vh = viewport.height;
      assert.ok(r.left >= 0 && r.top >= 0 && r.right <= vw && r.bottom <= vh, `${where} ${subject}: menu inside the viewport (${JSON.stringify(r)})`);
      // Every control of the menu can be seen whole (no clipped labels).
      const clipped = await menu.evaluate((el) =>
        [...el.querySelectorAll('button')].filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent),
      );
      assert.deepEqual(clipped, [], `${where} ${subject}: menu buttons are whole`);
      if (String(subject).includes('Analytics[')) {
        await page.screenshot({ path: join(shotDir, `ws-menu-${where}.png`) });
      }
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'detached' });
      const focused = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
      assert.match(focused ?? '', subject, `${where}: Escape returns focus to the opener`);
    }
  }
}

export async function theStudyDockCollapsesAndResizes({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: DESKTOP[1] });
  const panel = page.locator('#dock-panel');
  // On a 768 px laptop the dock starts folded, so the canvas has the room.
  assert.equal(await panel.isHidden(), true, 'folded at first on a short screen');
  await openDock(page, 'Event log');
  await page.getByRole('region', { name: 'Event log' }).waitFor();
  let m = await page.evaluate(measure);
  assertNoPageScroll(m, 'dock open');
  for (const n of m.nodes) assert.ok(inside(n, m.canvas), `dock open: ${n.name} still inside the canvas`);
  const sep = page.getByRole('separator', { name: 'Resize the study views' });
  const height = async () => (await panel.boundingBox()).height;
  const h0 = await height();
  assert.equal(Number(await sep.getAttribute('aria-valuenow')), Math.round(h0), 'the separator reports the height');
  // Keyboard: the separator shrinks and grows it.
  await sep.focus();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
  const h1 = await height();
  assert.ok(h1 < h0 - 60, `ArrowDown shrinks the dock (${h0} → ${h1})`);
  await page.keyboard.press('ArrowUp');
  const h2 = await height();
  assert.ok(h2 > h1 + 20, `ArrowUp grows the dock (${h1} → ${h2})`);
  assert.equal(Number(await sep.getAttribute('aria-valuenow')), Math.round(h2));
  // Dragging the separator up grows it, down shrinks it.
  const s = await sep.boundingBox();
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  await page.mouse.down();
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2 - 40, { steps: 4 });
  await page.mouse.up();
  const h3 = await height();
  assert.ok(h3 > h2 + 30, `dragging up grows the dock (${h2} → ${h3})`);
  const s2 = await sep.boundingBox();
  await page.mouse.move(s2.x + s2.width / 2, s2.y + s2.height / 2);
  await page.mouse.down();
  await page.mouse.move(s2.x + s2.width / 2, s2.y + s2.height / 2 + 80, { steps: 4 });
  await page.mouse.up();
  const h4 = await height();
  assert.ok(h4 < h3 - 60, `dragging down shrinks the dock (${h3} → ${h4})`);
  m = await page.evaluate(measure);
  assertNoPageScroll(m, 'dock resized');
  for (const n of m.nodes) assert.ok(inside(n, m.canvas), `dock resized: ${n.name} still inside the canvas`);
  await page.screenshot({ path: join(shotDir, 'ws-dock-open-1366x768.png') });
  // Each view opens in the dock; clicking the open tab folds it.
  for (const name of ['State', 'Divergence', 'Space-time', 'Event log']) await openDock(page, name);
  await page.getByRole('tab', { name: 'Event log', exact: true }).click();
  assert.equal(await panel.isHidden(), true, 'clicking the open tab folds the dock');
  await page.getByRole('button', { name: 'Show views' }).click();
  assert.equal(await panel.isHidden(), false);
}

export async function theIntroductionFoldsOnceTheLearnerPlays({ newPage, baseURL }) {
  const page = await open(newPage, baseURL, { viewport: DESKTOP[0] });
  const description = page.locator('#stage-description');
  assert.equal(await description.isVisible(), true, 'a first visit shows the introduction');
  await play(page);
  await description.waitFor({ state: 'hidden' });
  const more = page.getByRole('button', { name: 'More', exact: true });
  assert.equal(await more.getAttribute('aria-expanded'), 'false');
  const tagline = await page.locator('.stage-tagline').boundingBox();
  assert.ok(tagline.height < 30, `folded to one line (${tagline.height}px)`);
  await more.click();
  assert.equal(await description.isVisible(), true, 'More shows it again');
  await page.getByRole('button', { name: 'Less', exact: true }).click();
  // A later visit starts folded.
  await page.reload();
  await page.waitForSelector('[data-ready="true"]');
  assert.equal(await page.locator('#stage-description').isVisible(), false, 'a second visit starts folded');
}

export async function presentModeEnlargesForAProjector({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: DESKTOP[0] });
  const before = await page.evaluate(measure);
  const body = () => page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.stage-tagline')).fontSize));
  const small = await body();
  await page.locator('body').click({ position: { x: 2, y: 700 } });
  await page.keyboard.press('p');
  await page.waitForSelector('.app.present');
  assert.equal(await page.getByRole('button', { name: 'Present' }).getAttribute('aria-pressed'), 'true');
  assert.ok((await body()) > small, 'larger type');
  assert.equal(await page.locator('.dock').count(), 0, 'study dock hidden');
  await page.getByRole('button', { name: 'Start lesson' }).click();
  await page.locator('.lesson-step-title').waitFor();
  const m = await page.evaluate(measure);
  assertWholePlayground(m, 'present 1280x720 with a lesson');
  assert.ok(m.names[0].px > before.names[0].px, 'larger names on the canvas');
  for (const n of m.names) assert.ok(n.px >= 14, `present: "${n.text}" reads at ${n.px.toFixed(1)}px`);
  await page.screenshot({ path: join(shotDir, 'ws-present-1280x720.png') });
  await page.getByRole('button', { name: 'Present' }).click();
  await page.waitForSelector('.app:not(.present)');
  // A link can open present mode.
  const linked = await newPage({ viewport: DESKTOP[0] });
  await linked.goto(`${baseURL}?present`);
  await linked.waitForSelector('.app.present[data-ready="true"]');
}

export async function everyDesktopSizeHasAMainLandmarkAndNamesThatMatchTheText({ newPage, baseURL }) {
  // Rules axe runs only when asked (experimental, best practice): voice
  // control users say what they see; the page has one main landmark and
  // nothing outside the landmarks.
  const rules = ['label-content-name-mismatch', 'landmark-one-main', 'region'];
  for (const viewport of DESKTOP) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await open(newPage, baseURL, { viewport, colorScheme });
      await page.addScriptTag({ path: AXE });
      for (const tab of PATTERNS) {
        await page.getByRole('tab', { name: tab, exact: true }).click();
        await play(page);
        await page.waitForTimeout(600);
        await pause(page);
        for (const view of [null, 'Space-time']) {
          if (view) await openDock(page, view);
          const { violations } = await page.evaluate((rules) => window.axe.run(document, { runOnly: { type: 'rule', values: rules } }), rules);
          assert.deepEqual(
            violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
            [],
            `axe ${viewport.width}x${viewport.height} ${colorScheme} ${tab}${view ? `, ${view} open` : ''}`,
          );
        }
      }
    }
  }
}

export async function axeFindsNothingSeriousInAnyState({ newPage, baseURL }) {
  const states = [
    { name: 'desktop light', viewport: DESKTOP[0], colorScheme: 'light' },
    { name: 'desktop dark, menu open', viewport: DESKTOP[0], colorScheme: 'dark', menu: true },
    { name: 'desktop, lesson open', viewport: DESKTOP[1], colorScheme: 'light', lesson: true },
    { name: 'phone dark', viewport: PHONES[1], colorScheme: 'dark', isMobile: true },
    { name: 'phone light, menu open', viewport: PHONES[1], colorScheme: 'light', isMobile: true, menu: true },
  ];
  for (const st of states) {
    const page = await open(newPage, baseURL, { viewport: st.viewport, colorScheme: st.colorScheme, isMobile: st.isMobile });
    for (const tab of ['Event-based', 'Saga']) {
      await page.getByRole('tab', { name: tab, exact: true }).click();
      if (st.lesson) {
        await page.getByRole('button', { name: 'Start lesson' }).click();
        await page.locator('.lesson-step-title').waitFor();
      }
      if (st.menu) {
        const box = page.getByRole('button', { name: tab === 'Saga' ? /^Payment[ ,]/ : /^Billing[ ,]/ });
        await box.scrollIntoViewIfNeeded();
        await box.click();
        await page.waitForSelector('.cv-menu.placed');
      }
      await page.addScriptTag({ path: AXE });
      const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
        [],
        `axe, ${st.name}, ${tab}`,
      );
      if (st.menu) {
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'detached' });
      }
    }
  }
}

// The release build keeps the study views out of the first load: their
// code arrives when the dock first shows one. A chunk that cannot arrive
// (offline, a host that left the file out) leaves a message and a way to
// try again, and the rest of the page goes on working.
export async function aStudyViewArrivesWhenFirstShownAndSaysSoIfItCannot({ newPage, baseURL }) {
  const expected = [/split_study/, /Failed to fetch/, /Failed to load resource/];
  const page = await newPage({ viewport: DESKTOP[1] }, { expected });
  const chunks = [];
  page.on('request', (r) => { if (/split_[a-z]+-[0-9a-f]+\.wasm$/.test(r.url())) chunks.push(r.url()); });
  let blocked = true;
  await page.route(/split_study-[0-9a-f]+\.wasm$/, (r) => (blocked ? r.abort('internetdisconnected') : r.continue()));
  await page.goto(baseURL);
  await page.waitForSelector('[data-ready="true"]');
  // On a 768 px laptop the dock starts folded: nothing of it is fetched.
  assert.deepEqual(chunks, [], 'the study views are not part of the first load');
  await openDock(page, 'Event log');
  const alert = page.locator('#dock-panel').getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /could not be loaded/);
  assert.ok(chunks.length >= 1, 'opening the dock asked for the study views');
  // Everything else still works: the run plays on.
  await play(page);
  await until(page, 'the clock to move', async () => /t = [1-9]/.test(await page.locator('.stage').textContent()));
  await pause(page);
  blocked = false;
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('region', { name: 'Event log' }).waitFor();
  assert.equal(await alert.count(), 0, 'the message is gone once the view arrived');
  // Other tabs come from the same chunk, already here.
  const asked = chunks.length;
  await openDock(page, 'State');
  await page.locator('#dock-panel .tb-wrap, #dock-panel table').first().waitFor();
  assert.equal(chunks.length, asked, 'no further request for another tab');
  // Compare mode's views are a chunk too, fetched as the pointer reaches
  // its button, before the click.
  assert.ok(!chunks.some((u) => /split_compare/.test(u)), 'compare mode is not fetched before it is wanted');
  await page.getByRole('button', { name: 'Compare', exact: true }).hover();
  await until(page, 'compare mode to be fetched on hover', async () => chunks.some((u) => /split_compare/.test(u)));
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.getByRole('button', { name: 'Close compare' }).waitFor();
}

// On a slow network the dock says it is loading the view rather than
// staying blank, and the view replaces the line when it arrives.
export async function aSlowStudyViewSaysItIsLoading({ newPage, baseURL }) {
  const page = await newPage({ viewport: DESKTOP[1] });
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route(/split_study-[0-9a-f]+\.wasm$/, async (r) => { await held; await r.continue(); });
  await page.goto(baseURL);
  await page.waitForSelector('[data-ready="true"]');
  await page.getByRole('tablist', { name: 'Study views' }).getByRole('tab', { name: 'Event log', exact: true }).click();
  const loading = page.locator('#dock-panel').getByRole('status').filter({ hasText: 'Loading this view' });
  await loading.waitFor();
  await until(page, 'the loading line to show', async () => (await loading.evaluate((e) => getComputedStyle(e).opacity)) === '1');
  release();
  await page.getByRole('region', { name: 'Event log' }).waitFor();
  assert.equal(await loading.count(), 0, 'the line is gone once the view is here');
}
