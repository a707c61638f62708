// End-to-end tests of hosting: the release build served under a subpath
// (/converge/, as GitHub Pages serves a project site) with the strict
// Content-Security-Policy the build writes to dist/csp.txt, on its own and
// inside sandboxed iframes of a course page (tests/e2e/lms-example.html);
// an embed that nobody can see rests its clock, in a page and on a
// reveal.js slide the deck has left (tests/e2e/deck-example.html).
//
// Each test starts its own server (serve.mjs with `prefix`, `csp` and
// `cors`). The pages here are watched by `watch` below rather than by
// run.mjs, because it also records CSP violations (in every frame): any
// violation, console error or warning (but Chromium's own warning to the
// host page about allow-scripts + allow-same-origin), exception, failed
// request or HTTP error fails the test, as in run.mjs.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { startServer } from './serve.mjs';
import { until, status } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const REVEAL = dirname(createRequire(import.meta.url).resolve('reveal.js'));
const dist = resolve(process.argv[2] ?? join(here, '..', '..', 'dist'));
const PREFIX = '/converge/';
/** Event-based, seed 11: idempotency off, the broker cut off from Billing. */
const CODE = 'AQALuBcAAwroBwEA9AMBAgKUIwECffs';
const SANDBOXES = ['allow-scripts', 'allow-scripts allow-same-origin'];
const CLIPBOARD = { permissions: ['clipboard-read', 'clipboard-write'] };

const SANDBOX_ESCAPE_WARNING =
  /^console warning: An iframe which has both allow-scripts and allow-same-origin for its sandbox attribute can escape its sandboxing\.$/;

async function serve() {
  const line = (await readFile(join(dist, 'csp.txt'), 'utf8')).trim();
  const csp = line.replace(/^Content-Security-Policy:\s*/, '');
  assert.match(csp, /^default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'; style-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  return { csp, ...(await startServer({ root: dist, prefix: PREFIX, csp, cors: true })) };
}

/**
 * A page in a fresh context (from run.mjs's `newPage`, so it is closed
 * after the test) watched here: every CSP violation in any frame is
 * recorded; `problems()` lists everything that should fail the test.
 */
async function watch(newPage, options = {}) {
  const first = await newPage(options);
  const page = await first.context().newPage();
  await first.close();
  page.setDefaultTimeout(15_000);
  const messages = [];
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') messages.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  // Every document of every frame reports its violations here, across reloads.
  const all = [];
  await page.exposeBinding('__cspViolation', (_source, v) => all.push(v));
  await page.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        const el = e.target instanceof Element ? e.target : null;
        window.__cspViolation({
          directive: e.effectiveDirective,
          blocked: e.blockedURI,
          element: el ? String(el.getAttribute('class') ?? el.tagName) : '',
        });
      },
      true,
    );
  });
  const violations = async () => {
    await page.waitForTimeout(100); // let the last reports arrive
    return all;
  };
  return {
    page,
    violations,
    /** Asserts a clean run: no CSP violation, no console error or warning. */
    async assertClean() {
      assert.deepEqual(await violations(), [], 'no CSP violations');
      // Chromium warns the *host page* about its own iframe; not the app's doing.
      const others = messages.filter((m) => !SANDBOX_ESCAPE_WARNING.test(m));
      assert.deepEqual([...others, ...problems], [], 'a clean console');
    },
  };
}

/** Opens the course page with the frame given by `query`, and the app in it. */
async function course(page, server, query) {
  const html = await readFile(join(here, 'lms-example.html'));
  const url = `${server.url}lms-example.html`;
  await page.route((u) => u.href.split('?')[0] === url, (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
  await page.goto(`${url}?${new URLSearchParams(query)}`);
  const frame = page.frameLocator('#scene');
  await frame.locator('[data-ready="true"]').waitFor();
  return { frame, handle: page.frames().find((f) => f !== page.mainFrame()) };
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what screenshots are). */
function decodePng(buf) {
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, '8-bit PNG');
      channels = { 2: 3, 6: 4 }[data[9]];
      assert.ok(channels, `RGB or RGBA PNG (colour type ${data[9]})`);
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const pred = [0, a, b, Math.floor((a + b) / 2), Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c][filter];
      out[y * stride + x] = (line[x] + pred) & 0xff;
    }
  }
  return { width, height, channels, data: out };
}

