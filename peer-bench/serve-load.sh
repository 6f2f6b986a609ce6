#!/usr/bin/env bash
# `covenant serve` under load, against a bare axum handler returning a fixed body (the
# baseline) and Cedar and regorus in the same axum wrapper (`peer-bench serve`), measured in one
# run on loopback with wrk: requests per second and p50/p99 latency at 50 connections.
#
#   peer-bench/serve-load.sh            # 10 s per target
#   SECONDS_EACH=5 CONNECTIONS=50 peer-bench/serve-load.sh
#
# Needs wrk (Debian: apt-get install wrk). Bounded: four targets × SECONDS_EACH, one warm-up
# second each; nothing is kept but the printed table.
set -euo pipefail
cd "$(dirname "$0")/.."
EACH=${SECONDS_EACH:-10}
CONNS=${CONNECTIONS:-50}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
cargo build --release -q --bin covenant -p covenant
cargo build --release -q -p peer-bench
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
target/release/peer-bench bodies 4096 > "$tmp/bodies.jsonl"

port_of() { # waits for "listening on http://ADDR" in a file
  for _ in $(seq 100); do
    if grep -q "listening on" "$1" 2>/dev/null; then
      sed -n 's/.*listening on http:\/\///p' "$1" | head -1
      return
    fi
    sleep 0.1
  done
  echo "no address in $1" >&2; exit 2
}
target/release/covenant serve --listen 127.0.0.1:0 > "$tmp/covenant.out" 2> "$tmp/covenant.err" &
target/release/peer-bench serve --listen 127.0.0.1:0 > "$tmp/peers.out" &
cov=$(port_of "$tmp/covenant.out")
peers=$(port_of "$tmp/peers.out")
until curl -sf "http://$cov/ready" >/dev/null; do sleep 0.1; done

run() { # name url
  wrk -t2 -c"$CONNS" -d1s -s peer-bench/wrk-post.lua "$2" -- "$tmp/bodies.jsonl" >/dev/null
  wrk -t2 -c"$CONNS" -d"${EACH}s" --latency -s peer-bench/wrk-post.lua "$2" -- "$tmp/bodies.jsonl" > "$tmp/$1.txt"
  if grep -q "Non-2xx" "$tmp/$1.txt"; then
    echo "$1: some answers were not 2xx:" >&2; cat "$tmp/$1.txt" >&2; exit 1
  fi
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/$1.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/$1.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/$1.txt")
  echo "$1 $rps $p50 $p99"
}
{
  run baseline "http://$peers/fixed"
  run covenant "http://$cov/v1/ask"
  run cedar "http://$peers/cedar"
  run regorus "http://$peers/regorus"
} > "$tmp/results"
base=$(awk '$1 == "baseline" {print $2}' "$tmp/results")
echo "connections=$CONNS seconds=$EACH cores=$(nproc)"
printf '%-10s %12s %10s %10s %12s\n' target requests/s p50 p99 of_baseline
while read -r name rps p50 p99; do
  printf '%-10s %12s %10s %10s %11.0f%%\n' "$name" "$rps" "$p50" "$p99" "$(echo "100 * $rps / $base" | bc -l)"
done < "$tmp/results"
