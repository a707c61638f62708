// End-to-end tests of sharing: a share link replays the same moment in a
// fresh page, import by picker and by drag-and-drop, a bad file or link
// shows a specific notice, the share menu works from the keyboard, and the
// embed example page loads both embeds.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLIPBOARD = { permissions: ['clipboard-read', 'clipboard-write'] };

/// A saga run: most cards declined, a few orders, a crash of Payment and
/// its restart; the playhead at 9 s.
const SCENE = {
  format: 'converge-scene',
  version: 1,
  pattern: 'saga',
  seed: 5,
  speed: 2,
  at: 9000,
  script: [
    { at: 0, cmd: { op: 'set', id: 'declined', value: 60 } },
    { at: 400, cmd: { op: 'action', id: 'place_order' } },
    { at: 1200, cmd: { op: 'crash', node: 2 } },
    { at: 1300, cmd: { op: 'action', id: 'place_order' } },
    { at: 3000, cmd: { op: 'restart', node: 2 } },
    { at: 3500, cmd: { op: 'toggle', id: 'semantic_lock', on: true } },
    { at: 4000, cmd: { op: 'action', id: 'place_order' } },
  ],
};

async function importFile(page, name, json) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: /Export · Embed/ }).click();
  await page.getByRole('menuitem', { name: /Import scenario/ }).click();
  await (await chooser).setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(json) });
}

async function notice(page) {
  const n = page.locator('.notice-text');
  await n.waitFor();
  return n.textContent();
}

async function exportTrace(page) {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export · Embed/ }).click();
  await page.getByRole('menuitem', { name: /Export trace/ }).click();
  const d = await download;
  return readFile(await d.path(), 'utf8');
}

async function stageText(page) {
  return page.locator('#stage').innerText();
}

