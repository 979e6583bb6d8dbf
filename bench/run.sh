#!/usr/bin/env bash
# Benchmarks a trivial route through the Guichet host against a native hyper server with the
# same handler, in one run on this machine, plus the per-request instantiation cost.
# Prints a Markdown table (copy it into the README when figures change).
# Needs: make build (host, bench binaries, probe.wasm) and wrk (infra/setup.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

wait_url() { # file -> prints the URL a server announced
  for _ in $(seq 1 600); do
    url=$(sed -n 's/^Serving //p' "$1" | head -1)
    [ -n "$url" ] && { echo "$url"; return 0; }
    sleep 0.1
  done
  echo "server did not start: $(cat "$1")" >&2; return 1
}

SPIN_VARIABLE_API_TOKEN=bench ./target/release/guichet-host up \
  --from tests/fixtures/probe-app/spin.toml \
  --runtime-config-file tests/fixtures/probe-app/runtime-config.toml \
  --state-dir "$work/state" --listen 127.0.0.1:0 --cache-dir target/wasm-cache \
  >"$work/host.out" 2>"$work/host.err" &
pids+=($!)
./target/release/native-hello 127.0.0.1:0 >"$work/native.out" 2>&1 &
pids+=($!)
host_url=$(wait_url "$work/host.out")
native_url=$(wait_url "$work/native.out")

measure() { # url -> "rps p99_ms"
  curl -fsS "$1/probe/hello" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1/probe/hello" >"$work/wrk.txt"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' "$work/wrk.txt")
  echo "$rps $p99"
}

read -r native_rps native_p99 < <(measure "$native_url")
read -r host_rps host_p99 < <(measure "$host_url")
SPIN_VARIABLE_API_TOKEN=bench RUNTIME_CONFIG=tests/fixtures/probe-app/runtime-config.toml \
  ./target/release/instantiate tests/fixtures/probe-app/spin.toml probe /probe/hello 2000 >"$work/inst.txt"
inst=$(sed -n 's/^instantiate_us=//p' "$work/inst.txt")
inproc=$(sed -n 's/^in_process_request_us=//p' "$work/inst.txt")
ratio=$(awk -v h="$host_rps" -v n="$native_rps" 'BEGIN {printf "%.3f", h/n}')

echo "| what ($(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s) | requests/s | p99 (ms) |"
echo "|---|---|---|"
echo "| native hyper, \`hello PATH\` | $native_rps | $native_p99 |"
echo "| guichet-host, probe.wasm \`hello PATH\` | $host_rps | $host_p99 |"
echo "| ratio host / native | $ratio | |"
echo
echo "Per request inside the host: instantiation ${inst} us; whole in-process request ${inproc} us."
