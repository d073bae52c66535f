#!/usr/bin/env bash
# Builds the Debian package: the release binary, its man pages and shell
# completions generated from the CLI definition, then `cargo deb`.
# Installs cargo-deb when missing. The .deb lands in target/debian/.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null || cargo install cargo-deb --locked
cargo build --release --locked
assets=target/assets
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
target/release/vigia man --dir "$assets/man"
gzip -9n "$assets"/man/*.1
target/release/vigia completions bash > "$assets/completions/vigia"
target/release/vigia completions zsh > "$assets/completions/_vigia"
target/release/vigia completions fish > "$assets/completions/vigia.fish"
cargo deb --no-build --locked "$@"
