//! A person uses Guichet's account pages in a real browser (Debian Chromium under
//! playwright-core): signs in through the form, lands on /account, and the session cookie is
//! `__Host-`, Secure, HttpOnly, SameSite=Lax and out of JavaScript's reach; edits the profile;
//! logs out and is sent back to sign-in; then asks for a password reset, follows the e-mailed
//! link (its secret in the fragment), chooses a new password and signs in with it.
//!
//! Run by tests/tests/integration/browser/identity_browser.rs against a running Guichet, with the environment:
//! BASE_URL (http://127.0.0.1:PORT), EMAIL and PASSWORD of a verified citizen, MAILBOX_URL
//! (the test mailbox, whose GET /messages lists the e-mails sent). Prints each step; exits 0
//! when every step passed, non-zero with the failure otherwise.

import assert from 'node:assert/strict';

import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, EMAIL, PASSWORD, MAILBOX_URL } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, EMAIL, PASSWORD, MAILBOX_URL })) {
  if (!value) {
    console.error(`identity-browser: ${name} is not set`);
    process.exit(2);
  }
}
const NEW_PASSWORD = 'une autre phrase secrète pour le vélo bleu';

// Whatever happens, never hang the Rust test that waits for us.
setTimeout(() => {
  console.error('identity-browser: still running after 200 s, giving up');
  process.exit(3);
}, 200_000).unref();

const step = (text) => console.log(`step: ${text}`);

/** The newest e-mail to `to` whose text has a link to `page`, waiting for it to arrive. */
async function mailedLink(to, page, after) {
  const pattern = new RegExp(`https?://[^\\s]+${page}#token=[A-Za-z0-9_-]{43}`);
  for (let i = 0; i < 100; i += 1) {
    const response = await fetch(`${MAILBOX_URL}/messages`);
    const messages = await response.json();
    const found = messages.slice(after).filter((m) => m.to === to && pattern.test(m.text)).at(-1);
    if (found) return pattern.exec(found.text)[0];
    await new Promise((resolve) => { setTimeout(resolve, 200); });
  }
  throw new Error(`no e-mail to ${to} with a link to ${page}`);
}

async function mailCount() {
  const response = await fetch(`${MAILBOX_URL}/messages`);
  return (await response.json()).length;
}

/** The session cookie as the browser keeps it for BASE_URL. */
async function sessionCookie(context) {
  const cookies = await context.cookies(BASE_URL);
  return cookies.find((c) => c.name.startsWith('__Host-'));
}

/** Submits the form posting to `action` and waits for the page that answers it. */
async function submit(page, action) {
  await Promise.all([
    page.waitForEvent('load'),
    page.click(`form[action="${action}"] button[type=submit]`),
  ]);
}

async function signIn(page, password) {
  await page.goto(`${BASE_URL}/account/login`);
  await page.fill('#f-email', EMAIL);
  await page.fill('#f-password', password);
  await submit(page, '/account/login');
  assert.equal(page.url(), `${BASE_URL}/account`, `still at sign-in: ${await page.textContent('main')}`);
}

const browser = await launchChromium();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Anything the Content-Security-Policy blocks, or a script error, shows up here (a 401
  // answer to a wrong password is logged as a failed resource: that one is expected).
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));

  step('the sign-in page is in French and opens a pre-session');
  await page.goto(`${BASE_URL}/account/login`);
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  assert.equal(await page.textContent('h1'), 'Connexion');
  const pre = await sessionCookie(context);
  assert.ok(pre, 'Chromium kept the Secure pre-session cookie on http://127.0.0.1 (a secure context)');

  step('signing in through the form lands on /account showing the address');
  await signIn(page, PASSWORD);
  assert.equal(await page.textContent('#account-email'), EMAIL);

  step('the session cookie is __Host-, Secure, HttpOnly, SameSite=Lax, host-only, and new');
  const cookies = (await context.cookies(BASE_URL)).filter((c) => c.name.startsWith('__Host-'));
  assert.equal(cookies.length, 1, JSON.stringify(cookies));
  const [session] = cookies;
  assert.equal(session.name, '__Host-guichet-session');
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, 'Lax');
  assert.equal(session.path, '/');
  assert.equal(session.domain, new URL(BASE_URL).hostname, 'host-only: no Domain attribute');
  assert.equal(session.expires, -1, 'a browser-session cookie');
  assert.notEqual(session.value, pre.value, 'a new session id at sign-in');
  assert.equal(await page.evaluate(() => document.cookie.includes('__Host-')), false, 'out of reach of scripts');

  step('editing the profile (names, and English as language)');
  await page.fill('#f-given_name', 'Claude <Test>');
  await page.fill('#f-family_name', 'Monet');
  await page.fill('#f-phone', '+33 6 12 34 56 78');
  await page.selectOption('#f-language', 'en');
  await submit(page, '/account/profile');
  assert.equal(page.url(), `${BASE_URL}/account?done=profile`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('.notice'), 'Your profile is saved.');
  assert.equal(await page.inputValue('#f-given_name'), 'Claude <Test>');
  // The one phone rule stores E.164: what was typed with spaces comes back normalised.
  assert.equal(await page.inputValue('#f-phone'), '+33612345678');

  step('logging out goes back to sign-in, and /account then redirects there');
  await submit(page, '/account/logout');
  assert.equal(page.url(), `${BASE_URL}/account/login`);
  const after = await sessionCookie(context);
  assert.ok(!after || after.value !== session.value, 'the signed-in cookie is gone');
  await page.goto(`${BASE_URL}/account`);
  assert.equal(page.url(), `${BASE_URL}/account/login`);

  step('a copy of the old session cookie, sent again, is refused by the server');
  const replay = await fetch(`${BASE_URL}/account`, {
    headers: { cookie: `${session.name}=${session.value}` },
    redirect: 'manual',
  });
  assert.equal(replay.status, 303);
  assert.equal(replay.headers.get('location'), '/account/login');

  step('asking for a password reset');
  const before = await mailCount();
  await page.goto(`${BASE_URL}/account/forgot-password`);
  await page.fill('#f-email', EMAIL);
  await submit(page, '/account/forgot-password');
  assert.equal(await page.textContent('h1'), 'Consultez votre messagerie');

  step('the e-mailed link carries its secret in the fragment; the page moves it into the form');
  const link = await mailedLink(EMAIL, '/account/reset-password', before);
  const url = new URL(link);
  assert.equal(url.search, '', 'no secret in the query string');
  assert.match(url.hash, /^#token=/);
  await page.goto(link);
  const token = url.hash.slice('#token='.length);
  assert.equal(await page.inputValue('input[name="token"]'), token);
  assert.equal(new URL(page.url()).hash, '', 'the secret is taken out of the address bar');

  step('choosing a new password, then signing in with it');
  await page.fill('#f-password', NEW_PASSWORD);
  await submit(page, '/account/reset-password');
  assert.equal(await page.textContent('h1'), 'Mot de passe modifié');
  await signIn(page, NEW_PASSWORD);
  assert.equal(await page.textContent('#account-email'), EMAIL);

  step('the old password no longer works');
  await submit(page, '/account/logout');
  await page.fill('#f-email', EMAIL);
  await page.fill('#f-password', PASSWORD);
  await submit(page, '/account/login');
  assert.equal(page.url(), `${BASE_URL}/account/login`);
  assert.match(await page.textContent('.errors'), /Adresse e-mail ou mot de passe incorrect/);

  assert.deepEqual(problems, [], 'no script error and nothing blocked by the Content-Security-Policy');
  console.log('identity-browser: all steps passed');
} finally {
  await browser.close();
}
