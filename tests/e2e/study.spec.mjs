// End-to-end tests of the study views (timeline, divergence chart,
// space-time diagram, event log) against the release build. The flows
// that need time to pass (play, inject a fault, scrub back) are covered by
// tests/browser_study.rs until the controls land; these check what a
// learner meets on a fresh page: a real, named slider, accessible views,
// and SVG exports that stand on their own.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { open, openDock } from './helpers.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

export async function timelineIsARealNamedSlider({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL);
  const slider = page.getByRole('slider', { name: 'Virtual time' });
  await slider.waitFor();
  assert.equal(await slider.getAttribute('aria-valuetext'), '0.0 s of 0.0 s');
  assert.equal(await slider.getAttribute('type'), 'range');
  await slider.focus();
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+ArrowLeft');
  assert.equal(await slider.getAttribute('aria-valuetext'), '0.0 s of 0.0 s', 'nothing to scrub yet');
  assert.match(await page.getByRole('region', { name: 'Timeline' }).textContent(), /Home/);

  await openDock(page, 'Event log');
  const log = page.getByRole('region', { name: 'Event log' });
  assert.match(await log.textContent(), /Nothing has happened yet/);
  await page.getByRole('combobox', { name: 'Kind' }).selectOption('violation');
  assert.match(await log.textContent(), /No events match these filters yet/);

  await openDock(page, 'Divergence');
  await page.getByRole('region', { name: 'Divergence over time' }).waitFor();
  await page.getByRole('group', { name: /Divergence chart/ }).waitFor();
  await openDock(page, 'Space-time');
  await page.getByRole('region', { name: 'Space-time diagram' }).waitFor();
  await page.getByRole('group', { name: /Space-time diagram/ }).waitFor();
  await page.screenshot({ path: join(shotDir, 'study-fresh.png') });
}

export async function studyViewsPassAxe({ newPage, baseURL }) {
  const views = [
    ['State', '.tb'],
    ['Divergence', '.chart'],
    ['Space-time', '.spacetime'],
    ['Event log', '.event-log'],
  ];
  for (const colorScheme of ['light', 'dark']) {
    const page = await open(newPage, baseURL, { colorScheme });
    await page.addScriptTag({ path: AXE });
    for (const [tab, sel] of views) {
      await openDock(page, tab);
      await page.locator(sel).first().waitFor();
      const result = await page.evaluate(async (sel) =>
        // eslint-disable-next-line no-undef
        axe.run({ include: [['.timeline'], ['.dock'], [sel]] }),
      sel);
      const problems = result.violations.map(
        (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
      );
      assert.deepEqual(problems, [], `${colorScheme}, ${tab}: axe violations`);
    }
  }
}

export async function chartAndDiagramExportStandaloneSvg({ newPage, baseURL }) {
  const page = await open(newPage, baseURL);
  for (const [tab, region, suffix, mustHave] of [
    ['Divergence', 'Divergence over time', 'divergence.svg', 'Staleness'],
    ['Space-time', 'Space-time diagram', 'spacetime.svg', 'Meter'],
  ]) {
    await openDock(page, tab);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('region', { name: region }).getByRole('button', { name: 'Export SVG' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `converge-event-driven-${suffix}`);
    const svg = await readFile(await download.path(), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(svg.includes(mustHave), `${suffix} mentions ${mustHave}`);
    assert.ok(!svg.includes('var(--'), `${suffix} has inline colours`);
    // It renders on its own, outside the app.
    const img = await page.evaluate(async (text) => {
      const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
      const im = new Image();
      im.src = url;
      await im.decode();
      URL.revokeObjectURL(url);
      return [im.naturalWidth, im.naturalHeight];
    }, svg);
    assert.ok(img[0] > 300 && img[1] > 100, `${suffix} decodes as an image: ${img}`);
  }
}
