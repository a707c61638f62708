// Compare mode, as an instructor uses it: the same power grid with and
// without the transactional outbox, one reading, one crash of the Meter
// on both runs at the same moment; run A (no outbox) ends Diverged, run B
// (outbox) Converged; the first difference is named and marked; one link
// reopens both runs on the same moment, and a pair fits an 800×500 embed.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open, until, play, pause, openDock } from './helpers.mjs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const LINKS = JSON.parse(await readFile(join(dirname(fileURLToPath(import.meta.url)), 'long-links.json'), 'utf8'));

const side = (page, name) => page.locator(`.compare-side[data-side="${name}"]`);
const headline = (page, name) => side(page, name).locator('.meter-headline');
const clock = async (page) => Number((await page.locator('.ctl-time').textContent()).match(/t = ([\d.]+) s/)[1]);

/** Opens a canvas element's menu on one side and chooses `action`. */
async function chooseOn(page, name, subject, action) {
  await side(page, name).getByRole('button', { name: subject }).first().click();
  const menu = page.getByRole('dialog');
  await menu.getByRole('button', { name: action, exact: true }).click();
  await menu.waitFor({ state: 'detached' });
}

/** Builds the pair: A without the outbox, B with it; meters quiet. */
async function outboxPair(page) {
  const outbox = () => page.getByRole('switch', { name: 'Transactional outbox', exact: true });
  await outbox().click();
  await page.getByRole('switch', { name: 'Meters report', exact: true }).click();
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await side(page, 'b').waitFor();
  // B is a copy of A; the settings shown are B's.
  const pick = page.getByRole('group', { name: 'Show the settings of run' });
  assert.equal(await pick.getByRole('button', { name: 'B', exact: true }).getAttribute('aria-pressed'), 'true');
  assert.equal(await outbox().getAttribute('aria-checked'), 'false');
  await outbox().click();
  assert.equal(await outbox().getAttribute('aria-checked'), 'true');
  // A's own settings did not change.
  await pick.getByRole('button', { name: 'A', exact: true }).click();
  assert.equal(await outbox().getAttribute('aria-checked'), 'false');
  await pick.getByRole('button', { name: 'B', exact: true }).click();
}

export async function compareTheOutboxOnAndOffWithOneCrash({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1366, height: 768 } });
  await outboxPair(page);
  const diff = page.locator('.compare-diff');
  assert.match(await diff.textContent(), /^A and B agree so far/);

  // Some time passes on one clock: both runs show the same moment.
  await play(page);
  await page.waitForTimeout(600);
  await pause(page);
  const at = await clock(page);
  assert.ok(at > 0, 'time flowed');

  // One reading and a crash of the Meter, on both runs at once.
  await page.getByRole('checkbox', { name: 'Act on both' }).check();
  await page.getByRole('button', { name: 'Send a reading', exact: true }).click();
  await chooseOn(page, 'a', /^Meter[ ,]/, 'Crash Meter');
  await side(page, 'a').getByRole('button', { name: /^Meter crashed/ }).waitFor();
  await side(page, 'b').getByRole('button', { name: /^Meter crashed/ }).waitFor();

  // They part ways there: A wrote the reading and would publish it in a
  // second step; B wrote it with its outbox row.
  await until(page, 'the first difference', async () => /^B first differs/.test(await diff.textContent()));
  const said = await diff.textContent();
  assert.match(said, /^B first differs at [\d.]+ s: Meter wrote reading #1 .*and its outbox row, in one transaction \(A: Meter wrote reading #1 .*published after processing, a separate step\)\)$/);
  const partedAt = Number(said.match(/at ([\d.]+) s/)[1]);
  assert.ok(Math.abs(partedAt - at) < 0.1, `parted at ${partedAt} s, the crash at ${at} s`);
  assert.match(await page.locator('.tl-parted').getAttribute('title'), /^A and B first differ at /);

  // Time flows on both; the Meter comes back on both.
  await play(page);
  await page.waitForTimeout(800);
  await pause(page);
  await chooseOn(page, 'b', /^Meter crashed/, 'Restart Meter');
  await side(page, 'a').getByRole('button', { name: /^Meter[ ,]/ }).first().waitFor();
  await play(page);
  // A lost the reading for good; B's relay published it after the restart.
  await until(page, 'A diverged and B converged', async () =>
    /Diverged/.test(await headline(page, 'a').textContent()) && /converged/i.test(await headline(page, 'b').textContent()));
  await pause(page);
  assert.match(await headline(page, 'a').getAttribute('class'), /\bis-diverged\b/);
  assert.match(await headline(page, 'b').getAttribute('class'), /\bis-converged\b/);
  await page.screenshot({ path: join(shotDir, 'compare-1366.png') });

  // The study views compare too: the chart overlays B on A's axes, the
  // state tables show where A and B hold different values.
  await openDock(page, 'Divergence');
  assert.ok((await page.locator('.ch-line-twin').count()) > 0, 'run B is drawn on the chart');
  assert.match(await page.locator('.ch-legend').textContent(), /faint: run B/);
  assert.match(await page.locator('.ch-readout').textContent(), /^At [\d.]+ s: A: .*\. B: /);
  await openDock(page, 'State');
  const pickState = page.getByRole('group', { name: 'Show the state of' });
  assert.equal(await pickState.getByRole('button', { name: 'A vs B' }).getAttribute('aria-pressed'), 'true');
  await until(page, 'a table of A vs B with a differing value', async () =>
    /A vs B/.test(await page.locator('.tb-table caption').first().textContent()) &&
    (await page.locator('.tb-table td.diverged', { hasText: /^≠ A: .* · B: / }).count()) > 0);
  await page.screenshot({ path: join(shotDir, 'compare-state-1366.png') });
  await pickState.getByRole('button', { name: 'Run B' }).click();
  await until(page, 'run B\'s own tables', async () => !/A vs B/.test(await page.locator('.tb-table caption').first().textContent()));

  // Show goes to the first difference on both.
  const end = await clock(page);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await until(page, 'the playhead at the difference', async () => Math.abs((await clock(page)) - partedAt) < 0.11);

  // The address holds both runs and reopens them on the same moment.
  await page.getByRole('slider', { name: 'Virtual time' }).focus();
  await page.keyboard.press('End');
  await until(page, `the playhead back at ${end} s`, async () => (await clock(page)) >= end - 0.1);
  await page.waitForFunction(() => location.search.startsWith('?s=Ag'));
  await page.waitForTimeout(700);
  const link = page.url();
  const again = await open(newPage, link, { viewport: { width: 1366, height: 768 } });
  await side(again, 'b').waitFor();
  assert.equal(await clock(again), await clock(page));
  assert.match(await headline(again, 'a').textContent(), /Diverged/);
  assert.match(await headline(again, 'b').textContent(), /converged/i);
  assert.equal(await again.locator('.compare-diff').textContent(), said);
  const outboxOn = async (p, name) => {
    await p.getByRole('group', { name: 'Show the settings of run' }).getByRole('button', { name, exact: true }).click();
    return p.getByRole('switch', { name: 'Transactional outbox', exact: true }).getAttribute('aria-checked');
  };
  assert.equal(await outboxOn(again, 'A'), 'false');
  assert.equal(await outboxOn(again, 'B'), 'true');

  // Close compare: run A stays as it was, alone.
  await again.getByRole('button', { name: 'Close compare' }).click();
  await again.locator('.compare').waitFor({ state: 'detached' });
  assert.match(await again.getByRole('status', { name: 'Consistency' }).textContent(), /Diverged/);
  await again.waitForFunction(() => location.search.startsWith('?s=AQ'));
}

