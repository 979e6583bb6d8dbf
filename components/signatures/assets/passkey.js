// Guichet: the passkey page's script (/api/signatures/passkey). Signs in again through
// identity's token endpoint (the access token stays in this page's memory), enrols a passkey
// with navigator.credentials.create, and signs a flow's document with
// navigator.credentials.get: the server chose the challenge, the SHA-256 of what is signed.
'use strict';

(() => {
  const API = '/api/signatures';
  const $ = (id) => document.getElementById(id);
  let token = null;

  const encode = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let text = '';
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const decode = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const say = (text, ok) => {
    const status = $('status');
    status.textContent = text;
    status.dataset.state = ok ? 'ok' : 'error';
  };
  const problem = (data, status) =>
    (data.errors || []).map((e) => `${e.field || ''} ${e.code}: ${e.message}`).join('; ') ||
    `HTTP ${status}`;

  async function post(path, body, bearer) {
    const headers = { 'content-type': 'application/json' };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const reply = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body || {}) });
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(problem(data, reply.status));
    return data;
  }

  $('signin').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const data = await post('/api/identity/token', {
        grant_type: 'password',
        email: $('email').value,
        password: $('password').value,
      });
      token = data.access_token;
      $('password').value = '';
      $('actions').hidden = false;
      say('Connecté. / Signed in.', true);
    } catch (error) {
      say(`Connexion refusée / Sign-in refused: ${error.message}`, false);
    }
  });

  $('enrol').addEventListener('click', async () => {
    try {
      const o = await post(`${API}/passkeys/options`, {}, token);
      const credential = await navigator.credentials.create({
        publicKey: {
          challenge: decode(o.challenge),
          rp: o.rp,
          user: { id: decode(o.user.id), name: o.user.name, displayName: o.user.displayName },
          pubKeyCredParams: o.pubKeyCredParams,
          timeout: o.timeout,
          attestation: o.attestation,
          authenticatorSelection: o.authenticatorSelection,
          excludeCredentials: o.excludeCredentials.map((c) => ({ type: c.type, id: decode(c.id) })),
        },
      });
      const done = await post(`${API}/passkeys`, {
        credential: encode(credential.rawId),
        client_data_json: encode(credential.response.clientDataJSON),
        attestation_object: encode(credential.response.attestationObject),
        name: $('name').value || null,
      }, token);
      $('status').dataset.credential = done.credential;
      say(`Clé enregistrée / Passkey enrolled: ${done.name}`, true);
    } catch (error) {
      say(`Enregistrement refusé / Enrolment refused: ${error.message}`, false);
    }
  });

  $('sign').addEventListener('click', async () => {
    const flow = encodeURIComponent($('flow').value.trim());
    try {
      const o = await post(`${API}/flows/${flow}/passkey/options`, {}, token);
      $('context-sha256').textContent = o.context.claims.sha256;
      $('context-purpose').textContent = o.context.claims.purpose;
      $('context-role').textContent = o.context.claims.role;
      $('context').hidden = false;
      const assertion = await navigator.credentials.get({
        publicKey: {
          challenge: decode(o.challenge),
          rpId: o.rpId,
          allowCredentials: o.allowCredentials.map((c) => ({ type: c.type, id: decode(c.id) })),
          userVerification: o.userVerification,
          timeout: o.timeout,
        },
      });
      const r = assertion.response;
      await post(`${API}/flows/${flow}/passkey/sign`, {
        credential: encode(assertion.rawId),
        client_data_json: encode(r.clientDataJSON),
        authenticator_data: encode(r.authenticatorData),
        signature: encode(r.signature),
        user_handle: r.userHandle ? encode(r.userHandle) : null,
      }, token);
      say('Document signé. / Document signed.', true);
    } catch (error) {
      say(`Signature refusée / Signature refused: ${error.message}`, false);
    }
  });
})();
