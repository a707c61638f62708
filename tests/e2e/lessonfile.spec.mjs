// End-to-end tests of lessons as files (issue 24): an instructor's own
// lesson, written for these tests (not a copy of a built-in one), opened by
// "Import lesson…", by dropping it on the page and by `?lesson=URL` in an
// embed; malformed files refused with the field named and the run kept;
// "Check lesson" flags an ambiguous step; "Export lesson" saves the file.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const pane = (page) => page.getByRole('region', { name: 'Guided lesson' });
const notice = (page) => page.locator('.notice-text').textContent();

/** An instructor's lesson about the power grid: three steps, two questions. */
const OURS = JSON.parse(await readFile(join(here, 'our-grid.lesson.json'), 'utf8'));

const text = (lesson) => JSON.stringify(lesson, null, 2);

/** Opens a lesson file with "Import lesson…" in the share menu. */
async function importLesson(page, name, body) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: /Export · Embed/ }).click();
  await page.getByRole('menuitem', { name: /Import lesson/ }).click();
  await (await chooser).setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(body) });
}

/** Picks `answer` on the open step, runs it and returns the verdict's text. */
async function answer(page, choice) {
  const p = pane(page);
  await p.getByRole('radio', { name: choice }).check();
  await p.getByRole('button', { name: 'Run and check' }).click();
  const verdict = p.locator('.lesson-verdict');
  await verdict.waitFor();
  return verdict.textContent();
}

export async function anInstructorsLessonImportsWalksItsStepsAndIsJudged({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  await page.getByRole('tab', { name: 'Saga' }).click();
  await importLesson(page, 'our-grid.lesson.json', text(OURS));

  const p = pane(page);
  await p.getByText('Step 1 of 3').waitFor();
  assert.match(await notice(page), /Opened the lesson “Our grid on a bad day” from our-grid\.lesson\.json \(3 steps\)/);
  assert.equal(await page.getByRole('tab', { name: 'Event-based' }).getAttribute('aria-selected'), 'true',
    'the lesson brings its pattern');
  assert.equal(await p.getByRole('heading', { level: 3 }).textContent(), 'Readings flow');

  await p.getByRole('button', { name: 'Next' }).click();
  await p.getByText('Step 2 of 3').waitFor();
  assert.match(await answer(page, 'Stuck behind the others'), /Right\./);
  await page.screenshot({ path: join(shotDir, 'lessonfile-right.png') });

  await p.getByRole('button', { name: 'Next' }).click();
  await p.getByText('Step 3 of 3').waitFor();
  const wrong = await answer(page, 'Yes, every one');
  assert.match(wrong, /Not this time\./);
  assert.match(wrong, /the simulation shows: “No, some are missing”/);

  // Export writes the file as it was opened.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /Export · Embed/ }).click();
  await page.getByRole('menuitem', { name: /Export lesson/ }).click();
  const saved = await download;
  assert.equal(saved.suggestedFilename(), 'our-grid.lesson.json');
  assert.equal(await readFile(await saved.path(), 'utf8'), text(OURS));

  // A lesson from disk cannot travel in a link: the address has no step.
  await page.waitForFunction(() => location.search.startsWith('?s='));
  assert.ok(!(await page.evaluate(() => location.search)).includes('lesson='));

  // Closed, the pane says where the lesson came from and offers the built-in one.
  await p.getByRole('button', { name: 'Close lesson' }).click();
  assert.match(await p.textContent(), /Opened from our-grid\.lesson\.json/);
  await p.getByRole('button', { name: 'Use the built-in lesson' }).click();
  assert.match(await p.textContent(), /Events, duplicates and lost messages|steps, \d+ of them/);
  assert.doesNotMatch(await p.textContent(), /Our grid on a bad day/);
}

export async function aLessonByAddressOpensInAnEmbedAndItsLinksReopenIt({ newPage, baseURL, shotDir }) {
  for (const colorScheme of ['light', 'dark']) {
    const page = await newPage({ viewport: { width: 800, height: 500 }, colorScheme });
    await page.route('**/course/week3.lesson.json', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: text(OURS) }),
    );
    await page.goto(`${baseURL}?lesson=course/week3.lesson.json&embed`);
    await page.waitForSelector('[data-ready="true"]');
    const p = pane(page);
    await p.getByText('Step 1 of 3').waitFor();
    await p.getByRole('button', { name: 'Next' }).click();
    await p.getByText('Step 2 of 3').waitFor();
    await p.getByRole('radio', { name: 'Stuck behind the others' }).check();

    const m = await page.evaluate(() => ({
      w: document.documentElement.scrollWidth,
      h: document.documentElement.scrollHeight,
      canvas: document.querySelector('.stage-canvas').getBoundingClientRect().toJSON(),
      side: document.querySelector('.stage-side').getBoundingClientRect().toJSON(),
    }));
    assert.ok(m.w <= 800 && m.h <= 500, `the page does not scroll (${m.w}x${m.h})`);
    assert.ok(m.canvas.width >= 380 && m.canvas.height >= 250, `the canvas has room (${JSON.stringify(m.canvas)})`);
    assert.ok(m.side.left >= m.canvas.right - 1, 'the step is beside the canvas');
    assert.ok(await p.getByRole('button', { name: 'Run and check' }).isVisible());
    assert.equal(await p.getByRole('button', { name: 'Check lesson' }).count(), 0, 'checking is for authors, not embeds');
    await page.screenshot({ path: join(shotDir, `lessonfile-embed-${colorScheme}.png`) });

    // "Open in Converge" carries the lesson's address and its step.
    const href = await page.getByRole('link', { name: /Open in Converge/ }).getAttribute('href');
    assert.match(href, /\?lesson=course\/week3\.lesson\.json&s=/);
    if (colorScheme === 'light') {
      const again = await newPage({ viewport: { width: 1280, height: 720 } });
      await again.route('**/course/week3.lesson.json', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: text(OURS) }),
      );
      await again.goto(href);
      await again.waitForSelector('[data-ready="true"]');
      await pane(again).getByText('Step 2 of 3').waitFor();
      assert.equal(await pane(again).getByRole('heading', { level: 3 }).textContent(), 'Analytics is down');
      await again.waitForFunction(() => location.search.includes('lesson=course/week3.lesson.json'));
    }
  }
}

