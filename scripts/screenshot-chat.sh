#!/usr/bin/env bash
# Screenshots what the chat channels show, on the demo data: customer-
# service gets a Teams, a Telegram and a webhook channel pointed at a
# local receiver; one poll posts its alert there; the Adaptive Card is
# drawn by Microsoft's own renderer (the adaptivecards npm package, with
# markdown-it for its Markdown, as Teams does) and the Telegram message's
# HTML in a chat bubble, each in headless Chromium.
#
#   scripts/screenshot-chat.sh [OUTPUT_DIR]
#
# Builds as scripts/screenshot-digest.sh does (PROFILE, NO_BUILD). Needs
# npm (the packages go to a scratch folder). Prints the PNGs' paths.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/var}
. "$root/scripts/vigia-bin.sh"
mkdir -p "$out"

demo_scratch
mkdir -p "$scratch/posts"

# A receiver that keeps each POST's body, named by its path.
python3 - "$scratch/posts" "$scratch/port" <<'PY' &
import http.server, sys, os
posts, port_file = sys.argv[1], sys.argv[2]
class Receive(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        name = self.path.strip("/").split("/")[0]
        count = len(os.listdir(posts))
        open(f"{posts}/{count:02}-{name}.json", "wb").write(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Receive)
open(port_file, "w").write(str(server.server_port))
server.serve_forever()
PY
background=$!
for _ in $(seq 100); do [ -s "$scratch/port" ] && break; sleep 0.1; done
port=$(cat "$scratch/port")

# The channels go under customer-service, the demo's first team.
python3 - "$scratch/demo.toml" "$port" <<'PY'
import sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
channels = f'''
[[team.chat]]
kind = "teams"
url_env = "DEMO_TEAMS_URL"

[[team.chat]]
kind = "telegram"
token_env = "DEMO_TELEGRAM_BOT"
chat_id = "-100123"
endpoint = "http://127.0.0.1:{port}/telegram"
'''
anchor = 'name = "customer-service"'
start = text.index(anchor)
end = text.index("\n[[", start)
open(path, "w").write(text[:end] + "\n" + channels + text[end:])
PY
DEMO_TEAMS_URL="http://127.0.0.1:$port/teams" DEMO_TELEGRAM_BOT="1:demo" \
  "$bin" --config "$scratch/demo.toml" poll --once --quiet >/dev/null

card=$(ls "$scratch"/posts/*-teams.json | head -n 1)
telegram=$(ls "$scratch"/posts/*-telegram.json | head -n 1)
[ -n "$card" ] && [ -n "$telegram" ] || { echo "no chat message was posted" >&2; exit 1; }

(cd "$scratch" && npm install --silent --no-audit --no-fund adaptivecards@3 markdown-it@14 >/dev/null)
cp "$scratch/node_modules/adaptivecards/dist/adaptivecards.min.js" "$out/adaptivecards.min.js"
cp "$scratch/node_modules/markdown-it/dist/markdown-it.min.js" "$out/markdown-it.min.js"
python3 - "$card" "$out/chat-teams.html" <<'PY'
import json, sys
card = json.load(open(sys.argv[1]))["attachments"][0]["content"]
open(sys.argv[2], "w").write(f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<style>body {{ font-family: 'Segoe UI', Arial, sans-serif; background: #f5f5f5; margin: 16px; }}
#card {{ width: 560px; background: #fff; border-radius: 6px; box-shadow: 0 1px 3px #0003; }}</style>
<script src="markdown-it.min.js"></script><script src="adaptivecards.min.js"></script></head>
<body><div id="card"></div><script>
const md = window.markdownit();
AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {{
  result.outputHtml = md.render(text); result.didProcess = true; }};
const card = new AdaptiveCards.AdaptiveCard();
card.parse({json.dumps(card)});
document.getElementById("card").appendChild(card.render());
</script></body></html>""")
PY
python3 - "$telegram" "$out/chat-telegram.html" <<'PY'
import json, sys
text = json.load(open(sys.argv[1]))["text"]
open(sys.argv[2], "w").write(f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<style>body {{ font-family: Roboto, Arial, sans-serif; background: #a8c6a0; margin: 16px; }}
.bubble {{ width: 520px; background: #fff; border-radius: 12px; padding: 10px 14px; line-height: 1.35; }}
blockquote {{ border-left: 3px solid #3390ec; margin: 4px 0; padding: 2px 8px; color: #333; }}
a {{ color: #168acd; }}</style></head>
<body><div class="bubble">{text.replace(chr(10), "<br>")}</div></body></html>""")
PY
shoot "$out/chat-teams.html" "$out/chat-teams.png" 620,1200
shoot "$out/chat-telegram.html" "$out/chat-telegram.png" 600,900
printf '%s\n' "$out/chat-teams.png" "$out/chat-telegram.png"
