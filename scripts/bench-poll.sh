#!/usr/bin/env bash
# bench-poll.sh: time one Vigia polling pass against rss2email (r2e) on the
# same synthetic feeds, served from 127.0.0.1.
#
#   scripts/bench-poll.sh                     # N=2000 feeds x ITEMS=20 items
#   N=200 ITEMS=10 OUT=bench.md scripts/bench-poll.sh
#
# What it does:
#   1. generates N deterministic RSS 2.0 feeds (English/Portuguese-ish items,
#      HTML summaries, unique guid/link/pubDate; ~5% of items mention the
#      brand "Lumora" (or its product "Halo A19"); about a third of those are
#      syndicated copies of one story under different URLs, with a different
#      footer and sometimes an "Update: " title prefix),
#   2. serves them from memory on a free 127.0.0.1 port (threaded Python
#      server, ETag + Last-Modified, 304 on If-None-Match/If-Modified-Since),
#   3. times with /usr/bin/time -v: vigia first pass (fresh DB), vigia second
#      pass (conditional GETs), r2e first pass (fresh state, run --no-send),
#      r2e second pass; checks in the server log that every pass fetched all
#      N feeds (all 200 on the first pass, all 304 on the second) and in the
#      tools' own output that nothing failed,
#   4. compares Vigia's merges with the generator's truth (which story each
#      brand item tells): false merges (one mention, two stories) and missed
#      ones (one story, two mentions) are reported, not failed on,
#   5. times the floor: the simplest program that fetches the same feeds
#      (32 threads, conditional GETs), parses them with expat, finds the
#      brand with a regex and inserts each hit into SQLite once,
#   6. prints a results table, the r2e/vigia ratios and vigia/floor (and
#      writes them as Markdown to $OUT if set).
#
# Environment:
#   N=2000 ITEMS=20        feeds, items per feed
#   SEED=42                generator seed
#   OUT=                   also write the Markdown results here
#   KEEP=1                 keep the scratch dir (feeds, configs, logs, DBs)
#   RUNS=1                 repeat all four passes RUNS times (fresh state for
#                          each first pass) and report medians
#   VIGIA_CONCURRENCY=32   [http] max_concurrency for vigia (its default)
#   VIGIA_PER_HOST=        [http] per_host_concurrency (default: =VIGIA_CONCURRENCY;
#                          all bench feeds share one host, so the default of 2
#                          would serialise vigia)
#   GZIP=0                 1: serve gzip to clients that accept it
#   MENTION_RATE=0.05      share of items that mention the brand (about a
#                          third of them syndicated copies of one story)
#   VIGIA_BIN=             use this binary, skip the cargo build check
#   VIGIA_ROOT=            repo root (default: the parent of this script's dir)
#   PYTHON=                python3 to use for the generator and server
#   STORE=sqlite           postgres: vigia stores into a PostgreSQL server
#                          started for the run (Debian's postgresql: initdb and
#                          pg_ctl in the scratch dir, a Unix socket, default
#                          durability: each commit flushed), a fresh database
#                          for each first pass
#
# Exit status: 0 when every check passed, 1 otherwise (the table is still
# printed when the passes ran).
set -euo pipefail

