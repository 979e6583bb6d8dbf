//! The back-office's queue in Debian Chromium (playwright-core): an agent signed in on
//! identity's page sends the save form of a view without a name (the error is next to the
//! field, which says it is invalid, and in the summary), saves the page's filters under a
//! name, finds the view as a link marked as the one shown, opens the queue elsewhere and
//! back through the link, then deletes it; the two reports filed at the same spot carry the
//! possible-duplicates flag. Once at 1280 px in French, once at 360×640 with touch in
//! English. axe-core finds no serious or critical violation on any state of the page; no
//! state scrolls sideways on the phone. Screenshots go to ARTIFACTS.
//!
//! Run by tests/tests/integration/browser/admin_views.rs with BASE_URL, ARTIFACTS, EMAIL and
//! PASSWORD (an agent of `roads`). Exits 0 after "admin-views-browser: all steps passed".

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { violations } from './lib/axe.mjs';
import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, ARTIFACTS, EMAIL, PASSWORD } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, EMAIL, PASSWORD })) {
  if (!value) {
    console.error(`admin-views-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('admin-views-browser: still running after 280 s, giving up');
  process.exit(3);
}, 280_000).unref();

const begun = Date.now();
const step = (text) => console.log(`step: ${text} (${Math.round((Date.now() - begun) / 1000)} s)`);

/** Checks the page (axe, width on a phone) and keeps its screenshot. */
async function check(page, name, width) {
  assert.deepEqual(await violations(page), [], `axe on ${name} (${page.url()})`);
  if (width) {
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= width, `${name} scrolls sideways: ${scroll} px`);
  }
  if (ARTIFACTS) await page.screenshot({ path: `${ARTIFACTS}/admin-views-${name}.png`, fullPage: true });
  step(`${name}: no serious or critical violation`);
}

/** Navigates by `action` (a click or a tap) and waits for the new page. */
async function go(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

const JOURNEYS = [
  { lang: 'fr', name: 'Nids-de-poule ouverts', texts: { saved: 'Vue enregistrée.', deleted: 'Vue supprimée.', flag: 'Doublons possibles : 1' }, options: { viewport: { width: 1280, height: 900 } } },
  { lang: 'en', name: 'Open potholes', texts: { saved: 'View saved.', deleted: 'View deleted.', flag: 'Possible duplicates: 1' }, options: { viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true } },
];

const browser = await launchChromium();
try {
  if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });
  for (const { lang, name, texts, options } of JOURNEYS) {
    const phone = options.hasTouch === true;
    const width = phone ? 360 : undefined;
    const press = (page, selector) => (phone ? page.tap(selector) : page.click(selector));
    const context = await browser.newContext(options);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(`${BASE_URL}/account/login?next=%2Fadmin&lang=${lang}`);
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', PASSWORD);
    await go(page, () => press(page, 'main button[type=submit]'));
    assert.ok(new URL(page.url()).pathname === '/admin', `signed in, back to the queue: ${page.url()}`);
    await page.goto(`${BASE_URL}/admin?service=pothole&open=true&lang=${lang}`);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    const flags = await page.locator('table.queue .duplicates').allTextContents();
    assert.equal(flags.length, 2, `two lines flagged: ${JSON.stringify(flags)}`);
    assert.ok(flags.every((f) => f.trim() === texts.flag), JSON.stringify(flags));
    await check(page, `${lang}-queue`, width);
    step(`${lang}: the queue flags the two reports at the same spot`);

    await go(page, () => press(page, 'form.save-view button[type=submit]'));
    assert.equal(await page.locator('.error-summary').count(), 1, 'the summary of errors');
    assert.equal(await page.getAttribute('#view-name', 'aria-invalid'), 'true');
    assert.match(await page.getAttribute('#view-name', 'aria-describedby'), /view-name-error/);
    await check(page, `${lang}-view-without-name`, width);
    step(`${lang}: a view without a name is refused next to the field`);

    await page.fill('#view-name', name);
    await go(page, () => press(page, 'form.save-view button[type=submit]'));
    assert.equal((await page.textContent('p.success')).trim(), texts.saved);
    const current = page.locator('.view-list a[aria-current="true"]');
    assert.equal((await current.textContent()).trim(), name);
    assert.equal(await page.inputValue('#f-service'), 'pothole', 'the page shows the view\'s filters');
    await check(page, `${lang}-view-saved`, width);
    step(`${lang}: the view is saved and marked as the one shown`);

    await page.goto(`${BASE_URL}/admin`);
    assert.equal(await page.locator('.view-list a[aria-current="true"]').count(), 0);
    await go(page, () => press(page, '.view-list a'));
    assert.match(page.url(), /service=pothole/);
    assert.equal(await page.inputValue('#f-open'), 'true');
    step(`${lang}: the view's link opens its filters`);

    await go(page, () => press(page, '.view-list button[type=submit]'));
    assert.equal((await page.textContent('p.success')).trim(), texts.deleted);
    assert.equal(await page.locator('.view-list').count(), 0);
    await check(page, `${lang}-view-deleted`, width);
    step(`${lang}: the view is deleted`);
    assert.deepEqual(errors, []);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log('admin-views-browser: all steps passed');
