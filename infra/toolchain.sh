#!/usr/bin/env bash
# Makes wasm32-wasip2 builds work on this machine and writes target/toolchain.env,
# which infra/wasm-build.sh sources. Idempotent: a second run does nothing but check.
#
# 1. A standard rustup machine: `rustup target add wasm32-wasip2` (short timeout: where the
#    network is closed it hangs instead of failing).
# 2. Otherwise (Debian 12 without rustup downloads): Debian's rustc-web/cargo-web 1.96 with the
#    std source, wasi-libc and lld, plus wasm-component-ld from crates.io; std is built from
#    source with -Zbuild-std.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/target"
envfile="$root/target/toolchain.env"
log() { printf 'toolchain: %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# GUICHET_TOOLCHAIN=debian forces the fallback (to test it on a machine where rustup works).
if [ "${GUICHET_TOOLCHAIN:-}" = debian ]; then
  mode=debian
elif command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  mode=rustup
elif command -v rustup >/dev/null && timeout 20 rustup target add wasm32-wasip2 >/dev/null 2>&1; then
  mode=rustup
else
  mode=debian
fi

if [ "$mode" = rustup ]; then
  log "using rustup's wasm32-wasip2 target"
  cat >"$envfile" <<EOT
export GUICHET_WASM_CARGO=cargo
export GUICHET_WASM_ARGS=""
export GUICHET_TOOLCHAIN_MODE=rustup
EOT
  exit 0
fi

log "rustup cannot add wasm32-wasip2 here: using Debian's rustc-web with -Zbuild-std"
need=()
[ -x /usr/bin/cargo ] || need+=(cargo-web rustc-web)
[ -d /usr/lib/rustlib/src/rust/library ] || need+=(rust-web-src)
[ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
[ -x /usr/lib/llvm-19/bin/wasm-ld ] || need+=(lld-19)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  as_root apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "${need[@]}" >&2
fi
if ! command -v wasm-component-ld >/dev/null && [ ! -x "$HOME/.cargo/bin/wasm-component-ld" ]; then
  log "installing wasm-component-ld"
  cargo install --locked wasm-component-ld@0.5.31 >&2
fi
wcl=$(command -v wasm-component-ld || echo "$HOME/.cargo/bin/wasm-component-ld")
cat >"$envfile" <<EOT
export GUICHET_WASM_CARGO=/usr/bin/cargo
# Debian's cargo would otherwise run the first rustc on PATH (often rustup's, without std source).
export RUSTC=/usr/bin/rustc
export GUICHET_WASM_ARGS="-Zbuild-std=std,panic_abort"
export RUSTC_BOOTSTRAP=1
export GUICHET_TOOLCHAIN_MODE=debian
export CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="-C linker=$wcl -C link-self-contained=no -L native=/usr/lib/wasm32-wasi -C link-arg=--wasm-ld-path=/usr/lib/llvm-19/bin/wasm-ld"
EOT
log "ready ($envfile)"
