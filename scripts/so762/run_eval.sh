#!/usr/bin/env bash
# Score the speechocean762 TRAIN split with elocute and correlate with the expert scores.
#
#   scripts/so762/run_eval.sh [CORPUS] [SCORES] [OUTDIR] [THREADS]
#
# or set SO762_CORPUS, SO762_SCORES, SO762_OUT, SO762_THREADS, SO762_LIMIT (first N utterances),
# PYTHON (an interpreter with numpy; default: .venv/bin/python if present, else python3),
# SO762_CANON_LEXICON=0 (score with SO762_LEXICON as issued instead of the default: a lexicon that puts the corpus's canonical pronunciations first,
# written by make_manifest.py --lexicon-out; see README), ELOCUTE_BIN (a prebuilt binary to use instead of target/release/elocute), SO762_BUILD=0 (skip the build).
# Writes OUTDIR/SPLIT.tsv, OUTDIR/SPLIT.jsonl, OUTDIR/batch.log and OUTDIR/eval.txt, OUTDIR/eval.json.
# SO762_SPLIT=test scores the test split instead (for an independent, held-out measurement with a
# test-split score file as SCORES; never tune anything on it). Default: train.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
corpus="${1:-${SO762_CORPUS:-$repo/../data/so762}}"
scores="${2:-${SO762_SCORES:-$repo/../shared/data/so762/train-scores.json}}"
out="${3:-${SO762_OUT:-$repo/target/so762}}"
threads="${4:-${SO762_THREADS:-2}}"
limit="${SO762_LIMIT:-}"
split="${SO762_SPLIT:-train}"
lexicon="${SO762_LEXICON:-$(dirname "$scores")/lexicon.txt}"
config="${SO762_CONFIG:-{\"GradingSystem\":\"HundredMark\"\}}"
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x "$repo/.venv/bin/python" ]] && "$repo/.venv/bin/python" -c 'import numpy' 2>/dev/null; then
    PYTHON="$repo/.venv/bin/python"
  else
    PYTHON=python3
  fi
fi
"$PYTHON" -c 'import numpy' 2>/dev/null || {
  echo "run_eval.sh: $PYTHON lacks numpy: pip install -r $here/requirements.txt" >&2; exit 2; }

mkdir -p "$out"
bin="${ELOCUTE_BIN:-$repo/target/release/elocute}"
if [[ "${SO762_BUILD:-1}" != 0 && -z "${ELOCUTE_BIN:-}" ]]; then
  echo "== build" >&2
  (cd "$repo" && cargo build --release -p elocute-cli)
fi

echo "== manifest" >&2
canon=()
if [[ "${SO762_CANON_LEXICON:-1}" != 0 ]]; then
  canon=(--lexicon-out "$out/canonical-lexicon.txt")
  lexicon="$out/canonical-lexicon.txt"
fi
"$PYTHON" "$here/make_manifest.py" --corpus "$corpus" --split "$split" --out "$out/$split.tsv" \
  ${limit:+--limit "$limit"} "${canon[@]}"

echo "== batch ($threads threads)" >&2
set +e
"$bin" batch "$out/$split.tsv" --output "$out/$split.jsonl" \
  --lexicon "$lexicon" --config "$config" --threads "$threads" 2> >(tee "$out/batch.log" >&2)
rc=$?
set -e
# Exit code 3 means some items failed; they are counted by the evaluation.
if [[ $rc -ne 0 && $rc -ne 3 ]]; then echo "run_eval.sh: elocute batch failed ($rc)" >&2; exit $rc; fi

echo "== evaluate" >&2
"$PYTHON" "$here/evaluate.py" --results "$out/$split.jsonl" --scores "$scores" | tee "$out/eval.txt"
"$PYTHON" "$here/evaluate.py" --results "$out/$split.jsonl" --scores "$scores" --json > "$out/eval.json"
