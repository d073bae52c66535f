#!/usr/bin/env bash
# Scores the same texts with Vigia, the Python reference (vaderSentiment
# 3.3.2) and the vader-parity 0.1 crate; checks that the compounds agree
# and prints texts/s and the ratios.
#
#   scripts/bench-sentiment.sh [FILE]     # one text per line
#
# Without FILE: VADER's ground-truth texts (shared/data/sentiment/en) repeated
# REPEAT times (default 10), so that start-up costs vanish in the timing.
# Needs python3 with venv, cargo and the network registries (PyPI,
# crates.io) the first time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
REPEAT=${REPEAT:-10}

if [ $# -ge 1 ]; then
  input=$1
else
  data=${VIGIA_SHARED_DATA:-}
  if [ -z "$data" ]; then
    for dir in "$root/.." "$root/../.." "$root/../../.."; do
      [ -d "$dir/shared/data/sentiment" ] && data=$(cd "$dir/shared/data" && pwd) && break
    done
  fi
  [ -n "$data" ] || { echo "no shared/data beside the checkout: give a FILE or set VIGIA_SHARED_DATA" >&2; exit 1; }
  input=$work/texts.txt
  for _ in $(seq "$REPEAT"); do
    for f in tweets amazon; do tail -n +2 "$data/sentiment/en/$f.tsv" | cut -f7-; done
  done > "$input"
fi
lines=$(wc -l < "$input")
echo "bench-sentiment: $lines texts from $input" >&2

# Vigia: the scoring loop alone (like the others), and the whole command.
(cd "$root" && cargo build --release --quiet --bin vigia --example vader_timing)
# The Python reference, in its own virtualenv.
python3 -m venv "$work/venv" >/dev/null
"$work/venv/bin/pip" install --quiet --disable-pip-version-check vaderSentiment==3.3.2 >/dev/null
cat > "$work/ref.py" <<'PY'
import sys, time
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
a = SentimentIntensityAnalyzer()
texts = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
t = time.perf_counter()
out = ["%.4f" % a.polarity_scores(x)["compound"] for x in texts]
d = time.perf_counter() - t
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print(d)
PY
# vader-parity, in a throw-away crate.
mkdir -p "$work/vp/src"
cat > "$work/vp/Cargo.toml" <<'TOML'
[package]
name = "vp"
version = "0.1.0"
edition = "2021"
[dependencies]
vader-parity = "=0.1.0"
[profile.release]
codegen-units = 1
TOML
cat > "$work/vp/src/main.rs" <<'RS'
use std::io::Write;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).expect("input");
    let texts: Vec<&str> = text.split('\n').collect();
    let texts = &texts[..texts.len() - 1];
    let a = vader_parity::SentimentIntensityAnalyzer::new();
    let t = std::time::Instant::now();
    let out: Vec<f64> = texts.iter().map(|x| a.polarity_scores(x).compound).collect();
    let d = t.elapsed().as_secs_f64();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&args[2]).expect("output"));
    for c in out { writeln!(f, "{c:.4}").expect("write"); }
    println!("{d}");
}
RS
(cd "$work/vp" && CARGO_TARGET_DIR="$work/vp/target" cargo build --release --quiet)

time_of() { # command... ; prints seconds of wall time
  local start end
  start=$(date +%s.%N); "$@"; end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.3f", $2 - $1}'
}
py_s=$("$work/venv/bin/python" "$work/ref.py" "$input" "$work/py.txt")
vp_s=$("$work/vp/target/release/vp" "$input" "$work/vp.txt")
vigia_s=$("$root/target/release/examples/vader_timing" "$input" "$work/vigia.txt")
cli_s=$(time_of sh -c "\"$root/target/release/vigia\" score --language en --format json < \"$input\" > \"$work/cli.json\"")
python3 -c "
import json
v=['%.4f' % json.loads(l)['compound'] for l in open('$work/cli.json')]
open('$work/cli.txt','w').write('\n'.join(v)+'\n')"

agree() { paste -d' ' "$1" "$2" | awk '$1 != $2' | wc -l; }
echo
printf '%-14s %10s %12s %s\n' tool seconds texts/s 'compounds differing from Python'
for t in python:$py_s vader-parity:$vp_s vigia:$vigia_s "vigia-score:$cli_s"; do
  name=${t%%:*}; s=${t#*:}
  case $name in
    python) file=$work/py.txt ;; vader-parity) file=$work/vp.txt ;;
    vigia) file=$work/vigia.txt ;; vigia-score) file=$work/cli.txt ;;
  esac
  printf '%-14s %10.3f %12.0f %s\n' "$name" "$s" "$(echo "$lines $s" | awk '{print $1/$2}')" "$(agree "$work/py.txt" "$file")"
done
echo
echo "$py_s $vp_s $vigia_s" | awk '{printf "vigia vs python: %.1fx   vigia vs vader-parity: %.1fx   vader-parity vs python: %.1fx\n", $1/$3, $2/$3, $1/$2}'
echo "(python, vader-parity and vigia: the scoring loop alone, one core; vigia-score: the whole"
echo " 'vigia score --language en --format json' command, start-up, reading and JSON output included.)"
