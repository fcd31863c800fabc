#!/usr/bin/env bash
# How recording conditions move agreement with the experts: the speechocean762 TRAIN utterances of
# the speakers in SPEAKERS (default ../data/heldout/speakers.txt, the 25 that scripts/scorer/heldout.sh
# keeps out of its scorer) assessed as recorded, with pink noise mixed in at two levels, with
# room reverberation, and with other learners reading at two levels (babble), each scored by
# `scripts/so762/evaluate.py`.
#
#   scripts/so762/conditions_check.sh [MODEL_DIR] [OUT]    # default ../data/heldout/model, target/so762-conditions
#
# Noise (scripts/so762/rooms.py, the recipe the scorer's --augment copies use): pink noise at amplitude
# 0.02 ("noise-quiet", median SNR about 26 dB as elocute reports it) or 0.08 ("noise-loud", about 16 dB)
# under the speech normalised to -6 dBFS. Reverberation: reverberance 50 %, room scale 60 % (a mid-sized
# room). Babble: three recordings of other speakers among the same utterances mixed in at volume 0.1
# ("babble-quiet", each talker 20 dB under the speech) or 0.2 ("babble-loud", 14 dB); the scorer is trained
# with pink noise and reverberation, never with babble. sox runs in repeatable mode, so a rerun gives the same audio and the same numbers (unseeded, the
# loud-noise row moved by up to 0.02 between runs). Needs sox and a release build of the CLI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
model="${1:-$repo/../data/heldout/model}"
out="${2:-$repo/target/so762-conditions}"
corpus="${SO762_CORPUS:-$repo/../data/so762}"
scores="${SO762_SCORES:-$repo/../shared/data/so762/train-scores.json}"
speakers="${SPEAKERS:-$repo/../data/heldout/speakers.txt}"
python="${PYTHON:-$repo/.venv/bin/python}"
bin="$repo/target/release/elocute"
[ -x "$bin" ] || (cd "$repo" && cargo build --release -p elocute-cli)
mkdir -p "$out"
"$python" "$here/make_manifest.py" --corpus "$corpus" --split train --out "$out/recorded.tsv" \
  --speakers-file "$speakers" --lexicon-out "$out/lexicon.txt"

# One manifest per condition, its audio under OUT/<condition>/ (scripts/so762/rooms.py).
treatment() {
  case $1 in
    noise-quiet) echo --noise 0.02 ;;
    noise-loud) echo --noise 0.08 ;;
    reverb) echo --reverb 50,60 ;;
    babble-quiet) echo --babble 0.1 ;;
    babble-loud) echo --babble 0.2 ;;
  esac
}

for c in recorded noise-quiet noise-loud reverb babble-quiet babble-loud; do
  # shellcheck disable=SC2046  # treatment prints two arguments
  [ "$c" = recorded ] || "$python" "$here/rooms.py" --manifest "$out/recorded.tsv" --dir "$out/$c" \
    --out "$out/$c.tsv" $(treatment "$c")
  "$bin" batch "$out/$c.tsv" --output "$out/$c.jsonl" --model "$model" --lexicon "$out/lexicon.txt" \
    --config '{"GradingSystem":"HundredMark"}' --threads 2 2> "$out/$c.log"
  echo "== $c (median SNR $("$python" -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
v=sorted(r["result"].get("SNR") or 0 for r in rows if "result" in r)
print(v[len(v)//2])' "$out/$c.jsonl") dB)"
  "$python" "$here/evaluate.py" --results "$out/$c.jsonl" --scores "$scores" \
    --utt2spk "$corpus/train/utt2spk" | sed -n '4,12p'
done
