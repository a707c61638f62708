// The meter's three states, seen as a learner sees them on the Event-based
// pattern: readings on their way ("Catching up", amber), a cut link that
// holds them back ("Stuck", naming the link), and readings lost for good
// with at-most-once delivery to a crashed consumer ("Diverged", naming the
// drop, with a button that goes to it). Words and icons, not colour alone.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, until, meterSays, viewSays, speed, play, pause, choose } from './helpers.mjs';

const headline = (page) => page.locator('.meter-headline');

export async function meterTellsCatchingUpStuckAndDiverged({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1366, height: 768 } });
  await speed(page, '2×');
  await play(page);

  // 1. No fault: consumers trail the meters. Never red.
  await meterSays(page, /^Catching up: /);
  assert.match(await headline(page).getAttribute('class'), /\bis-catching-up\b/);
  assert.equal((await page.locator('.meter-headline .meter-icon').textContent()).trim(), '\u21bb');
  await viewSays(page, /catching up, .* (in flight|in the outbox|queued in the broker|waiting for the next batch)/);
  await page.screenshot({ path: join(shotDir, 'standing-catching-up.png') });

  // 2. Cut Broker ↔ Billing: the readings wait in the broker, Billing is stuck on the link.
  await choose(page, /^Link Broker ↔ Billing/, 'Cut both ways');
  await meterSays(page, /^Stuck: Billing/);
  assert.match(await headline(page).getAttribute('class'), /\bis-stuck\b/);
  await viewSays(page, /Billing: stuck, .*waiting: link Broker → Billing cut at \d+\.\d s/);
  const billingBox = page.locator('.cv-node[data-node="Billing"]');
  assert.match(await billingBox.getAttribute('class'), /\bstanding-stuck\b/);
  assert.match(await billingBox.getAttribute('aria-label'), /, stuck$/);
  await page.screenshot({ path: join(shotDir, 'standing-stuck.png') });
  await choose(page, /^Link Broker ↔ Billing/, 'Heal link');
  await until(page, 'Billing no longer stuck', async () => !/Billing: stuck/.test(await page.locator('.meter-views').textContent()));

  // 3. At-most-once delivery, then crash Billing: what the broker hands it
  //    while it is down is lost for good, and the meter names the drop.
  await page.getByRole('switch', { name: 'At-most-once delivery', exact: true }).click();
  await choose(page, /^Billing[ ,]/, 'Crash Billing');
  await meterSays(page, /^Diverged: Billing/);
  assert.match(await headline(page).getAttribute('class'), /\bis-diverged\b/);
  await viewSays(page, /Billing: diverged, .*reading #\d+ was lost on the way to Billing \(at-most-once: never delivered again\), \d+\.\d s/);
  assert.match(await billingBox.getAttribute('class'), /\bstanding-diverged\b/);
  await pause(page);
  await page.screenshot({ path: join(shotDir, 'standing-diverged.png') });

  // "Show event" goes to the moment of the loss.
  const row = page.locator('.meter-view.is-diverged', { hasText: 'Billing:' });
  const lostAt = Number((await row.locator('.meter-view-text').textContent()).match(/never delivered again\), (\d+\.\d) s/)[1]);
  await row.getByRole('button', { name: /^Show the event that lost Billing/ }).click();
  await until(page, `the playhead at ${lostAt} s`, async () => {
    const t = Number((await page.locator('.ctl-time').textContent()).match(/t = ([\d.]+) s/)?.[1] ?? -1);
    return Math.abs(t - lostAt) < 0.11;
  });
  // There the drop has just happened: Billing is already diverged.
  await meterSays(page, /^Diverged: Billing/);
}

export async function stateStripOnTheDivergenceChart({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1366, height: 768 } });
  await speed(page, '4×');
  await play(page);
  await until(page, 'virtual time 6 s', async () => {
    const t = Number((await page.locator('.ctl-time').textContent()).match(/t = ([\d.]+) s/)?.[1] ?? 0);
    return t >= 6;
  });
  await pause(page);
  const tab = page.getByRole('tablist', { name: 'Study views' }).getByRole('tab', { name: 'Divergence', exact: true });
  await tab.click();
  await page.locator('.ch-state-catching-up').first().waitFor();
  assert.equal(await page.locator('rect.ch-state-diverged').count(), 0, 'no fault, nothing diverged');
  const legend = await page.locator('.ch-legend').textContent();
  assert.match(legend, /catching up.*stuck.*diverged/);
  await page.screenshot({ path: join(shotDir, 'standing-chart.png') });
}

export async function backgroundSyncMeterTellsTheThreeStates({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1366, height: 768 } });
  await page.getByRole('tab', { name: 'Background sync', exact: true }).click();
  await speed(page, '4×');
  await play(page);

  // 1. Edits wait for the next sync run: catching up, never red.
  await meterSays(page, /^Catching up: Warehouse/);
  assert.match(await headline(page).getAttribute('class'), /\bis-catching-up\b/);
  await viewSays(page, /Warehouse: catching up/);

  // 2. Cut the job off the warehouse: the changes wait, stuck on the link.
  await choose(page, /^Link Sync job ↔ Warehouse/, 'Cut both ways');
  await meterSays(page, /^Stuck: Warehouse/);
  assert.match(await headline(page).getAttribute('class'), /\bis-stuck\b/);
  await viewSays(page, /Warehouse: stuck, .*waiting: link .*cut at \d+\.\d s/);
  await page.screenshot({ path: join(shotDir, 'standing-sync-stuck.png') });
  await choose(page, /^Link Sync job ↔ Warehouse/, 'Heal link');
  await until(page, 'Warehouse no longer stuck', async () => !/Warehouse: stuck/.test(await page.locator('.meter-views').textContent()));

  // 3. An updated_at watermark with the source's clock 2 s behind skips
  //    rows for good: diverged, naming the change and why.
  await page.locator('summary', { hasText: 'Settings' }).click();
  for (const [label, value] of [['Strategy', '1'], ['Source clock skew', '-2000']]) {
    const input = page.getByLabel(label, { exact: true });
    await input.fill(value);
    await input.blur();
  }
  await meterSays(page, /^Diverged: Warehouse/);
  assert.match(await headline(page).getAttribute('class'), /\bis-diverged\b/);
  await viewSays(page, /Warehouse: diverged, .*change #\d+ (got an updated_at behind the watermark|was skipped by the watermark)/);
  await pause(page);
  await page.screenshot({ path: join(shotDir, 'standing-sync-diverged.png') });
}
