#!/usr/bin/env bash
# Installs what Guichet needs on a fresh machine (idempotent): the wasm32-wasip2 toolchain,
# and the tools the tests and benchmarks use. Needs root or sudo for Debian packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/infra/toolchain.sh"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v wrk >/dev/null || need+=(wrk)
# Debian's Chromium for the browser tests (playwright-core cannot download its own build here).
[ -x /usr/bin/chromium ] || need+=(chromium)
# Deployment tests (deploy_*): a real Redis for `type = "redis"` key-value stores, and the real
# checkers of the shipped Caddyfile, logrotate file and systemd units.
command -v redis-server >/dev/null || need+=(redis-server)
command -v caddy >/dev/null || need+=(caddy)
command -v logrotate >/dev/null || need+=(logrotate)
command -v systemd-analyze >/dev/null || need+=(systemd)
# The completion certificate's test reads its PDF back with a real reader (pdftotext).
command -v pdftotext >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  as_root apt-get update -q >&2 || true
  # Chromium keeps its recommended packages (fonts); the others do not need theirs, and
  # systemd's alone pull in a hundred packages CI would install for nothing.
  plain=()
  for p in "${need[@]}"; do [ "$p" = chromium ] || plain+=("$p"); done
  if [ ${#plain[@]} -lt ${#need[@]} ]; then
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q chromium >&2
  fi
  if [ ${#plain[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${plain[@]}" >&2
  fi
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

# Node.js test tools (tests/node): a real OpenID provider and the Chromium driver. Reinstalled
# only when package-lock.json changed since the last install (stamp copy inside node_modules).
node_dir="$root/tests/node"
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.stamp"; then
  if ! command -v npm >/dev/null; then
    echo "setup: npm not found: tests/node needs Node.js >= 20.19 with npm" >&2
    exit 1
  fi
  echo "setup: installing Node test tools into tests/node/node_modules" >&2
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.stamp"
fi
