#!/usr/bin/env node
//! A real OpenID Connect provider (npm `oidc-provider`) for Guichet's tests, standing in for
//! FranceConnect: one confidential client, authorization code flow with PKCE S256 required,
//! `acr_values` (eIDAS levels) echoed as the `acr` claim, and a minimal login page that a
//! browser or a plain HTTP client can submit.
//!
//! It listens on 127.0.0.1 (ephemeral port unless --port) and prints exactly one line on
//! stdout when ready: `OIDC_ISSUER=http://127.0.0.1:PORT`. Everything else goes to stderr.
//!
//! Usage (each flag may also come from the environment variable in brackets):
//!   node tests/node/oidc-provider.mjs --redirect-uri http://127.0.0.1:3000/callback
//!     [--port 0] [--host 127.0.0.1]                                     [OIDC_PORT]
//!     [--client-id guichet] [--client-secret guichet-test-secret]        [OIDC_CLIENT_ID, OIDC_CLIENT_SECRET]
//!     [--redirect-uri URI]... [--post-logout-redirect-uri URI]...        [OIDC_REDIRECT_URIS, OIDC_POST_LOGOUT_REDIRECT_URIS: comma-separated]
//!     [--auth-method client_secret_post|client_secret_basic]             [OIDC_AUTH_METHOD]
//!     [--alg RS256|PS256|ES256|EdDSA]                                    [OIDC_ALG]
//!     [--email marie.curie@example.org] [--given-name Marie] [--family-name Curie]  [OIDC_EMAIL]
//!     [--acr-values eidas1,eidas2,eidas3] [--default-acr eidas1]         [OIDC_ACR_VALUES]
//!     [--claims-in-userinfo-only] [--userinfo-jwt] [--exit-with-stdin]
//!
//! Interaction, without a browser (keep the cookies the provider sets; send them back):
//!   GET  /auth?client_id&redirect_uri&response_type=code&scope&state&nonce&code_challenge&code_challenge_method=S256[&acr_values]
//!        -> 303 Location: /interaction/UID   (sets _interaction, _interaction_resume cookies)
//!   POST /interaction/UID/login  (form: login=EMAIL [&sub&email_verified=false&given_name&family_name&acr])
//!        -> 303 Location: http://127.0.0.1:PORT/auth/UID
//!   GET  /auth/UID -> 303 Location: REDIRECT_URI?code=...&state=...&iss=...   (sets _session)
//!   GET  /interaction/UID/abort -> 303 ... -> REDIRECT_URI?error=access_denied&state=...
//! Consent is granted automatically for the configured client (no second interaction).

import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import process from 'node:process';

import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

const SUPPORTED_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const AUTH_METHODS = ['client_secret_post', 'client_secret_basic'];
const MAX_FORM_BYTES = 16 * 1024;

/** Splits a comma- or space-separated list from the environment. */
function list(value) {
  return (value ?? '').split(/[,\s]+/).filter(Boolean);
}

function fail(message) {
  process.stderr.write(`oidc-provider.mjs: ${message}\n`);
  process.exit(2);
}

const argSpec = {
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: process.env.OIDC_PORT ?? '0' },
    'client-id': { type: 'string', default: process.env.OIDC_CLIENT_ID ?? 'guichet' },
    'client-secret': { type: 'string', default: process.env.OIDC_CLIENT_SECRET ?? 'guichet-test-secret' },
    'redirect-uri': { type: 'string', multiple: true, default: list(process.env.OIDC_REDIRECT_URIS) },
    'post-logout-redirect-uri': {
      type: 'string', multiple: true, default: list(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS),
    },
    'auth-method': { type: 'string', default: process.env.OIDC_AUTH_METHOD ?? 'client_secret_post' },
    alg: { type: 'string', default: process.env.OIDC_ALG ?? 'RS256' },
    email: { type: 'string', default: process.env.OIDC_EMAIL ?? 'marie.curie@example.org' },
    'given-name': { type: 'string', default: 'Marie' },
    'family-name': { type: 'string', default: 'Curie' },
    'acr-values': { type: 'string', default: process.env.OIDC_ACR_VALUES ?? 'eidas1,eidas2,eidas3' },
    'default-acr': { type: 'string', default: 'eidas1' },
    'claims-in-userinfo-only': { type: 'boolean', default: false },
    'userinfo-jwt': { type: 'boolean', default: false },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
  strict: true,
};

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs(argSpec));
  } catch (err) {
    fail(err.message);
  }
  return checkOptions(values);
}

function checkOptions(values) {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port ${values.port}`);
  if (values['redirect-uri'].length === 0) fail('at least one --redirect-uri (or OIDC_REDIRECT_URIS) is required');
  if (!AUTH_METHODS.includes(values['auth-method'])) fail(`--auth-method must be one of ${AUTH_METHODS.join(', ')}`);
  if (!SUPPORTED_ALGS.includes(values.alg)) fail(`--alg must be one of ${SUPPORTED_ALGS.join(', ')}`);
  const acrValues = list(values['acr-values']);
  if (!acrValues.includes(values['default-acr'])) fail('--default-acr must be one of --acr-values');
  return { ...values, port, acrValues };
}

/** A fresh signing key for this run only, as a private JWK the provider can load. */
async function signingJwk(alg) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}` };
}