die() { printf 'bench-poll: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'bench-poll: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- settings
N=${N:-2000}
ITEMS=${ITEMS:-20}
SEED=${SEED:-42}
OUT=${OUT:-}
KEEP=${KEEP:-0}
RUNS=${RUNS:-1}
GZIP=${GZIP:-0}
VIGIA_CONCURRENCY=${VIGIA_CONCURRENCY:-32}
VIGIA_PER_HOST=${VIGIA_PER_HOST:-$VIGIA_CONCURRENCY}
for v in N ITEMS SEED RUNS VIGIA_CONCURRENCY VIGIA_PER_HOST; do
    [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || die "$v must be a positive integer (got '${!v}')"
done
((N <= 99999)) || die "N must be at most 99999"
((VIGIA_CONCURRENCY <= 10000 && VIGIA_PER_HOST <= 10000)) || die "vigia accepts concurrency 1..10000"
[[ $GZIP == 0 || $GZIP == 1 ]] || die "GZIP must be 0 or 1"
STORE=${STORE:-sqlite}
[[ $STORE == sqlite || $STORE == postgres ]] || die "STORE must be sqlite or postgres"

# ------------------------------------------------------------ prerequisites
# Install the peer and GNU time when missing (Debian packages).
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
command -v r2e >/dev/null 2>&1 || missing+=(rss2email)
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    sudo_cmd=""; [[ $(id -u) -eq 0 ]] || sudo_cmd=sudo
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null \
        || { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null; } \
        || die "could not install ${missing[*]}: apt-get install ${missing[*]}"
fi
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
/usr/bin/time -v "$BASH" -c : >/dev/null 2>&1 || die "/usr/bin/time does not support -v (need GNU time): apt-get install time"
command -v r2e >/dev/null 2>&1 || die "r2e (rss2email) is missing: apt-get install rss2email"
if [[ -n ${PYTHON:-} ]]; then
    PY=$PYTHON
elif command -v python3 >/dev/null 2>&1; then
    PY=$(command -v python3)
elif [[ -x /usr/bin/python3 ]]; then
    PY=/usr/bin/python3
else
    die "python3 is missing: apt-get install python3"
fi
"$PY" -c 'import sys; assert sys.version_info >= (3, 8)' 2>/dev/null || die "$PY is not Python >= 3.8"

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
if [[ -n ${VIGIA_BIN:-} ]]; then
    [[ -x $VIGIA_BIN ]] || die "VIGIA_BIN=$VIGIA_BIN is not an executable"
    VIGIA=$VIGIA_BIN
else
    ROOT=${VIGIA_ROOT:-$(cd -- "$SCRIPT_DIR/.." && pwd -P)}
    grep -qs '^name = "vigia"' "$ROOT/Cargo.toml" ||
        die "$ROOT is not the vigia repo (no Cargo.toml with name = \"vigia\"); run this as scripts/bench-poll.sh, or set VIGIA_ROOT or VIGIA_BIN"
    VIGIA=${CARGO_TARGET_DIR:-$ROOT/target}/release/vigia
    [[ $VIGIA == /* ]] || VIGIA=$ROOT/$VIGIA
    stale=
    if [[ ! -x $VIGIA ]]; then
        stale="$VIGIA does not exist"
    else
        newer=$(cd "$ROOT" && find Cargo.toml Cargo.lock build.rs src -newer "$VIGIA" -type f -print -quit 2>/dev/null || true)
        [[ -z $newer ]] || stale="$newer is newer than $VIGIA"
    fi
    if [[ -n $stale ]]; then
        command -v cargo >/dev/null 2>&1 || die "$stale and cargo is not on PATH"
        say "$stale: running cargo build --release in $ROOT"
        (cd "$ROOT" && cargo build --release --bin vigia) >&2 || die "cargo build --release failed"
        [[ -x $VIGIA ]] || die "cargo build succeeded but $VIGIA is missing"
    fi
fi

# Everything is on 127.0.0.1: keep proxies out of it (reqwest and urllib both
# honour the *_proxy variables).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

# ------------------------------------------------------------- scratch dir
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigia-bench.XXXXXX")
SERVER_PID=
CHILD=
cleanup() {
    local rc=$?
    if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then
        # the timed tool runs under /usr/bin/time: stop the tool, then time
        pkill -TERM -P "$CHILD" 2>/dev/null || true
        kill "$CHILD" 2>/dev/null || true
        wait "$CHILD" 2>/dev/null || true
    fi
    if [[ -s $WORK/pg/data/postmaster.pid ]]; then
        "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $KEEP == 1 ]]; then
        say "kept scratch dir $WORK"
    else
        rm -rf -- "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------ python helpers
LIB=$SCRIPT_DIR/bench/benchlib.py

# ----------------------------------------------------------- 1. generate
say "generating $N feeds x $ITEMS items (seed $SEED) in $WORK/www"
GEN_STATS=$("$PY" "$LIB" gen "$WORK/www" "$N" "$ITEMS" "$SEED") || die "feed generator failed"
say "generator: $GEN_STATS"

# -------------------------------------------------------------- 2. serve
LOG=$WORK/server.log
: > "$LOG"
"$PY" "$LIB" serve "$WORK/www" "$WORK/port" "$LOG" "$GZIP" 2> "$WORK/server.stderr" &
SERVER_PID=$!
for _ in $(seq 1 300); do
    [[ -s $WORK/port ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "feed server died: $(tail -n 5 "$WORK/server.stderr")"
    sleep 0.1
done
[[ -s $WORK/port ]] || die "feed server did not start within 30 s"
PORT=$(cat "$WORK/port")
BASE=http://127.0.0.1:$PORT
say "serving on $BASE (pid $SERVER_PID, gzip=$GZIP)"

# ------------------------------------------------------------ the store
STORAGE='path = "vigia.db"'
DB=$WORK/vigia/vigia.db
AS_PG=()
if [[ $STORE == postgres ]]; then
    PGBIN=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)
    [[ -x $PGBIN/initdb ]] || die "STORE=postgres needs Debian's postgresql package"
    mkdir -p "$WORK/pg"
    if ((EUID == 0)); then
        chown postgres "$WORK" "$WORK/pg"   # PostgreSQL refuses to run as root
        AS_PG=(runuser -u postgres --)
    fi
    "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pg/data" -A trust -U vigia -E UTF8 --locale=C \
        --no-instructions > "$WORK/pg/initdb.log" || die "initdb failed"
    "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
        -o "-k $WORK/pg -c listen_addresses=''" start > /dev/null || die "PostgreSQL did not start"
    DB="postgres://vigia@localhost/bench?host=$WORK/pg&sslmode=disable"
    STORAGE="url = \"$DB\""
    say "PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }') on $WORK/pg"
fi

# fresh_store: an empty store, so that a first pass sees everything as new
fresh_store() {
    if [[ $STORE == postgres ]]; then
        psql -h "$WORK/pg" -U vigia -d postgres -q -c 'DROP DATABASE IF EXISTS bench' \
            -c 'CREATE DATABASE bench' || die "cannot make a fresh database"
    else
        rm -f "$WORK/vigia/vigia.db"*
    fi
}

# ------------------------------------------------------------ configs
mkdir -p "$WORK/vigia" "$WORK/r2e/data" "$WORK/r2e/run"
VCFG=$WORK/vigia/vigia.toml
{
    printf '# generated by bench-poll.sh\n[storage]\n%s\n\n' "$STORAGE"
    printf '[http]\nmax_concurrency = %d\n' "$VIGIA_CONCURRENCY"
    printf '# all bench feeds are on 127.0.0.1, so raise the per-host cap (default 2)\n'
    printf 'per_host_concurrency = %d\n\n' "$VIGIA_PER_HOST"
    printf '[[brand]]\nname = "Lumora"\nqueries = ['"'"'Lumora'"'"', '"'"'"Halo A19"'"'"']\n'
    for ((i = 1; i <= N; i++)); do
        printf '\n[[feed]]\nname = "f%05d"\nurl = "%s/f%05d.xml"\n' "$i" "$BASE" "$i"
    done
} > "$VCFG"

RCFG=$WORK/r2e/r2e.cfg
{
    printf '[DEFAULT]\n'
    printf 'to = bench@example.invalid\n'      # required, else r2e skips every feed
    printf 'from = r2e@example.invalid\n'
    printf 'email-protocol = sendmail\n'
    printf 'sendmail = /bin/true\n'            # safety net; --no-send never calls it
    printf 'feed-timeout = 60\n'
    printf 'same-server-fetch-interval = 0\n'
    printf 'verbose = warning\n'
    for ((i = 1; i <= N; i++)); do
        printf '\n[feed.f%05d]\nurl = %s/f%05d.xml\n' "$i" "$BASE" "$i"
    done
} > "$RCFG.orig"
RDATA=$WORK/r2e/data/r2e.json

# ------------------------------------------------------------- 3. passes
FAILURES=()
RESULTS=$WORK/results.tsv
: > "$RESULTS"

# run_pass TOOL PASS EXPECT_STATUS CMD...: time one pass, check the server log
run_pass() {
    local tool=$1 pass=$2 expect=$3; shift 3
    local tag=$tool-$pass-$RUN before after srv0 srv1 rc=0 httpsum note="" nfail=${#FAILURES[@]}
    say "$tool $pass pass: $*"
    before=$(wc -l < "$LOG")
    srv0=$("$PY" "$LIB" procstat "$SERVER_PID")
    local pg0=
    [[ $STORE == postgres && $tool == vigia ]] && pg0=$("$PY" "$LIB" pgstat "$WORK/pg/data")
    # in the background + wait, so that INT/TERM reach the trap at once
    /usr/bin/time -v -o "$WORK/$tag.time" "$@" > "$WORK/$tag.out" 2> "$WORK/$tag.err" < /dev/null &
    CHILD=$!
    # The most threads the tool (the child of `time`) ran at once, sampled.
    local threads=0 pid count
    while kill -0 "$CHILD" 2>/dev/null; do
        for pid in $(pgrep -P "$CHILD"); do
            count=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
            ((${count:-0} > threads)) && threads=$count
        done
        sleep 0.02
    done
    wait "$CHILD" || rc=$?
    CHILD=
    srv1=$("$PY" "$LIB" procstat "$SERVER_PID")
    after=$(wc -l < "$LOG")
    kill -0 "$SERVER_PID" 2>/dev/null || die "feed server died during $tool $pass pass"
    if ((rc != 0)); then
        FAILURES+=("$tool $pass pass exited with status $rc")
        say "$tool exited with status $rc; stdout and stderr tails:"
        tail -n 20 "$WORK/$tag.out" "$WORK/$tag.err" >&2 || true
    fi
    local check
    if check=$("$PY" "$LIB" logcheck "$LOG" "$before" "$after" "$N" "$expect"); then :; else
        FAILURES+=("$tool $pass pass, server log: $(grep '^CHECK' <<<"$check" | tr '\n' ' ')")
    fi
    httpsum=$(head -n 1 <<<"$check" | sed -E 's/^([0-9]+) requests \(([^)]*)\).*/\2/')
    say "  server: $(head -n 1 <<<"$check")"
    if [[ $tool == vigia ]]; then
        note=$(grep -m 1 '^Polled ' "$WORK/$tag.out" || echo "(no summary line)")
        if check=$("$PY" "$LIB" vigiacheck "$WORK/$tag.out" "$N" "$ITEMS" "$([[ $pass == first ]] && echo 1 || echo 0)"); then :; else
            FAILURES+=("vigia $pass pass: $(grep '^CHECK' <<<"$check" | tr '\n' ' ')")
            if ((rc == 0)); then
                say "vigia output (tail):"; tail -n 20 "$WORK/$tag.out" "$WORK/$tag.err" >&2 || true
            fi
        fi
        note="$note peak threads $threads."
        if [[ -n $pg0 ]]; then
            sleep 0.5   # the pass's backend is reaped
            note="$note PostgreSQL $(awk -v a="$pg0" -v b="$("$PY" "$LIB" pgstat "$WORK/pg/data")" 'BEGIN { printf "%.2f", b - a }') CPU s."
        fi
        say "  vigia: $note"
        if [[ $pass == first ]]; then
            # Measured, not a check: false and missed merges are figures.
            local merges
            if merges=$("$PY" "$LIB" merges "$WORK/www/truth.json" "$DB" 2>&1); then
                say "  $merges"
                note="$note $merges"
            else
                FAILURES+=("vigia first pass: cannot read its merges: $(tail -n 1 <<<"$merges")")
            fi
        fi
    elif [[ $tool == floor ]]; then
        note=$(tail -n 1 "$WORK/$tag.out")
        say "  $note"
    else
        if check=$("$PY" "$LIB" r2echeck "$RDATA" "$WORK/$tag.err" "$N" "$ITEMS" "$([[ $pass == first ]] && echo 1 || echo 0)"); then :; else
            FAILURES+=("r2e $pass pass: $(grep '^CHECK' <<<"$check" | tr '\n' ' ')")
        fi
        note=$(head -n 1 <<<"$check")
        say "  r2e: $note"
    fi
    ((${#FAILURES[@]} == nfail)) || note="CHECK FAILED: $note"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$pass" "$WORK/$tag.time" \
        "$(awk -v a="$srv0" -v b="$srv1" 'BEGIN { printf "%.2f", b - a }')" "$httpsum" "$note" >> "$RESULTS"
}

LOAD=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo '?')
if awk -v l="$LOAD" -v n="$(nproc)" 'BEGIN { exit !(l + 0 > n / 4) }'; then
    say "warning: load average is $LOAD on $(nproc) CPUs; timings will be noisy"
fi
START=$SECONDS
export XDG_RUNTIME_DIR=$WORK/r2e/run   # r2e's global lock file lives here
for ((RUN = 1; RUN <= RUNS; RUN++)); do
    ((RUNS == 1)) || say "--- run $RUN of $RUNS"
    fresh_store
    run_pass vigia first 200 "$VIGIA" --config "$VCFG" poll --once --quiet
    run_pass vigia second 304 "$VIGIA" --config "$VCFG" poll --once --quiet
    cp "$RCFG.orig" "$RCFG"                 # r2e rewrites its config on every run
    rm -f "$RDATA" "$RDATA.tmp"             # fresh state
    run_pass r2e first 200 r2e -c "$RCFG" -d "$RDATA" run --no-send
    run_pass r2e second 304 r2e -c "$RCFG" -d "$RDATA" run --no-send
    rm -f "$WORK/floor.db"
    run_pass floor first 200 "$PY" "$LIB" floor "$BASE" "$N" "$WORK/floor.db"
    run_pass floor second 304 "$PY" "$LIB" floor "$BASE" "$N" "$WORK/floor.db"
done
say "all passes took $((SECONDS - START)) s"

# ------------------------------------------------------------- 4. report
VVER=$("$VIGIA" --version 2>/dev/null | head -n 1 || echo "vigia (version unknown)")
RVER=$(r2e --version 2>/dev/null | head -n 1 || echo "r2e (version unknown)")
CPU_MODEL=$(grep -m 1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true)
TEXT="$N feeds x $ITEMS items (seed $SEED; {brand_items} items mention Lumora: {unique_brand_stories} distinct stories + {syndicated_copies} syndicated copies), served from 127.0.0.1 by a threaded Python server (ETag + Last-Modified, gzip=$GZIP). $VVER storing into $([[ $STORE == postgres ]] && echo PostgreSQL || echo SQLite) with [http] max_concurrency = $VIGIA_CONCURRENCY and per_host_concurrency = $VIGIA_PER_HOST (raised from the default 2 because every bench feed is on 127.0.0.1); $RVER run --no-send (sequential by design). First pass = empty state, unconditional GETs; second pass = same state, conditional GETs. Machine: $(nproc) CPUs${CPU_MODEL:+ ($CPU_MODEL)}, load average $LOAD before the passes. 'server CPU s' is the feed server's CPU time during the pass."
"$PY" -c 'import json, sys
text = sys.argv[2]
for k, v in json.loads(sys.argv[1]).items():
    text = text.replace("{%s}" % k, str(v))
json.dump({"text": text}, open(sys.argv[3], "w"))' \
    "$GEN_STATS" "$TEXT" "$WORK/meta.json"
"$PY" "$LIB" report "$RESULTS" "$OUT" "$WORK/meta.json"
[[ -z $OUT ]] || say "wrote $OUT"

if ((${#FAILURES[@]})); then
    printf '\nbench-poll: CHECKS FAILED:\n' >&2
    printf '  - %s\n' "${FAILURES[@]}" >&2
    exit 1
fi
say "all checks passed"
