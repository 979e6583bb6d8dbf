#!/usr/bin/env bash
# Signatures: signatures and verifications per second through the Guichet host, each against
# a baseline in the same run: the signatures component's health route for the signing rates,
# and the same bundle verification run natively (guichet_verify::bundle::verify) for the
# public check. Server-held Ed25519 keys (`POST flows/{id}/sign`) and passkeys (options, a
# software authenticator's ES256 assertion, `POST flows/{id}/passkey/sign`). Prints Markdown
# tables. Needs: make build (the host, the wasm components, the bench binaries).
# COUNT=150 (signatures per client and method) CLIENTS=2 SECONDS_RUN=10 by default: about a minute.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/signatures \
  target/wasm32-wasip2/release/signatures.wasm target/wasm32-wasip2/release/tokens.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
COUNT=${COUNT:-150}
CLIENTS=${CLIENTS:-2}
SECONDS_RUN=${SECONDS_RUN:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

./target/release/signatures "$COUNT" "$CLIENTS" "$SECONDS_RUN" >"$work/out.txt"
get() { sed -n "s/^$1=//p" "$work/out.txt"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
base=$(get health_per_s)
native=$(get native_verify_per_s)
row() { # label name baseline
  echo "| $1 | $(get "$2_per_s") | $(get "$2_p50_ms") | $(get "$2_p99_ms") | $(calc %.3f "$(get "$2_per_s") / $3") |"
}
echo "| what ($(nproc) cores, $CLIENTS clients, keep-alive) | per second | p50 (ms) | p99 (ms) | / baseline |"
echo "|---|---|---|---|---|"
row "baseline \`GET /api/signatures/health\`" health "$base"
row "server-key signatures \`POST flows/{id}/sign\` ($(get server_key_n))" server_key "$base"
row "passkey signatures: options + ES256 assertion + \`passkey/sign\` ($(get passkey_n))" passkey "$base"
echo
echo "| verification of a bundle with 2 signatures (1 JWS, 1 passkey) | per second | p50 (ms) | p99 (ms) | / native |"
echo "|---|---|---|---|---|"
echo "| native \`guichet_verify::bundle::verify\`, 1 thread | $native | $(get native_verify_p50_ms) | $(get native_verify_p99_ms) | 1 |"
row "guichet-host \`GET /api/signatures/check?sha256=\`, $CLIENTS clients" check "$native"
echo
echo "Set-up (keys, passkeys, $((2 * COUNT * CLIENTS)) flows, not measured): $(get setup_s) s."
