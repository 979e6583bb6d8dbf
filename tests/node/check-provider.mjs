//! Self-check of the test OpenID provider (oidc-provider.mjs), before any Guichet code uses it:
//! discovery, the full code flow with PKCE S256, state, nonce and acr, done by a plain fetch
//! client, and the id_token verified against the published JWKS with `jose`.
//! Run: node --test tests/node/check-provider.mjs   (or plain `node` on this file)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

import { startProvider } from './lib/provider-process.mjs';
import {
  CookieJar, authorize, base64url, exchangeCode, pkce,
} from './lib/plain-client.mjs';

const REDIRECT_URI = 'http://127.0.0.1:9/oidc/callback';
const CLIENT_ID = 'guichet';
const CLIENT_SECRET = 'test secret+with/odd=chars';

async function discover(issuer) {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert.equal(response.status, 200);
  return response.json();
}

/** Runs authorize + token exchange as identity will; returns what a client would check. */
async function codeFlow(discovery, {
  authMethod = 'client_secret_post', acrValues, login = {}, sendVerifier = true,
} = {}) {
  const jar = new CookieJar();
  const { verifier, challenge } = pkce();
  const state = base64url(randomBytes(16));
  const nonce = base64url(randomBytes(16));
  const { final, hops } = await authorize({
    discovery,
    jar,
    login,
    params: {
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid email profile',
      state,
      nonce,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      acr_values: acrValues,
    },
  });
  const callback = new URL(final);
  assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI, `hops: ${JSON.stringify(hops)}`);
  assert.equal(callback.searchParams.get('state'), state);
  assert.equal(callback.searchParams.get('iss'), discovery.issuer, 'RFC 9207 iss in the response');
  const code = callback.searchParams.get('code');
  assert.ok(code, `no code in ${final}`);
  const tokens = await exchangeCode({
    discovery,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    authMethod,
    code,
    redirectUri: REDIRECT_URI,
    verifier: sendVerifier ? verifier : undefined,
  });
  return {
    jar, hops, code, verifier, nonce, tokens,
  };
}

async function verifyIdToken(discovery, idToken, nonce) {
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
    issuer: discovery.issuer,
    audience: CLIENT_ID,
    algorithms: discovery.id_token_signing_alg_values_supported,
  });
  assert.equal(payload.nonce, nonce);
  return { payload, protectedHeader };
}

