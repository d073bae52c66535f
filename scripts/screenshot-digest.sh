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
profile=${PROFILE:-release}
if ! command -v chromium >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi
cd "$root"
[ -n "${NO_BUILD:-}" ] || cargo build --quiet --locked --profile "$profile" --bin vigia
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
case $profile in
  dev) profile_dir=debug ;;
  *) profile_dir=$profile ;;
esac
bin=$target_dir/$profile_dir/vigia
[ -x "$bin" ] || { echo "no vigia binary at $bin" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The demo config with its paths made absolute and its database in the
# scratch folder, so that the digest shows today's poll whatever ran before.
sed -e "s|^path = \"../var/demo.db\"|path = \"$scratch/demo.db\"|" \
  -e "s|\"file:|\"file://$root/config/|" \
  -e "s|^path = \"mail/|path = \"$root/config/mail/|" \
  config/demo.toml > "$scratch/demo.toml"
vigia() { "$bin" --config "$scratch/demo.toml" "$@"; }
vigia poll --once --quiet >/dev/null
mkdir -p "$(dirname "$out")"
html="${out%.png}.html"
vigia digest --period today --team "$team" --dry-run --html --output "$html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$scratch/chromium" \
  --window-size=820,1400 --screenshot="$out" "file://$html" >/dev/null 2>&1
[ -s "$out" ] || { echo "no screenshot written" >&2; exit 1; }
echo "$out"