export async function aPairFitsAnEmbed({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1366, height: 768 } });
  await outboxPair(page);
  await page.waitForFunction(() => location.search.startsWith('?s=Ag'));
  await page.waitForTimeout(700);
  for (const dark of [false, true]) {
    const embed = await open(newPage, `${page.url()}&embed`, { viewport: { width: 800, height: 500 }, colorScheme: dark ? 'dark' : 'light' });
    await side(embed, 'b').waitFor();
    const fit = await embed.evaluate(() => {
      const r = (sel) => document.querySelector(sel).getBoundingClientRect();
      const a = r('.compare-side[data-side="a"] .stage-canvas');
      const b = r('.compare-side[data-side="b"] .stage-canvas');
      return { a, b, sw: document.scrollingElement.scrollWidth, sh: document.scrollingElement.scrollHeight };
    });
    assert.ok(fit.sw <= 800 && fit.sh <= 500, `the embed does not scroll (${fit.sw}×${fit.sh})`);
    for (const c of [fit.a, fit.b]) {
      assert.ok(c.bottom <= 500 && c.right <= 800 && c.height >= 120, `a canvas fits: ${JSON.stringify(c)}`);
    }
    // Each meter is one line.
    for (const name of ['a', 'b']) {
      const strip = await side(embed, name).locator('.meter-strip').boundingBox();
      assert.ok(strip.height <= 44, `meter ${name} is one line (${strip.height} px)`);
    }
    await embed.screenshot({ path: join(shotDir, `compare-embed-800x500${dark ? '-dark' : ''}.png`) });
  }
}

export async function comparingLateInALongRunCatchesBUpWithoutClaimingAVerdict({ newPage, baseURL, shotDir }) {
  // The largest event-based link (the longest replay of the four): ten
  // minutes, 2,000 actions. Once it has landed, Compare makes run B,
  // which must replay to 600 s before it can be compared; the page
  // answers meanwhile and nothing claims B's standing.
  const page = await open(newPage, baseURL + LINKS['event-driven'], { viewport: { width: 1366, height: 768 } });
  await page.getByRole('progressbar').waitFor({ state: 'detached', timeout: 120_000 });
  const a = (await page.locator('.meter-headline').textContent()) ?? '';
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await side(page, 'b').waitFor();
  const bar = page.locator('.compare-diff');
  assert.match(await bar.textContent(), /^Catching up: the runs are compared once both reach the same moment/);
  assert.match(await headline(page, 'b').textContent(), /Replaying to 600\.0 s/);
  assert.equal(await page.locator('.compare-show').count(), 0, 'no first difference is offered while B catches up');
  await page.screenshot({ path: join(shotDir, 'compare-catching-up.png') });
  // The page answers while B replays.
  await page.getByRole('tab', { name: 'Event log', exact: true }).click();
  assert.equal(await page.getByRole('tab', { name: 'Event log', exact: true }).getAttribute('aria-selected'), 'true');
  // B lands on A's moment: the same run, so the same verdict, and the bar
  // compares them.
  await until(page, 'B to land', async () => !/Catching up/.test(await bar.textContent()), 120_000);
  assert.equal(await headline(page, 'b').textContent(), a);
  assert.match(await bar.textContent(), /^A and B agree so far/);
  assert.match(await page.locator('.ctl-time').textContent(), /t = 600\.0 s/);
}