/**
 * How many pixels of the tokens layer differ clearly from its background,
 * with the topology drawing under it hidden: the drawn message tokens.
 */
async function tokenPixels(scope) {
  await scope.locator('.cv-svg').evaluate((el) => (el.style.visibility = 'hidden'));
  const png = decodePng(await scope.locator('.cv-tokens').screenshot());
  const counts = new Map();
  const { data, channels } = png;
  for (let i = 0; i < data.length; i += channels) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const bg = [...counts.entries()].sort((x, y) => y[1] - x[1])[0][0];
  const [br, bgG, bb] = [bg >> 16, (bg >> 8) & 0xff, bg & 0xff];
  let n = 0;
  for (let i = 0; i < data.length; i += channels) {
    if (Math.abs(data[i] - br) + Math.abs(data[i + 1] - bgG) + Math.abs(data[i + 2] - bb) > 90) n++;
  }
  return n;
}

/** Waits until message tokens are drawn on the canvas, then shows the SVG again. */
async function tokensDrawn(scope, page) {
  await until(page, 'message tokens drawn on the canvas', async () => (await tokenPixels(scope)) > 40);
  await scope.locator('.cv-svg').evaluate((el) => (el.style.visibility = ''));
}

/** The virtual clock in ms, from the controls' read-out ("t = 12.3 s"). */
async function clock(scope) {
  const text = await scope.locator('.ctl-time').textContent();
  return Math.round(Number(text.match(/t = ([\d.]+) s/)[1]) * 1000);
}

/** The app's stylesheets applied: design tokens defined, the embed fits its frame. */
async function assertStyled(scope, width, height) {
  const m = await scope.locator('.app').evaluate((app) => ({
    sheets: document.styleSheets.length,
    links: document.querySelectorAll('link[rel=stylesheet]').length,
    token: getComputedStyle(document.documentElement).getPropertyValue('--surface').trim(),
    w: document.documentElement.scrollWidth,
    h: document.documentElement.scrollHeight,
    canvas: document.querySelector('.cv-tokens').getBoundingClientRect().toJSON(),
    cssWidth: document.querySelector('.cv-tokens').clientWidth,
  }));
  // The release build joins the stylesheets into one (.ci/bundle-css.mjs).
  assert.ok(m.links >= 1 && m.sheets === m.links, `every stylesheet loaded (${m.sheets} of ${m.links})`);
  assert.notEqual(m.token, '', 'the design tokens are defined');
  assert.ok(m.w <= width && m.h <= height, `fits ${width}x${height} (${m.w}x${m.h})`);
  assert.ok(m.canvas.width > 300 && m.canvas.height > 200, `the canvas has room (${m.canvas.width}x${m.canvas.height})`);
}

/** The fallback field: its text, and whether all of it is selected and focused. */
async function fallback(scope, handle, name) {
  const field = scope.getByRole('textbox', { name });
  await field.waitFor();
  const value = await field.inputValue();
  const selected = await handle.evaluate(() => {
    const t = document.activeElement;
    return t instanceof HTMLTextAreaElement ? t.value.slice(t.selectionStart, t.selectionEnd) : '';
  });
  assert.equal(selected, value, `${name}: the whole text is selected, ready to copy`);
  return value;
}