export async function aMalformedLessonIsRefusedWithTheFieldNamedAndTheRunKept({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1280, height: 720 } });
  await page.getByRole('tab', { name: 'CQRS' }).click();
  await page.waitForFunction(() => location.search.startsWith('?s='));
  const before = await page.evaluate(() => location.href);
  const withStep = (i, f) => ({ ...OURS, steps: OURS.steps.map((s, k) => (k === i ? f(structuredClone(s)) : s)) });
  const cases = [
    [
      withStep(1, (s) => ((s.predict.choices[0].judge = { replica: 'Anlytics', is: 'stuck' }), s)),
      /steps\[1\]\.predict\.choices\[0\]\.judge\.replica: no replica “Anlytics” in Event-based \(replicas: Billing, Load balancer, Analytics\)/,
    ],
    [withStep(0, (s) => (delete s.title, s)), /steps\[0\]\.title: missing/],
    [
      withStep(1, (s) => ((s.predict.choices[1].judge = { occurred: 'crash' }), s)),
      /steps\[1\]\.predict\.choices\[1\]\.judge: unknown judge “occurred”/,
    ],
    [withStep(2, (s) => ((s.predict.expect = 3), s)), /steps\[2\]\.predict\.expect: .*1 or 2|steps\[2\]\.predict\.expect: .*1 to 2/],
  ];
  for (const [bad, says] of cases) {
    await importLesson(page, 'bad.lesson.json', text(bad));
    await page.locator('.notice-error').waitFor();
    const said = await notice(page);
    assert.match(said, says);
    assert.match(said, /Could not open the lesson bad\.lesson\.json — .*Your lesson and run are unchanged\./);
    await page.getByRole('button', { name: 'Dismiss notice' }).click();
  }
  await page.screenshot({ path: join(shotDir, 'lessonfile-refused.png') });
  assert.equal(await page.getByRole('tab', { name: 'CQRS' }).getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => location.href), before, 'the run is unchanged');
  assert.equal(await pane(page).getByRole('button', { name: 'Start lesson' }).count(), 1, 'no lesson opened');

  // Dropped on the page, a lesson file opens as a lesson.
  await page.evaluate((json) => {
    const dt = new DataTransfer();
    dt.items.add(new File([json], 'dropped.lesson.json', { type: 'application/json' }));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text(OURS));
  await pane(page).getByText('Step 1 of 3').waitFor();

  // A malformed file by address: the message names the field too.
  const other = await newPage({ viewport: { width: 1280, height: 720 } });
  await other.route('**/broken.lesson.json', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: text({ ...OURS, pattern: 'grid' }) }),
  );
  await other.goto(`${baseURL}?lesson=broken.lesson.json`);
  await other.locator('.notice-error').waitFor();
  assert.match(await notice(other), /Could not open the lesson broken\.lesson\.json — pattern: no pattern “grid”/);
  assert.equal(await pane(other).getByRole('button', { name: 'Start lesson' }).count(), 1);
}

