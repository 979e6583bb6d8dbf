//! Proves the browser stack works on this machine: Debian Chromium under playwright-core renders
//! a local page and runs its script, then signs in at the test OpenID provider through its real
//! login page and lands on a local callback with the code and state.
//! Run: node --test tests/node/browser-smoke.mjs

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { launchChromium } from './lib/browser.mjs';
import { startProvider } from './lib/provider-process.mjs';
import { pkce } from './lib/plain-client.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(() => browser?.close());

test('chromium renders a data: page and runs its script', async () => {
  const page = await browser.newPage();
  await page.goto('data:text/html,<title>smoke</title><p id=out></p><script>out.textContent=6*7</script>');
  assert.equal(await page.title(), 'smoke');
  assert.equal(await page.textContent('#out'), '42');
  await page.close();
});

test('a person signs in at the test provider and comes back to the callback with code and state', async () => {
  // A stand-in for identity's callback route: it only shows what it received.
  const callback = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<title>callback</title><p id=code>${url.searchParams.has('code')}</p>`
      + `<p id=state>${encodeURIComponent(url.searchParams.get('state') ?? '')}</p>`);
  }).listen(0, '127.0.0.1');
  await once(callback, 'listening');
  const redirectUri = `http://127.0.0.1:${callback.address().port}/callback`;
  const provider = await startProvider(['--redirect-uri', redirectUri, '--email', 'ada@example.org']);
  try {
    const authorize = new URL('/auth', provider.issuer);
    authorize.search = new URLSearchParams({
      client_id: 'guichet',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      state: 'st4te',
      nonce: 'n0nce',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      acr_values: 'eidas2',
    });
    const page = await browser.newPage();
    await page.goto(authorize.href);
    assert.match(page.url(), /\/interaction\/[\w-]+$/);
    assert.equal(await page.inputValue('#login-email'), 'ada@example.org');
    assert.equal(await page.textContent('#acr'), 'eidas2');
    await Promise.all([page.waitForURL(`${redirectUri}?**`), page.click('#login-submit')]);
    assert.equal(await page.textContent('#code'), 'true');
    assert.equal(await page.textContent('#state'), 'st4te');
    await page.close();
  } finally {
    await provider.stop();
    callback.close();
  }
});
