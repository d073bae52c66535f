#!/usr/bin/env bash
# bench-dedupe.sh: what storing many new mentions of one brand costs, where
# every new candidate is checked against the brand's recent mentions for a
# near duplicate.
#
#   scripts/bench-dedupe.sh                   # N=1000 feeds x ITEMS=20, all about the brand
#   N=4000 VIGIA_BIN=/path/to/vigia scripts/bench-dedupe.sh
#
# Generates N local RSS files of ITEMS distinct brand items each (made-up
# words, so that no two are near duplicates), polls them once with
# `vigia poll --once` into a fresh database and prints the CPU seconds, the
# peak memory and the mentions stored. Run it at two sizes: a cost that
# grows faster than the mentions is the quadratic scan this guards against.
set -euo pipefail

N=${N:-1000}
ITEMS=${ITEMS:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${VIGIA_BIN:-} ]]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    VIGIA_BIN=$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/vigia
fi
[[ -x /usr/bin/time ]] || { echo "bench-dedupe: GNU time is missing: apt-get install time" >&2; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR" "$N" "$ITEMS" <<'EOF'
import hashlib, sys
d, n, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
syl = "ka lo mi ren tu sa vel no pri da gor fe lin bo zu ter ma qui sol har ne cas vi om".split()
def words(key, k):
    h = hashlib.sha256(key.encode()).digest()
    return " ".join(syl[h[i] % len(syl)] + syl[h[i + 1] % len(syl)] for i in range(0, 2 * k, 2))
config = ['[storage]\npath = "v.db"\n\n[http]\nmax_concurrency = 32\n\n'
          '[[brand]]\nname = "Lumora"\nqueries = ["Lumora"]\n']
for f in range(n):
    body = "".join(
        f"<item><title>Lumora {words(f'{f}#{i}#t', 4)}</title><link>https://news.example/{f}/{i}</link>"
        f"<guid>{f}/{i}</guid><description>Lumora {words(f'{f}#{i}', 16)}</description></item>"
        for i in range(items))
    open(f"{d}/{f}.xml", "w").write(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{f}</title>{body}</channel></rss>')
    config.append(f'\n[[feed]]\nname = "f{f}"\nurl = "file:{f}.xml"\n')
open(f"{d}/vigia.toml", "w").write("".join(config))
EOF
/usr/bin/time -f "%U %S %M" -o "$DIR/time" "$VIGIA_BIN" --config "$DIR/vigia.toml" poll --once --quiet >/dev/null
read -r user sys rss <"$DIR/time"
mentions=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from mentions').fetchone()[0])" "$DIR/v.db")
python3 -c "print(f'feeds $N x $ITEMS items: {$user + $sys:.2f} CPU s, {$rss / 1024:.0f} MiB peak, $mentions mentions')"
