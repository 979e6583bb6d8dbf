//! The administrators' set-up pages in Debian Chromium (playwright-core), issue #14 item 4:
//! signed in on identity's pages, an administrator adds a question to the dog licence's form
//! (previewed first, as residents will see it), publishes the draft, and the residents' form
//! at /services/dog-licence/form shows the question. axe-core (WCAG 2.1 A/AA) finds no
//! serious or critical violation on any set-up page, at 1280 px in French and at 360×640 with
//! touch in English, where no page scrolls sideways. Screenshots go to ARTIFACTS.
//!
//! Run by tests/tests/integration/browser/admin_setup.rs with BASE_URL, ARTIFACTS, EMAIL and
//! PASSWORD (the commune's administrator) and AGENT (an agent's account id, for the member
//! page). Exits 0 after "admin-setup-browser: all steps passed".

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

import { violations } from './lib/axe.mjs';
import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, ARTIFACTS, EMAIL, PASSWORD, AGENT } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, EMAIL, PASSWORD, AGENT })) {
  if (!value) {
    console.error(`admin-setup-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('admin-setup-browser: still running after 420 s, giving up');
  process.exit(3);
}, 420_000).unref();

const begun = Date.now();
const step = (text) => console.log(`step: ${text} (${Math.round((Date.now() - begun) / 1000)} s)`);

/** Checks the page (axe; on a phone, no sideways scroll) and keeps its screenshot. */
async function check(page, name, width) {
  assert.deepEqual(await violations(page), [], `axe on ${name} (${page.url()})`);
  if (width) {
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    // What sticks out (outside the tables' own scrolling regions), to say where it is.
    const wide = scroll <= width ? [] : await page.evaluate((w) => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > w + 1
        && (!e.parentElement.closest('.table-wrap') || getComputedStyle(e).position === 'absolute'))
      .slice(0, 10)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${e.className}` : ''} (${Math.round(e.getBoundingClientRect().right)} px)`), width);
    assert.ok(scroll <= width, `${name} scrolls sideways: ${scroll} px: ${wide.join(', ')}`);
  }
  if (ARTIFACTS) await page.screenshot({ path: `${ARTIFACTS}/admin-setup-${name}.png`, fullPage: true });
  step(`${name}: no serious or critical violation`);
}

/** Navigates by `action` and waits for the new page. */
async function go(page, action) {
  await Promise.all([page.waitForEvent('load'), action()]);
}

async function signIn(page, lang) {
  await page.goto(`${BASE_URL}/account/login?next=%2Fadmin&lang=${lang}`);
  await page.fill('input[name=email]', EMAIL);
  await page.fill('input[name=password]', PASSWORD);
  await go(page, () => page.click('main button[type=submit]'));
  assert.ok(page.url().includes('/admin'), `signed in to the back-office: ${page.url()}`);
}

const PAGES = [
  ['index', '/admin/setup'],
  ['services', '/admin/setup/services'],
  ['service', '/admin/setup/services/lost-animal'],
  ['question', '/admin/setup/services/lost-animal/fields/species'],
  ['staff', '/admin/setup/staff'],
  ['member', `/admin/setup/staff/${AGENT}`],
  ['api-keys', '/admin/setup/api-keys'],
  ['branding', '/admin/setup/branding'],
  ['templates', '/admin/setup/templates'],
  ['template', '/admin/setup/templates/request_filed/fr/email'],
  ['webhooks', '/admin/setup/webhooks'],
];

const browser = await launchChromium();
try {
  if (ARTIFACTS) mkdirSync(ARTIFACTS, { recursive: true });

  // The journey, at the desk in French.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await desk.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await signIn(page, 'fr');
  step('fr: the administrator is signed in');
  await page.goto(`${BASE_URL}/admin/setup`);
  await go(page, () => page.click('main a[href="/admin/setup/services"]'));
  await go(page, () => page.click('a[href="/admin/setup/services/dog-licence"]'));
  await check(page, 'fr-editor', undefined);
  await page.fill('#e-code', 'collar-colour');
  await page.fill('#e-label-fr', 'Couleur du collier');
  await page.fill('#e-label-en', 'Collar colour');
  await page.selectOption('#e-datatype', 'singlevaluelist');
  await page.check('#e-required');
  await page.fill('#e-choices', 'red | Rouge | Red\nblue | Bleu | Blue');
  // The live preview (progressive script) draws the question as it is written...
  await page.waitForSelector('[data-preview] #f-collar-colour');
  assert.match(await page.textContent('[data-preview] label[for=f-collar-colour]'), /Couleur du collier/);
  step('fr: the live preview shows the question being written');
  // ...and the Preview button does the same without it.
  await go(page, () => page.click('button[name=preview]'));
  assert.equal(await page.inputValue('#e-code'), 'collar-colour', 'the question is kept after the preview');
  assert.ok(await page.isVisible('[data-preview] #f-collar-colour'), 'the preview shows the question');
  assert.match(await page.textContent('[data-preview] label[for=f-collar-colour]'), /Couleur du collier/);
  await check(page, 'fr-preview', undefined);
  await go(page, () => page.click('form[action$="/fields"] button:not([name])'));
  assert.match(await page.textContent('.success'), /ajoutée/);
  assert.ok(await page.isVisible('[data-preview] #f-collar-colour'), 'the draft shows the question');
  await go(page, () => page.click('#publish'));
  assert.match(await page.textContent('.success'), /publié/);
  await check(page, 'fr-published', undefined);
  step('fr: the question is added and published');

  await page.goto(`${BASE_URL}/services/dog-licence/form?lang=fr`);
  assert.ok(await page.isVisible('#f-collar-colour'), 'the residents\' form shows the question');
  assert.match(await page.textContent('label[for=f-collar-colour]'), /Couleur du collier/);
  const choices = await page.$$eval('#f-collar-colour option', (o) => o.map((x) => x.textContent));
  assert.ok(choices.includes('Rouge') && choices.includes('Bleu'), `choices: ${choices}`);
  step('fr: the residents\' form shows the new question');

  for (const [name, path] of PAGES) {
    await page.goto(`${BASE_URL}${path}`);
    await check(page, `fr-${name}`, undefined);
  }
  assert.deepEqual(errors, [], 'no script error');
  await desk.close();

  // Every set-up page on a phone, in English.
  const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  const small = await phone.newPage();
  small.setDefaultTimeout(20_000);
  await signIn(small, 'en');
  for (const [name, path] of PAGES.concat([['editor', '/admin/setup/services/dog-licence']])) {
    await small.goto(`${BASE_URL}${path}${path.includes('?') ? '&' : '?'}lang=en`);
    assert.equal(await small.getAttribute('html', 'lang'), 'en');
    await check(small, `en-360-${name}`, 360);
  }
  await phone.close();
  console.log('admin-setup-browser: all steps passed');
} finally {
  await browser.close();
}
