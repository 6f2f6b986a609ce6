#!/usr/bin/env bash
# Draws the shipped rules (or --rules …) with `covenant chart` and renders the SVG to PNG in
# headless Chromium, to look at it as a reader would:
#   scripts/render-chart.sh [OUT.png] [covenant chart options…]
# Needs Debian's chromium (`apt-get install chromium`).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/chart.png}
shift || true
svg="${out%.png}.svg"
cargo run --release --quiet -- chart --out "$svg" "$@"
height=$(sed -n 's/.*height="\([0-9]*\)".*/\1/p' "$svg" | head -1)
profile=$(mktemp -d)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size=1280,"$height" \
  --screenshot="$(realpath -m "$out")" "file://$(realpath "$svg")" 2>/dev/null
rm -rf "$profile"
echo "rendered $out"
