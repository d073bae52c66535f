#!/usr/bin/env bash
# chaos-kill.sh: kill -9 the daemon again and again while it polls feeds
# that keep publishing and sends the alerts they raise; then count what
# was lost and what was stored or mailed twice.
#
#   scripts/chaos-kill.sh                    # FEEDS=200 KILLS=60
#   FEEDS=50 KILLS=10 scripts/chaos-kill.sh
#
# A feed server on loopback publishes one brand item per feed every EVERY s
# (every fifth one a product-safety complaint that raises an alert; a
# feed lists every item since the start) until the kills are over; an SMTP sink (aiosmtpd) takes the mail, a second
# per message. `vigia run` is killed with SIGKILL after a random 0.5-4 s,
# KILLS times; a last daemon then runs until every feed was polled after
# the last item and the outbox is empty (20 minutes at most), and stops
# with SIGTERM.
#
# Reports: items published, lost (a link in no mention and no sighting),
# stored twice (a link in two mentions), mails queued, received, received
# twice, still unsent. A mail the server took after its sender was killed
# waiting for the answer (the sink records those), or accepted and killed
# before the acceptance was recorded (the daemon logs "Mail accepted by
# the server." first), is sent again by the next daemon, by design; any
# other second copy is a defect.
# Exit 1 when an item is lost or stored twice, or a mail lost or repeated
# without that reason.
#
# Environment: FEEDS=200 KILLS=60 EVERY=5 SEED=1
#   VIGIA_BIN= (default: built here)
set -euo pipefail

FEEDS=${FEEDS:-200}
KILLS=${KILLS:-60}
SEED=${SEED:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${VIGIA_BIN:-} ]]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    VIGIA_BIN=$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/vigia
fi
PY=/usr/bin/python3
"$PY" -c "import aiosmtpd" 2>/dev/null \
    || { echo "chaos-kill: aiosmtpd is missing: apt-get install python3-aiosmtpd" >&2; exit 1; }

DIR=$(mktemp -d)
trap 'pkill -KILL -P $$ 2>/dev/null || true; rm -rf "$DIR"' EXIT
exec "$PY" - "$VIGIA_BIN" "$DIR" "$FEEDS" "$KILLS" "$SEED" <<'EOF'
import email, hashlib, http.server, json, os, random, signal, socket, sqlite3
import subprocess, sys, threading, time

vigia, d, feeds, kills, seed = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
random.seed(seed)
EVERY = float(os.environ.get("EVERY", "5"))
SYL = "ka lo mi ren tu sa vel no pri da gor fe lin bo zu ter ma qui sol har ne cas vi om".split()

def port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def words(key, n):
    h = hashlib.sha256(key.encode()).digest()
    return " ".join(SYL[h[i] % len(SYL)] + SYL[h[i + 1] % len(SYL)] for i in range(0, 2 * n, 2))

start, frozen = time.time(), [None]
def published(now=None):
    t = (frozen[0] or now or time.time()) - start
    return int(t / EVERY)

def item(f, k):
    link = f"https://news.example/{f}/{k}"
    text = words(f"{f}#{k}", 12)
    if k % 5 == 0:
        title = f"Lumora lamp caught fire at home {words(f'{f}#{k}#t', 2)}"
        body = f"My Lumora lamp caught fire, I demand a recall, this is dangerous and awful. {text}"
    else:
        title = f"Lumora {words(f'{f}#{k}#t', 4)}"
        body = f"Lumora {text}"
    return link, f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid><description>{body}</description></item>"

class Feeds(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        f = int(self.path.strip("/").split(".")[0])
        n = published()
        body = "".join(item(f, k)[1] for k in range(n + 1))
        data = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{f}</title>{body}</channel></rss>'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            pass  # the daemon was killed mid-request
    def log_message(self, *a): pass

http_port, smtp_port = port(), port()
server = http.server.ThreadingHTTPServer(("127.0.0.1", http_port), Feeds)
threading.Thread(target=server.serve_forever, daemon=True).start()

with open(f"{d}/slow.py", "w") as h:
    h.write("import asyncio\nfrom aiosmtpd.handlers import Mailbox\n"
            "class Handler(Mailbox):\n"
            "    async def handle_DATA(self, server, session, envelope):\n"
            "        await asyncio.sleep(1)\n"
            "        if server.transport is None or server.transport.is_closing():\n"
            "            # The client died waiting: it will send this mail again.\n"
            "            open('orphaned', 'a').write(envelope.content.decode(errors='replace')"
            ".split('Message-ID:')[1].split()[0] + '\\n')\n"
            "        return await super().handle_DATA(server, session, envelope)\n")
smtp = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
                         "-c", "slow.Handler", f"{d}/mail"], cwd=d,
                        env={**os.environ, "PYTHONPATH": d}, stderr=open(f"{d}/smtp.log", "w"))

