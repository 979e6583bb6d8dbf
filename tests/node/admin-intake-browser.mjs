// The back-office's intake and dashboard in Debian Chromium (playwright-core), issue #14:
// a counter clerk (an agent) signs in, opens the intake desk at 1280 px, picks the pothole
// service at the counter, fills the caller's details and the service's own questions, files,
// and reads the new reference with its link to the request's page; the phone form is checked
// too. Then a supervisor reads the dashboard on a 360×640 phone with touch: no sideways
// scroll, the charts drawn and visible, their numbers in tables; the desk and a form fit
// the phone too. axe-core (WCAG 2.1 A/AA)
// finds no serious or critical violation on any page. Screenshots go to ARTIFACTS.
//
// Run by tests/tests/integration/browser/admin_intake.rs with BASE_URL, ARTIFACTS,
// AGENT_EMAIL, SUPERVISOR_EMAIL and PASSWORD. Exits 0 after
// "admin-intake-browser: all steps passed".

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { violations } from './lib/axe.mjs';
import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, ARTIFACTS, AGENT_EMAIL, SUPERVISOR_EMAIL, PASSWORD } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, AGENT_EMAIL, SUPERVISOR_EMAIL, PASSWORD })) {
  if (!value) {
    console.error(`admin-intake-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('admin-intake-browser: still running after 300 s, giving up');
  process.exit(3);
}, 300_000).unref();

const begun = Date.now();
const step = (text) => console.log(`step: ${text} (${Math.round((Date.now() - begun) / 1000)} s)`);

/** Checks the page (axe, width on a phone) and keeps its screenshot. */
async function check(page, name, width) {
  assert.deepEqual(await violations(page), [], `axe on ${name} (${page.url()})`);
  if (width) {
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= width, `${name} scrolls sideways: ${scroll} px`);
  }
  if (ARTIFACTS) await page.screenshot({ path: `${ARTIFACTS}/admin-intake-${name}.png`, fullPage: true });
  step(`${name}: no serious or critical violation`);
}

async function go(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

async function signIn(page, email, press) {
  await page.goto(`${BASE_URL}/account/login?next=%2Fadmin`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await go(page, () => press('main button[type=submit]'));
  assert.ok(new URL(page.url()).pathname.startsWith('/admin'), `signed in: ${page.url()}`);
}

const browser = await launchChromium();
try {
  if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });

  // A counter clerk at the desk, 1280 px, French.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await desk.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, AGENT_EMAIL, (s) => page.click(s));
  step('the clerk is signed in');
  await page.goto(`${BASE_URL}/admin/intake`);
  assert.equal(await page.getAttribute('a[href="/admin/intake"]', 'aria-current'), 'page');
  await check(page, 'desk');

  await page.selectOption('#pick-service', 'pothole');
  await page.check('#pick-counter');
  await go(page, () => page.click('form.pick button[type=submit]'));
  assert.match(page.url(), /\/admin\/intake\/file\?service=pothole&channel=counter/);
  await check(page, 'counter-form');
  await page.fill('#caller-name', 'Mme Durand');
  await page.fill('#caller-email', 'durand@example.org');
  await page.fill('#f-location-address', '3 place de la Mairie');
  await page.selectOption('#f-size', 'medium');
  await page.fill('#f-email', 'durand@example.org');
  await page.check('#f-consent');
  await go(page, () => page.click('form.intake-filing button[type=submit]'));
  const reference = (await page.textContent('#filed-reference')).trim();
  assert.match(reference, /^\d{4}-\d{6}$/);
  assert.equal(await page.locator(`a[href="/admin/requests/${reference}"]`).count(), 1, 'the link to the request');
  await check(page, 'filed');
  step(`the clerk filed ${reference} for a caller at the counter`);

  await page.goto(`${BASE_URL}/admin?channel=counter`);
  assert.equal(await page.locator(`a[href="/admin/requests/${reference}"]`).count(), 1, 'in the queue');
  await page.goto(`${BASE_URL}/admin/intake/file?service=pothole&channel=phone&lang=en`);
  assert.equal(await page.locator('#call-summary').count(), 1);
  await check(page, 'phone-form');
  assert.deepEqual(errors, []);
  await desk.close();

  // A supervisor on a phone, 360×640 with touch, reads the dashboard.
  const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  const mobile = await phone.newPage();
  mobile.setDefaultTimeout(20_000);
  await signIn(mobile, SUPERVISOR_EMAIL, (s) => mobile.tap(s));
  await mobile.goto(`${BASE_URL}/admin/dashboard`);
  assert.notEqual(await mobile.textContent('#open'), '');
  const charts = mobile.locator('figure.chart svg');
  assert.ok((await charts.count()) >= 3, 'the commune\'s three charts');
  for (let n = 0; n < 3; n += 1) {
    const chart = charts.nth(n);
    await chart.scrollIntoViewIfNeeded();
    assert.ok(await chart.isVisible(), `chart ${n} visible`);
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 200 && box.x >= 0 && box.x + box.width <= 360, `chart ${n} fits: ${JSON.stringify(box)}`);
    assert.ok(box.height > 50, `chart ${n} has a height: ${JSON.stringify(box)}`);
  }
  assert.ok(await mobile.locator('#commune-table tbody tr').count() === 12, 'twelve weeks in the table');
  await check(mobile, 'dashboard-phone', 360);
  await go(mobile, () => mobile.tap('a[lang="en"]'));
  await mobile.selectOption('#by', 'service');
  await go(mobile, () => mobile.tap('form.inline-form button[type=submit]'));
  assert.match(mobile.url(), /by=service/);
  await check(mobile, 'dashboard-phone-by-service', 360);
  // The desk and a form fit a phone too (supervisors work at the desk as well).
  await mobile.goto(`${BASE_URL}/admin/intake`);
  await check(mobile, 'desk-phone', 360);
  await mobile.goto(`${BASE_URL}/admin/intake/file?service=pothole&channel=phone`);
  await check(mobile, 'phone-form-phone', 360);
  await phone.close();
} finally {
  await browser.close();
}
console.log('admin-intake-browser: all steps passed');
