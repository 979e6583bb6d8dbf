#!/usr/bin/env bash
# Installs what Guichet needs on a fresh machine (idempotent): the wasm32-wasip2 toolchain,
# and the tools the tests and benchmarks use. Needs root or sudo for Debian packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/infra/toolchain.sh"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  as_root apt-get update -q >&2 || true
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${need[@]}" >&2
fi

# Python tools the tests use to check our formats with third-party implementations.
venv="$root/target/pyenv"
req="$root/tests/python/requirements.txt"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/requirements.txt"; then
  echo "setup: installing Python test tools into target/pyenv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$venv/requirements.txt"
fi