export async function shareLinkReplaysTheSameMomentInAFreshPage({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, CLIPBOARD);
  await importFile(page, 'orders.scene.json', JSON.stringify(SCENE));
  assert.match(await notice(page), /Opened orders\.scene\.json: Saga, seed 5, 7 actions, at 9\.0 s/);
  assert.equal(
    await page.getByRole('tab', { name: 'Saga' }).getAttribute('aria-selected'),
    'true',
    'the imported pattern is shown',
  );

  await page.getByRole('button', { name: 'Share', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Link copied' }).waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/\?s=[A-Za-z0-9_-]+$/);
  console.log(`  share link (${link.length} chars): ${link}`);
  // The address bar follows the run too.
  await page.waitForFunction((l) => location.href === l, link);

  const trace = await exportTrace(page);
  const events = JSON.parse(trace);
  assert.ok(events.length > 20, `a real trace (${events.length} events)`);
  assert.ok(
    events.some((e) => e.kind === 'Command' || /crash/i.test(JSON.stringify(e))),
    'the trace records the crash',
  );
  const text = await stageText(page);
  await page.screenshot({ path: join(shotDir, 'share-original.png') });

  // A fresh browser context: nothing shared but the link.
  const fresh = await open(newPage, link);
  assert.equal(await fresh.locator('.notice').count(), 0, 'no notice for a good link');
  assert.equal(
    await fresh.getByRole('tab', { name: 'Saga' }).getAttribute('aria-selected'),
    'true',
  );
  assert.equal(await exportTrace(fresh), trace, 'the same trace, event for event');
  assert.equal(await stageText(fresh), text, 'the same picture at the same playhead');
  await fresh.screenshot({ path: join(shotDir, 'share-opened.png') });
}

export async function aBadFileNamesTheFieldAndLeavesTheRunUntouched({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, CLIPBOARD);
  await importFile(page, 'good.json', JSON.stringify(SCENE));
  await page.waitForFunction(() => location.search.startsWith('?s='));
  const before = await page.evaluate(() => location.href);
  const trace = await exportTrace(page);

  const cases = [
    [{ ...SCENE, version: 7 }, 'version: 7 is newer than this app understands (2)'],
    [{ ...SCENE, pattern: '2pc' }, 'pattern: "2pc" is not a pattern (event-driven, background-sync, saga, cqrs)'],
    [
      { ...SCENE, script: [SCENE.script[0], { at: 500, cmd: { op: 'crash', node: 9 } }] },
      'script[1].cmd.node: there is no service number 9',
    ],
    [{ ...SCENE, speed: 100 }, 'speed: 100 is outside 0.25..=16'],
  ];
  for (const [bad, says] of cases) {
    await importFile(page, 'bad.json', JSON.stringify(bad));
    await page.locator('.notice-error').filter({ hasText: says }).waitFor();
    assert.match(await notice(page), /Your current run is unchanged/);
  }
  // Drag and drop, anywhere on the page.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['{"format": "converge-scene", "version": 1, "pattern": "saga"'], 'cut.json'));
    const target = document.querySelector('.stage-canvas');
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.locator('.notice-error').filter({ hasText: 'cut.json — file: is not valid JSON' }).waitFor();
  await page.screenshot({ path: join(shotDir, 'share-bad-file.png') });

  assert.equal(await page.evaluate(() => location.href), before, 'the address (the run) is unchanged');
  assert.equal(await exportTrace(page), trace, 'the run is unchanged');

  // A good file dropped on the page opens.
  await page.evaluate((json) => {
    const dt = new DataTransfer();
    dt.items.add(new File([json], 'dropped.json', { type: 'application/json' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, JSON.stringify({ ...SCENE, pattern: 'cqrs', script: [] }));
  assert.match(await page.locator('.notice-info').textContent(), /Opened dropped\.json: CQRS, seed 5/);
  assert.equal(await page.getByRole('tab', { name: 'CQRS' }).getAttribute('aria-selected'), 'true');
}

export async function aBadLinkShowsItsNoticeAndTheDefaultApp({ newPage, baseURL, shotDir }) {
  for (const [query, says] of [
    ['?s=AQoFAMgBAAIMAAV4DfQD', 'cut short'],
    ['?s=AQoFAMgBAAIMAAV4DfQDCtyg', 'checksum'],
    ['?s=BwoFAMgBAAIMAAV4DfQDCtyf', 'version: 7 is newer than this app understands (2)'],
    ['?s=not*a*code', 'cannot appear in a link code'],
  ]) {
    const page = await open(newPage, baseURL + query);
    const text = await notice(page);
    assert.match(text, new RegExp(says.replace(/[()]/g, '\\$&')), query);
    assert.match(text, /starts fresh/);
    assert.equal(await page.getByRole('tab', { name: 'Event-based' }).getAttribute('aria-selected'), 'true');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Converge');
    if (query.includes('*')) await page.screenshot({ path: join(shotDir, 'share-bad-link.png') });
  }
}

export async function theShareMenuWorksFromTheKeyboard({ newPage, baseURL, shotDir }) {
  for (const colorScheme of ['light', 'dark']) {
    const page = await open(newPage, baseURL, { ...CLIPBOARD, colorScheme });
    const more = page.getByRole('button', { name: /Export · Embed/ });
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    await more.focus();
    await page.keyboard.press('Enter');
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    const focused = () => page.evaluate(() => document.activeElement.textContent.trim());
    assert.match(await focused(), /^Copy embed code/);
    await page.keyboard.press('ArrowDown');
    assert.match(await focused(), /^Export scenario/);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.match(await focused(), /^Import lesson/, 'ArrowUp wraps');
    await page.screenshot({ path: join(shotDir, `share-menu-${colorScheme}.png`) });
    await page.keyboard.press('Escape');
    assert.equal(await more.getAttribute('aria-expanded'), 'false');
    assert.ok(await page.getByRole('menu').isHidden());
    assert.match(await focused(), /Export · Embed/, 'focus returns to the menu button');

    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter'); // Copy embed code
    await page.getByRole('status').filter({ hasText: 'Embed code copied' }).waitFor();
    const snippet = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(
      snippet,
      /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?s=[A-Za-z0-9_-]+&embed" width="800" height="500" title="Converge: Event-based, seed 42" loading="lazy"/,
    );
  }
}

export async function withoutAClipboardTheLinkIsShownSelected({ newPage, baseURL, shotDir }) {
  const page = await newPage();
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
  });
  await page.goto(baseURL);
  await page.waitForSelector('[data-ready="true"]');
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const field = page.getByRole('textbox', { name: /Share link: copy this text/ });
  await field.waitFor();
  const value = await field.inputValue();
  assert.match(value, /\?s=[A-Za-z0-9_-]+$/);
  const selected = await page.evaluate(() => {
    const t = document.activeElement;
    return t.value.slice(t.selectionStart, t.selectionEnd);
  });
  assert.equal(selected, value, 'the whole link is selected, ready to copy');
  await page.screenshot({ path: join(shotDir, 'share-fallback.png') });
  await page.keyboard.press('Escape');
  assert.equal(await field.count(), 0);
}

export async function theEmbedExamplePageLoadsBothEmbeds({ newPage, baseURL, shotDir }) {
  const page = await newPage({ viewport: { width: 1700, height: 640 } });
  const html = await readFile(join(here, 'embed-example.html'));
  await page.route(`${baseURL}embed-example.html`, (route) =>
    route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }),
  );
  await page.goto(`${baseURL}embed-example.html`);
  const frames = page.locator('iframe');
  assert.equal(await frames.count(), 2);
  const expected = ['Event-based', 'Saga'];
  for (let i = 0; i < 2; i++) {
    const frame = frames.nth(i).contentFrame();
    await frame.locator('[data-ready="true"]').waitFor();
    assert.equal(await frame.locator('.app.embed').count(), 1, 'embed mode');
    assert.equal(await frame.locator('header, [role=tablist], footer').count(), 0, 'no full chrome');
    assert.equal(await frame.locator('.notice').count(), 0, 'the link opened cleanly');
    assert.equal(await frame.locator('.embed-pattern').textContent(), expected[i]);
    const open = frame.getByRole('link', { name: /Open in Converge/ });
    assert.equal(await open.getAttribute('target'), '_blank');
    assert.match(await open.getAttribute('href'), /\?s=[A-Za-z0-9_-]+$/);
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shotDir, 'embed-example.png') });
}

