#!/usr/bin/env bash
# bench-status.sh: what the status listener costs under load.
#
#   scripts/bench-status.sh                  # N=400 sources, 5 bursts of 200
#   N=200 BURSTS=3 CONCURRENT=100 scripts/bench-status.sh
#
# Runs `vigia run` on N feed sources (local files, so the daemon is idle
# once they are polled) with [status] listen on a free loopback port, then
# fires BURSTS bursts of CONCURRENT simultaneous `GET /metrics` (and as many
# `/healthz`), each on its own connection. Prints the response size, the
# latency percentiles, and the daemon's resident memory and threads before
# the bursts, at their peak, and 10 s after them.
#
# Environment: N=400 BURSTS=5 CONCURRENT=200 PATH_=/metrics
#   VIGIA_BIN=   use this binary (default: target/release/vigia, built)
set -euo pipefail

N=${N:-400}
BURSTS=${BURSTS:-5}
CONCURRENT=${CONCURRENT:-200}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${VIGIA_BIN:-} ]]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    VIGIA_BIN=$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/vigia
fi
[[ -x $VIGIA_BIN ]] || { echo "bench-status: no binary at $VIGIA_BIN" >&2; exit 1; }

DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DIR"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# N feeds of 20 items each, half of them about the brand: a store with
# N * 10 mentions for /metrics to report on.
python3 - "$DIR" "$N" "$PORT" <<'EOF'
import sys
words = "lamp cloud outage refund support app update bulb scene delay great awful".split()
d, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
config = [f'[storage]\npath = "vigia.db"\n\n[status]\nlisten = "127.0.0.1:{port}"\n\n'
          '[[brand]]\nname = "Lumora"\nqueries = ["Lumora"]\n']
for f in range(n):
    items = []
    for i in range(20):
        brand = "Lumora " if i % 2 == 0 else ""
        text = " ".join(words[(f * 7 + i * 3 + k) % len(words)] for k in range(12))
        items.append(f"<item><title>{brand}{text} {f}-{i}</title><link>https://example.com/{f}/{i}</link>"
                     f"<guid>{f}-{i}</guid><description>{brand}{text} story {f} {i}</description></item>")
    with open(f"{d}/feed-{f}.xml", "w") as out:
        out.write('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                  + "".join(items) + "</channel></rss>")
    config.append(f'\n[[feed]]\nname = "feed-{f:05d}"\nurl = "file:feed-{f}.xml"\n')
open(f"{d}/vigia.toml", "w").write("".join(config))
EOF
"$VIGIA_BIN" --config "$DIR/vigia.toml" run 2>"$DIR/vigia.log" &
PID=$!

python3 - "$PORT" "$PID" "$N" "$BURSTS" "$CONCURRENT" <<'EOF'
import http.client, sys, threading, time

port, pid, n, bursts, concurrent = (int(a) for a in sys.argv[1:])

def proc(field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0

def get(path, out):
    t = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    out.append((time.perf_counter() - t, r.status, len(body)))
    c.close()

deadline = time.time() + 120
while True:
    try:
        out = []
        get("/metrics", out)
        text = http.client.HTTPConnection("127.0.0.1", port)
        text.request("GET", "/metrics")
        body = text.getresponse().read().decode()
        polled = sum(1 for l in body.splitlines()
                     if l.startswith("vigia_source_polls_total") and not l.endswith(" 0"))
        if polled >= n:
            break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit("bench-status: the daemon did not poll every source in 120 s")
    time.sleep(0.5)
time.sleep(5)
before = proc("VmRSS")
peak_rss, peak_threads = before, proc("Threads")
results = []
for _ in range(bursts):
    out = []
    threads = [threading.Thread(target=get, args=(p, out))
               for _ in range(concurrent) for p in ("/metrics", "/healthz")]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        peak_rss = max(peak_rss, proc("VmRSS"))
        peak_threads = max(peak_threads, proc("Threads"))
        time.sleep(0.01)
    results += out
    time.sleep(1)
time.sleep(10)
after = proc("VmRSS")
lat = sorted(r[0] for r in results)
bad = [r for r in results if r[1] != 200]
size = max(r[2] for r in results)
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(f"sources {n}, {bursts} bursts of {concurrent} /metrics + {concurrent} /healthz, largest response {size / 1024:.0f} KiB")
print(f"latency ms: p50 {pct(0.5):.1f}  p90 {pct(0.9):.1f}  p99 {pct(0.99):.1f}  max {lat[-1] * 1000:.1f}")
print(f"non-200 answers: {len(bad)}")
print(f"resident MiB: before {before / 1024:.1f}  peak {peak_rss / 1024:.1f}  10 s after {after / 1024:.1f}  ({after / before:.2f}x)")
print(f"threads: peak {peak_threads}, after {proc('Threads')}")
EOF
