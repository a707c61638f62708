// End-to-end tests of the guided lesson pane against the release build.
// The verdict comes from the simulation: the same step judged with a right
// and a wrong answer must say so, quoting what the run shows.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { open } from './helpers.mjs';

const lesson = (page) => page.getByRole('region', { name: 'Guided lesson' });

export async function aPredictionIsJudgedRightAndWrongByTheRun({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1440, height: 900 } });
  const pane = lesson(page);
  await pane.getByRole('button', { name: 'Start lesson' }).click();
  await pane.getByText('Step 1 of 8').waitFor();
  assert.equal(await pane.getByRole('heading', { level: 3 }).textContent(), 'Nobody waits for anybody');

  const run = pane.getByRole('button', { name: 'Run and check' });
  assert.equal(await run.isDisabled(), true, 'Run waits for an answer');

  // A wrong answer: the consumers do not wait for Analytics.
  const wrong = pane.getByRole('radio', { name: /^None: Billing and the Load balancer wait/ });
  await wrong.check();
  await run.click();
  const verdict = pane.getByRole('status');
  await verdict.getByText('Not this time.').waitFor();
  const wrongText = await verdict.textContent();
  assert.match(wrongText, /Billing and the Load balancer are up to date; only Analytics is behind/);
  assert.match(wrongText, /Billing: converged/, 'quotes the meter');
  assert.match(wrongText, /Analytics: stuck, .*Analytics down since/);
  assert.match(wrongText, /Your answer: Billing: converged/);
  await page.screenshot({ path: join(shotDir, 'lesson-wrong.png') });

  // The right answer, same run: judged right.
  const right = pane.getByRole('radio', { name: /^Billing and the Load balancer are up to date/ });
  await right.check();
  assert.equal(await verdict.textContent(), '', 'a new answer clears the old verdict');
  await run.click();
  await verdict.getByText('Right.').waitFor();
  assert.match(await verdict.textContent(), /Billing: converged/);
  assert.equal(await pane.locator('.lesson-badge').count(), 1, 'one choice is marked as what the run shows');
  assert.ok(await verdict.isVisible(), 'the verdict is scrolled into view');
  await page.screenshot({ path: join(shotDir, 'lesson-right.png') });
  await pane.screenshot({ path: join(shotDir, 'lesson-pane-right.png') });
}

export async function nextBackAndKeyboardWalkTheSteps({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  const pane = lesson(page);
  await pane.getByRole('button', { name: 'Start lesson' }).click();
  const back = pane.getByRole('button', { name: 'Back' });
  assert.equal(await back.isDisabled(), true);

  // Keyboard only: focus lands on the step title after Next.
  await pane.getByRole('button', { name: 'Next' }).focus();
  await page.keyboard.press('Enter');
  await pane.getByText('Step 2 of 8').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'The delay before consistency');

  // Answer with arrow keys in the radio group, run with the keyboard.
  await pane.getByRole('radio').first().focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await pane.getByRole('radio', { name: /^No one yet/ }).isChecked(), true);
  await pane.getByRole('button', { name: 'Run and check' }).focus();
  await page.keyboard.press('Enter');
  await pane.getByRole('status').getByText('Right.').waitFor();
  assert.match(await pane.getByRole('status').textContent(), /After 1\.1 s/);
  await page.screenshot({ path: join(shotDir, 'lesson-dark.png') });

  await back.click();
  await pane.getByText('Step 1 of 8').waitFor();
  assert.equal(await pane.getByRole('status').textContent(), '', 'a new step starts unanswered');

  // Another pattern closes the lesson and offers its own.
  await page.getByRole('tab', { name: 'Saga' }).click();
  await pane.getByRole('button', { name: 'Start lesson' }).waitFor();
  assert.match(await pane.textContent(), /An order as a saga/);
  await pane.getByRole('button', { name: 'Start lesson' }).click();
  await pane.getByRole('button', { name: 'Close lesson' }).click();
  await pane.getByRole('button', { name: 'Start lesson' }).waitFor();
}

export async function aPlayStepPlaysAndStopsAtItsEnd({ newPage, baseURL, shotDir }) {
  const page = await open(newPage, baseURL, { viewport: { width: 800, height: 500 } });
  await page.getByRole('tab', { name: 'Background sync' }).click();
  const pane = lesson(page);
  await pane.getByRole('button', { name: 'Start lesson' }).click();
  await pane.getByRole('heading', { name: 'A copy on a schedule' }).waitFor();
  await pane.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shotDir, 'lesson-800.png') });
  assert.equal(await pane.getByRole('radio').count(), 0, 'an observation step asks nothing');
  await pane.getByRole('button', { name: 'Play this step' }).click();
  await pane.getByText('Playing until 15.0 s').waitFor();
  // The run plays in real time, then pauses at the step's end.
  await pane.getByText('The step ran to 15.0 s').waitFor({ timeout: 25_000 });
  await page.screenshot({ path: join(shotDir, 'lesson-played.png') });
}