config = [f'''[storage]
path = "{d}/vigia.db"

[poll]
interval = "10s"
min_backoff = "10s"

[http]
max_concurrency = 32
per_host_concurrency = 32

[[brand]]
name = "Lumora"
queries = ["Lumora"]

[mail]
from = "vigia@lumora.example"
host = "127.0.0.1"
port = {smtp_port}
tls = "plain"
retry = "10s"
timeout = "10s"

[[team]]
name = "support"
recipients = ["support@lumora.example"]
''']
for f in range(feeds):
    config.append(f'\n[[feed]]\nname = "f{f}"\nurl = "http://127.0.0.1:{http_port}/{f}.xml"\n')
open(f"{d}/vigia.toml", "w").write("".join(config))

def daemon():
    return subprocess.Popen([vigia, "--config", f"{d}/vigia.toml", "run"],
                            stdout=subprocess.DEVNULL, stderr=open(f"{d}/vigia.log", "a"))

for i in range(kills):
    p = daemon()
    time.sleep(random.uniform(0.5, 4.0))
    p.send_signal(signal.SIGKILL)
    p.wait()
frozen[0] = time.time()
last = published()
p = daemon()
db = sqlite3.connect(f"file:{d}/vigia.db?mode=ro", uri=True)
deadline = time.time() + 1200
while time.time() < deadline:
    time.sleep(2)
    polled = db.execute("SELECT count(*) FROM sources WHERE last_success_at > ?",
                        (int(frozen[0]) + 1,)).fetchone()[0]
    unsent = db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL").fetchone()[0]
    queue = db.execute("SELECT count(*) FROM alert_queue WHERE sent_at IS NULL AND outbox_id IS NULL").fetchone()[0]
    if polled >= feeds and unsent == 0 and queue == 0:
        break
p.send_signal(signal.SIGTERM)
p.wait(60)
smtp.terminate()

links = [item(f, k)[0] for f in range(feeds) for k in range(last + 1)]
in_mentions = {}
for (url,) in db.execute("SELECT url FROM mentions"):
    in_mentions[url] = in_mentions.get(url, 0) + 1
sighted = {url for (url,) in db.execute("SELECT url FROM sightings")}
lost = [l for l in links if l not in in_mentions and l not in sighted]
twice = [l for l in links if in_mentions.get(l, 0) > 1]
queued = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
unsent = db.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
ids = []
for sub in ("new", "cur"):
    for name in os.listdir(f"{d}/mail/{sub}") if os.path.isdir(f"{d}/mail/{sub}") else []:
        with open(f"{d}/mail/{sub}/{name}", "rb") as h:
            ids.append(email.message_from_binary_file(h)["Message-ID"])
dups = len(ids) - len(set(ids))
orphaned = open(f"{d}/orphaned").read().split() if os.path.exists(f"{d}/orphaned") else []
# "Mail accepted by the server." is logged before the acceptance is
# recorded: a mail accepted twice was either taken while its sender was
# being killed (orphaned) or accepted and its record cut by the kill.
accepted = {}
for line in open(f"{d}/vigia.log", errors="replace"):
    if "Mail accepted by the server." in line:
        key = line.rsplit("outbox_id=", 1)[-1].strip()
        accepted[key] = accepted.get(key, 0) + 1
unrecorded = sum(n - 1 for n in accepted.values())
unexplained = max(0, dups - len(orphaned) - unrecorded)
print(f"feeds {feeds}, kill -9 x {kills}, items published {len(links)}")
print(f"items lost {len(lost)}, stored twice {len(twice)}, mentions {sum(in_mentions.values())}")
print(f"mails queued {queued}, received {len(set(ids))} distinct, {dups} twice "
      f"({len(orphaned)} taken by the server after their sender was killed waiting for "
      f"its answer, {unrecorded} accepted and killed before the record; "
      f"{unexplained} otherwise), unsent {unsent}")
sys.exit(1 if lost or twice or unsent or unexplained or len(set(ids)) < queued else 0)
EOF
