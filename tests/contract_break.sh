#!/usr/bin/env bash
# Checks that a contract change one side forgets fails the build, not a request: in a copy of
# the workspace, renames a field of a WIT record, then `cargo check`s for wasm32-wasip2 each
# component that must see it, and requires each to fail in its own source (not only in a
# shared crate, except where the shared crate is the sender's code). Three renames, one at a
# time:
# - `mail.message`'s `subject`: identity writes it, notifications reads it;
# - `events.status-changed`'s `merged-into`: requests builds the record with an exhaustive
#   literal (calls/events.rs), notifications reads it whole to write its messages;
# - `evidence.evidence-event`'s `occurred-at`: identity, catalog and requests send events
#   through guichet-guest's outbox (feature `evidence-sender`, whose `event` builds the record
#   with an exhaustive literal), so they fail there; signatures, which builds guichet-guest
#   without that feature, destructures the record and checks it with its own rules
#   (evidence/append.rs, evidence/rules.rs), so it fails in its own source.
# Run by `make test`; cargo check only, with its own target directory under target/ so that
# CI keeps it between runs.
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
status=0

# rename <wit file> <field line> <renamed line> <what> <crate:source dir>...
rename() {
  local file=$copy/wit/$1 from=$2 to=$3 what=$4
  shift 4
  cp "$root/wit/$(basename "$file")" "$file"
  grep -qxF -- "$from" "$file" || { echo "contract_break: $what: no such field to rename" >&2; status=1; return; }
  local escaped=${from//\//\\/}
  sed -i "s/^${escaped}\$/${to}/" "$file"
  local side crate src log
  for side in "$@"; do
    crate=${side%%:*}
    src=${side#*:}
    log=$work/$crate.log
    # shellcheck disable=SC2086
    if (cd "$copy" && CARGO_TARGET_DIR="$root/$work/target" $GUICHET_WASM_CARGO check --quiet \
          --target wasm32-wasip2 $GUICHET_WASM_ARGS -p "$crate") >"$log" 2>&1; then
      echo "contract_break: $crate still builds with $what renamed" >&2
      status=1
    elif ! grep -q -- "--> $src/" "$log"; then
      echo "contract_break: $crate failed, but not in its own source ($src); see $log" >&2
      status=1
    else
      echo "contract_break: $crate fails to build when $what is renamed (as it must)"
    fi
  done
  cp "$root/wit/$(basename "$file")" "$file"
}

rename mail.wit '    subject: string,' '    title: string,' mail.message.subject \
  identity:components/identity/src notifications:components/notifications/src
rename events.wit '    merged-into: option<string>,' '    merged-onto: option<string>,' \
  events.status-changed.merged-into requests:components/requests/src \
  notifications:components/notifications/src
rename evidence.wit '    occurred-at: string,' '    happened-at: string,' \
  evidence.evidence-event.occurred-at identity:crates/guichet-guest/src \
  catalog:crates/guichet-guest/src requests:crates/guichet-guest/src \
  signatures:components/signatures/src
exit $status
