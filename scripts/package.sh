#!/usr/bin/env bash
# Builds the Debian package: the release binary, its man pages and shell
# completions generated from the CLI definition, then `cargo deb`.
# Installs cargo-deb when missing. The .deb lands in target/debian/ and
# carries a stripped binary; its debug information is written beside the
# .deb as vigia-VERSION.debug (gdb finds it by the binary's debuglink).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null || cargo install cargo-deb --locked
cargo build --release --locked
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
assets=target/assets
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions" "$assets/bin"
scripts/strip-binary.sh "$target_dir/release/vigia" "$assets/bin"
vigia="$assets/bin/vigia"
$vigia man --dir "$assets/man"
gzip -9n "$assets"/man/*.1
$vigia completions bash > "$assets/completions/vigia"
$vigia completions zsh > "$assets/completions/_vigia"
$vigia completions fish > "$assets/completions/vigia.fish"
cargo deb --no-build --locked "$@"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
mkdir -p target/debian
cp "$assets/bin/vigia.debug" "target/debian/vigia-$version.debug"
