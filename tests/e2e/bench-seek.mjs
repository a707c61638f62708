// Browser benchmark: how long a seek takes on the timeline of a 10-minute
// run, from the slider's input to the page showing the new moment. Prints
// numbers; asserts nothing about speed. Not a test: run.mjs only picks up
// *.spec.mjs files.
//
//   node tests/e2e/bench-seek.mjs [dist-dir]
//   BENCH_QUERY='...' node tests/e2e/bench-seek.mjs   (open with a share
//                                                     link that is already
//                                                     10 minutes in)
//
// Without BENCH_QUERY it plays the run at 16x (Space starts time, a
// control named "Speed" sets it) until the timeline reaches 10 minutes.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(process.argv[2] ?? join(here, '..', '..', 'dist'));
const TARGET = 600_000;
const SEEKS = Number(process.env.BENCH_SEEKS ?? 200);

const server = await startServer({ root: dist });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms (n=${s.length})`;
}

try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(server.url + (process.env.BENCH_QUERY ?? ''));
  await page.waitForSelector('[data-ready="true"]');
  // A link's replay lands across frames: wait until it has.
  await page.waitForFunction(() => !document.querySelector('.replay'), null, { timeout: 300_000 });
  const slider = page.getByRole('slider', { name: 'Virtual time' });
  const horizon = async () => Number(await slider.getAttribute('max'));

  if ((await horizon()) < TARGET) {
    const speed = page.getByRole('combobox', { name: /speed/i }).or(page.getByRole('slider', { name: /speed/i }));
    if (await speed.count()) {
      await speed.first().evaluate((el) => {
        if (el.tagName === 'SELECT') {
          const last = el.options[el.options.length - 1];
          el.value = last.value;
        } else {
          el.value = el.max;
        }
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      });
    }
    await page.locator('body').press('Space');
    const started = Date.now();
    await page.waitForTimeout(3000);
    if ((await horizon()) <= 1) {
      throw new Error('time does not flow: this build has no play control yet; pass BENCH_QUERY with a share link 10 minutes in');
    }
    while ((await horizon()) < TARGET) {
      if (Date.now() - started > 15 * 60_000) throw new Error('gave up waiting for 10 virtual minutes');
      await page.waitForTimeout(1000);
    }
    await page.locator('body').press('Space');
    console.log(`played to ${(await horizon()) / 1000} s in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const h = await horizon();
  console.log(`timeline: 0 to ${(h / 1000).toFixed(1)} s`);

  // One seek, timed inside the page: set the timeline's slider as a drag
  // does and fire `input`. The handler replays what fits in 40 ms at once
  // and the rest in slices across frames; the seek is done when a frame
  // that shows the new moment (the clock reads it, no replay under way)
  // has been painted. A task posted from a frame's animation callback
  // runs after that frame's paint, so each check below looks at what
  // the frame just painted.
  //
  // (Until 2026-12-08 this waited for the clock in one animation callback
  // and then for the next frame's callbacks: a whole frame after the
  // paint, so its medians were ~16 ms higher than this measure's.)
  const seek = (t) =>
    page.evaluate(async (t) => {
      const s = document.getElementById('timeline-slider');
      const clock = document.querySelector('.ctl-time');
      const want = `t = ${(t / 1000).toFixed(1)} s`;
      const painted = () =>
        new Promise((r) =>
          requestAnimationFrame(() => {
            const c = new MessageChannel();
            c.port1.onmessage = () => r();
            c.port2.postMessage(0);
          }),
        );
      const t0 = performance.now();
      s.value = String(t);
      s.dispatchEvent(new Event('input', { bubbles: true }));
      const t1 = performance.now();
      do await painted();
      while (!clock.textContent.includes(want) || document.querySelector('.replay'));
      const t2 = performance.now();
      return [t1 - t0, t2 - t0];
    }, t);

  // Keyboard: Home and End, and Shift+Left steps back from the end.
  await slider.focus();
  const keys = [];
  console.log('keyboard…');
  for (let i = 0; i < 10; i++) {
    for (const key of ['Home', 'End', 'Shift+ArrowLeft']) {
      const t0 = Date.now();
      await page.keyboard.press(key);
      keys.push(Date.now() - t0);
    }
  }

  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  console.log('random seeks…');
  const shown = [];
  const painted = [];
  for (let i = 0; i < SEEKS; i++) {
    const t = Math.round((rand() * h) / 100) * 100;
    const [a, b] = await seek(t);
    shown.push(a);
    painted.push(b);
  }
  const back = [];
  for (const t of [0, h, 1000, h - 1000, h / 2, 0, h]) back.push((await seek(Math.round(t / 100) * 100))[0]);

  console.log(`random seeks, input handler (engine seek + signals): ${stats(shown)}`);
  console.log(`random seeks, input → a frame showing it painted:   ${stats(painted)}`);
  console.log(`jumps (start/end/middle), input handler:           ${stats(back)}`);
  console.log(`keyboard Home/End/Shift+← (round trip incl. Playwright): ${stats(keys)}`);
} finally {
  await browser.close();
  await server.close();
}
