#!/usr/bin/env bash
# Builds wasm32-wasip2 components into target/wasm32-wasip2/release/<name>.wasm.
# They are compiled with Cargo.toml's `wasm-release` profile (for size: LTO, one codegen unit,
# stripped; the native host keeps `release`), which cargo writes to
# target/wasm32-wasip2/wasm-release/; each .wasm is then copied to target/wasm32-wasip2/release/,
# the one place spin.toml, the tests, the benches and infra/release.sh read.
# Usage: infra/wasm-build.sh [crate ...]   (no argument: every component)
# Used by spin.toml's build commands (`spin build`) and by `guichet-host build`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f target/toolchain.env ] || bash infra/toolchain.sh
# shellcheck disable=SC1091
. target/toolchain.env
crates=("$@")
if [ ${#crates[@]} -eq 0 ]; then
  crates=(identity catalog requests notifications signatures portal tokens)
fi
pkgs=()
for c in "${crates[@]}"; do pkgs+=(-p "$c"); done
# shellcheck disable=SC2086
$GUICHET_WASM_CARGO build --profile wasm-release --target wasm32-wasip2 $GUICHET_WASM_ARGS "${pkgs[@]}"
mkdir -p target/wasm32-wasip2/release
for c in "${crates[@]}"; do
  cp "target/wasm32-wasip2/wasm-release/$c.wasm" "target/wasm32-wasip2/release/$c.wasm.tmp"
  mv "target/wasm32-wasip2/release/$c.wasm.tmp" "target/wasm32-wasip2/release/$c.wasm"
done
