//! A person follows a request in a real browser (Debian Chromium under playwright-core) on
//! the portal's /track page: the reference comes from the receipt's link, the tracking code is
//! typed; the page shows the status and the public history, writes the agents' messages as
//! text (never as HTML), a wrong code shows an error, and the printable receipt opens with
//! the code posted.
//!
//! Run by tests/tests/integration/browser/portal_track.rs with BASE_URL, REFERENCE, CODE, STATE_LABEL and MESSAGE
//! (a public message containing markup). Exits 0 after printing "track-browser: all steps
//! passed".

import assert from 'node:assert/strict';

import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, REFERENCE, CODE, STATE_LABEL, MESSAGE } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, REFERENCE, CODE, STATE_LABEL, MESSAGE })) {
  if (!value) {
    console.error(`track-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('track-browser: still running after 100 s, giving up');
  process.exit(3);
}, 100_000).unref();

const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });

  console.log('step: the receipt link opens the page with the reference filled in');
  await page.goto(`${BASE_URL}/track?reference=${encodeURIComponent(REFERENCE)}`);
  assert.equal(await page.inputValue('#reference'), REFERENCE);
  assert.equal(await page.isVisible('#result'), false);

  console.log('step: a wrong code says there is no such request');
  await page.fill('#code', '0000-0000-0000-0000');
  await page.click('button[type=submit]');
  await page.waitForSelector('#error', { state: 'visible' });
  assert.match(await page.textContent('#error'), /Aucune demande/);

  console.log('step: the right code shows the status and the public history');
  await page.fill('#code', CODE.toLowerCase());
  await page.click('button[type=submit]');
  await page.waitForSelector('#result', { state: 'visible' });
  assert.equal(await page.isVisible('#error'), false);
  assert.equal((await page.textContent('#state')).trim(), STATE_LABEL);
  assert.match(await page.textContent('#service'), new RegExp(REFERENCE));
  const items = await page.locator('#timeline li').allTextContents();
  assert.ok(items.length >= 2, `history: ${JSON.stringify(items)}`);

  console.log('step: a message with markup is shown as text');
  assert.ok(items.some((text) => text.includes(MESSAGE)), `history: ${JSON.stringify(items)}`);
  assert.equal(await page.locator('#injected').count(), 0);

  console.log('step: the receipt opens from the page, its code posted, not in the URL');
  const [receipt] = await Promise.all([page.waitForEvent('popup'), page.click('#receipt button')]);
  await receipt.waitForLoadState();
  assert.ok(!receipt.url().includes('code'), receipt.url());
  assert.match(await receipt.content(), new RegExp(REFERENCE));
  assert.match(await receipt.content(), /<svg/);
  assert.deepEqual(errors, []);
} finally {
  await browser.close();
}
console.log('track-browser: all steps passed');