export async function checkLessonFlagsAnAmbiguousStep({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1366, height: 768 } });
  // Step 2 made ambiguous: both choices are true of a run where Analytics is down.
  const ambiguous = structuredClone(OURS);
  ambiguous.steps[1].predict.choices[1] = {
    text: 'Not up to date',
    judge: { not: { converged: 'Analytics' } },
  };
  await importLesson(page, 'ambiguous.lesson.json', text(ambiguous));
  const p = pane(page);
  await p.getByText('Step 1 of 3').waitFor();
  await p.getByRole('button', { name: 'Check lesson' }).click();
  const report = p.locator('.lesson-check-report');
  await report.getByText('1 of 2 predictions needs a look.').waitFor({ timeout: 30_000 });
  const rows = await report.locator('li').allTextContents();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^⚠ Step 2 · Analytics is down: the run confirms more than one choice \(1 and 2\)/);
  assert.match(rows[1], /^✓ Step 3 · A lossy link to Billing: confirms choice 2, as expected/);
  await p.locator('.lesson-check').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shotDir, 'lessonfile-check.png') });
  // The check ran headless: the run shown is still step 1's.
  assert.equal(await p.getByRole('heading', { level: 3 }).textContent(), 'Readings flow');

  // The built-in lesson checks out.
  await p.getByRole('button', { name: 'Close lesson' }).click();
  await p.getByRole('button', { name: 'Use the built-in lesson' }).click();
  await p.getByRole('button', { name: 'Check lesson' }).click();
  await report.getByText(/Every prediction checks out \(\d+ of \d+\)\./).waitFor({ timeout: 60_000 });
}

export async function aLessonThatCannotBeFetchedSaysWhyAndThePlaygroundRuns({ newPage, baseURL }) {
  // The missing file is this test's doing: its 404 is expected.
  const page = await newPage({}, { expected: [/missing\.lesson\.json/, /status of 404/] });
  await page.route('**/missing.lesson.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(`${baseURL}?lesson=missing.lesson.json`);
  await page.waitForSelector('[data-ready="true"]');
  await page.locator('.notice-error').waitFor();
  assert.match(
    await notice(page),
    /^Could not load the lesson missing\.lesson\.json — the server answered 404\. The playground runs without it\.$/,
  );
  assert.equal(await pane(page).getByRole('button', { name: 'Start lesson' }).count(), 1, 'no lesson opened');
}