for (const [alg, authMethod] of [
  ['RS256', 'client_secret_post'],
  ['ES256', 'client_secret_basic'],
  ['EdDSA', 'client_secret_post'],
  ['PS256', 'client_secret_basic'],
]) {
  describe(`provider signing ${alg}, client authenticating with ${authMethod}`, () => {
    let provider;
    let discovery;
    before(async () => {
      provider = await startProvider([
        '--redirect-uri', REDIRECT_URI,
        '--client-id', CLIENT_ID,
        '--client-secret', CLIENT_SECRET,
        '--auth-method', authMethod,
        '--alg', alg,
        '--email', 'marie.curie@example.org',
      ]);
      discovery = await discover(provider.issuer);
    });
    after(async () => {
      await provider.stop();
      assert.deepEqual(provider.laterStdout(), [], 'stdout carries only the ready line');
    });

    test('discovery is served at the http://127.0.0.1 issuer with PKCE S256 and eIDAS acr values', () => {
      assert.match(provider.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(discovery.issuer, provider.issuer);
      assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(discovery.acr_values_supported, ['eidas1', 'eidas2', 'eidas3']);
      assert.deepEqual(discovery.id_token_signing_alg_values_supported, [alg]);
    });

    test('the code flow yields an id_token signed with the JWKS key carrying nonce, acr and claims', async () => {
      const { nonce, tokens } = await codeFlow(discovery, { authMethod, acrValues: 'eidas2' });
      assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
      assert.equal(tokens.json.token_type, 'Bearer');
      const { payload, protectedHeader } = await verifyIdToken(discovery, tokens.json.id_token, nonce);
      assert.equal(protectedHeader.alg, alg);
      assert.equal(payload.acr, 'eidas2');
      assert.equal(payload.email, 'marie.curie@example.org');
      assert.equal(payload.email_verified, true);
      assert.equal(payload.given_name, 'Marie');
      assert.equal(payload.family_name, 'Curie');
      assert.match(payload.sub, /^[0-9a-f]{32}$/);
    });

    test('userinfo answers the access token with the same subject and e-mail', async () => {
      const { nonce, tokens } = await codeFlow(discovery, { authMethod });
      const { payload } = await verifyIdToken(discovery, tokens.json.id_token, nonce);
      const response = await fetch(discovery.userinfo_endpoint, {
        headers: { authorization: `Bearer ${tokens.json.access_token}` },
      });
      assert.equal(response.status, 200);
      const info = await response.json();
      assert.equal(info.sub, payload.sub);
      assert.equal(info.email, 'marie.curie@example.org');
    });
  });
}

describe('provider behaviour a client must cope with', () => {
  let provider;
  let discovery;
  before(async () => {
    provider = await startProvider([
      '--redirect-uri', REDIRECT_URI, '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET,
    ]);
    discovery = await discover(provider.issuer);
  });
  after(() => provider.stop());

  test('without acr_values the default acr eidas1 is returned', async () => {
    const { nonce, tokens } = await codeFlow(discovery);
    const { payload } = await verifyIdToken(discovery, tokens.json.id_token, nonce);
    assert.equal(payload.acr, 'eidas1');
  });

  test('the login form chooses e-mail, verification, subject and a lower acr than asked', async () => {
    const { nonce, tokens } = await codeFlow(discovery, {
      acrValues: 'eidas2',
      login: {
        login: 'pierre@example.org', email_verified: 'false', sub: 'fixed-sub-1', acr: 'eidas1',
      },
    });
    const { payload } = await verifyIdToken(discovery, tokens.json.id_token, nonce);
    assert.equal(payload.sub, 'fixed-sub-1');
    assert.equal(payload.email, 'pierre@example.org');
    assert.equal(payload.email_verified, false);
    assert.equal(payload.acr, 'eidas1', 'a client asking eidas2 must reject this');
  });

  test('an authorization request without code_challenge is refused at the redirect_uri', async () => {
    const { final } = await authorize({
      discovery,
      jar: new CookieJar(),
      params: {
        client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', state: 's1',
      },
    });
    const url = new URL(final);
    assert.equal(url.searchParams.get('error'), 'invalid_request');
    assert.equal(url.searchParams.get('state'), 's1');
  });

  test('a code exchanged without or with a wrong code_verifier is refused', async () => {
    const missing = await codeFlow(discovery, { sendVerifier: false });
    assert.equal(missing.tokens.status, 400);
    assert.equal(missing.tokens.json.error, 'invalid_grant');

    const flow = await codeFlow(discovery, { sendVerifier: false });
    const wrong = await exchangeCode({
      discovery,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authMethod: 'client_secret_post',
      code: flow.code,
      redirectUri: REDIRECT_URI,
      verifier: pkce().verifier,
    });
    assert.equal(wrong.json.error, 'invalid_grant');
  });

  test('a code is single-use and a wrong client secret is refused', async () => {
    const flow = await codeFlow(discovery);
    assert.equal(flow.tokens.status, 200);
    const again = await exchangeCode({
      discovery,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      authMethod: 'client_secret_post',
      code: flow.code,
      redirectUri: REDIRECT_URI,
      verifier: flow.verifier,
    });
    assert.equal(again.json.error, 'invalid_grant');

    const other = await codeFlow(discovery, { sendVerifier: false });
    const badSecret = await exchangeCode({
      discovery,
      clientId: CLIENT_ID,
      clientSecret: 'wrong',
      authMethod: 'client_secret_post',
      code: other.code,
      redirectUri: REDIRECT_URI,
      verifier: other.verifier,
    });
    assert.equal(badSecret.status, 401);
    assert.equal(badSecret.json.error, 'invalid_client');
  });

  test('an unregistered redirect_uri is refused on the provider page, not redirected', async () => {
    const jar = new CookieJar();
    const url = new URL(discovery.authorization_endpoint);
    const { challenge } = pkce();
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: 'http://127.0.0.1:9/elsewhere',
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /redirect_uri/);
  });

  test('cancelling on the login page returns access_denied with the state', async () => {
    const { challenge } = pkce();
    const { final } = await authorize({
      discovery,
      jar: new CookieJar(),
      abort: true,
      params: {
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid',
        state: 's2',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
    });
    const url = new URL(final);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), 's2');
  });

  test('a second authorization with the same cookies skips the login page (provider SSO)', async () => {
    const first = await codeFlow(discovery);
    const { challenge } = pkce();
    const { final, hops } = await authorize({
      discovery,
      jar: first.jar,
      params: {
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid',
        state: 's3',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
    });
    assert.equal(hops.length, 1, JSON.stringify(hops));
    assert.ok(new URL(final).searchParams.get('code'));
  });
});

describe('provider in FranceConnect-like mode (claims only from userinfo)', () => {
  let provider;
  let discovery;
  before(async () => {
    provider = await startProvider([
      '--redirect-uri', REDIRECT_URI, '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET,
      '--claims-in-userinfo-only', '--userinfo-jwt',
    ]);
    discovery = await discover(provider.issuer);
  });
  after(() => provider.stop());

  test('the id_token has no e-mail and userinfo is a JWT signed with the same key', async () => {
    const { nonce, tokens } = await codeFlow(discovery, { acrValues: 'eidas1' });
    const { payload } = await verifyIdToken(discovery, tokens.json.id_token, nonce);
    assert.equal(payload.email, undefined);
    assert.equal(payload.acr, 'eidas1');
    const response = await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.json.access_token}` },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/jwt/);
    const jwt = await response.text();
    assert.equal(decodeProtectedHeader(jwt).alg, 'RS256');
    const info = await jwtVerify(jwt, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer, audience: CLIENT_ID,
    });
    assert.equal(info.payload.sub, payload.sub);
    assert.equal(info.payload.email, 'marie.curie@example.org');
  });
});
