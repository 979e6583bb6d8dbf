//! The portal's catalogue pages in a real browser (Debian Chromium under playwright-core),
//! on a 360×640 touch screen: each page in French and in English has no serious or critical
//! axe-core violation (WCAG 2.1 A and AA rules) and no sideways scrolling; the language switch
//! is remembered; with JavaScript disabled a citizen searches "chien" and opens the dog
//! licence. Screenshots of each page go to ARTIFACTS (when set).
//!
//! Run by tests/tests/integration/browser/portal_pages.rs against a running Guichet, with
//! BASE_URL (http://127.0.0.1:PORT). Prints each step; exits 0 when every step passed.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { violations } from './lib/axe.mjs';
import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, ARTIFACTS } = process.env;
if (!BASE_URL) {
  console.error('portal-browser: BASE_URL is not set');
  process.exit(2);
}
setTimeout(() => {
  console.error('portal-browser: still running after 200 s, giving up');
  process.exit(3);
}, 200_000).unref();

const step = (text) => console.log(`step: ${text}`);
const PAGES = ['/', '/search?q=chien', '/services/dog-licence', '/services/no-such-service'];
const PHONE = { viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true };

const browser = await launchChromium();
try {
  if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });
  for (const lang of ['fr', 'en']) {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    for (const path of PAGES) {
      const url = `${BASE_URL}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
      await page.goto(url);
      assert.equal(await page.getAttribute('html', 'lang'), lang, url);
      assert.deepEqual(await violations(page), [], `axe on ${url}`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${url} scrolls sideways: ${width} px`);
      if (ARTIFACTS) {
        const name = `portal-${lang}${path.replace(/[^a-z0-9]+/gi, '-')}.png`;
        await page.screenshot({ path: `${ARTIFACTS}/${name}`, fullPage: true });
      }
      step(`${url}: no serious or critical violation, fits 360 px`);
    }
    await context.close();
  }

  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await Promise.all([page.waitForEvent('load'), page.tap('a[hreflang="en"]')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.goto(`${BASE_URL}/services/dog-licence`);
  assert.equal(await page.textContent('h1'), 'Dog registration and tag');
  step('the switch to English is remembered on the next page');
  await context.close();

  const noScript = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await plain.goto(`${BASE_URL}/`);
  await plain.keyboard.press('Tab');
  assert.equal(await plain.evaluate(() => document.activeElement.className), 'skip');
  await plain.fill('#q', 'chien');
  await Promise.all([plain.waitForEvent('load'), plain.press('#q', 'Enter')]);
  assert.ok(plain.url().includes('/search?q=chien'), plain.url());
  await Promise.all([plain.waitForEvent('load'), plain.tap('a[href="/services/dog-licence"]')]);
  assert.equal(await plain.textContent('h1'), 'Déclaration de chien et médaille');
  step('without JavaScript: skip link first, search "chien", open the dog licence');
  await noScript.close();
} finally {
  await browser.close();
}
console.log('portal-browser: all steps passed');
