// End-to-end tests of the playground, driven the way a learner would: by
// role and accessible name. For each pattern: play, inject a fault by
// clicking a service or a link and choosing from its menu, see the meter
// say "stuck" (the updates wait behind the fault: nothing is lost), repair
// it, stop the workload, see it say "converged".
// Screenshots go to target/e2e/.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, until, meterSays, viewSays, speed, play, choose, stopWorkload } from './helpers.mjs';

const PATTERNS = [
  {
    tab: 'Event-based',
    slug: 'event-driven',
    fault: [/^Billing[ ,]/, 'Crash Billing'],
    shows: /Billing: stuck, \d+ of 12 customers behind/,
    repair: [/^Billing crashed, service/, 'Restart Billing'],
    downLabel: /^Billing crashed, service/,
    workload: 'Meters report',
  },
  {
    tab: 'Background sync',
    slug: 'background-sync',
    fault: [/^Link Sync job ↔ Warehouse/, 'Cut both ways'],
    shows: /Warehouse: stuck/,
    cutLabel: /^Link Sync job ↔ Warehouse: cut both ways/,
    repair: [/^Link Sync job ↔ Warehouse/, 'Heal link'],
    workload: 'Edits',
  },
  {
    tab: 'Saga',
    slug: 'saga',
    fault: [/^Link Orchestrator ↔ Payment/, 'Cut both ways'],
    shows: /Orders vs payments: stuck/,
    cutLabel: /^Link Orchestrator ↔ Payment: cut both ways/,
    repair: [/^Link Orchestrator ↔ Payment/, 'Heal link'],
    workload: 'Customers',
  },
  {
    tab: 'CQRS',
    slug: 'cqrs',
    fault: [/^Balances[ ,]/, 'Crash Balances'],
    shows: /Balances view: stuck/,
    repair: [/^Balances crashed, data store/, 'Restart Balances'],
    downLabel: /^Balances crashed, data store/,
    workload: 'Client',
  },
];

async function faultAndHeal(newPage, baseURL, shotDir, p) {
  const page = await open(newPage, baseURL);
  await page.getByRole('tab', { name: p.tab, exact: true }).click();
  await speed(page, '4×');
  await play(page);
  // Let the workload get going (the first order paid, the first sync run)
  // before the fault, as in the patterns' own tests.
  await until(page, 'virtual time 3 s', async () => {
    const t = Number((await page.locator('.ctl-time').textContent()).match(/t = ([\d.]+) s/)?.[1] ?? 0);
    return t >= 3;
  });

  await choose(page, p.fault[0], p.fault[1]);
  if (p.downLabel) {
    await page.getByRole('button', { name: p.downLabel }).waitFor();
  }
  if (p.cutLabel) {
    await page.getByRole('button', { name: p.cutLabel }).waitFor();
  }
  await viewSays(page, p.shows);
  await meterSays(page, /^Stuck: /);
  await page.screenshot({ path: join(shotDir, `playground-${p.slug}-stuck.png`) });

  await choose(page, p.repair[0], p.repair[1]);
  await stopWorkload(page, p.workload);
  await meterSays(page, /^All replicas converged/);
  const views = await page.locator('.meter-views').textContent();
  assert.doesNotMatch(views, /diverged|stuck|catching up/, 'every view converged');
  await page.screenshot({ path: join(shotDir, `playground-${p.slug}-converged.png`) });

  // The actions went into the run's script: the timeline of faults is replayable.
  const log = await page.evaluate(() => document.body.textContent);
  assert.match(log, /t = \d+\.\d s/);
}

export async function eventBasedCrashDivergesAndRestartConverges({ newPage, baseURL, shotDir }) {
  await faultAndHeal(newPage, baseURL, shotDir, PATTERNS[0]);
}

export async function backgroundSyncCutLinkDivergesAndHealConverges({ newPage, baseURL, shotDir }) {
  await faultAndHeal(newPage, baseURL, shotDir, PATTERNS[1]);
}

