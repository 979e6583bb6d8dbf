#!/usr/bin/env bash
# Installs the real Spin 4.0.2 (`spin` CLI and runtime) into target/spin and prints its path,
# for the conformance tests (`make test-conformance`) and the README's "With Spin itself" steps.
# The unpacker, `shared/tools/spin/install.sh`, lives outside the repository: it is looked for
# in each ancestor directory of the repository, or named by GUICHET_SPIN_INSTALL.
# Exit 1, with a message on stderr, when it is nowhere to be found.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
install=${GUICHET_SPIN_INSTALL:-}
if [ -z "$install" ]; then
  dir=$(dirname "$root")
  while :; do
    if [ -f "$dir/shared/tools/spin/install.sh" ]; then install="$dir/shared/tools/spin/install.sh"; break; fi
    [ "$dir" = / ] && break
    dir=$(dirname "$dir")
  done
fi
if [ -z "$install" ] || [ ! -f "$install" ]; then
  echo "spin.sh: no shared/tools/spin/install.sh in any ancestor of $root (set GUICHET_SPIN_INSTALL)" >&2
  exit 1
fi
cd "$root"
bin=$(bash "$install" target/spin | tail -n 1)
case "$bin" in /*) echo "$bin" ;; *) echo "$root/$bin" ;; esac
