//! A person signs in to Guichet with an external identity provider in a real browser (Debian
//! Chromium under playwright-core): from Guichet's start link to the provider's login page
//! (which shows the eIDAS level asked), through the provider's redirects and Guichet's
//! callback, to the account page showing the e-mail address; the session cookie is
//! `__Host-`, Secure, HttpOnly and SameSite=Lax, and JavaScript cannot read it.
//!
//! Run by tests/tests/integration/browser/identity_oidc_browser.rs against a running Guichet with a configured provider,
//! with the environment: BASE_URL (http://127.0.0.1:PORT), PROVIDER_ID, EMAIL, ACR (the
//! level the provider page must show). Prints each step; exits 0 when every step passed.

import assert from 'node:assert/strict';

import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, PROVIDER_ID, EMAIL, ACR } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, PROVIDER_ID, EMAIL, ACR })) {
  if (!value) {
    console.error(`oidc-browser: ${name} is not set`);
    process.exit(2);
  }
}

// Whatever happens, never hang the Rust test that waits for us.
setTimeout(() => {
  console.error('oidc-browser: still running after 100 s, giving up');
  process.exit(3);
}, 100_000).unref();

const step = (text) => console.log(`step: ${text}`);

const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const page = await context.newPage();

  step('open Guichet\'s start link: the provider\'s login page shows the level asked');
  await page.goto(`${BASE_URL}/account/oidc/${PROVIDER_ID}/start`);
  assert.match(page.url(), /\/interaction\/[\w-]+$/, page.url());
  assert.equal(await page.textContent('#acr'), ACR);

  step('sign in at the provider and come back to the account page');
  await page.fill('#login-email', EMAIL);
  await Promise.all([page.waitForURL(`${BASE_URL}/account`), page.click('#login-submit')]);
  assert.ok((await page.content()).includes(EMAIL), 'the account page shows the e-mail address');

  step('the session cookie is __Host-, Secure, HttpOnly, SameSite=Lax and hidden from scripts');
  const cookies = await context.cookies(BASE_URL);
  const session = cookies.find((c) => c.name === '__Host-guichet-session');
  assert.ok(session, JSON.stringify(cookies.map((c) => c.name)));
  assert.equal(session.secure, true);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  assert.equal(session.path, '/');
  assert.equal(await page.evaluate(() => document.cookie.includes('guichet')), false);

  step('the account page reloads signed in');
  const again = await page.goto(`${BASE_URL}/account`);
  assert.equal(again.status(), 200);
  assert.equal(page.url(), `${BASE_URL}/account`);

  console.log('oidc-browser: all steps passed');
} finally {
  await browser.close();
}
