//! The citizen's journey through the portal's forms in Debian Chromium (playwright-core):
//! signed in on identity's pages, search, the dog licence's form sent with a mistake (the
//! error summary links to the field, the field says it is invalid, answers are kept), fixed,
//! filed; the receipt's reference and tracking code open the request on the tracking page,
//! and the request is in the citizen's space (`/mine`).
//! Once at 1280 px in French, once at 360×640 with touch in English; then a guest files a
//! lost-animal report with JavaScript disabled (first). axe-core (WCAG 2.1 A/AA) finds no
//! serious or critical violation on any page of the two journeys (axe needs JavaScript: the
//! pages without it are the same templates, kept as screenshots); no page scrolls sideways on
//! the phone; every page's HTML, CSS and JS stay under 100 KB. Screenshots go to ARTIFACTS.
//!
//! Run by tests/tests/integration/browser/portal_forms.rs with BASE_URL, ARTIFACTS, EMAIL and
//! PASSWORD (a verified citizen). Exits 0 after "portal-forms-browser: all steps passed".

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { violations } from './lib/axe.mjs';
import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, ARTIFACTS, EMAIL, PASSWORD } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, EMAIL, PASSWORD })) {
  if (!value) {
    console.error(`portal-forms-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('portal-forms-browser: still running after 420 s, giving up');
  process.exit(3);
}, 420_000).unref();

const begun = Date.now();
const step = (text) => console.log(`step: ${text} (${Math.round((Date.now() - begun) / 1000)} s)`);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const file = (name) => ({ name, mimeType: 'application/pdf', buffer: PDF });

/** Checks the page (axe, width on a phone, weight) and keeps its screenshot. */
async function check(page, name, width) {
  assert.deepEqual(await violations(page), [], `axe on ${name} (${page.url()})`);
  if (width) {
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= width, `${name} scrolls sideways: ${scroll} px`);
  }
  const weight = await page.evaluate(() => performance.getEntriesByType('navigation')
    .concat(performance.getEntriesByType('resource'))
    .reduce((sum, e) => sum + (e.decodedBodySize || 0), 0));
  assert.ok(weight < 100 * 1024, `${name} weighs ${weight} bytes`);
  if (ARTIFACTS) await page.screenshot({ path: `${ARTIFACTS}/portal-forms-${name}.png`, fullPage: true });
  step(`${name}: no serious or critical violation, ${weight} bytes`);
}

/** Keeps the screenshot of a page without JavaScript (axe needs JavaScript: the same pages
 * are checked with it in the journeys below). */
async function shot(page, name) {
  if (ARTIFACTS) await page.screenshot({ path: `${ARTIFACTS}/portal-forms-${name}.png`, fullPage: true });
}

/** Navigates by `action` (a click or a tap) and waits for the new page. */
async function go(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** `promise`, or a failure saying where the page is after `ms`. */
async function within(ms, what, page, promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(async () => {
      reject(new Error(`${what}: nothing after ${ms} ms, at ${page.url()}: ${(await page.content().catch(() => '')).slice(0, 400)}`));
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const JOURNEYS = [
  { lang: 'fr', words: 'chien', options: { viewport: { width: 1280, height: 900 } } },
  { lang: 'en', words: 'dog', options: { viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true } },
];

const browser = await launchChromium();
try {
  if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });
  const noScript = await browser.newContext({
    viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true, javaScriptEnabled: false,
  });
  const plain = await noScript.newPage();
  plain.setDefaultTimeout(20_000);
  await plain.goto(`${BASE_URL}/services/lost-animal/form?lang=fr`);
  step('without JavaScript: the lost-animal form is open');
  await plain.selectOption('#f-situation', 'lost');
  await plain.selectOption('#f-species', 'dog');
  await plain.fill('#f-seen-at', '2026-12-01T18:30');
  await plain.fill('#f-location-address', '12 rue des Lilas');
  await plain.fill('#f-description', 'Petit chien roux');
  await plain.setInputFiles('#f-photo', { name: 'rex.pdf', mimeType: 'application/pdf', buffer: PDF });
  await plain.fill('#f-phone', '06 12 34 56 78');
  await plain.fill('#f-email', 'pas-une-adresse');
  await plain.tap('#f-consent');
  step('without JavaScript: the form is filled');
  await within(30_000, 'the first submit without JavaScript', plain,
    Promise.all([plain.waitForSelector('.error-summary'), plain.click('form.filing button[type=submit]', { noWaitAfter: true })]));
  assert.equal(await plain.getAttribute('#f-email', 'aria-invalid'), 'true');
  await shot(plain, 'fr-guest-nojs-mistake');
  await plain.fill('#f-email', 'camille@example.org');
  await within(30_000, 'the second submit without JavaScript', plain,
    Promise.all([plain.waitForSelector('#reference'), plain.click('form.filing button[type=submit]', { noWaitAfter: true })]));
  assert.match((await plain.textContent('#reference')).trim(), /^\d{4}-\d{6}$/);
  await shot(plain, 'fr-guest-nojs-receipt');
  step('without JavaScript: a guest files a report after fixing a mistake');
  await noScript.close();
  for (const { lang, words, options } of JOURNEYS) {
    const phone = options.hasTouch === true;
    const width = phone ? 360 : undefined;
    const press = (page, selector) => (phone ? page.tap(selector) : page.click(selector));
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(`${BASE_URL}/account/login?lang=${lang}`);
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', PASSWORD);
    await go(page, () => press(page, 'main button[type=submit]'));
    assert.ok(!page.url().includes('/account/login'), `signed in: ${page.url()}`);
    step(`${lang}: signed in on the account pages`);

    await page.goto(`${BASE_URL}/?lang=${lang}`);
    await page.fill('#q', words);
    await go(page, () => page.press('#q', 'Enter'));
    await check(page, `${lang}-search`, width);
    await go(page, () => press(page, 'a[href="/services/dog-licence"]'));
    await go(page, () => press(page, 'a[href="/services/dog-licence/form"]'));
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    assert.equal(await page.locator('.notice a[href^="/account/login"]').count(), 0, 'signed in: no sign-in notice');
    await check(page, `${lang}-form`, width);
    step(`${lang}: searched "${words}" and opened the dog licence's form`);

    await page.fill('#f-dog-name', 'Rex');
    await page.fill('#f-breed', 'Beagle');
    await page.selectOption('#f-category', 'none');
    await page.fill('#f-birth-date', '2024-03-01');
    await page.fill('#f-chip', '2502698');
    await page.setInputFiles('#f-id-card', file('icad.pdf'));
    await page.fill('#f-email', EMAIL);
    await (phone ? page.tap('#f-consent') : page.check('#f-consent'));
    await go(page, () => press(page, 'form.filing button[type=submit]'));
    assert.equal(await page.locator('.error-summary').count(), 1, 'the summary of errors');
    assert.equal(await page.getAttribute('#f-chip', 'aria-invalid'), 'true');
    assert.match(await page.getAttribute('#f-chip', 'aria-describedby'), /f-chip-error/);
    assert.equal(await page.inputValue('#f-dog-name'), 'Rex', 'answers kept');
    assert.equal(await page.inputValue('#f-chip'), '2502698');
    assert.ok(await page.isChecked('#f-consent'));
    await check(page, `${lang}-form-mistake`, width);
    await press(page, '.error-summary a[href="#f-chip"]');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'f-chip', 'the summary leads to the field');
    step(`${lang}: the mistake is shown at the top and next to the field, answers kept`);

    await page.fill('#f-chip', '250269812345678');
    await page.setInputFiles('#f-id-card', file('icad.pdf'));
    await go(page, () => press(page, 'form.filing button[type=submit]'));
    const reference = (await page.textContent('#reference')).trim();
    const code = (await page.textContent('#tracking-code')).trim();
    assert.match(reference, /^\d{4}-\d{6}$/);
    assert.equal(await page.locator('figure.qr svg').count(), 1);
    await check(page, `${lang}-receipt`, width);
    step(`${lang}: filed, receipt ${reference}`);

    await page.goto(`${BASE_URL}/track?reference=${reference}`);
    assert.equal(await page.getAttribute('html', 'lang'), lang, 'the language is remembered');
    await page.fill('#code', code);
    await press(page, '#track button[type=submit]');
    await page.waitForSelector('#result', { state: 'visible' });
    assert.match(await page.textContent('#service'), new RegExp(reference));
    await check(page, `${lang}-track`, width);
    step(`${lang}: the request is found on the tracking page`);

    await go(page, () => press(page, 'a[href="/mine"]'));
    const listed = await page.locator('.mine .reference').allTextContents();
    assert.ok(listed.includes(reference), `${reference} in ${JSON.stringify(listed)}`);
    await check(page, `${lang}-mine`, width);
    step(`${lang}: the request is in the citizen's space`);
    assert.deepEqual(errors, []);
    await context.close();
  }

} finally {
  await browser.close();
}
console.log('portal-forms-browser: all steps passed');
