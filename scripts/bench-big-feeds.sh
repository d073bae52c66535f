#!/usr/bin/env bash
# bench-big-feeds.sh: one `vigia poll --once` of a 10,000-item feed and of
# a 10 MiB feed (100 items of 100 KB each), read from local files, each
# into a fresh database; prints wall and CPU seconds and peak memory.
#
#   scripts/bench-big-feeds.sh
#
# Builds as scripts/screenshot-digest.sh does (PROFILE, NO_BUILD).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/vigia-bin.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import sys
out = sys.argv[1]
head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title>'
items = []
for i in range(10_000):
    brand = "Lumora " if i % 5 == 0 else ""
    items.append(f"<item><guid>g{i}</guid><title>{brand}Item {i} about lamps</title>"
                 f"<link>https://big.example/{i}</link><description>&lt;p&gt;{brand}The text of "
                 f"item {i}, about lighting, prices and delivery times.&lt;/p&gt;</description></item>")
open(f"{out}/items.xml", "w").write(head + "".join(items) + "</channel></rss>")
items = [f"<item><guid>h{i}</guid><title>Lumora long read {i}</title><link>https://huge.example/{i}</link>"
         f"<description>{'word ' * 20_000}</description></item>" for i in range(100)]
open(f"{out}/bytes.xml", "w").write(head + "".join(items) + "</channel></rss>")
PY
for feed in items bytes; do
  cat > "$work/$feed.toml" <<TOML
[storage]
path = "$feed.db"
[http]
max_body_size = "16MiB"
[[brand]]
name = "Lumora"
queries = ["Lumora"]
[[feed]]
name = "$feed"
url = "file://$work/$feed.xml"
TOML
  size=$(du -h "$work/$feed.xml" | cut -f1)
  /usr/bin/time -f "$feed.xml ($size): %e s wall, %U s user + %S s sys, peak %M KiB" \
    "$bin" --config "$work/$feed.toml" poll --once --quiet
done