export async function anEmbedFitsAn800x500Frame({ newPage, baseURL, shotDir }) {
  const code = 'AQALuBcAAwroBwEA9AMBAgKUIwECffs';
  for (const colorScheme of ['light', 'dark']) {
    for (const extra of ['', '&autoplay&controls=0']) {
      const page = await open(newPage, `${baseURL}?s=${code}&embed${extra}`, {
        viewport: { width: 800, height: 500 },
        colorScheme,
      });
      const m = await page.evaluate(() => ({
        w: document.documentElement.scrollWidth,
        h: document.documentElement.scrollHeight,
        canvas: document.querySelector('.stage-canvas').getBoundingClientRect().toJSON(),
        controls: document.querySelectorAll('[role=group][aria-label="Run controls"]').length,
      }));
      assert.ok(m.w <= 800 && m.h <= 500, `fits 800x500 (${m.w}x${m.h})`);
      assert.ok(m.canvas.height >= 250, `the canvas has room (${m.canvas.height}px)`);
      assert.equal(m.controls > 0, extra === '', 'controls=0 hides the controls');
      if (extra) {
        // Autoplay: the address of the full app follows the playhead.
        const href = () => page.getByRole('link', { name: /Open in Converge/ }).getAttribute('href');
        const first = await href();
        await page.waitForFunction(
          (f) => document.querySelector('.embed-open').getAttribute('href') !== f,
          first,
        );
      }
      await page.screenshot({ path: join(shotDir, `embed-800x500-${colorScheme}${extra ? '-autoplay' : ''}.png`) });
    }
  }
}

// Reading a file is code the first load leaves out (the release build
// fetches it when the menu opens or a file is dragged over). If it cannot
// arrive, importing says so and the run stays as it was; once it can, the
// same file opens.
export async function aFileReaderThatCannotArriveLeavesTheRunUntouched({ newPage, baseURL }) {
  const expected = [/split_import/, /Failed to fetch/, /Failed to load resource/];
  const page = await newPage({ viewport: { width: 1280, height: 800 } }, { expected });
  let blocked = true;
  const asked = [];
  await page.route(/split_import-[0-9a-f]+\.wasm$/, (r) => {
    asked.push(r.request().url());
    return blocked ? r.abort('internetdisconnected') : r.continue();
  });
  await page.goto(baseURL);
  await page.waitForSelector('[data-ready="true"]');
  assert.deepEqual(asked, [], 'reading files is not part of the first load');
  const before = await stageText(page);
  await importFile(page, 'good.json', JSON.stringify(SCENE));
  await page.locator('.notice-error').filter({ hasText: 'the part of the app that reads files did not arrive' }).waitFor();
  assert.match(await notice(page), /Could not open good\.json: .*Your current run is unchanged\./);
  assert.ok(asked.length >= 1, 'opening the menu asked for the file reader');
  assert.equal(await page.getByRole('tab', { name: 'Event-based' }).getAttribute('aria-selected'), 'true');
  assert.equal(await stageText(page), before, 'the run is unchanged');
  blocked = false;
  await importFile(page, 'good.json', JSON.stringify(SCENE));
  await page.locator('.notice-info').filter({ hasText: /Opened good\.json: Saga, seed 5/ }).waitFor();
}
