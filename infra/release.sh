#!/usr/bin/env bash
# `make release`: the release bundle of one machine (docs/DEPLOY.md), from what `make build`
# built: target/release-bundle/guichet-<version>-<arch>-linux.tar.gz holding
#   bin/      guichet-host, guichet-keys, guichet-start, guichet-healthcheck, guichet-sweep
#   app/      spin.toml (sources pointing at app/wasm, no build sections), wasm/*.wasm,
#             runtime-config/*.toml (server, server-redis, volume, cluster.toml.example)
#   deploy/   systemd units, Caddyfile, logrotate, guichet.env.example, kubernetes manifests
#   DEPLOY.md, VERSION, SHA256SUMS
# Usage: infra/release.sh [--out DIR]   (prints the bundle's path)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/target/release-bundle"
if [ "${1:-}" = --out ]; then out=$2; fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' spin.toml | head -n 1)
name="guichet-$version-$(uname -m)-linux"
wasm=(identity catalog requests notifications signatures portal tokens)
bins=(guichet-host guichet-keys)
for w in "${wasm[@]}"; do
  [ -f "target/wasm32-wasip2/release/$w.wasm" ] || { echo "release.sh: target/wasm32-wasip2/release/$w.wasm is missing: run make build" >&2; exit 1; }
done
for b in "${bins[@]}"; do
  [ -x "target/release/$b" ] || { echo "release.sh: target/release/$b is missing: run make build" >&2; exit 1; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dir="$stage/$name"
mkdir -p "$dir/bin" "$dir/app/wasm" "$dir/app/runtime-config" "$dir/deploy"
for b in "${bins[@]}"; do install -m 0755 "target/release/$b" "$dir/bin/"; done
install -m 0755 deploy/bin/* "$dir/bin/"
for w in "${wasm[@]}"; do install -m 0644 "target/wasm32-wasip2/release/$w.wasm" "$dir/app/wasm/"; done
# The same manifest, its components taken from app/wasm; build sections dropped (no sources here).
sed -e 's|"target/wasm32-wasip2/release/|"wasm/|g' spin.toml |
  awk '/^\[component\.[^]]*\.build\]$/ { skip = 1; next } /^\[/ { skip = 0 } !skip' > "$dir/app/spin.toml"
if grep -q 'target/' "$dir/app/spin.toml"; then
  echo "release.sh: spin.toml names a file under target/ that the bundle does not rewrite" >&2
  exit 1
fi
install -m 0644 deploy/runtime-config/* "$dir/app/runtime-config/"
cp -r deploy/systemd deploy/caddy deploy/logrotate deploy/kubernetes deploy/guichet.env.example "$dir/deploy/"
install -m 0644 docs/DEPLOY.md "$dir/DEPLOY.md"
echo "$version ($(git rev-parse --short HEAD 2>/dev/null || echo unknown))" > "$dir/VERSION"
(cd "$dir" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)

mkdir -p "$out"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
