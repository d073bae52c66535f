#!/usr/bin/env bash
# Splits a binary's debug information into a file of its own, as Debian's
# dh_strip does: OUT_DIR/NAME is the stripped binary (linked to its debug
# file by a .gnu_debuglink section, which gdb follows), OUT_DIR/NAME.debug
# the debug information.
#
#   scripts/strip-binary.sh BINARY OUT_DIR
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: scripts/strip-binary.sh BINARY OUT_DIR" >&2
  exit 2
fi
binary=$1
out=$2
command -v objcopy >/dev/null || { echo "strip-binary: objcopy is missing (Debian package binutils)" >&2; exit 1; }
name=$(basename "$binary")
mkdir -p "$out"
objcopy --only-keep-debug "$binary" "$out/$name.debug"
chmod 644 "$out/$name.debug"
# --add-gnu-debuglink reads the debug file by the name it records, so run
# it from the output folder.
(cd "$out" && objcopy --strip-debug --strip-unneeded --remove-section=.comment \
  --add-gnu-debuglink="$name.debug" "$(cd - >/dev/null && realpath "$binary")" "$name")
