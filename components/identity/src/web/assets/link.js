// Guichet account pages: the secret of an e-mailed link travels in the URL fragment
// (/account/reset-password#token=...), which browsers never send to a server. This script
// copies it into the page's hidden `token` field, which the form then POSTs, and removes it
// from the address bar so that it does not stay in the history. Served from the same origin
// (the Content-Security-Policy allows no inline script).
'use strict';
(function () {
  var match = /(?:^#|&)token=([A-Za-z0-9_-]{43})(?:&|$)/.exec(window.location.hash);
  var field = document.querySelector('input[name="token"]');
  if (match && field) {
    field.value = match[1];
  }
  if (window.location.hash && window.history && window.history.replaceState) {
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
})();
