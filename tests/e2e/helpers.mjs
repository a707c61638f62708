// Shared steps for the end-to-end tests, written the way a learner acts:
// by role and accessible name. (Not a test file: run.mjs only runs
// *.spec.mjs.)

import assert from 'node:assert/strict';

export async function open(newPage, baseURL, options) {
  const page = await newPage(options);
  await page.goto(baseURL);
  await page.waitForSelector('[data-ready="true"]');
  return page;
}

/** The meter's status region (announced to screen readers). */
export const status = (page) => page.getByRole('status', { name: 'Consistency' });

/** Waits until `fn(page)` returns a truthy value, polling. */
export async function until(page, what, fn, timeout = 30_000) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeout) {
    last = await fn(page);
    if (last) return last;
    await page.waitForTimeout(150);
  }
  const meter = await page.locator('.meter').textContent();
  throw new Error(`timed out waiting for ${what}; meter says: ${meter}`);
}

export async function meterSays(page, re) {
  return until(page, `the meter to say ${re}`, async () => re.test(await status(page).textContent()));
}

export async function viewSays(page, re) {
  return until(page, `a view to say ${re}`, async () => re.test(await page.locator('.meter-views').textContent()));
}

/** Sets the speed with the keyboard, the way a learner would. */
export async function speed(page, label) {
  const slider = page.getByRole('slider', { name: 'Speed' });
  await slider.focus();
  for (let i = 0; i < 8 && (await slider.getAttribute('aria-valuetext')) !== label; i++) {
    await page.keyboard.press('ArrowRight');
  }
  assert.equal(await slider.getAttribute('aria-valuetext'), label);
}

/** Presses Play; the button then reads "Pause". */
export async function play(page) {
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
}

/** Presses Pause; the button then reads "Play". */
export async function pause(page) {
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
}

/** Opens the study dock on one of its views (State, Divergence, Space-time, Event log). */
export async function openDock(page, name) {
  const tab = page.getByRole('tablist', { name: 'Study views' }).getByRole('tab', { name, exact: true });
  if ((await tab.getAttribute('aria-selected')) !== 'true' || (await page.locator('#dock-panel').isHidden())) {
    await tab.click();
  }
  await page.locator('#dock-panel').waitFor({ state: 'visible' });
  assert.equal(await tab.getAttribute('aria-selected'), 'true');
  // The release build fetches the views' code when the dock first shows
  // one: wait for the view (or the message saying it could not arrive).
  await page.locator('#dock-panel > section, #dock-panel > .split-failed').first().waitFor();
}

/**
 * Opens a canvas element's menu and chooses `action` from it. A message
 * token passing right over the spot opens that message's menu instead (as
 * it would for a learner): close it and click again.
 */
export async function choose(page, subject, action) {
  for (let attempt = 0; ; attempt++) {
    await page.getByRole('button', { name: subject }).click();
    const menu = page.getByRole('dialog');
    await menu.waitFor();
    if ((await menu.getAttribute('aria-label')) === 'Message actions' && attempt < 10) {
      await menu.getByRole('button', { name: 'Close menu' }).click();
      await menu.waitFor({ state: 'detached' });
      await page.waitForTimeout(150);
      continue;
    }
    await menu.getByRole('button', { name: action, exact: true }).click();
    await menu.waitFor({ state: 'detached' });
    return;
  }
}

export async function stopWorkload(page, name) {
  const sw = page.getByRole('switch', { name, exact: true });
  assert.equal(await sw.getAttribute('aria-checked'), 'true');
  await sw.click();
  assert.equal(await sw.getAttribute('aria-checked'), 'false');
}