export async function underASubpathWithTheStrictPolicyTheAppRunsAndLinksKeepThePath({ newPage, shotDir }) {
  const server = await serve();
  try {
    const { page, assertClean } = await watch(newPage, CLIPBOARD);
    await page.goto(server.url);
    await page.waitForSelector('[data-ready="true"]');
    await assertStyled(page, 1280, 100_000);

    // A pattern tab is a change like any other: the address follows it,
    // so a reload (or a bookmark) reopens Saga, under /converge/.
    assert.equal(await page.evaluate(() => location.search), '');
    await page.getByRole('tab', { name: 'Saga' }).click();
    await page.waitForFunction(() => location.search.startsWith('?s='));
    assert.equal(await page.evaluate(() => location.pathname), PREFIX);
    await page.reload();
    await page.waitForSelector('[data-ready="true"]');
    assert.equal(await page.getByRole('tab', { name: 'Saga' }).getAttribute('aria-selected'), 'true');
    // Back on the default pattern, untouched: the bare address again.
    await page.getByRole('tab', { name: 'Event-based' }).click();
    await page.waitForFunction(() => location.search === '');

    const before = await status(page).textContent();
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await until(page, 'the clock to run', async () => (await clock(page)) > 500);
    await tokensDrawn(page, page);
    await until(page, 'the meter to change', async () => (await status(page).textContent()) !== before);
    await page.screenshot({ path: join(shotDir, 'hosting-subpath-csp.png') });

    // Share keeps the page's own path, and the link reopens this moment.
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const at = await clock(page);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Link copied' }).waitFor();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(link.startsWith(`${server.url}?s=`), `the link keeps /converge/ (${link})`);
    await assertClean();

    const fresh = await watch(newPage);
    await fresh.page.goto(link);
    await fresh.page.waitForSelector('[data-ready="true"]');
    assert.equal(await clock(fresh.page), at, 'the same moment');
    await fresh.assertClean();
  } finally {
    await server.close();
  }
}

