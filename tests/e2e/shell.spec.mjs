// End-to-end tests of the app shell against the release build.
// Each export is one test; tests/e2e/run.mjs runs them and fails a test on
// any console error/warning, uncaught exception or failed request.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { open } from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

const TABS = [
  { name: 'Event-based', slug: 'event-driven', says: 'publishes an event' },
  { name: 'Background sync', slug: 'background-sync', says: 'scheduled job' },
  { name: 'Saga', slug: 'saga', says: 'compensating actions' },
  { name: 'CQRS', slug: 'cqrs', says: 'read models' },
];

async function selectedTabs(page) {
  return page.$$eval('.tabs [role=tab][aria-selected=true]', (els) => els.map((e) => e.textContent.trim()));
}

export async function clickingEachTabShowsThatPattern({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Converge');
  assert.match(await page.locator('header').textContent(), /diverge and converge/);
  assert.equal(await page.getByRole('tablist', { name: 'Consistency patterns' }).getByRole('tab').count(), TABS.length);

  for (const { name, slug, says } of TABS) {
    const tab = page.getByRole('tab', { name, exact: true });
    await tab.click();
    assert.equal(await tab.getAttribute('aria-selected'), 'true', `${name} selected`);
    assert.deepEqual(await selectedTabs(page), [name]);

    const panel = page.getByRole('tabpanel', { name, exact: true });
    await panel.waitFor();
    assert.equal(await panel.getByRole('heading', { level: 2 }).first().textContent(), name);
    assert.match(await panel.textContent(), new RegExp(says), `${name} stage describes the pattern`);
    assert.equal(await panel.getAttribute('id'), await tab.getAttribute('aria-controls'));

    await page.mouse.move(0, 0);
    await page.waitForTimeout(250); // let the tab transitions settle
    await page.screenshot({ path: join(shotDir, `tab-${slug}.png`) });
  }
}

export async function arrowKeysMoveBetweenTabs({ newPage, baseURL }) {
  const page = await open(newPage, baseURL);
  await page.getByRole('tab', { name: 'Event-based' }).focus();

  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selectedTabs(page), ['Background sync']);
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Background sync');

  await page.keyboard.press('End');
  assert.deepEqual(await selectedTabs(page), ['CQRS']);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await selectedTabs(page), ['Event-based'], 'ArrowRight wraps to the first tab');
  await page.keyboard.press('ArrowLeft');
  assert.deepEqual(await selectedTabs(page), ['CQRS'], 'ArrowLeft wraps to the last tab');

  // Tab leaves the tablist (roving tabindex: one tab stop) for the next
  // control of the header (Compare, then Present); the panel the tabs
  // control shows CQRS.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.closest('[role=tablist]')), null);
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Compare');
  assert.equal(await page.getByRole('tabpanel').getByRole('heading', { level: 2 }).first().textContent(), 'CQRS');
}

export async function noSeriousAccessibilityViolations({ newPage, baseURL }) {
  for (const colorScheme of ['light', 'dark']) {
    const page = await open(newPage, baseURL, { colorScheme });
    for (const { name } of [TABS[0], TABS[2]]) {
      await page.getByRole('tab', { name, exact: true }).click();
      await page.addScriptTag({ path: AXE });
      const { violations } = await page.evaluate(() =>
        window.axe.run(document, { resultTypes: ['violations'] }),
      );
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      for (const v of violations.filter((v) => !bad.includes(v))) {
        console.log(`  note (${colorScheme}, ${name}): axe ${v.impact} ${v.id}: ${v.help}`);
      }
      assert.deepEqual(
        bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
        [],
        `axe violations in ${colorScheme} scheme on the ${name} tab`,
      );
    }
  }
}

export async function layoutFitsFromSmallToWideScreens({ newPage, baseURL, shotDir }) {
  const sizes = [
    { width: 800, height: 500 },
    { width: 1280, height: 800 },
    { width: 1920, height: 1080 },
  ];
  for (const viewport of sizes) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await open(newPage, baseURL, { viewport, colorScheme });
      const m = await page.evaluate(() => {
        const box = (sel) => document.querySelector(sel).getBoundingClientRect().toJSON();
        return {
          scrollWidth: document.documentElement.scrollWidth,
          tabs: [...document.querySelectorAll('.tabs [role=tab]')].map((t) => t.getBoundingClientRect().toJSON()),
          canvas: box('.stage-canvas'),
          side: box('.stage-side'),
        };
      });
      const where = `${viewport.width}x${viewport.height} ${colorScheme}`;
      assert.ok(m.scrollWidth <= viewport.width, `${where}: no horizontal scroll (${m.scrollWidth}px)`);
      for (const t of m.tabs) assert.ok(t.right <= viewport.width, `${where}: every tab visible`);
      assert.ok(m.canvas.width > m.side.width, `${where}: canvas is the main area`);
      assert.ok(m.side.left >= m.canvas.right, `${where}: side panel sits right of the canvas`);
      assert.ok(m.canvas.height >= 180, `${where}: canvas has room (${m.canvas.height}px)`);
      await page.screenshot({ path: join(shotDir, `layout-${viewport.width}x${viewport.height}-${colorScheme}.png`) });
    }
  }
}
