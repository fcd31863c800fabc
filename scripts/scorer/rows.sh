#!/usr/bin/env bash
# The feature rows a learned scorer trains on, shared by run_all.sh and heldout.sh:
#
#   scripts/scorer/rows.sh MODEL_DIR DATA
#
# 1. prepare.py: the manifests in DATA (so762 train, wrong-text pairs, native TTS readings when
#    TTS_MANIFEST exists, swapped-word rows, AUGMENT noisy or reverberant copies) and the
#    canonical-first lexicon, then DATA/all.tsv, their concatenation
# 2. elocute features over all.tsv with MODEL_DIR's acoustic model -> DATA/features.jsonl
#
# Environment as for run_all.sh: SO762_CORPUS, TTS_MANIFEST, AUGMENT (2500), PREPARE_ARGS, THREADS (2).
# Needs .venv-train (scripts/train/setup_train.sh); builds the release CLI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
model="$1"
data="$2"
corpus="${SO762_CORPUS:-$repo/../data/so762}"
tts="${TTS_MANIFEST:-/work/data/tts/manifest.tsv}"
threads="${THREADS:-2}"
py="$repo/.venv-train/bin/python"
[ -x "$py" ] || "$repo/scripts/train/setup_train.sh"
(cd "$repo" && cargo build --release -p elocute-cli)
mkdir -p "$data"
tts_arg=()
[ -f "$tts" ] && tts_arg=(--tts "$tts")
# shellcheck disable=SC2086  # PREPARE_ARGS is a list of options
"$py" "$here/prepare.py" --corpus "$corpus" --out "$data" "${tts_arg[@]}" --augment "${AUGMENT:-2500}" ${PREPARE_ARGS:-}
cat "$data/so762.tsv" "$data/mismatch.tsv" $([ -f "$data/tts.tsv" ] && echo "$data/tts.tsv") \
  $([ -f "$data/subst.tsv" ] && echo "$data/subst.tsv") $([ -f "$data/aug.tsv" ] && echo "$data/aug.tsv") > "$data/all.tsv"
# --no-scorer: the rows must not depend on a scorer already in the folder (they never do; this is explicit).
"$repo/target/release/elocute" features "$data/all.tsv" --output "$data/features.jsonl" \
  --model "$model" --lexicon "$data/lexicon.txt" --threads "$threads" --no-scorer
