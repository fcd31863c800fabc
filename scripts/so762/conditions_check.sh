#!/usr/bin/env bash
# How recording conditions move agreement with the experts: the speechocean762 TRAIN utterances of
# the speakers in SPEAKERS (default ../data/heldout/speakers.txt, the 25 that scripts/scorer/heldout.sh
# keeps out of its scorer) assessed as recorded, with pink noise mixed in at two levels, and with
# room reverberation, each scored by `scripts/so762/evaluate.py`.
#
#   scripts/so762/conditions_check.sh [MODEL_DIR] [OUT]    # default ../data/heldout/model, target/so762-conditions
#
# Noise: the speech normalised to -6 dBFS peak, plus sox pinknoise at amplitude 0.02 ("noise-quiet",
# median SNR about 26 dB as elocute reports it) or 0.08 ("noise-loud", about 16 dB). Reverberation:
# sox `gain -6 reverb 50 50 60` (a mid-sized room), then normalised to -3 dBFS. The noise is sox's, unseeded,
# so numbers move in the third decimal between runs. Needs sox and a release build of the CLI.
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

# One manifest per condition, its audio under OUT/<condition>/.
make_condition() {
  local name=$1
  mkdir -p "$out/$name"
  : > "$out/$name.tsv"
  while IFS=$'\t' read -r id wav text; do
    local dst="$out/$name/$id.wav"
    case $name in
      noise-quiet|noise-loud)
        local vol=0.02
        [ "$name" = noise-loud ] && vol=0.08
        sox -q "$wav" "$out/$name/s.wav" gain -n -6
        sox -q -n -r 16000 -c 1 -b 16 "$out/$name/n.wav" synth "$(soxi -D "$wav")" pinknoise vol "$vol"
        sox -q -m "$out/$name/s.wav" "$out/$name/n.wav" "$dst"
        ;;
      reverb) sox -q "$wav" "$dst" gain -6 reverb 50 50 60 gain -n -3 ;;  # headroom: no clipping
    esac
    printf '%s\t%s\t%s\n' "$id" "$dst" "$text" >> "$out/$name.tsv"
  done < "$out/recorded.tsv"
  rm -f "$out/$name/s.wav" "$out/$name/n.wav"
}

for c in recorded noise-quiet noise-loud reverb; do
  [ "$c" = recorded ] || make_condition "$c"
  "$bin" batch "$out/$c.tsv" --output "$out/$c.jsonl" --model "$model" --lexicon "$out/lexicon.txt" \
    --config '{"GradingSystem":"HundredMark"}' --threads 2 2> "$out/$c.log"
  echo "== $c (median SNR $("$python" -c 'import json,sys
v=sorted(json.loads(l)["result"].get("SNR") or 0 for l in open(sys.argv[1]) if "result" in json.loads(l))
print(v[len(v)//2])' "$out/$c.jsonl") dB)"
  "$python" "$here/evaluate.py" --results "$out/$c.jsonl" --scores "$scores" \
    --utt2spk "$corpus/train/utt2spk" | sed -n '4,12p'
done