export async function sandboxedEmbedsRunStyledDrawTokensAndOfferTheLinkInPlace({ newPage, shotDir }) {
  const server = await serve();
  try {
    for (const sandbox of SANDBOXES) {
      const { page, assertClean } = await watch(newPage);
      const { frame, handle } = await course(page, server, {
        sandbox,
        src: `./?s=${CODE}&embed&autoplay`,
      });
      assert.equal(await handle.evaluate(() => origin), sandbox.includes('same-origin') ? new URL(server.url).origin : 'null');
      await assertStyled(frame, 800, 500);
      await until(page, 'the clock to run', async () => (await clock(frame)) > 500);
      await tokensDrawn(frame, page);
      // At 4x the cut-off Billing falls behind within seconds.
      const before = await status(frame).textContent();
      await frame.getByRole('slider', { name: 'Speed' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await frame.getByRole('slider', { name: 'Speed' }).getAttribute('aria-valuetext'), '4×');
      await until(page, 'the meter to change', async () => (await status(frame).textContent()) !== before);

      // No allow-popups: "Open in Converge" offers its link in place.
      const popups = [];
      page.context().on('page', (p) => popups.push(p.url()));
      await frame.getByRole('link', { name: /Open in Converge/ }).click();
      const link = await fallback(frame, handle, /Converge link: copy this text/);
      assert.ok(link.startsWith(`${server.url}?s=`), `the full app's link, under /converge/ (${link})`);
      assert.deepEqual(popups, [], 'no tab was opened');
      await page.screenshot({ path: join(shotDir, `hosting-embed-${sandbox.replace(/ /g, '+')}.png`) });
      await assertClean();
    }
  } finally {
    await server.close();
  }
}

export async function aLessonByAddressOpensInSandboxedEmbedsUnderTheStrictPolicy({ newPage, shotDir }) {
  const server = await serve();
  const lesson = await readFile(join(here, 'our-grid.lesson.json'));
  try {
    for (const sandbox of SANDBOXES) {
      const { page, assertClean } = await watch(newPage);
      // Hosted beside the app, with the header an opaque origin needs.
      await page.route(`${server.url}our-grid.lesson.json`, (route) =>
        route.fulfill({
          body: lesson,
          contentType: 'application/json',
          headers: { 'access-control-allow-origin': '*' },
        }),
      );
      const { frame } = await course(page, server, { sandbox, src: './?lesson=our-grid.lesson.json&embed' });
      const pane = frame.getByRole('region', { name: 'Guided lesson' });
      await pane.getByText('Step 1 of 3').waitFor();
      await pane.getByRole('button', { name: 'Next' }).click();
      await pane.getByRole('radio', { name: 'Stuck behind the others' }).check();
      await pane.getByRole('button', { name: 'Run and check' }).click();
      await pane.getByText('Right.').waitFor();
      await page.screenshot({ path: join(shotDir, `hosting-lesson-${sandbox.replace(/ /g, '+')}.png`) });
      await assertClean();
    }
  } finally {
    await server.close();
  }
}

export async function inASandboxedCoursePageBlockedActionsShowTheirText({ newPage, shotDir }) {
  const server = await serve();
  try {
    for (const sandbox of SANDBOXES) {
      const { page, assertClean } = await watch(newPage, { ...CLIPBOARD, viewport: { width: 1400, height: 900 } });
      const downloads = [];
      page.on('download', (d) => downloads.push(d.suggestedFilename()));
      const { frame, handle } = await course(page, server, {
        sandbox,
        src: `./?s=${CODE}`,
        width: '1300',
        height: '820',
      });
      await assertStyled(frame, 1300, 100_000);

      for (const [item, name, check] of [
        ['Export scenario', /Scene file: copy this text/, (t) => assert.equal(JSON.parse(t).format, 'converge-scene')],
        ['Export trace', /Trace: copy this text/, (t) => assert.ok(Array.isArray(JSON.parse(t)))],
      ]) {
        await frame.getByRole('button', { name: /Export · Embed/ }).click();
        await frame.getByRole('menuitem', { name: new RegExp(item) }).click();
        check(await fallback(frame, handle, name));
        await frame.getByText(/This page does not allow downloads/).waitFor();
        await frame.getByRole('button', { name: 'Done' }).click();
      }
      assert.deepEqual(downloads, [], 'no download was attempted');

      // The clipboard: an opaque origin is not allowed to write to it (the
      // link is shown selected); a same-origin frame copies.
      await frame.getByRole('button', { name: 'Share', exact: true }).click();
      if (sandbox.includes('same-origin')) {
        await frame.getByRole('status').filter({ hasText: 'Link copied' }).waitFor();
        const link = await page.evaluate(() => navigator.clipboard.readText());
        assert.ok(link.startsWith(`${server.url}?s=`), link);
      } else {
        const link = await fallback(frame, handle, /Share link: copy this text/);
        assert.ok(link.startsWith(`${server.url}?s=`), link);
      }
      await page.screenshot({ path: join(shotDir, `hosting-course-${sandbox.replace(/ /g, '+')}.png`) });
      await assertClean();
    }

    // A sandbox that allows popups and downloads gets a real tab and file.
    const { page, assertClean } = await watch(newPage, { viewport: { width: 1400, height: 900 } });
    const { frame } = await course(page, server, {
      sandbox: 'allow-scripts allow-same-origin allow-popups allow-downloads',
      src: `./?s=${CODE}`,
      width: '1300',
      height: '820',
    });
    const download = page.waitForEvent('download');
    await frame.getByRole('button', { name: /Export · Embed/ }).click();
    await frame.getByRole('menuitem', { name: /Export scenario/ }).click();
    assert.match((await download).suggestedFilename(), /^converge-event-driven-seed-11\.scene\.json$/);
    await frame.getByRole('status').filter({ hasText: 'Scene file saved' }).waitFor();
    await assertClean();
  } finally {
    await server.close();
  }
}

export async function anEmbedNobodySeesRestsItsClockAndResumesWhereItWas({ newPage, shotDir }) {
  const server = await serve();
  try {
    const { page, assertClean } = await watch(newPage);
    const { frame } = await course(page, server, { sandbox: 'allow-scripts', src: `./?s=${CODE}&embed&autoplay` });
    // By class: in a display: none frame nothing is in the accessibility tree.
    const play = frame.locator('.ctl-play');
    await until(page, 'the clock to run', async () => (await clock(frame)) > 300);

    const steady = async () => {
      let last = await clock(frame);
      return until(page, 'the clock to stop', async () => {
        await page.waitForTimeout(300);
        const now = await clock(frame);
        const same = now === last;
        last = now;
        return same && { at: now };
      });
    };
    const hideAndShow = [
      ['a hidden slide', (hidden) => (document.getElementById('scene').style.display = hidden ? 'none' : '')],
      ['scrolled out of view', (hidden) => window.scrollTo(0, hidden ? 2000 : 0)],
    ];
    for (const [how, flip] of hideAndShow) {
      await page.evaluate(flip, true);
      const { at } = await steady();
      const hiddenAt = Date.now();
      await page.waitForTimeout(1500);
      assert.equal(await clock(frame), at, `${how}: the clock stays at ${at} ms`);
      assert.equal((await play.textContent()).trim(), 'Pause', `${how}: still set to play (the button offers Pause)`);
      await page.evaluate(flip, false);
      const resumed = await until(page, 'the clock to run again', async () => {
        const t = await clock(frame);
        return t > at && t;
      });
      const away = Date.now() - hiddenAt;
      assert.ok(resumed - at < away, `${how}: resumed from ${at} ms (at ${resumed} ms), not ${away} ms later`);
    }
    await page.screenshot({ path: join(shotDir, 'hosting-resumed.png') });

    // Paused by the learner: it stays paused when seen again.
    await play.click();
    assert.equal((await play.textContent()).trim(), 'Play');
    const { at } = await steady();
    await page.evaluate(hideAndShow[0][1], true);
    await page.evaluate(hideAndShow[0][1], false);
    await page.waitForTimeout(800);
    assert.equal(await clock(frame), at, 'a paused embed stays paused');
    assert.equal((await play.textContent()).trim(), 'Play');
    await assertClean();
  } finally {
    await server.close();
  }
}

/** Opens the reveal.js deck with the embed given by `src` on its first slide. */
async function deck(page, server, src) {
  const html = await readFile(join(here, 'deck-example.html'));
  const url = `${server.url}deck-example.html`;
  await page.route((u) => u.href.split('?')[0] === url, (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
  for (const file of ['reveal.js', 'reveal.css']) {
    const body = await readFile(join(REVEAL, file));
    const type = file.endsWith('.css') ? 'text/css' : 'text/javascript';
    await page.route(`${server.url}reveal/${file}`, (route) => route.fulfill({ body, contentType: type }));
  }
  await page.goto(`${url}?${new URLSearchParams({ src })}`);
  const frame = page.frameLocator('#scene');
  await frame.locator('[data-ready="true"]').waitFor();
  const slide = () => page.evaluate(() => Reveal.getIndices().h);
  return { frame, slide };
}

export async function aRevealSlideTheDeckLeftRestsItsEmbedAndArrowsStayInside({ newPage, shotDir }) {
  const server = await serve();
  try {
    const { page, assertClean } = await watch(newPage, { viewport: { width: 1280, height: 800 } });
    const { frame, slide } = await deck(page, server, `./?s=${CODE}&embed&autoplay`);
    await until(page, "the embed's clock to run", async () => (await clock(frame)) > 300);
    // The deck moves on: its slide is still laid out, but reveal.js said stop.
    await page.evaluate(() => Reveal.next());
    assert.equal(await slide(), 1);
    const left = await until(page, 'the clock to rest', async () => {
      const a = await clock(frame);
      await page.waitForTimeout(400);
      const b = await clock(frame);
      return a === b && { at: b };
    });
    await page.waitForTimeout(1200);
    assert.equal(await clock(frame), left.at, "a left slide's embed keeps its clock where it was");
    assert.equal((await frame.locator('.ctl-play').textContent()).trim(), 'Pause', 'still set to play');
    await page.evaluate(() => Reveal.prev());
    await until(page, 'the clock to run again', async () => (await clock(frame)) > left.at);
    await page.screenshot({ path: join(shotDir, 'hosting-deck.png') });

    // Focus inside the embed: the arrows step the simulation, not the deck.
    await frame.locator('.ctl-play').click();
    assert.equal((await frame.locator('.ctl-play').textContent()).trim(), 'Play');
    // The read-out shows tenths of a second and several events may share
    // one: step until it moves (the component tests check single steps).
    const before = await clock(frame);
    let stepped = before;
    for (let i = 0; i < 60 && stepped <= before; i++) {
      await page.keyboard.press('ArrowRight');
      stepped = await clock(frame);
    }
    assert.ok(stepped > before, `→ steps the embed forward (${before} → ${stepped} ms)`);
    assert.equal(await slide(), 0, "the deck stays on the embed's slide");
    let back = stepped;
    for (let i = 0; i < 60 && back >= stepped; i++) {
      await page.keyboard.press('ArrowLeft');
      back = await clock(frame);
    }
    assert.ok(back < stepped, `← steps the embed back (${stepped} → ${back} ms)`);
    assert.equal(await slide(), 0, "the deck stays on the embed's slide");
    await assertClean();
  } finally {
    await server.close();
  }
}

export async function withKeysOffAnEmbedLeavesEveryKeyToTheDeck({ newPage }) {
  const server = await serve();
  try {
    const { page, assertClean } = await watch(newPage, { viewport: { width: 1280, height: 800 } });
    const { frame, slide } = await deck(page, server, `./?s=${CODE}&embed&keys=0`);
    const before = await clock(frame);
    // A click on the canvas (not a control): the deck gets focus back.
    await frame.locator('.cv-bg').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('ArrowRight');
    await until(page, 'the deck to move on', async () => (await slide()) === 1);
    assert.equal(await clock(frame), before, 'the embed took no key');
    await assertClean();
  } finally {
    await server.close();
  }
}

// Views a learner opens later arrive as separate chunks: they load under
// a subpath, with the strict policy, in opaque-origin sandboxed frames
// too. A compare pair opened in a sandboxed embed needs compare mode's
// chunk at once.
export async function chunksFetchedLaterLoadInSandboxedEmbedsUnderTheStrictPolicy({ newPage }) {
  const server = await serve();
  try {
    const { page: app, assertClean: appClean } = await watch(newPage, { viewport: { width: 1366, height: 768 } });
    await app.goto(`${server.url}?s=${CODE}`);
    await app.waitForSelector('[data-ready="true"]');
    await app.getByRole('button', { name: 'Compare', exact: true }).click();
    await app.locator('.compare-side[data-side="b"]').waitFor();
    await app.getByRole('tab', { name: 'State', exact: true }).click();
    await app.locator('#dock-panel > section.tb').waitFor();
    await app.waitForFunction(() => location.search.startsWith('?s=Ag'));
    const pair = new URL(app.url()).searchParams.get('s');
    await appClean();
    for (const sandbox of SANDBOXES) {
      const { page, assertClean } = await watch(newPage);
      const { frame } = await course(page, server, { sandbox, src: `./?s=${pair}&embed` });
      await frame.locator('.compare-side[data-side="b"] .stage-canvas').waitFor();
      assert.equal(await frame.locator('.compare-side').count(), 2, 'both runs of the pair');
      await assertClean();
    }
  } finally {
    await server.close();
  }
}
