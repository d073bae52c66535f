#!/usr/bin/env bash
# Renders the digest of the demo data (config/demo.toml) and screenshots
# its HTML in headless Chromium, as a mail client would show it.
#
#   scripts/screenshot-digest.sh [OUTPUT.png] [TEAM]
#
# Builds with the release profile, or with $PROFILE (`dev` for a debug
# build), wherever cargo puts its builds ($CARGO_TARGET_DIR included).
# Installs chromium from Debian when missing. Prints the PNG's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/var/digest.png}
team=${2:-customer-service}
if ! command -v chromium >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi
cd "$root"
profile_dir=$(mktemp -d)
trap 'rm -rf "$profile_dir"' EXIT
vigia="cargo run --quiet --locked --profile ${PROFILE:-release} --bin vigia -- --config config/demo.toml"
$vigia poll --once --quiet >/dev/null
mkdir -p "$(dirname "$out")"
html="${out%.png}.html"
$vigia digest --period today --team "$team" --dry-run --html --output "$html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile_dir" \
  --window-size=820,1400 --screenshot="$out" "file://$html" >/dev/null 2>&1
[ -s "$out" ] || { echo "no screenshot written" >&2; exit 1; }
echo "$out"
