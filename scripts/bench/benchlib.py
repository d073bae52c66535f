"""Helper for bench-poll.sh: feed server, checks, results, the floor and the
merge count; the feeds come from corpus.py."""
import email.utils
import gzip
import hashlib
import json
import os
import re
import statistics
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from corpus import BRAND_RE, cmd_gen  # beside this file

# -------------------------------------------------------------------- server
def cmd_serve(wwwdir, portfile, logpath, use_gzip):
    index = json.load(open(os.path.join(wwwdir, "index.json")))
    feeds = {}
    for name, lastmod in index.items():
        body = open(os.path.join(wwwdir, name + ".xml"), "rb").read()
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:20]
        gz = gzip.compress(body, 6, mtime=0) if use_gzip else None
        feeds["/" + name + ".xml"] = (body, gz, etag, lastmod,
                                      email.utils.parsedate_to_datetime(lastmod).timestamp())
    log = open(logpath, "a", buffering=1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        server_version = "vigia-bench"
        sys_version = ""

        def log_message(self, *args):  # no per-request stderr chatter
            pass

        def record(self, status):
            h = self.headers
            with lock:
                log.write("%d %s inm=%d ims=%d ua=%s\n" % (
                    status, self.path, "If-None-Match" in h, "If-Modified-Since" in h,
                    (h.get("User-Agent") or "-").replace("\n", " ")))

        def do_GET(self):
            feed = feeds.get(self.path.split("?", 1)[0])
            if feed is None:
                self.record(404)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, gz, etag, lastmod, lm_ts = feed
            zipped = gz is not None and "gzip" in (self.headers.get("Accept-Encoding") or "")
            if zipped:
                body, etag = gz, etag[:-1] + '-gz"'
            inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            fresh = False
            if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
                tags = [t.strip() for t in inm.split(",")]
                fresh = "*" in tags or any((t[2:] if t.startswith("W/") else t) in (feed[2], feed[2][:-1] + '-gz"')
                                           for t in tags)
            elif ims is not None:
                try:
                    fresh = lm_ts <= email.utils.parsedate_to_datetime(ims).timestamp()
                except (TypeError, ValueError, IndexError):
                    fresh = False
            status = 304 if fresh else 200
            self.record(status)
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", lastmod)
            if gz is not None:
                self.send_header("Vary", "Accept-Encoding")
            if fresh:
                self.end_headers()
                return
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            if zipped:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 1024

    srv = Server(("127.0.0.1", 0), Handler)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(str(srv.server_address[1]))
    os.rename(tmp, portfile)
    srv.serve_forever()


# ------------------------------------------------------------------- checks
def time_file(path):
    t = open(path).read()

    def g(key):
        m = re.search(re.escape(key) + r":\s*(.*)", t)
        if not m:
            raise SystemExit(f"{path}: no '{key}' (is /usr/bin/time GNU time?)")
        return m.group(1).strip()

    wall = 0.0
    for part in g("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(g("User time (seconds)")) + float(g("System time (seconds)"))
    return wall, cpu, int(g("Maximum resident set size (kbytes)"))


def cmd_logcheck(logpath, start, end, n, expect):
    """Requests logged in lines (start, end]: print a short summary; exit 1
    when not every feed f00001..fN got exactly the expected status."""
    lines = open(logpath).read().splitlines()[int(start):int(end)]
    n = int(n)
    by_status, paths, bad = {}, {}, []
    for line in lines:
        status, path = line.split(" ", 2)[:2]
        by_status[status] = by_status.get(status, 0) + 1
        paths.setdefault(path, []).append(status)
    want = {f"/f{i:05d}.xml" for i in range(1, n + 1)}
    missing = sorted(want - paths.keys())
    unexpected = sorted(p for p, s in paths.items() if s[-1] != expect)
    summary = ", ".join(f"{v} x {k}" for k, v in sorted(by_status.items()))
    print(f"{len(lines)} requests ({summary}); {len(want & paths.keys())}/{n} feeds requested")
    if missing:
        bad.append(f"{len(missing)} feeds never requested, e.g. {', '.join(missing[:5])}")
    if unexpected:
        bad.append(f"{len(unexpected)} feeds did not end with HTTP {expect}, e.g. "
                   + ", ".join(f"{p}={paths[p][-1]}" for p in unexpected[:5]))
    for b in bad:
        print("CHECK: " + b)
    sys.exit(1 if bad else 0)


def cmd_r2echeck(datapath, stderrpath, n, items, first):
    n, items, first = int(n), int(items), first == "1"
    bad = []
    try:
        feeds = json.load(open(datapath))["feeds"]
    except (OSError, ValueError, KeyError) as e:
        feeds = []
        bad.append(f"cannot read r2e state {datapath}: {e}")
    seen = sum(len(f.get("seen") or {}) for f in feeds)
    with_entries = sum(1 for f in feeds if f.get("seen"))
    with_validator = sum(1 for f in feeds if f.get("etag") or f.get("modified"))
    err = open(stderrpath, errors="replace").read().splitlines()
    errors = [l for l in err if "[ERROR]" in l or l.startswith("Traceback")]
    print(f"state: {len(feeds)} feeds, {with_entries} with entries, {seen} entries seen, "
          f"{with_validator} with etag/modified; {len(errors)} error lines on stderr")
    if len(feeds) != n or with_entries != n:
        bad.append(f"r2e state has {len(feeds)} feeds / {with_entries} with entries, expected {n}")
    if seen != n * items:
        bad.append(f"r2e saw {seen} entries, expected {n * items}")
    if first and with_validator != n:
        bad.append(f"only {with_validator}/{n} feeds stored an etag/modified")
    if errors:
        bad.append(f"{len(errors)} [ERROR]/Traceback lines, first: {errors[0][:200]}")
    for b in bad:
        print("CHECK: " + b)
    sys.exit(1 if bad else 0)


def cmd_vigiacheck(stdoutpath, n, items, first):
    n, items, first = int(n), int(items), first == "1"
    out = open(stdoutpath, errors="replace").read()
    m = re.search(r"Polled (\d+) sources in [\d.]+s: (\d+) items, (\d+) new mentions, "
                  r"(\d+) new sightings, (\d+) failed\.", out)
    if not m:
        print("CHECK: no 'Polled ... failed.' summary line in vigia's output")
        sys.exit(1)
    sources, got_items, _, _, failed = map(int, m.groups())
    bad = []
    if sources != n:
        bad.append(f"vigia polled {sources} sources, expected {n}")
    if failed:
        bad.append(f"vigia reports {failed} failed sources")
    if first and got_items != n * items:
        bad.append(f"vigia read {got_items} items, expected {n * items}")
    for b in bad:
        print("CHECK: " + b)
    sys.exit(1 if bad else 0)


# ------------------------------------------------------------------ report
def cmd_report(results, out, meta):
    """results: TSV tool, pass, time file, server cpu s, http, note."""
    meta = json.load(open(meta))
    runs = {}
    for line in open(results).read().splitlines():
        tool, pas, tfile, srv_cpu, httpsum, note = line.split("\t")
        wall, cpu, rss = time_file(tfile)
        runs.setdefault((tool, pas), []).append(dict(
            tool=tool, pas=pas, wall=wall, cpu=cpu, rss=rss / 1024, srv=float(srv_cpu),
            http=httpsum, note=note))
    rows = []  # medians over the runs; http and summary of the last run
    for group in runs.values():
        row = dict(group[-1])
        for k in ("wall", "cpu", "rss", "srv"):
            row[k] = statistics.median(g[k] for g in group)
        walls = [g["wall"] for g in group]
        row["wall_s"] = f"{row['wall']:.2f}" + (
            f" ({min(walls):.2f}-{max(walls):.2f})" if len(group) > 1 else "")
        if any(g["note"].startswith("CHECK FAILED") for g in group[:-1]):
            row["note"] = "CHECK FAILED in an earlier run; last: " + row["note"]
        rows.append(row)
    nruns = max(len(g) for g in runs.values())
    head = ["tool", "pass", "wall s" + (f" (median of {nruns}, range)" if nruns > 1 else ""),
            "CPU s (user+sys)", "peak RSS MiB", "server CPU s", "HTTP (count x status)",
            "summary"]
    table = [[r["tool"], r["pas"], r["wall_s"], f"{r['cpu']:.2f}", f"{r['rss']:.1f}",
              f"{r['srv']:.2f}", r["http"], r["note"]] for r in rows]
    get = {(r["tool"], r["pas"]): r for r in rows}
    ratios = []
    for pas in ("first", "second"):
        v, r = get.get(("vigia", pas)), get.get(("r2e", pas))
        if v and r:
            div = lambda a, b: f"{a / b:.1f}x" if b > 0 else "n/a"
            ratios.append([pas, div(r["wall"], v["wall"]), div(r["cpu"], v["cpu"]),
                           div(r["rss"], v["rss"])])
    for row in ratios:
        v, f = get.get(("vigia", row[0])), get.get(("floor", row[0]))
        row.append(f"{v['cpu'] / f['cpu']:.1f}x" if v and f and f["cpu"] > 0 else "n/a")
    rhead = ["pass", "wall r2e/vigia", "CPU r2e/vigia", "peak RSS r2e/vigia", "CPU vigia/floor"]

    def plain(h, t):
        w = [max(len(str(x)) for x in col) for col in zip(h, *t)]
        fmt = lambda row: "  ".join(str(x).ljust(n) for x, n in zip(row, w)).rstrip()
        return "\n".join([fmt(h), fmt(["-" * n for n in w])] + [fmt(r) for r in t])

    def md(h, t):
        esc = lambda x: str(x).replace("|", "\\|")
        return "\n".join(["| " + " | ".join(h) + " |", "|" + "---|" * len(h)]
                         + ["| " + " | ".join(esc(x) for x in r) + " |" for r in t])

    print()
    print(plain(head, table))
    print()
    print(plain(rhead, ratios))
    print()
    print(meta["text"])
    if out:
        with open(out, "w") as fh:
            fh.write(f"# Vigia vs rss2email: one polling pass\n\n{meta['text']}\n\n")
            fh.write(md(head, table) + "\n\n" + md(rhead, ratios) + "\n")


def cmd_floor(base, n, db):
    """The floor: what fetching, parsing and storing the same feeds costs
    with the simplest program. 32 threads fetch every feed (conditional GETs
    from the validators kept in SQLite), expat parses it, a regex finds the
    brand, and each new hit is inserted once by link."""
    import concurrent.futures, sqlite3, urllib.request, urllib.error
    import xml.etree.ElementTree as ET
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, modified TEXT)")
    con.execute("CREATE TABLE IF NOT EXISTS hits (link TEXT PRIMARY KEY, title TEXT, text TEXT)")
    validators = {u: (e, m) for u, e, m in con.execute("SELECT url, etag, modified FROM feeds")}
    urls = [f"{base}/f{i:05d}.xml" for i in range(1, int(n) + 1)]

    def fetch(url):
        req = urllib.request.Request(url)
        etag, modified = validators.get(url, (None, None))
        if etag:
            req.add_header("If-None-Match", etag)
        if modified:
            req.add_header("If-Modified-Since", modified)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return url, r.read(), r.headers.get("ETag"), r.headers.get("Last-Modified")
        except urllib.error.HTTPError as e:
            if e.code == 304:
                return url, None, etag, modified
            raise

    hits, feeds = [], []
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        for url, body, etag, modified in pool.map(fetch, urls):
            feeds.append((url, etag, modified))
            if body is None:
                continue
            for item in ET.fromstring(body).iter("item"):
                title = item.findtext("title") or ""
                text = item.findtext("description") or ""
                if BRAND_RE.search(title + " " + text):
                    hits.append((item.findtext("link"), title, text))
    with con:
        con.executemany("INSERT OR REPLACE INTO feeds VALUES (?, ?, ?)", feeds)
        con.executemany("INSERT OR IGNORE INTO hits VALUES (?, ?, ?)", hits)
    print(f"floor: {len(feeds)} feeds, {len(hits)} brand items")


def cmd_merges(truth_path, db):
    """Vigia's merges against the generator's truth: a false merge is a
    mention whose sightings tell two stories; a missed merge is a story
    stored as two mentions."""
    truth = json.load(open(truth_path))
    told = {}  # mention -> stories
    query = "SELECT id, url FROM mentions UNION ALL SELECT mention_id, url FROM sightings"
    if db.startswith("postgres://"):
        import subprocess
        out = subprocess.run(["psql", db, "-At", "-F", "\t", "-c", query],
                             check=True, capture_output=True, text=True).stdout
        rows = [(int(m), url) for m, url in (l.split("\t", 1) for l in out.splitlines())]
    else:
        import sqlite3
        rows = sqlite3.connect(db).execute(query).fetchall()
    for mention, url in rows:
        if url in truth:
            told.setdefault(mention, set()).add(truth[url])
    false_merges = sum(len(stories) - 1 for stories in told.values())
    where = {}
    for mention, stories in told.items():
        for story in stories:
            where.setdefault(story, set()).add(mention)
    missed = sum(len(mentions) - 1 for mentions in where.values())
    print(f"merges vs truth: {false_merges} false, {missed} missed, of {len(where)} stories")


def cpu_ticks(pid, children=False):
    """CPU ticks (user+sys) used so far by process pid, and with children
    those of its children it has reaped."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks + (int(fields[13]) + int(fields[14]) if children else 0)


def cmd_procstat(pid):
    """CPU seconds (user+sys) used so far by process pid."""
    print(cpu_ticks(pid) / os.sysconf("SC_CLK_TCK"))


def cmd_pgstat(datadir):
    """CPU seconds used so far by a PostgreSQL server: its postmaster, the
    backends it has reaped, and its processes alive now."""
    postmaster = int(open(os.path.join(datadir, "postmaster.pid")).readline())
    ticks = cpu_ticks(postmaster, children=True)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == postmaster:
                ticks += int(stat[11]) + int(stat[12])
    print(ticks / os.sysconf("SC_CLK_TCK"))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        cmd_gen(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "serve":
        cmd_serve(args[0], args[1], args[2], args[3] == "1")
    elif cmd == "logcheck":
        cmd_logcheck(*args)
    elif cmd == "r2echeck":
        cmd_r2echeck(*args)
    elif cmd == "vigiacheck":
        cmd_vigiacheck(*args)
    elif cmd == "report":
        cmd_report(*args)
    elif cmd == "procstat":
        cmd_procstat(*args)
    elif cmd == "pgstat":
        cmd_pgstat(*args)
    elif cmd == "floor":
        cmd_floor(*args)
    elif cmd == "merges":
        cmd_merges(*args)
    else:
        raise SystemExit(f"unknown command {cmd}")
