//! The back-office's first journey (issue #14) in Debian Chromium (playwright-core): the agent
//! of roads signs in on identity's page with `next=/admin`, finds the new pothole report
//! REFERENCE in the queue, opens it, assigns it to themselves, moves it to "in progress"
//! (through "acknowledged", as the demo workflow goes), replies to the citizen, merges the
//! report DUPLICATE (found beside it) into it and closes it with a message. The citizen, signed
//! in in another browser context at 360×640, sees the reply in their space (/mine) right away. The same pages at
//! 360×640 with touch do not scroll sideways. axe-core (WCAG 2.1 A/AA) finds no serious or
//! critical violation on any page. Screenshots go to ARTIFACTS.
//!
//! Run by tests/tests/integration/browser/admin_request.rs with BASE_URL, ARTIFACTS, AGENT,
//! CITIZEN, PASSWORD, REFERENCE and DUPLICATE. Exits 0 after
//! "admin-request-browser: all steps passed".

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { violations } from './lib/axe.mjs';
import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, ARTIFACTS, AGENT, CITIZEN, PASSWORD, REFERENCE, DUPLICATE } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, AGENT, CITIZEN, PASSWORD, REFERENCE, DUPLICATE })) {
  if (!value) {
    console.error(`admin-request-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('admin-request-browser: still running after 420 s, giving up');
  process.exit(3);
}, 420_000).unref();

const begun = Date.now();
const step = (text) => console.log(`step: ${text} (${Math.round((Date.now() - begun) / 1000)} s)`);
const REPLY = 'Bonjour, une équipe passera jeudi matin pour reboucher ce nid-de-poule.';

/** Checks the page (axe; on a phone, no sideways scroll) and keeps its screenshot. */
async function check(page, name, width) {
  assert.deepEqual(await violations(page), [], `axe on ${name} (${page.url()})`);
  if (width) {
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= width, `${name} scrolls sideways: ${scroll} px`);
  }
  if (ARTIFACTS) await page.screenshot({ path: `${ARTIFACTS}/admin-request-${name}.png`, fullPage: true });
  step(`${name}: no serious or critical violation${width ? `, no sideways scroll at ${width} px` : ''}`);
}

/** Navigates by `action` (a click) and waits for the new page. */
async function go(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** Submits the form of the page that holds the hidden field `name` = `value`. */
async function submit(page, name, value, fill = {}) {
  const form = page.locator(`form:has(input[type=hidden][name="${name}"][value="${value}"])`).first();
  for (const [field, text] of Object.entries(fill)) await form.locator(`[name="${field}"]`).fill(text);
  await go(page, () => form.locator('button[type=submit]').click());
  assert.equal(page.url(), `${BASE_URL}/admin/requests/${REFERENCE}?done=${new URL(page.url()).searchParams.get('done')}`);
  assert.equal(await page.locator('.error-summary').count(), 0, await page.content());
  return (await page.textContent('p.done')).trim();
}

async function signIn(page, email, next) {
  await page.goto(`${BASE_URL}/account/login?lang=fr${next ? `&next=${encodeURIComponent(next)}` : ''}`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await go(page, () => page.click('main button[type=submit]'));
  assert.ok(!page.url().includes('/account/login'), `signed in: ${page.url()}`);
}

const browser = await launchChromium();
try {
  if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await desk.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await signIn(page, AGENT, '/admin');
  assert.equal(new URL(page.url()).pathname, '/admin', `back in the back-office: ${page.url()}`);
  await check(page, 'queue');
  const link = page.locator(`a[href="/admin/requests/${REFERENCE}"]`);
  assert.equal(await link.count(), 1, `${REFERENCE} in the queue`);
  step('the new report is in the queue');

  await go(page, () => link.click());
  assert.match(await page.textContent('h1'), new RegExp(REFERENCE));
  assert.equal(await page.locator(`input[name=duplicate][value="${DUPLICATE}"]`).count() > 0, true, 'the duplicate is beside it');
  await check(page, 'request');

  assert.match(await submit(page, 'assignee', 'me'), /attribution/i);
  assert.match(await page.textContent('.assignee'), /vous/);
  step('assigned to the agent');
  await submit(page, 'to', 'acknowledged');
  await submit(page, 'to', 'in-progress');
  assert.equal((await page.textContent('.state')).trim(), 'Intervention programmée');
  await check(page, 'in-progress');

  await page.fill('#reply-text', REPLY);
  await go(page, () => page.click('form[action$="/reply"] button[type=submit]'));
  assert.match(await page.textContent('p.done'), /réponse/);
  assert.ok((await page.textContent('.timeline')).includes(REPLY), 'the reply is in the history');
  step('replied to the citizen');

  // The citizen, signed in on her phone, finds the reply in her space.
  const home = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  const citizen = await home.newPage();
  citizen.setDefaultTimeout(20_000);
  await signIn(citizen, CITIZEN);
  await citizen.goto(`${BASE_URL}/mine`);
  const mine = await citizen.textContent('main');
  assert.ok(mine.includes(REFERENCE), `${REFERENCE} in the citizen's space`);
  assert.ok(mine.includes(REPLY), `the reply in the citizen's space: ${mine}`);
  await check(citizen, 'citizen-mine-360', 360);
  step('the citizen sees the reply in their space');

  const merge = page.locator(`form:has(input[name=duplicate][value="${DUPLICATE}"])`);
  await go(page, () => merge.locator('button[type=submit]').click());
  assert.match(await page.textContent('p.done'), /regroupées/);
  assert.ok((await page.textContent('.timeline')).includes(DUPLICATE), 'the merge is in the history');
  step('merged the duplicate');

  await submit(page, 'to', 'resolved', { message: 'Le nid-de-poule est rebouché. Merci de votre signalement.' });
  assert.equal((await page.textContent('.state')).trim(), 'Résolu');
  await check(page, 'closed');
  assert.deepEqual(errors, []);

  const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  const small = await phone.newPage();
  small.setDefaultTimeout(20_000);
  await signIn(small, AGENT, '/admin');
  await check(small, 'queue-360', 360);
  await small.goto(`${BASE_URL}/admin/requests/${REFERENCE}`);
  await check(small, 'request-360', 360);
  await small.goto(`${BASE_URL}/admin/requests/${DUPLICATE}`);
  await check(small, 'duplicate-360', 360);

} finally {
  await browser.close();
}
console.log('admin-request-browser: all steps passed');
