#!/usr/bin/env bash
# Checks that a contract change one side forgets fails the build, not a request: in a copy of
# the workspace, renames a field of a WIT record that both a sender and a receiver use
# (`mail.message`'s `subject`: identity writes it, notifications reads it), then
# `cargo check`s each of them for wasm32-wasip2 and requires both to fail in their own source
# (not only in a shared crate). Run by `make test`; cargo check only, with its own target
# directory under target/ so that CI keeps it between runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f target/toolchain.env ] || bash infra/toolchain.sh
# shellcheck disable=SC1091
. target/toolchain.env
work=target/contract-break
copy=$work/src
rm -rf "$copy"
mkdir -p "$copy"
# The same path on every run, and tar keeps mtimes: cargo re-checks only what changed.
tar -c --exclude=./target --exclude=./.git --exclude=./.spin --exclude=node_modules . \
  | tar -x -C "$copy"
record=$copy/wit/mail.wit
grep -q '^    subject: string,$' "$record" || { echo "contract_break: mail.message has no subject field to rename" >&2; exit 1; }
sed -i 's/^    subject: string,$/    title: string,/' "$record"
status=0
for side in identity:components/identity/src notifications:components/notifications/src; do
  crate=${side%%:*}
  src=${side#*:}
  log=$work/$crate.log
  # shellcheck disable=SC2086
  if (cd "$copy" && CARGO_TARGET_DIR="$root/$work/target" $GUICHET_WASM_CARGO check --quiet \
        --target wasm32-wasip2 $GUICHET_WASM_ARGS -p "$crate") >"$log" 2>&1; then
    echo "contract_break: $crate still builds with mail.message.subject renamed" >&2
    status=1
  elif ! grep -q -- "--> $src/" "$log"; then
    echo "contract_break: $crate failed, but not in its own source ($src); see $log" >&2
    status=1
  else
    echo "contract_break: $crate fails to build when mail.message.subject is renamed (as it must)"
  fi
done
exit $status