export async function sagaCutLinkDivergesAndHealConverges({ newPage, baseURL, shotDir }) {
  await faultAndHeal(newPage, baseURL, shotDir, PATTERNS[2]);
}

export async function cqrsCrashDivergesAndRestartConverges({ newPage, baseURL, shotDir }) {
  await faultAndHeal(newPage, baseURL, shotDir, PATTERNS[3]);
}

export async function aKeyboardUserCanCrashBillingAndUseShortcuts({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 800, height: 500 } });
  const billing = page.getByRole('button', { name: /^Billing[ ,]/ });
  await billing.focus();
  await page.keyboard.press('Enter');
  const menu = page.getByRole('dialog', { name: 'Service actions' });
  await menu.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Crash Billing');
  await page.screenshot({ path: join(shotDir, 'playground-keyboard-menu-800x500.png') });
  await page.keyboard.press('Enter');
  await menu.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: /^Billing crashed, service/ }).waitFor();
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Billing/, 'focus returns to Billing');

  // Escape closes a menu and returns focus.
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', { name: 'Service actions' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Billing/);

  // Shortcuts: ? opens the list, Escape closes it, focus returns.
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /Play or pause/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Billing/);

  // Space plays and pauses; → steps; 3 switches to Saga.
  await page.locator('body').focus();
  await page.evaluate(() => document.activeElement.blur());
  const playBtn = page.locator('.ctl-play');
  await page.keyboard.press(' ');
  assert.equal((await playBtn.textContent()).trim(), 'Pause', 'playing: the button offers to pause');
  await page.keyboard.press(' ');
  assert.equal((await playBtn.textContent()).trim(), 'Play', 'paused: the button offers to play');
  const before = await page.locator('.ctl-time').textContent();
  for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
  assert.notEqual(await page.locator('.ctl-time').textContent(), before, 'stepping advances time');
  await page.keyboard.press('3');
  assert.equal(await page.getByRole('tab', { name: 'Saga' }).getAttribute('aria-selected'), 'true');

  // Typing in a field does not trigger shortcuts.
  const seed = page.getByRole('textbox', { name: 'Seed' });
  await seed.fill('');
  await seed.type('4');
  assert.equal(await page.getByRole('tab', { name: 'Saga' }).getAttribute('aria-selected'), 'true');
  await seed.fill('not a seed');
  await page.getByRole('button', { name: 'Use seed' }).click();
  assert.match(await page.getByRole('alert').filter({ hasText: 'not a seed' }).textContent(), /whole number/);
}

export async function linkMenuSetsLatencyAndValidates({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL);
  await page.getByRole('button', { name: /^Link Meter ↔ Broker/ }).click();
  const menu = page.getByRole('dialog', { name: 'Link actions' });
  await menu.waitFor();
  await menu.getByRole('spinbutton', { name: 'Drop odds' }).fill('250');
  await menu.getByRole('button', { name: 'Apply settings' }).click();
  assert.match(await menu.getByRole('alert').textContent(), /Drop odds must be from 0 to 100/);
  await menu.getByRole('spinbutton', { name: 'Drop odds' }).fill('0');
  await menu.getByRole('spinbutton', { name: 'Latency' }).fill('900');
  await menu.getByRole('button', { name: 'Apply settings' }).click();
  await menu.waitFor({ state: 'detached' });
  assert.match(await page.locator('.cv-lane-note').first().textContent(), /900 ms/);
  // A one-way cut shows on one lane only.
  await page.getByRole('button', { name: /^Link Meter ↔ Broker/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cut Meter → Broker only' }).click();
  await page.getByRole('button', { name: 'Link Meter ↔ Broker: Meter → Broker cut, Broker → Meter healthy' }).waitFor();
  await play(page);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(shotDir, 'playground-oneway-cut.png') });
}
