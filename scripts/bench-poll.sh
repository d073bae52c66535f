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

# ------------------------------------------------ python helper (one file)
LIB=$WORK/benchlib.py
cat > "$LIB" <<'PYEOF'
"""Helper for bench-poll.sh: feed generator, feed server, result parsing."""
import email.utils
import gzip
import hashlib
import html
import json
import os
import random
import re
import statistics
import sys
import threading
import unicodedata
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ----------------------------------------------------------------- generator
EN = dict(
    subj=["The city council", "A regional bank", "The national weather service",
          "Local farmers", "A start-up from Austin", "The transport authority",
          "Researchers at the state university", "The health ministry", "Retailers",
          "A group of parents", "The central bank", "Independent developers",
          "The football club", "Hospital staff", "The mayor's office", "Shipping companies"],
    verb=["announced", "rejected", "postponed", "approved", "criticised", "launched",
          "reviewed", "expanded", "questioned", "defended", "cancelled", "tested"],
    obj=["a new budget for public schools", "the plan to widen the ring road",
         "an app for reporting potholes", "higher fees for late payments",
         "a pilot programme for electric buses", "the merger with its main rival",
         "a study on sleep and screen time", "new rules for short-term rentals",
         "a campaign against food waste", "the reopening of the old market hall",
         "a scheme to plant ten thousand trees", "cheaper fares for students"],
    adj=["on Tuesday", "after months of debate", "despite strong opposition",
         "in a surprise move", "ahead of the holidays", "for the second time this year",
         "following complaints from residents", "at a packed press conference"],
    extra=["Critics say the timing is poor.", "Details will be published next week.",
           "The decision takes effect in March.", "Officials did not reply to requests for comment.",
           "Similar measures were tried in 2019 with mixed results.",
           "Analysts expect little change in the short term.",
           "Residents can send feedback until the end of the month.",
           "The full report runs to 140 pages."],
    heads=["{subj} {verb} {obj}", "Why {subj_l} {verb} {obj}", "{subj} {verb} {obj} {adj}",
           "Explainer: {obj}", "Opinion: {obj} is not enough", "Live: {subj} {verb} {obj}"],
    more="Read more", lang="en-us", src="Source", upd="Update: ",
)
PT = dict(
    subj=["A prefeitura", "Um banco regional", "O instituto de meteorologia",
          "A cooperativa de produtores rurais", "Uma startup de Recife", "A companhia de transportes",
          "Um grupo de pesquisadores da universidade federal", "O ministério da saúde",
          "A associação de lojistas", "Um grupo de pais", "O banco central",
          "Uma comunidade de desenvolvedores", "O clube de futebol",
          "O sindicato dos funcionários do hospital", "O governo estadual", "A associação das transportadoras"],
    verb=["anunciou", "rejeitou", "adiou", "aprovou", "criticou", "lançou",
          "revisou", "ampliou", "questionou", "defendeu", "cancelou", "testou"],
    obj=["um novo orçamento para as escolas públicas", "o plano de alargar o anel viário",
         "um aplicativo para denunciar buracos", "multas maiores por atraso",
         "um projeto-piloto de ônibus elétricos", "a fusão com o principal concorrente",
         "um estudo sobre sono e telas", "novas regras para aluguel por temporada",
         "uma campanha contra o desperdício de comida", "a reabertura do mercado municipal",
         "um plano para plantar dez mil árvores", "passagens mais baratas para estudantes"],
    adj=["nesta terça-feira", "depois de meses de debate", "apesar da forte oposição",
         "de forma inesperada", "antes das festas", "pela segunda vez este ano",
         "após reclamações de moradores", "em entrevista coletiva"],
    extra=["Críticos dizem que o momento é ruim.", "Os detalhes saem na próxima semana.",
           "A decisão vale a partir de março.", "A assessoria não respondeu até a publicação.",
           "Medidas parecidas foram testadas em 2019, com resultados mistos.",
           "Analistas não esperam mudanças no curto prazo.",
           "Os moradores podem enviar sugestões até o fim do mês.",
           "O relatório completo tem 140 páginas."],
    heads=["{subj} {verb} {obj}", "Por que {subj_l} {verb} {obj}", "{subj} {verb} {obj} {adj}",
           "Entenda: {obj}", "Opinião: {obj} não basta", "Ao vivo: {subj} {verb} {obj}"],
    more="Leia mais", lang="pt-br", src="Fonte", upd="Atualização: ",
)
LUMORA_EN = [
    ("Lumora recalls {n} Halo A19 bulbs after overheating reports",
     ["Lumora said on {day} that it is recalling about {n} Halo A19 smart bulbs sold since spring.",
      "Owners reported that the bulbs became hot to the touch after several hours.",
      "The company will replace affected units free of charge and has opened a support page.",
      "Regulators said they were aware of the issue."]),
    ("Review: Lumora's Halo Mini is bright, cheap and a little fussy",
     ["The Halo Mini is Lumora's smallest lamp yet and costs {n} dollars.",
      "Setup through the app took us three attempts, but colours are accurate.",
      "Battery life was close to the advertised eleven hours.",
      "If you already own a Halo A19, the Mini pairs in seconds."]),
    ("Lumora opens its first European warehouse",
     ["Smart-lighting maker Lumora will open a warehouse near {city} with {n} jobs.",
      "Deliveries to customers in the region should drop from a week to two days.",
      "The firm did not say how much it is investing.",
      "Lumora sold more than a million bulbs last year."]),
    ("Customers complain about slow Lumora support",
     ["Dozens of customers told us they waited more than {n} days for an answer from Lumora.",
      "Most complaints concern the Halo A19 losing its Wi-Fi connection.",
      "A spokesperson said the company is hiring more support staff.",
      "A firmware update is promised for {day}."]),
]
LUMORA_PT = [
    ("Lumora faz recall de {n} lâmpadas Halo A19 por superaquecimento",
     ["A Lumora informou na {day} que vai recolher cerca de {n} lâmpadas inteligentes Halo A19.",
      "Consumidores relataram que as lâmpadas esquentavam demais depois de algumas horas.",
      "A empresa vai trocar as unidades afetadas sem custo.",
      "O Procon disse que acompanha o caso."]),
    ("Clientes reclamam de atraso na entrega da Lumora",
     ["Clientes da Lumora relatam atrasos de até {n} dias na entrega de pedidos feitos pelo site.",
      "Segundo a empresa, a alta demanda pela Halo Mini causou o problema.",
      "A Lumora promete normalizar as entregas até {day}.",
      "Quem quiser pode cancelar o pedido e receber o reembolso integral."]),
    ("Lumora abre centro de distribuição em {city}",
     ["A fabricante de iluminação inteligente Lumora vai abrir um centro de distribuição em {city}.",
      "Serão criadas {n} vagas diretas, segundo a empresa.",
      "O prazo de entrega na região deve cair para dois dias.",
      "A Lumora não revelou o valor do investimento."]),
]
CITIES = ["Porto", "Lisboa", "Campinas", "Curitiba", "Rotterdam", "Leipzig", "Lyon", "Braga"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
DIAS = ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"]
SITE_A = ["daily", "metro", "north", "city", "valley", "coast", "global", "tech", "market", "river"]
SITE_B = ["herald", "ledger", "post", "wire", "journal", "gazette", "times", "notícias", "diário", "observer"]
BASE_DATE = datetime(2025, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
BRAND_RE = re.compile(r"\b(lumora|halo a19)\b", re.I)


def slug(text):
    text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return s[:60] or "item"


def ordinary_item(rng, L):
    subj, verb, obj, adj = (rng.choice(L[k]) for k in ("subj", "verb", "obj", "adj"))
    title = rng.choice(L["heads"]).format(subj=subj, subj_l=subj[0].lower() + subj[1:],
                                          verb=verb, obj=obj, adj=adj)
    sents = [f"{subj} {verb} {obj} {adj}."]
    for _ in range(rng.randint(1, 3)):
        s2, v2, o2 = rng.choice(L["subj"]), rng.choice(L["verb"]), rng.choice(L["obj"])
        sents.append(rng.choice([f"{s2} {v2} {o2}.", rng.choice(L["extra"])]))
    return title, sents


def lumora_story(rng, pt):
    """A story about the brand: a headline and one or two sentences from a
    template, mixed with ordinary sentences so that two stories built from
    the same template are still different texts (2-4 sentences in all)."""
    L = PT if pt else EN
    title, sents = rng.choice(LUMORA_PT if pt else LUMORA_EN)
    fill = dict(n=rng.randint(2, 90) * (1000 if "recall" in title else 1),
                city=rng.choice(CITIES), day=rng.choice(DIAS if pt else DAYS))
    lead = rng.choice([s for s in sents if BRAND_RE.search(s)])
    brand = [lead] + rng.sample([s for s in sents if s != lead], rng.randint(0, 1))
    brand = [s.format(**fill) for s in brand]
    other = [f"{rng.choice(L['subj'])} {rng.choice(L['verb'])} {rng.choice(L['obj'])} "
             f"{rng.choice(L['adj'])}." for _ in range(rng.randint(1, 2))]
    body = brand[:1] + other + brand[1:]
    if rng.random() < 0.3:  # some stories name the brand only in the text
        title = ordinary_item(rng, L)[0]
    return title.format(**fill), body


def render_summary(rng, sents, L, link):
    parts = []
    for i, s in enumerate(sents):
        if i == 0 and rng.random() < 0.5:
            w = s.split(" ", 2)
            s = f"<b>{html.escape(' '.join(w[:2]))}</b> {html.escape(' '.join(w[2:]))}"
        else:
            s = html.escape(s)
        parts.append(s)
    body = "<p>" + " ".join(parts) + "</p>"
    return body + f'<p><a href="{html.escape(link)}">{L["more"]} &raquo;</a></p>'


def cmd_gen(outdir, n, items, seed):
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    rate = float(os.environ.get("MENTION_RATE", "0.05"))
    total_mentions = max(1, round(n * items * rate))
    # Two distinct stories never have the same text: the templates and
    # filler are few, and a story drawn twice word for word would be one
    # story to any reader, yet counted as two in the truth.
    told = set()

    def new_story(pt):
        while True:
            title, sents = lumora_story(rng, pt)
            if (title, tuple(sents)) not in told:
                told.add((title, tuple(sents)))
                return title, sents

    pool = []  # syndicated stories: (pt, title, sents)
    for _ in range(max(3, total_mentions // 6)):
        pt = rng.random() < 0.4
        pool.append((pt,) + new_story(pt))
    index, stats = {}, dict(feeds=n, items=0, brand_items=0, syndicated_copies=0,
                            unique_brand_stories=0, decoys=0)
    used_pool = set()
    truth = {}  # link of each brand item -> the story it tells
    for f in range(1, n + 1):
        name = f"f{f:05d}"
        pt_feed = rng.random() < 0.4
        L = PT if pt_feed else EN
        site = f"{rng.choice(SITE_A)}-{rng.choice(SITE_B)}"
        domain = f"{slug(site)}{f}.example"
        t = BASE_DATE - timedelta(minutes=rng.randint(0, 600))
        out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n<channel>\n'
               f"<title>{html.escape(site.title())}</title>\n<link>https://{domain}/</link>\n"
               f"<description>{html.escape(site.title())} ({name})</description>\n"
               f"<language>{L['lang']}</language>\n"
               f"<lastBuildDate>{email.utils.format_datetime(t, usegmt=True)}</lastBuildDate>\n"]
        newest = t
        cdata = rng.random() < 0.5
        for i in range(1, items + 1):
            r = rng.random()
            L_item = L if rng.random() < 0.85 else (EN if pt_feed else PT)
            if r < rate / 2:
                k = rng.randrange(len(pool))
                pt, title, sents = pool[k]
                L_item = PT if pt else EN
                story = f"pool{k}"
                if k in used_pool:
                    stats["syndicated_copies"] += 1
                else:
                    used_pool.add(k)
                    stats["unique_brand_stories"] += 1
                sents = sents + [f"{L_item['src']}: {site.title()}."]
                if rng.random() < 0.3:
                    title = L_item["upd"] + title
            elif r < rate:
                pt = L_item is PT
                title, sents = new_story(pt)
                stats["unique_brand_stories"] += 1
                story = f"{name}-{i}"
            else:
                title, sents = ordinary_item(rng, L_item)
                if rng.random() < 0.005:
                    sents = sents + ["Tourists keep flocking to Lumoraville this winter."]
                    stats["decoys"] += 1
            if BRAND_RE.search(title + " " + " ".join(sents)):
                stats["brand_items"] += 1
            t = t - timedelta(minutes=rng.randint(5, 240))
            link = f"https://{domain}/{t:%Y/%m}/{slug(title)}-{f}-{i}"
            if r < rate:
                truth[link] = story
            summary = render_summary(rng, sents, L_item, link)
            desc = f"<![CDATA[{summary}]]>" if cdata else html.escape(summary, quote=False)
            out.append(f"<item>\n<title>{html.escape(title, quote=False)}</title>\n"
                       f"<link>{html.escape(link)}</link>\n"
                       f'<guid isPermaLink="false">urn:vigia-bench:{name}:{i:04d}</guid>\n'
                       f"<pubDate>{email.utils.format_datetime(t, usegmt=True)}</pubDate>\n"
                       f"<description>{desc}</description>\n</item>\n")
            stats["items"] += 1
        out.append("</channel>\n</rss>\n")
        with open(os.path.join(outdir, name + ".xml"), "w", encoding="utf-8") as fh:
            fh.write("".join(out))
        index[name] = email.utils.format_datetime(newest, usegmt=True)
    with open(os.path.join(outdir, "index.json"), "w") as fh:
        json.dump(index, fh)
    with open(os.path.join(outdir, "truth.json"), "w") as fh:
        json.dump(truth, fh)
    with open(os.path.join(outdir, "stats.json"), "w") as fh:
        json.dump(stats, fh)
    print(json.dumps(stats))


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
    import sqlite3
    truth = json.load(open(truth_path))
    con = sqlite3.connect(db)
    told = {}  # mention -> stories
    rows = con.execute("SELECT id, url FROM mentions").fetchall()
    rows += con.execute("SELECT mention_id, url FROM sightings").fetchall()
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


def cmd_procstat(pid):
    """CPU seconds (user+sys) used so far by process pid."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    print((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))


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
    elif cmd == "floor":
        cmd_floor(*args)
    elif cmd == "merges":
        cmd_merges(*args)
    else:
        raise SystemExit(f"unknown command {cmd}")
PYEOF

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

# ------------------------------------------------------------ configs
mkdir -p "$WORK/vigia" "$WORK/r2e/data" "$WORK/r2e/run"
VCFG=$WORK/vigia/vigia.toml
{
    printf '# generated by bench-poll.sh\n[storage]\npath = "vigia.db"\n\n'
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
        say "  vigia: $note"
        if [[ $pass == first ]]; then
            # Measured, not a check: false and missed merges are figures.
            local merges
            if merges=$("$PY" "$LIB" merges "$WORK/www/truth.json" "$WORK/vigia/vigia.db" 2>&1); then
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
    rm -f "$WORK/vigia/vigia.db"*          # fresh DB: first pass sees everything as new
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
TEXT="$N feeds x $ITEMS items (seed $SEED; {brand_items} items mention Lumora: {unique_brand_stories} distinct stories + {syndicated_copies} syndicated copies), served from 127.0.0.1 by a threaded Python server (ETag + Last-Modified, gzip=$GZIP). $VVER with [http] max_concurrency = $VIGIA_CONCURRENCY and per_host_concurrency = $VIGIA_PER_HOST (raised from the default 2 because every bench feed is on 127.0.0.1); $RVER run --no-send (sequential by design). First pass = empty state, unconditional GETs; second pass = same state, conditional GETs. Machine: $(nproc) CPUs${CPU_MODEL:+ ($CPU_MODEL)}, load average $LOAD before the passes. 'server CPU s' is the feed server's CPU time during the pass."
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
