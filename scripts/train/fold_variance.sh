#!/usr/bin/env bash
# How much issue 3's validation numbers depend on which 25 speakers are held out: nn-v1's recipe
# (train.py defaults, 400 steps, so762 only, about 4 min each) trained and scored (eval_gop.py) on 5
# speaker-disjoint folds that cover all 125 so762 TRAIN-split speakers. Fold 0 is the validation fold
# of $DATA/split.json (the one every model README reports); folds 1-4 split the other 100 speakers
# (seed 763). Only the TRAIN split is read. Prints one line per fold (also in $OUT/summary.txt):
# phones, phones rated < 1.5, frame accuracy, GMM and NN raw GOP Pearson / AUC.
# RECIPE=v3 runs nn-v3's recipe instead (train_v3 in common.sh: 2.24 M parameters, 2,400 steps, TTS
# crops, negatives; about 77 min per fold) and prints its line after each fold's v1 line.
# Environment: DATA (prepare.py cache, default /work/data/nn), OUT (default /work/data/folds), STEPS
# (400 for v1, 2400 for v3), RECIPE (v1 or v3), FOLDS (default "0 1 2 3 4").
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT="${OUT:-/work/data/folds}"
RECIPE="${RECIPE:-v1}"
FOLDS="${FOLDS:-0 1 2 3 4}"
case "$RECIPE" in
  v1) STEPS="${STEPS:-400}" ;;
  v3) STEPS="${STEPS:-2400}" ;;
  *) echo "fold_variance.sh: RECIPE must be v1 or v3, not '$RECIPE'" >&2; exit 2 ;;
esac
ensure_inputs
if [ "$RECIPE" = v3 ]; then
  mkdir -p "$OUT"
  # GMM alignments of the TTS corpus: the same for every fold (no so762 speaker is in them).
  [ -f "$OUT/tts_labels.npz" ] || "$PY" "$HERE/tts_labels.py" --data "$DATA" --out "$OUT"
fi
"$PY" - "$DATA" "$OUT" <<'P'
import json, os, sys
import numpy as np
data, out = sys.argv[1], sys.argv[2]
s = json.load(open(os.path.join(data, "split.json")))
rest = sorted(s["train_speakers"])
np.random.RandomState(763).shuffle(rest)
folds = [sorted(s["val_speakers"])] + [sorted(rest[i * 25:(i + 1) * 25]) for i in range(4)]
everyone = sorted(s["val_speakers"] + s["train_speakers"])
for k, f in enumerate(folds):
    d = os.path.join(out, f"f{k}")
    os.makedirs(d, exist_ok=True)
    for n in ["so762.npz", "tts.npz", "so762_segments.json"]:  # the shared caches, read-only
        if not os.path.exists(os.path.join(d, n)):
            os.symlink(os.path.join(os.path.abspath(data), n), os.path.join(d, n))
    with open(os.path.join(d, "split.json"), "w") as fh:
        json.dump({"seed": 763, "fold": k, "val_speakers": f,
                   "train_speakers": [x for x in everyone if x not in f]}, fh)
P
summary() {
  "$PY" -c '
import json, sys
k, tag, r = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
pa = lambda m: "%.3f / %.3f" % (r[m]["pearson"], r[m]["auc_below_1.5"])
print("fold %s %s: %d phones, %d below 1.5, frame acc %.3f, GMM %s, NN LPR %s, NN LPP %s" % (
    k, tag, r["phones"], r["phones_below_1.5"], r["frame_acc_good"], pa("gmm_accuracy"), pa("nn_lpr_nnali"),
    pa("nn_lpp_nnali")))
' "$1" "$2" "$3" | tee -a "$OUT/summary.txt"
}
: > "$OUT/summary.txt"
for k in $FOLDS; do
  D="$OUT/f$k"
  if [ "$RECIPE" = v1 ]; then
    [ -f "$D/eval.json" ] || {
      "$PY" "$HERE/train.py" --data "$D" --steps "$STEPS" --out "$D/v1.pt" > "$D/train.log" 2>&1
      "$PY" "$HERE/export.py" --ckpt "$D/v1.pt" --out "$D/v1" > "$D/export.log" 2>&1
      "$PY" "$HERE/eval_gop.py" --data "$D" --model "$D/v1/model.onnx" --out "$D/eval.json" > "$D/eval.log" 2>&1
    }
  else
    [ -f "$D/eval_v3.json" ] || {
      (DATA="$D" train_v3 "$D/v3.pt" "$OUT/tts_labels.npz" "$STEPS") > "$D/train_v3.log" 2>&1
      "$PY" "$HERE/export.py" --ckpt "$D/v3.pt" --out "$D/v3" > "$D/export_v3.log" 2>&1
      "$PY" "$HERE/eval_gop.py" --data "$D" --model "$D/v3/model.onnx" --out "$D/eval_v3.json" > "$D/eval_v3.log" 2>&1
    }
  fi
  if [ -f "$D/eval.json" ]; then summary "$k" v1 "$D/eval.json"; fi
  if [ -f "$D/eval_v3.json" ]; then summary "$k" v3 "$D/eval_v3.json"; fi
done
