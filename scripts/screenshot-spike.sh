#!/usr/bin/env bash
# Renders a negative-spike alert on the demo data and screenshots its HTML
# in headless Chromium, as a mail client would show it: the demo polled
# into a scratch database, its mentions moved eight days back (a calm
# history), then a forum thread of complaints in one poll.
#
#   scripts/screenshot-spike.sh [OUTPUT.png]
#
# Builds as scripts/vigia-bin.sh says (NO_BUILD=1 uses the binary already
# there). Prints the PNG's path; the HTML is written beside it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/var/spike.png}")
. "$root/scripts/vigia-bin.sh"
cd "$root"

demo_polled
python3 - "$scratch/demo.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE mentions SET first_seen_at = first_seen_at - 8 * 86400")
db.commit()
PY
python3 - "$scratch/storm.xml" <<'PY'
import sys
from xml.sax.saxutils import escape
complaints = [
    "My Lumora Halo A19 caught fire on the desk, dangerous and scary",
    "Lumora lamp exploded while charging, burned my hand, terrible",
    "Smoke and a burning smell from my Lumora Halo Mini, awful",
    "Lumora support ignores me after my lamp melted, useless and rude",
    "A Lumora lâmpada pegou fogo na sala, que perigo, horrível",
    "Minha Lumora Halo queimou e derreteu a tomada, péssimo, vou ao Procon",
    "Lumora Halo overheated and sparked, worst product ever, refund now",
    "Lumora lamp died in smoke after a week, disgraceful and unsafe",
]
items = "".join(
    f"<item><title>{escape(c)}</title><link>https://forum.example/t/{i}</link>"
    f"<guid>storm-{i}</guid><description>{escape(c)}.</description></item>"
    for i, c in enumerate(complaints)
)
open(sys.argv[1], "w").write(
    f'<?xml version="1.0"?><rss version="2.0"><channel><title>Forum</title>{items}</channel></rss>'
)
PY
cat >> "$scratch/demo.toml" <<TOML

[[feed]]
name = "lamp-forum"
url = "file://$scratch/storm.xml"
TOML
vigia poll --once --quiet >/dev/null
eml=$(grep -l "Negative spike" "$scratch"/outbox/*.eml 2>/dev/null | head -1 || true)
[ -n "$eml" ] || { echo "no spike alert was written" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
html="${out%.png}.html"
python3 - "$eml" "$html" <<'PY'
import email, sys
from email import policy
message = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
open(sys.argv[2], "w").write(message.get_body(preferencelist=("html",)).get_content())
PY
shoot "$html" "$out" 820,760
echo "$out"
