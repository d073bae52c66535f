#!/usr/bin/env bash
# Evaluates Vigia against the project's shared evaluation data (licensed
# for evaluation only, so it never enters the repository):
#
#   scripts/eval.sh DATA_DIR     # the folder holding sentiment/ and alerts/
#
# Prints each figure (VADER exactness and agreement with human raters on
# its ground truth, Portuguese accuracy and ROC AUC on book reviews, the
# results of real Google Alerts mails) and exits 1 when one falls under its
# floor. `.ci/run` runs it with ../shared/data after the test suite.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: scripts/eval.sh DATA_DIR" >&2
  exit 2
fi
data=$(cd "$1" 2>/dev/null && pwd) || { echo "eval: no folder $1" >&2; exit 2; }
for need in sentiment/en/tweets.tsv sentiment/en/amazon.tsv sentiment/pt/books.tsv alerts/alerts.eml; do
  [ -f "$data/$need" ] || { echo "eval: $data/$need is missing: is $1 the shared evaluation data?" >&2; exit 2; }
done
cd "$(dirname "$0")/.."
cargo run --quiet --locked --example eval -- "$data"
