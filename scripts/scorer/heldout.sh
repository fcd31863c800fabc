#!/usr/bin/env bash
# A copy of a model folder whose learned scorer never saw the validation speakers, for measuring
# anything that depends on the scorer out of sample (the shipped scorer was trained on every
# speechocean762 TRAIN speaker, so scoring those speakers with it measures fit):
#
#   scripts/scorer/heldout.sh [MODEL_DIR] [OUT]      # default models/elocute-nn-v6, ../data/heldout
#
# Writes OUT/model (the acoustic model as in MODEL_DIR, a scorer trained without the speakers) and
# OUT/speakers.txt (those speakers, one id per line, for `continuous_check.py --speakers-file`).
# The speakers are SPLIT_JSON's val_speakers (default ../data/nn/split.json, the neural models'
# validation fold; see scripts/train/prepare.py). Every row built from their audio is dropped: their
# utterances, and the wrong-text (MM-) and swapped-word (SUB-) rows made of them. TTS rows are used
# when TTS_MANIFEST exists (scripts/train/gen_tts.py), as in run_all.sh; without it the scorer is
# trained without TTS rows (so762 only), which is how the README's continuous-mode numbers were made.
# ENSEMBLE (default 3), SWAPPED_WEIGHT (2), EPOCHS (15), AUGMENT (2500) and PREPARE_ARGS as for run_all.sh.
# Needs .venv-train (scripts/train/setup_train.sh) and a release build of the CLI. About 4 minutes on 2 cores without TTS rows (session 14), more with them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
model="$(cd "${1:-$repo/models/elocute-nn-v6}" && pwd)"
out="${2:-$repo/../data/heldout}"
corpus="${SO762_CORPUS:-$repo/../data/so762}"
scores="${SO762_SCORES:-$repo/../shared/data/so762/train-scores.json}"
split_json="${SPLIT_JSON:-$repo/../data/nn/split.json}"
threads="${THREADS:-2}"
py="$repo/.venv-train/bin/python"
[ -f "$split_json" ] || { echo "heldout.sh: no $split_json (made by scripts/train/prepare.py)" >&2; exit 1; }
data="$out/data"
"$here/rows.sh" "$model" "$data"
"$py" - "$here" "$split_json" "$corpus/train/utt2spk" "$data/features.jsonl" "$data/features-heldout.jsonl" \
  "$out/speakers.txt" <<'EOF'
import json, sys
here, split, utt2spk_path, src, dst, speakers_out = sys.argv[1:]
sys.path.insert(0, here)
from rowids import source_utt
held = set(json.load(open(split))["val_speakers"])
utt2spk = dict(l.split() for l in open(utt2spk_path) if l.strip())
def source(uid):
    """The so762 utterance whose audio a row uses (None for TTS audio)."""
    uid = source_utt(uid)
    return uid if uid in utt2spk else None
kept = dropped = 0
with open(src) as f, open(dst, "w") as o:
    for line in f:
        u = source(json.loads(line)["id"])
        if u is not None and utt2spk[u] in held:
            dropped += 1
        else:
            kept += 1
            o.write(line)
open(speakers_out, "w").write("".join(s + "\n" for s in sorted(held)))
print(f"heldout.sh: {dropped} rows of {len(held)} held-out speakers dropped, {kept} kept", file=sys.stderr)
EOF
rm -rf "$out/model"
cp -a "$model" "$out/model"
rm -f "$out/model/README.md"
"$py" "$here/train.py" --features "$data/features-heldout.jsonl" --scores "$scores" \
  --utt2spk "$corpus/train/utt2spk" --epochs "${EPOCHS:-15}" --ensemble "${ENSEMBLE:-3}" --swapped-phone-weight "${SWAPPED_WEIGHT:-2}" --threads "$threads" \
  --export "$out/model" --acoustic-model "$(basename "$model")" --json-out "$data/export.json"
echo "heldout.sh: $out/model (scorer without the speakers in $out/speakers.txt)" >&2
