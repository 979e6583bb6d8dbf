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