/** The same e-mail always gets the same opaque subject, like a real provider's stable `sub`. */
function subjectFor(email) {
  return createHash('sha256').update(`guichet-test-op:${email.toLowerCase()}`).digest('hex').slice(0, 32);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage({ uid, email, params, clientId }) {
  const acr = params.acr_values ? `<p>Niveau demandé&nbsp;: <code id="acr">${escapeHtml(params.acr_values)}</code></p>` : '';
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion (fournisseur d'identité de test)</title></head>
<body>
<h1>Fournisseur d'identité de test</h1>
<p>Connexion demandée par <code id="client">${escapeHtml(clientId)}</code>.</p>
${acr}
<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label>Adresse électronique <input id="login-email" type="email" name="login" value="${escapeHtml(email)}" required></label>
  <button id="login-submit" type="submit">Se connecter</button>
</form>
<p><a id="abort" href="/interaction/${escapeHtml(uid)}/abort">Annuler</a></p>
</body></html>
`;
}

async function main() {
  // stdout carries only the ready line: the library prints its notices with console.info.
  console.info = console.error;
  console.log = console.error;
  const options = readOptions();
  const accounts = new Map();
  const jwk = await signingJwk(options.alg);

  const client = {
    client_id: options['client-id'],
    client_secret: options['client-secret'],
    redirect_uris: options['redirect-uri'],
    post_logout_redirect_uris: options['post-logout-redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: options['auth-method'],
    id_token_signed_response_alg: options.alg,
    // Without it the provider leaves `acr` out when the request has no acr_values.
    default_acr_values: [options['default-acr']],
    ...(options['userinfo-jwt'] ? { userinfo_signed_response_alg: options.alg } : {}),
  };

  const configuration = {
    clients: [client],
    jwks: { keys: [jwk] },
    // Fresh per run: cookies from an earlier provider never validate.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'profile'],
    claims: {
      acr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name'],
    },
    acrValues: options.acrValues,
    responseTypes: ['code'],
    // PKCE for every request, not only public clients (the library only supports S256).
    pkce: { required: () => true },
    // true (the library default) puts scope claims in userinfo only, as FranceConnect does.
    conformIdTokenClaims: options['claims-in-userinfo-only'],
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: options['userinfo-jwt'] },
      rpInitiatedLogout: { enabled: true },
    },
    // Explicit lifetimes (seconds), short as suits tests; also silences the library's notices.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    // The one test client is first-party: consent is implied, so login is the only interaction.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html><body><h1>Erreur</h1><pre id="error">${escapeHtml(
        `${out.error}: ${out.error_description ?? ''}`,
      )}</pre></body></html>`;
    },
  };

  // The issuer needs the port, so bind first, then mount the provider on the bound server.
  const listener = createServer();
  await new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, resolve);
  });
  const { port } = listener.address();
  const issuer = `http://${options.host}:${port}`;
  const provider = new Provider(issuer, configuration);

  provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider server_error: ${err.stack}\n`));
  for (const event of ['authorization.error', 'grant.error', 'userinfo.error']) {
    provider.on(event, (_ctx, err) => process.stderr.write(`oidc-provider ${event}: ${err.name}: ${err.message}${
      err.error_detail ? ` (${err.error_detail})` : ''}\n`));
  }

  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login|\/abort)?$/.exec(ctx.path);
    if (!match) return next();
    const [, uid, action] = match;
    ctx.set('Cache-Control', 'no-store');
    try {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) ctx.throw(400, 'interaction mismatch');
      if (details.prompt.name !== 'login') ctx.throw(501, `prompt ${details.prompt.name} is not handled`);

      if (!action && ctx.method === 'GET') {
        ctx.type = 'html';
        ctx.body = loginPage({
          uid, email: options.email, params: details.params, clientId: details.params.client_id,
        });
        return undefined;
      }
      if (action === '/abort' && ctx.method === 'GET') {
        await provider.interactionFinished(ctx.req, ctx.res, {
          error: 'access_denied', error_description: 'End-User aborted interaction',
        }, { mergeWithLastSubmission: false });
        ctx.respond = false;
        return undefined;
      }
      if (action === '/login' && ctx.method === 'POST') {
        const form = await readForm(ctx.req);
        const email = (form.get('login') || options.email).trim();
        const sub = form.get('sub') || subjectFor(email);
        const requested = list(details.params.acr_values).filter((v) => options.acrValues.includes(v));
        const acr = form.get('acr') || requested[0] || options['default-acr'];
        accounts.set(sub, {
          email,
          email_verified: form.get('email_verified') !== 'false',
          given_name: form.get('given_name') || options['given-name'],
          family_name: form.get('family_name') || options['family-name'],
        });
        await provider.interactionFinished(ctx.req, ctx.res, {
          login: { accountId: sub, acr, remember: true },
        }, { mergeWithLastSubmission: false });
        ctx.respond = false;
        return undefined;
      }
      ctx.throw(405, 'method not allowed');
    } catch (err) {
      if (ctx.respond === false) throw err;
      ctx.status = err.status ?? err.statusCode ?? 400;
      ctx.type = 'text';
      ctx.body = `${err.name}: ${err.message}\n`;
    }
    return undefined;
  });

  listener.on('request', provider.callback());
  process.stdout.write(`OIDC_ISSUER=${issuer}\n`);

  // Nothing to flush (all state is in memory) and clients may hold keep-alive connections open.
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (options['exit-with-stdin']) {
    // The test harness holds our stdin: when it exits (even by crashing), so do we.
    process.stdin.on('end', stop).on('close', stop).resume();
  }
}

main().catch((err) => {
  process.stderr.write(`oidc-provider.mjs: ${err.stack}\n`);
  process.exit(1);
});
