#!/usr/bin/env bash
# Builds wasm32-wasip2 components into target/wasm32-wasip2/release/<name>.wasm.
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
$GUICHET_WASM_CARGO build --release --target wasm32-wasip2 $GUICHET_WASM_ARGS "${pkgs[@]}"
