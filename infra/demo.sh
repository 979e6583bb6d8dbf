#!/usr/bin/env bash
# `make demo`: Guichet with its demo commune on http://$LISTEN, plus what a real deployment
# gets from outside: access-token keys (generated once into .spin/), a platform administrator
# token (idem), and a local mailbox that prints every e-mail Guichet sends (links included).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
listen=${LISTEN:-127.0.0.1:3000}
mkdir -p .spin
[ -s .spin/signing-keys.json ] || ./target/release/guichet-keys generate "demo-$(date +%Y%m%d)" > .spin/signing-keys.json
[ -s .spin/platform-token ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > .spin/platform-token
[ -s .spin/inbound-mail-secret ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > .spin/inbound-mail-secret
[ -s .spin/signatures-key-secret ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > .spin/signatures-key-secret
chmod 600 .spin/signing-keys.json .spin/platform-token .spin/inbound-mail-secret .spin/signatures-key-secret
export SPIN_VARIABLE_IDENTITY_SIGNING_KEYS="$(cat .spin/signing-keys.json)"
export SPIN_VARIABLE_TOKEN_JWKS="$(./target/release/guichet-keys public < .spin/signing-keys.json)"
export SPIN_VARIABLE_PLATFORM_ADMIN_TOKEN="$(cat .spin/platform-token)"
export SPIN_VARIABLE_MAIL_API_ORIGIN="http://127.0.0.1:8025"
# SMS go to the same local mailbox (the SMS provider's API has the e-mail provider's shape).
export SPIN_VARIABLE_SMS_API_ORIGIN="http://127.0.0.1:8025"
# Links in messages go to the demo's own address; a wildcard listen address is reached as
# localhost (a public origin over http must be a loopback one; set PUBLIC_ORIGIN otherwise).
case "$listen" in
  0.0.0.0:*|\[::\]:*) origin_host="localhost:${listen##*:}" ;;
  *) origin_host="$listen" ;;
esac
export SPIN_VARIABLE_PUBLIC_ORIGIN="${PUBLIC_ORIGIN:-http://$origin_host}"
export SPIN_VARIABLE_INBOUND_MAIL_SECRET="$(cat .spin/inbound-mail-secret)"
# Shared by identity and notifications only (the contact of accounts); a new one each run.
export SPIN_VARIABLE_CONTACT_LOOKUP_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# The portal's forms: filing through requests, and who is signed in (identity); new each run.
export SPIN_VARIABLE_PORTAL_FILING_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SPIN_VARIABLE_PORTAL_SESSION_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SPIN_VARIABLE_STAFF_RELAY_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export SPIN_VARIABLE_SIGNATURES_KEY_SECRET="$(cat .spin/signatures-key-secret)"
export SPIN_VARIABLE_EVIDENCE_APPEND_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# The demo's webhooks go to its mailbox (webhook_allowed_hosts is one allowed-outbound-hosts
# entry: in the demo, that address only): register one with POST /api/notifications/webhooks
# {"url":"http://127.0.0.1:8025/webhooks/demo","events":[...]} and the mailbox shows each call.
export SPIN_VARIABLE_WEBHOOK_ALLOWED_HOSTS="${WEBHOOK_ALLOWED_HOSTS:-http://127.0.0.1:8025}"
./target/release/guichet-mailbox --listen 127.0.0.1:8025 &
mailbox=$!
trap 'kill $mailbox 2>/dev/null || true' EXIT
echo "demo: e-mails, SMS and webhooks sent to http://127.0.0.1:8025/webhooks/... are printed here and listed at http://127.0.0.1:8025/messages" >&2
echo "demo: platform administrator token in .spin/platform-token" >&2
echo "demo: inbound e-mail webhook secret (POST /api/requests/inbound-mail) in .spin/inbound-mail-secret" >&2
./target/release/guichet-host up --from spin.toml --listen "$listen" --runtime-config-file infra/runtime-config.toml
