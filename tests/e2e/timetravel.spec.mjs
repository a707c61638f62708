// End to end, the study flow of issue 7: play, crash a service, repair it
// and let the run converge, then travel back to the crash with the event
// log and see the world as it was. (Selecting an arrow and seeing the same
// event selected in the log is covered by tests/browser_study.rs.)

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, until, meterSays, speed, play, choose, stopWorkload, openDock } from './helpers.mjs';

const now = async (page) => Number((await page.locator('.ctl-time').textContent()).match(/t = ([\d.]+) s/)?.[1] ?? 0);

export async function travelBackToACrashAndSeeTheEarlierState({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1440, height: 900 } });
  await speed(page, '4×');
  await play(page);
  await until(page, 'virtual time 3 s', async () => (await now(page)) >= 3);

  await choose(page, /^Billing[ ,]/, 'Crash Billing');
  await page.getByRole('button', { name: /^Billing crashed, service/ }).waitFor();
  const seenDown = await now(page);
  await until(page, 'two seconds of the crash', async () => (await now(page)) >= seenDown + 2);
  await choose(page, /^Billing crashed, service/, 'Restart Billing');
  await stopWorkload(page, 'Meters report');
  await meterSays(page, /^All replicas converged/);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const end = await now(page);

  // Find the crash in the log and go there.
  await openDock(page, 'Event log');
  const log = page.getByRole('region', { name: 'Event log' });
  await log.getByLabel('Kind').selectOption('crash');
  const crashLine = log.getByRole('button', { name: /Billing crashed/ }).first();
  await crashLine.click();
  assert.equal(await crashLine.getAttribute('aria-pressed'), 'true', 'the crash is selected');
  const slider = page.getByRole('slider', { name: 'Virtual time' });
  await until(page, 'the playhead to move back', async () => (await now(page)) < end);
  const at = await now(page);
  assert.ok(at >= 3 && at <= seenDown, `the playhead is at the crash (${at} s, seen down at ${seenDown} s)`);
  assert.match(await slider.getAttribute('aria-valuetext'), new RegExp(`^${at.toFixed(1)} s of`));
  // The world as it was: Billing is down again. Scrub forward a little
  // (0.1 s per arrow key) while it is down: the meter says Billing is stuck
  // at that moment, as it did during the run.
  await page.getByRole('button', { name: /^Billing crashed, service/ }).waitFor();
  await slider.focus();
  for (let i = 0; i < 30 && !/Billing: stuck/.test(await page.locator('.meter').textContent()); i++) {
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(50);
  }
  assert.match(await page.locator('.meter').textContent(), /Billing: stuck/);
  assert.ok((await now(page)) < seenDown + 2, 'still within the crash');
  await page.getByRole('button', { name: /^Billing crashed, service/ }).waitFor();
  await page.screenshot({ path: join(shotDir, 'timetravel-at-crash.png') });

}
