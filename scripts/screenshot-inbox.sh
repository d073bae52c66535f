#!/usr/bin/env bash
# Screenshots the web inbox on the demo data in headless Chromium: runs
# the daemon on config/demo.toml (polled afresh into a scratch database)
# with [web] on, signs in as the customer-service team with the link the
# outbox mailed, and shoots the inbox (desktop and phone widths), the
# most severe mention's page, and the alert mail with its one-click links
# (and its note on replies that act).
#
#   scripts/screenshot-inbox.sh [OUTPUT_DIR]
#
# Builds as scripts/screenshot-digest.sh does (PROFILE, NO_BUILD). Prints
# the PNGs' paths; each page's HTML is written beside its PNG.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/var}
. "$root/scripts/vigia-bin.sh"
mkdir -p "$out"

demo_scratch
mkdir -p "$scratch/replies/new" "$scratch/replies/cur" "$scratch/replies/tmp"
cat >> "$scratch/demo.toml" <<TOML

[mail]
reply_to = "vigia-replies@lumora.example"

[[maildir]]
name = "replies"
path = "$scratch/replies"
role = "replies"

[web]
listen = "127.0.0.1:0"
base_url = "http://127.0.0.1"
TOML
"$bin" --config "$scratch/demo.toml" --log-format json run 2> "$scratch/log" &
background=$!

# wait_for WHAT COMMAND...: retries for 30 s.
wait_for() {
  local what=$1; shift
  for _ in $(seq 300); do
    if "$@"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $what; the daemon's log:" >&2
  tail -n 20 "$scratch/log" >&2
  exit 1
}
port_known() {
  port=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try: event = json.loads(line)
    except ValueError: continue
    if event.get("message") == "Serving the web inbox.":
        print(event["addr"].rsplit(":", 1)[1]); break' "$scratch/log")
  [ -n "$port" ]
}
wait_for "the inbox" port_known
base=http://127.0.0.1:$port
polled() { grep -q '"Polled source."' "$scratch/log"; }
wait_for "the first poll" polled
curl -fsS -o /dev/null --data-urlencode "email=cs@lumora.example" "$base/login"
token_mailed() {
  token=$(python3 -c '
import email, glob, re, sys
for path in glob.glob(sys.argv[1] + "/outbox/*.eml"):
    message = email.message_from_binary_file(open(path, "rb"))
    for part in message.walk():
        text = part.get_payload(decode=True) or b""
        found = re.search(rb"/login/([0-9a-f]{64})", text)
        if found:
            print(found.group(1).decode()); sys.exit()' "$scratch")
  [ -n "$token" ]
}
wait_for "the sign-in mail" token_mailed
cookie=$(curl -fsS -o /dev/null -D - -X POST "$base/login/$token" |
  sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "no session cookie" >&2; exit 1; }
curl -fsS -o "$out/vigia.css" "$base/static/vigia.css"

# page PATH NAME: the page's HTML, its stylesheet made local, as NAME.html.
page() {
  curl -fsS -H "Cookie: $cookie" "$base$1" |
    sed -e "s|href=\"/static/vigia.css\"|href=\"vigia.css\"|" > "$out/$2.html"
}
page "/" inbox
shoot "$out/inbox.html" "$out/inbox.png" 1100,900
shoot "$out/inbox.html" "$out/inbox-phone.png" 400,860
first=$(grep -o 'href="/mentions/[0-9]*"' "$out/inbox.html" | head -n 1 | tr -dc 0-9)
[ -n "$first" ] || { echo "the inbox lists no mention" >&2; exit 1; }
page "/mentions/$first" mention
shoot "$out/mention.html" "$out/mention.png" 1000,1300
page "/overview" overview
shoot "$out/overview.html" "$out/overview.png" 1000,900
page "/sources" sources
shoot "$out/sources.html" "$out/sources.png" 1000,700
# The HTML part of the first alert mail (customer-service's, in Portuguese).
python3 - "$scratch/outbox" "$out/alert.html" <<'PY'
import email, glob, sys
for path in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    message = email.message_from_binary_file(open(path, "rb"))
    if "sign-in link" in (message["Subject"] or ""):
        continue
    for part in message.walk():
        if part.get_content_type() == "text/html":
            open(sys.argv[2], "wb").write(part.get_payload(decode=True))
            sys.exit()
sys.exit("no alert mail in the outbox")
PY
shoot "$out/alert.html" "$out/alert.png" 800,620
printf '%s\n' "$out/inbox.png" "$out/inbox-phone.png" "$out/mention.png" "$out/overview.png" \
  "$out/sources.png" "$out/alert.png"
