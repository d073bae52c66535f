#!/usr/bin/env bash
# Renders the digest of the demo data (config/demo.toml, polled afresh into
# a scratch database) and screenshots its HTML in headless Chromium, as a
# mail client would show it.
#
#   scripts/screenshot-digest.sh [OUTPUT.png] [TEAM]
#
# Builds with the release profile, or with $PROFILE (`dev` for a debug
# build), and runs the binary from wherever cargo puts it
# ($CARGO_TARGET_DIR and build.target-dir included). NO_BUILD=1 uses the
# binary already there. Installs chromium from Debian when missing. Prints
# the PNG's path; the HTML is written beside it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/var/digest.png}
team=${2:-customer-service}
. "$root/scripts/vigia-bin.sh"
cd "$root"

demo_polled
mkdir -p "$(dirname "$out")"
html="${out%.png}.html"
vigia digest --period today --team "$team" --dry-run --html --output "$html"
shoot "$html" "$out" 820,1400
echo "$out"
