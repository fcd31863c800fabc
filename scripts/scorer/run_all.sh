#!/usr/bin/env bash
# Rebuild a model folder's learned scorer from speechocean762 TRAIN (never the test split):
#
#   scripts/scorer/run_all.sh [MODEL_DIR]      # default models/elocute-nn-v6 (the default model)
#
# 1. rows.sh: prepare.py's manifests (so762 train, 600 wrong-text pairs, 800 native TTS readings if
#    /work/data/tts exists, see scripts/train/gen_tts.py; swapped-word rows; 2,500 so762 readings
#    copied into a noisy or reverberant room) and the canonical-first lexicon
# 2. rows.sh: elocute features, the per-phone feature rows with MODEL_DIR's acoustic model
# 3. train.py --cv 5: speaker-disjoint 5-fold cross-validation, printed and saved as JSON
# 4. train.py --export MODEL_DIR: the final scorer on all rows -> MODEL_DIR/scorer.onnx, scorer.json
#
# About 55 minutes on 2 cores for nn-v4 (rows 3 min, CV 43, export 9; session 14); nn-v6's export step 10 min (session 16).
#
# Environment: SO762_CORPUS (default ../data/so762), SO762_SCORES (train-scores.json),
# TTS_MANIFEST (default /work/data/tts/manifest.tsv; skipped when absent), DATA (work folder,
# default ../data/scorer/<model name>), EPOCHS (15), ENSEMBLE (3: K scorers trained from different
# seeds, averaged in one graph; nn-v4's since session 13, nn-v5's and nn-v6's, 1 before and for the other models' scorers), SWAPPED_WEIGHT (2: the loss
# weight of the phone a swapped-word row lacks; 1 before session 12), THREADS (2), CV (5; 0 skips it), SPLIT_JSON
# (the neural models' validation speakers, scripts/train/prepare.py; CV is also reported on them),
# AUGMENT (2500: prepare.py --augment, so762 rows copied as heard in a noisy or reverberant room, sox;
# nn-v4's since session 14, nn-v5's and nn-v6's, 0 before and for the other models' scorers), PREPARE_ARGS (extra prepare.py
# options, e.g. "--missing 300").
# Needs .venv-train (scripts/train/setup_train.sh) and a release build of the CLI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
model="$(cd "${1:-$repo/models/elocute-nn-v6}" && pwd)"
name="$(basename "$model")"
corpus="${SO762_CORPUS:-$repo/../data/so762}"
scores="${SO762_SCORES:-$repo/../shared/data/so762/train-scores.json}"
data="${DATA:-$repo/../data/scorer/$name}"
threads="${THREADS:-2}"
split_json="${SPLIT_JSON:-$repo/../data/nn/split.json}"
py="$repo/.venv-train/bin/python"
"$here/rows.sh" "$model" "$data"
common=(--features "$data/features.jsonl" --scores "$scores" --utt2spk "$corpus/train/utt2spk"
        --epochs "${EPOCHS:-15}" --ensemble "${ENSEMBLE:-3}" --swapped-phone-weight "${SWAPPED_WEIGHT:-2}" --threads "$threads")
if [ "${CV:-5}" != 0 ]; then
  subset=()
  [ -f "$split_json" ] && subset=(--subset-speakers "$split_json")
  "$py" "$here/train.py" "${common[@]}" --cv "${CV:-5}" --json-out "$data/cv.json" "${subset[@]}" | tee "$data/cv.txt"
fi
"$py" "$here/train.py" "${common[@]}" --export "$model" --acoustic-model "$name" --json-out "$data/export.json" --ckpt "$data/scorer.pt"
