//! A deliberately plain OpenID Connect relying party made of fetch calls and a hand-kept
//! cookie jar: the same requests Guichet's Rust tests (acting as the browser) and identity
//! (acting as the client) make, written out so each step can be checked.

import { createHash, randomBytes } from 'node:crypto';

/** Cookies by name; paths are ignored, which is enough against a single test provider. */
export class CookieJar {
  #cookies = new Map();

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) <= Date.now());
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export const base64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** PKCE pair (RFC 7636, S256). */
export function pkce() {
  const verifier = base64url(randomBytes(32));
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/** One request without following redirects, cookies sent and stored. */
export async function send(jar, url, init = {}) {
  const headers = new Headers(init.headers);
  const cookie = jar.header();
  if (cookie) headers.set('cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(response);
  return response;
}

/** Absolute URL of a redirect's Location (the provider sends relative ones too). */
export function location(response, base) {
  const value = response.headers.get('location');
  if (!value) throw new Error(`no Location on ${response.status} ${response.url}`);
  return new URL(value, base).href;
}

/**
 * Runs the browser's part of the code flow: authorize, login form, resume. Returns the URL the
 * provider finally redirects to (the client's redirect_uri with code or error) and each hop.
 */
export async function authorize({
  discovery, jar, params, login = {}, abort = false,
}) {
  const hops = [];
  const url = new URL(discovery.authorization_endpoint);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  let response = await send(jar, url);
  hops.push([response.status, response.headers.get('location')]);
  let next = location(response, url);
  if (!next.startsWith(discovery.issuer)) return { final: next, hops };

  const interaction = next;
  if (abort) {
    response = await send(jar, `${interaction}/abort`);
  } else {
    const page = await send(jar, interaction);
    hops.push([page.status, null]);
    if (page.status !== 200) throw new Error(`login page: ${page.status} ${await page.text()}`);
    await page.text();
    response = await send(jar, `${interaction}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(login),
    });
  }
  hops.push([response.status, response.headers.get('location')]);
  next = location(response, interaction);
  while (next.startsWith(discovery.issuer)) {
    response = await send(jar, next);
    hops.push([response.status, response.headers.get('location')]);
    next = location(response, next);
  }
  return { final: next, hops };
}

/** The client's back-channel call: code for tokens, authenticated as configured. */
export async function exchangeCode({
  discovery, clientId, clientSecret, authMethod, code, redirectUri, verifier,
}) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  if (verifier !== undefined) body.set('code_verifier', verifier);
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (authMethod === 'client_secret_basic') {
    // RFC 6749 2.3.1: form-urlencode both parts before base64.
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
  } else {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  }
  const response = await fetch(discovery.token_endpoint, { method: 'POST', headers, body });
  return { status: response.status, json: await response.json() };
}
