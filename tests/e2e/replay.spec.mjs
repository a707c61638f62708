// End-to-end tests of long replays: opening the largest link the app
// accepts (2,000 actions, playhead at 10:00) and seeking far on a
// ten-minute run replay in slices across frames, with a progress bar,
// while the page keeps answering; the run lands on the link's moment.
// The links are tests/e2e/long-links.json, written by
// `cargo test --test long_runs -- --ignored print_the_largest_links`
// (a native test checks they are current).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, openDock } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const LINKS = JSON.parse(await readFile(join(here, 'long-links.json'), 'utf8'));

const progress = (page) => page.getByRole('progressbar');
const clock = (page) => page.locator('.ctl-time');
const slider = (page) => page.getByRole('slider', { name: 'Virtual time' });
const percent = async (page) => Number(await progress(page).getAttribute('aria-valuenow'));

export async function aLongLinkShowsProgressAnswersClicksAndLandsOnItsMoment({ newPage, baseURL, shotDir }) {
  // The event-based largest link replays in about a second and a half
  // here (the longest of the four: its views locate thousands of
  // backlogged readings); a CPU slowed six times (a slow laptop) leaves
  // time to click through the replay.
  const page = await newPage({ viewport: { width: 1280, height: 720 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
  await page.goto(baseURL + LINKS['event-driven']);
  await page.waitForSelector('[data-ready="true"]', { timeout: 30_000 });
  // The app is up and the link is replaying: a progress bar says so.
  const bar = progress(page);
  await bar.waitFor();
  assert.match(await bar.getAttribute('aria-label'), /^Replaying the link/);
  const first = await percent(page);
  assert.ok(first >= 0 && first < 100, `aria-valuenow ${first}`);
  assert.equal(await bar.getAttribute('aria-valuemin'), '0');
  assert.equal(await bar.getAttribute('aria-valuemax'), '100');
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(shotDir, 'replay-progress.png') });

  // The page answers while it replays: Play, then Pause, each flip the
  // button at once, and the replay goes on meanwhile.
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.equal(await bar.count(), 1, 'still replaying after both clicks');
  await page.getByRole('tab', { name: 'Event log', exact: true }).click();
  assert.equal(await page.getByRole('tab', { name: 'Event log', exact: true }).getAttribute('aria-selected'), 'true');
  assert.equal(await bar.count(), 1, 'still replaying after opening a study view');
  assert.ok((await percent(page)) > first, 'the replay moves on');
  assert.match(await clock(page).textContent(), /t = 0\.0 s/, 'the run shown stays as it was meanwhile');

  // It lands on the link's moment, paused as the learner left it.
  await bar.waitFor({ state: 'detached', timeout: 120_000 });
  assert.match(await clock(page).textContent(), /t = 600\.0 s/);
  assert.equal(await slider(page).getAttribute('aria-valuetext'), '600.0 s of 600.0 s');
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.match(await page.locator('.stage-canvas [role=status]').textContent(), /^Opened the link: at 600\.0 s\./);
  // The address bar still holds the link's moment.
  assert.ok(page.url().includes('?s='), page.url());
}

export async function cancellingALongLinkLeavesTheRunShownAsItWas({ newPage, baseURL }) {
  // The longest replay of the four, on a CPU slowed four times, so there
  // is time to press Cancel before it lands.
  const page = await newPage({ viewport: { width: 1280, height: 720 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.goto(baseURL + LINKS['event-driven']);
  await page.waitForSelector('[data-ready="true"]', { timeout: 30_000 });
  await progress(page).waitFor();
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await progress(page).waitFor({ state: 'detached' });
  assert.match(await page.locator('.notice-text').textContent(), /^Stopped opening the link at \d+ % of its replay: the run shown is unchanged\./);
  assert.match(await clock(page).textContent(), /t = 0\.0 s/);
  // The run shown plays on as usual.
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(() => /t = [1-9]/.test(document.querySelector('.ctl-time').textContent));
}

/** The state tables' text: every service's data now. */
async function state(page) {
  await openDock(page, 'State');
  // The release build fetches the study views when the dock first shows
  // one: wait for the tables rather than the panel.
  await page.locator('#dock-panel .tb-table').first().waitFor();
  return page.locator('#dock-panel').innerText();
}

export async function seekingFarBackAndForwardLandsOnTheSameState({ newPage, baseURL }) {
  const page = await open(newPage, baseURL + LINKS['event-driven']);
  await progress(page).waitFor({ state: 'detached', timeout: 120_000 });
  assert.match(await clock(page).textContent(), /t = 600\.0 s/);
  const before = await state(page);
  assert.match(before, /\d/);

  // Home: back to the start; End: forward to 10:00 again, a long replay.
  const s = slider(page);
  await s.focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => /t = 0\.0 s/.test(document.querySelector('.ctl-time').textContent));
  assert.notEqual(await state(page), before, 'the start looks different');
  await s.focus();
  await page.keyboard.press('End');
  // The playhead is at the end at once; the views follow when the replay lands.
  assert.equal(await s.getAttribute('aria-valuetext'), '600.0 s of 600.0 s');
  await progress(page).waitFor({ state: 'detached', timeout: 120_000 });
  assert.match(await clock(page).textContent(), /t = 600\.0 s/);
  assert.equal(await state(page), before, 'the same state as before the seeks');

  // Back to the middle and forward again, by the timeline's keys.
  await s.focus();
  for (let i = 0; i < 30; i++) await page.keyboard.press('PageDown');
  await progress(page).waitFor({ state: 'detached', timeout: 120_000 });
  await page.waitForFunction(() => /t = 300\.0 s/.test(document.querySelector('.ctl-time').textContent));
  await s.focus();
  await page.keyboard.press('End');
  await progress(page).waitFor({ state: 'detached', timeout: 120_000 });
  await page.waitForFunction(() => /t = 600\.0 s/.test(document.querySelector('.ctl-time').textContent));
  assert.equal(await state(page), before, 'and again after a seek to the middle');
}
