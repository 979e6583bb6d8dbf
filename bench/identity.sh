#!/usr/bin/env bash
# Identity: password sign-ins per second through the Guichet host (Argon2id m=19456 KiB, t=2,
# p=1 inside identity.wasm) against native Argon2id hashes with the same crate and parameters,
# and what verifying an access token adds to a request (the composed tokens.wasm, instantiated
# per request) against the same checks natively; one run, printed as Markdown tables.
# Needs: make build (the host, the wasm components, the bench binaries).
# SECONDS_LOGIN=20 CONNECTIONS=2 ACCOUNTS=4 ITERATIONS=5000 ROUNDS=1000 by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for f in target/release/guichet-host target/release/identity-login target/release/identity-token \
  target/wasm32-wasip2/release/identity.wasm target/wasm32-wasip2/release/tokens.wasm; do
  [ -f "$f" ] || { echo "$f is missing: run make build" >&2; exit 1; }
done
SECONDS_LOGIN=${SECONDS_LOGIN:-20}
CONNECTIONS=${CONNECTIONS:-2}
ACCOUNTS=${ACCOUNTS:-4}
ITERATIONS=${ITERATIONS:-5000}
ROUNDS=${ROUNDS:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

./target/release/identity-login "$SECONDS_LOGIN" "$CONNECTIONS" "$ACCOUNTS" >"$work/login.txt"
./target/release/identity-token "$ITERATIONS" "$ROUNDS" >"$work/token.txt"
get() { sed -n "s/^$2=//p" "$work/$1.txt"; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

cores=$(get login cores)
logins=$(get login logins_per_s)
native1=$(get login native_1thread_per_s)
nativep=$(get login native_parallel_per_s)
echo "| what ($cores cores, $CONNECTIONS clients or threads, ${SECONDS_LOGIN} s) | per second | per core per second | ms each |"
echo "|---|---|---|---|"
echo "| native \`argon2\` 0.5, Argon2id m=19456 KiB t=2 p=1, 1 thread | $native1 | $native1 | $(calc %.1f "1000 / $native1") |"
echo "| native, the same on $CONNECTIONS threads | $nativep | $(calc %.1f "$nativep / $CONNECTIONS") | $(calc %.1f "1000 * $CONNECTIONS / $nativep") |"
echo "| guichet-host: \`POST /api/identity/token\` (password), $CONNECTIONS clients | $logins | $(calc %.1f "$logins / $CONNECTIONS") | p50 $(get login login_p50_ms), p99 $(get login login_p99_ms) |"
echo "| ratio sign-in / native hash ($CONNECTIONS threads) | $(calc %.2f "$logins / $nativep") | | |"
echo
echo "$(get login logins) sign-ins on $(get login accounts) accounts from one client address (at least" \
  "$(get login logins_min_per_account) per account), every one answered 200: successful sign-ins are not rate-limited."
seq_login=$(get login sequential_login_p50_ms)
seq_refresh=$(get login sequential_refresh_p50_ms)
echo "One at a time (medians): a sign-in $seq_login ms, a refresh-token grant (the same token issuance," \
  "no hash) $seq_refresh ms, so the Argon2id verification inside identity.wasm takes about" \
  "$(calc %.0f "$seq_login - $seq_refresh") ms, $(calc %.1f "($seq_login - $seq_refresh) * $native1 / 1000") times the native $(calc %.1f "1000 / $native1") ms."
echo

native=$(get token native_us)
warm=$(get token warm_us)
fresh=$(get token fresh_us)
echo "| access-token verification ($cores cores, median of 9 batches, $(get token iterations) calls) | µs | / native |"
echo "|---|---|---|"
echo "| native jwt-simple 0.15, the same checks (JWKS parsed, EdDSA, iss, aud, exp, typ) | $native | 1 |"
echo "| tokens.wasm, \`verify\` on a warm instance | $warm | $(calc %.1f "$warm / $native") |"
echo "| tokens.wasm, fresh instance + \`verify\` (what a request pays) | $fresh | $(calc %.1f "$fresh / $native") |"
echo "| of which instantiating tokens.wasm | $(get token instantiate_us) | |"
echo
none=$(get token http_none_ms)
malformed=$(get token http_malformed_ms)
signed=$(get token http_signed_ms)
echo "Over HTTP, \`GET /api/identity/me\` answered 401, medians of $(get token http_rounds) each: no token" \
  "$none ms, malformed token $malformed ms (+$(calc %.0f "($malformed - $none) * 1000") µs)," \
  "well-signed token of another commune $signed ms (+$(calc %.0f "($signed - $none) * 1000") µs)."
