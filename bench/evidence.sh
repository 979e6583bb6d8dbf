#!/usr/bin/env bash
# The evidence log's append and proof cost at one million entries (issue 12), natively on the
# signatures database's schema with the component's statements and Merkle code, against a
# plain append and a plain read in the same run, as a Markdown table.
# Needs: cargo build --release -p guichet-bench --bin evidence-log. About a minute.
# ENTRIES=1000000 SAMPLES=2000 by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f target/release/evidence-log ] || { echo "target/release/evidence-log is missing: run make build" >&2; exit 1; }
exec ./target/release/evidence-log "${ENTRIES:-1000000}" "${SAMPLES:-2000}"
