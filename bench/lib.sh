# What the bench scripts that run Guichet behind wrk share (sourced, not run): a scratch
# directory removed at exit with every server started, waiting for a server's first line,
# the demo mailbox as e-mail and SMS provider, and a runtime config with every database in
# a fresh state directory.

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_line() { # file pattern -> prints the first match
  for _ in $(seq 1 600); do
    line=$(grep -m1 "$2" "$1" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    sleep 0.1
  done
  echo "server did not start: $(cat "$1")" >&2; return 1
}

# Starts the demo mailbox (printing every message to $work/mailbox.out); sets $mailbox.
start_mailbox() {
  ./target/release/guichet-mailbox --listen 127.0.0.1:0 >"$work/mailbox.out" 2>&1 &
  pids+=($!)
  mailbox=$(wait_line "$work/mailbox.out" "^Mailbox listening on" | awk '{print $4}')
}

# $work/state/runtime-config.toml: infra/runtime-config.toml with every database in $work/state.
fresh_state() {
  mkdir -p "$work/state"
  sed -e 's#"\.\./\.spin/#"'"$work/state"'/#' -e 's#"\.spin/#"'"$work/state"'/#' \
    infra/runtime-config.toml >"$work/state/runtime-config.toml"
}

# Starts guichet-host on MANIFEST with the state of `fresh_state`, the mailbox as provider and
# the extra settings given (`SPIN_VARIABLE_X=value`...); sets $base, the URL it serves.
start_host() {
  local manifest=$1
  shift
  env SPIN_VARIABLE_MAIL_API_ORIGIN="$mailbox" SPIN_VARIABLE_SMS_API_ORIGIN="$mailbox" "$@" \
    ./target/release/guichet-host up --from "$manifest" \
    --runtime-config-file "$work/state/runtime-config.toml" --state-dir "$work/state" \
    --listen 127.0.0.1:0 --cache-dir target/wasm-cache >"$work/host.out" 2>"$work/host.err" &
  pids+=($!)
  base=$(wait_line "$work/host.out" "^Serving " | awk '{print $2}')
}
