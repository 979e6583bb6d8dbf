// The tracking page: posts the reference and tracking code, shows the public status.
// Everything from the server is written with textContent: nothing is parsed as HTML.
'use strict';

function show(id, text) {
  const element = document.getElementById(id);
  element.textContent = text ?? '';
  return element;
}

// Names and labels come in both languages ({"fr","en"}): the page's language, else French.
function pick(value) {
  if (value && typeof value === 'object') return value[document.documentElement.lang] ?? value.fr ?? '';
  return value ?? '';
}

function date(text) {
  if (!text) return '—';
  const value = new Date(text);
  return Number.isNaN(value.getTime()) ? text : value.toLocaleDateString(document.documentElement.lang);
}

function entryText(entry) {
  const parts = [date(entry.at)];
  if (entry.kind === 'status' || entry.kind === 'filed') {
    parts.push(pick(entry.to_label) || entry.to || entry.kind);
  } else {
    parts.push(entry.kind);
  }
  if (entry.body) parts.push(entry.body);
  return parts.join(' — ');
}

async function track(event) {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById('error');
  const result = document.getElementById('result');
  error.hidden = true;
  result.hidden = true;
  let response;
  try {
    response = await fetch('/api/requests/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: form.reference.value.trim(), code: form.code.value.trim() }),
    });
  } catch (e) {
    show('error', 'Le serveur ne répond pas. / The server does not answer.').hidden = false;
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = response.status === 404
      ? 'Aucune demande avec cette référence et ce code. / No request with this reference and code.'
      : (body.errors || []).map((e) => e.message).join(' ') || `Erreur ${response.status}`;
    show('error', message).hidden = false;
    return;
  }
  show('service', `${body.reference} — ${pick(body.service_name)}`);
  show('state', pick(body.state_label) || body.state);
  show('created', date(body.created_at));
  show('expected', date(body.expected_on));
  document.getElementById('overdue').hidden = !body.overdue;
  const merged = show('merged', body.merged_into
    ? `Regroupée avec la demande ${body.merged_into} / Merged into request ${body.merged_into}` : '');
  merged.hidden = !body.merged_into;
  const list = document.getElementById('timeline');
  list.replaceChildren(...(body.timeline || []).map((entry) => {
    const item = document.createElement('li');
    item.textContent = entryText(entry);
    return item;
  }));
  // The receipt is posted with the code in the body: the code never goes into a URL.
  const receipt = document.getElementById('receipt');
  receipt.action = `/api/requests/${encodeURIComponent(body.reference)}/receipt`;
  receipt.code.value = form.code.value.trim();
  result.hidden = false;
}

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('track');
  const reference = new URLSearchParams(window.location.search).get('reference');
  if (reference) form.reference.value = reference;
  form.addEventListener('submit', track);
});
