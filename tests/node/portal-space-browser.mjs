//! The citizen's inbox and preferences pages in Debian Chromium (playwright-core): signed in
//! on identity's pages, the inbox with a message from the commune, marked read, then the
//! preferences changed and saved; at 1280 px in French and at 360×640 with touch in English.
//! axe-core (WCAG 2.1 A/AA) finds no serious or critical violation on either page, and no
//! page scrolls sideways on the phone. Screenshots go to ARTIFACTS.
//!
//! Run by tests/tests/integration/browser/portal_space.rs with BASE_URL, ARTIFACTS, EMAIL and
//! PASSWORD (a verified citizen with one message). Exits 0 after "portal-space-browser: all
//! steps passed".

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { launchChromium } from './lib/browser.mjs';
import { violations } from './lib/axe.mjs';

const { BASE_URL, ARTIFACTS, EMAIL, PASSWORD } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, EMAIL, PASSWORD })) {
  if (!value) {
    console.error(`portal-space-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('portal-space-browser: still running after 200 s, giving up');
  process.exit(3);
}, 200_000).unref();

if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });

async function check(page, name, width) {
  assert.deepEqual(await violations(page), [], `axe on ${name} (${page.url()})`);
  if (width) {
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= width, `${name} scrolls sideways: ${scroll} px`);
  }
  if (ARTIFACTS) await page.screenshot({ path: `${ARTIFACTS}/portal-space-${name}.png`, fullPage: true });
}

const JOURNEYS = [
  { lang: 'fr', options: { viewport: { width: 1280, height: 900 }, locale: 'fr-FR' } },
  { lang: 'en', options: { viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true, locale: 'en-GB' } },
];

const browser = await launchChromium();
try {
  for (const { lang, options } of JOURNEYS) {
    const width = options.hasTouch ? 360 : undefined;
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(`${BASE_URL}/account/login?next=%2Fmine&lang=${lang}`);
    await page.fill('input[name=email]', EMAIL);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(/\/mine/), page.click('main button[type=submit]')]);
    await page.click('a[href="/mine/inbox"]');
    await page.waitForURL(/\/mine\/inbox/);
    await check(page, `${lang}-inbox`, width);
    if (lang === 'fr') {
      assert.ok(await page.locator('li.unread').count() > 0, 'an unread message');
      await Promise.all([page.waitForURL(/done=read/), page.click('li.unread form button')]);
      assert.equal(await page.locator('li.unread').count(), 0, 'marked read');
      await check(page, `${lang}-inbox-read`, width);
    }
    await page.goto(`${BASE_URL}/mine/preferences?lang=${lang}`);
    await check(page, `${lang}-preferences`, width);
    await page.check('#channel-sms');
    await Promise.all([page.waitForURL(/done=saved/), page.click('form.filing button[type=submit]')]);
    assert.ok(await page.isChecked('#channel-sms'), 'saved');
    await check(page, `${lang}-preferences-saved`, width);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log('portal-space-browser: all steps passed');
