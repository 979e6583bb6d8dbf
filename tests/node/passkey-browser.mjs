// An agent enrols a passkey and signs a flow's document with it in a real browser (Debian
// Chromium under playwright-core) at a phone's size (360×640), with a virtual WebAuthn
// authenticator added through the Chrome DevTools Protocol (CTAP2, internal transport, user
// verification). Then the assertion the page sent, captured on its way, is sent again (to the
// same flow, and to another flow's bytes): both refused, naming the challenge.
//
// Run by tests/tests/integration/browser/signatures_passkey.rs with BASE_URL, EMAIL, PASSWORD,
// FLOW, OTHER_FLOW and SHA256 (the document's digest). Exits 0 after printing
// "passkey-browser: all steps passed".

import assert from 'node:assert/strict';

import { launchChromium } from './lib/browser.mjs';

const { BASE_URL, EMAIL, PASSWORD, FLOW, OTHER_FLOW, SHA256 } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, EMAIL, PASSWORD, FLOW, OTHER_FLOW, SHA256 })) {
  if (!value) {
    console.error(`passkey-browser: ${name} is not set`);
    process.exit(2);
  }
}
setTimeout(() => {
  console.error('passkey-browser: still running after 130 s, giving up');
  process.exit(3);
}, 130_000).unref();

const API = `${BASE_URL}/api/signatures`;

const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
  });
  const sent = [];
  page.on('request', (r) => { if (r.url().endsWith('/passkey/sign')) sent.push(r.postData()); });

  console.log('step: a virtual authenticator (ctap2, internal, user verification)');
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  console.log('step: the page opens with the flow filled in, its script from this origin');
  await page.goto(`${API}/passkey?flow=${encodeURIComponent(FLOW)}`);
  assert.equal(await page.inputValue('#flow'), FLOW);
  assert.equal(await page.isVisible('#actions'), false);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width}px wide at 360px`);

  console.log('step: signing in again with the password');
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#actions', { state: 'visible' });

  console.log('step: enrolling a passkey (navigator.credentials.create)');
  await page.click('#enrol');
  await page.waitForFunction(() => /enrolled|refused/.test(document.getElementById('status').textContent));
  assert.equal(await page.getAttribute('#status', 'data-state'), 'ok', await page.textContent('#status'));
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);

  console.log('step: signing the document (navigator.credentials.get), its digest shown first');
  await page.click('#sign');
  await page.waitForFunction(() => /signed\.|refused/.test(document.getElementById('status').textContent));
  assert.equal(await page.getAttribute('#status', 'data-state'), 'ok', await page.textContent('#status'));
  assert.equal((await page.textContent('#context-sha256')).trim(), SHA256);
  const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.ok(after.credentials[0].signCount >= 1, JSON.stringify(after.credentials[0]));
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  assert.equal(sent.length, 1);
  assert.deepEqual(errors, []);

  console.log('step: the captured assertion, sent again, is refused');
  const token = await (await fetch(`${BASE_URL}/api/identity/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', email: EMAIL, password: PASSWORD }),
  })).json();
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token.access_token}` };
  const replay = async (flow) => {
    const reply = await fetch(`${API}/flows/${flow}/passkey/sign`, { method: 'POST', headers, body: sent[0] });
    return [reply.status, (await reply.json()).errors?.[0]];
  };
  const [status, error] = await replay(FLOW);
  assert.equal(status, 400);
  assert.deepEqual([error.field, error.code], ['client_data_json.challenge', 'unknown_or_used']);

  console.log('step: the same assertion for another flow (other bytes) is refused');
  const options = await fetch(`${API}/flows/${OTHER_FLOW}/passkey/options`, { method: 'POST', headers, body: '{}' });
  assert.equal(options.status, 200);
  const [otherStatus, otherError] = await replay(OTHER_FLOW);
  assert.equal(otherStatus, 400);
  assert.equal(otherError.field, 'client_data_json.challenge');
} finally {
  await browser.close();
}
console.log('passkey-browser: all steps passed');
