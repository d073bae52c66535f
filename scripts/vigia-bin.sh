# Sourced by the screenshot scripts: installs chromium from Debian when
# missing, builds vigia (release profile, or $PROFILE; NO_BUILD=1 uses the
# binary already there) and sets $bin to it, wherever cargo puts it
# ($CARGO_TARGET_DIR and build.target-dir included). Expects $root.
if ! command -v chromium >/dev/null; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi
profile=${PROFILE:-release}
[ -n "${NO_BUILD:-}" ] || (cd "$root" && cargo build --quiet --locked --profile "$profile" --bin vigia)
target_dir=$(cd "$root" && cargo metadata --format-version 1 --no-deps --locked |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
case $profile in
  dev) profile_dir=debug ;;
  *) profile_dir=$profile ;;
esac
bin=$target_dir/$profile_dir/vigia
[ -x "$bin" ] || { echo "no vigia binary at $bin" >&2; exit 1; }

# demo_config DIR: the demo config with its paths made absolute and its
# database in DIR, written to DIR/demo.toml.
demo_config() {
  sed -e "s|^path = \"../var/demo.db\"|path = \"$1/demo.db\"|" \
    -e "s|\"file:|\"file://$root/config/|" \
    -e "s|^path = \"mail/|path = \"$root/config/mail/|" \
    "$root/config/demo.toml" > "$1/demo.toml"
}

# demo_scratch: the demo config in a fresh scratch folder ($scratch,
# removed on exit), as demo_config writes it; a process whose pid is put
# in $background (a daemon, a receiver) is stopped on exit too.
demo_scratch() {
  scratch=$(mktemp -d)
  background=""
  trap '[ -z "$background" ] || kill "$background" 2>/dev/null || true; rm -rf "$scratch"' EXIT
  demo_config "$scratch"
}

# demo_polled: the demo config in a fresh scratch folder ($scratch, removed
# on exit), polled once, so what is rendered is today's poll whatever ran
# before; `vigia ARGS` runs the binary on it.
demo_polled() {
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  demo_config "$scratch"
  vigia() { "$bin" --config "$scratch/demo.toml" "$@"; }
  vigia poll --once --quiet >/dev/null
}

# shoot HTML PNG WIDTHxHEIGHT: a headless Chromium screenshot of a file.
shoot() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(dirname "$2")/.chromium" \
    --window-size="$3" --screenshot="$2" "file://$1" >/dev/null 2>&1
  rm -rf "$(dirname "$2")/.chromium"
  [ -s "$2" ] || { echo "no screenshot written for $1" >&2; exit 1; }
}
