#!/usr/bin/env bash
# How much issue 3's validation numbers depend on which 25 speakers are held out: nn-v1's recipe
# (train.py defaults, 400 steps, so762 only, about 4 min each) trained and scored (eval_gop.py) on 5
# speaker-disjoint folds that cover all 125 so762 TRAIN-split speakers. Fold 0 is the validation fold
# of $DATA/split.json (the one every model README reports); folds 1-4 split the other 100 speakers
# (seed 763). Only the TRAIN split is read. Prints one line per fold (also in $OUT/summary.txt):
# phones, phones rated < 1.5, frame accuracy, GMM and NN raw GOP Pearson / AUC.
# Environment: DATA (prepare.py cache, default /work/data/nn), OUT (default /work/data/folds), STEPS (400).
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT="${OUT:-/work/data/folds}"
STEPS="${STEPS:-400}"
ensure_inputs
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
: > "$OUT/summary.txt"
for k in 0 1 2 3 4; do
  D="$OUT/f$k"
  [ -f "$D/eval.json" ] || {
    "$PY" "$HERE/train.py" --data "$D" --steps "$STEPS" --out "$D/v1.pt" > "$D/train.log" 2>&1
    "$PY" "$HERE/export.py" --ckpt "$D/v1.pt" --out "$D/v1" > "$D/export.log" 2>&1
    "$PY" "$HERE/eval_gop.py" --data "$D" --model "$D/v1/model.onnx" --out "$D/eval.json" > "$D/eval.log" 2>&1
  }
  "$PY" -c '
import json, sys
k, r = sys.argv[1], json.load(open(sys.argv[2]))
pa = lambda m: "%.3f / %.3f" % (r[m]["pearson"], r[m]["auc_below_1.5"])
print("fold %s: %d phones, %d below 1.5, frame acc %.3f, GMM %s, NN LPR %s, NN LPP %s" % (
    k, r["phones"], r["phones_below_1.5"], r["frame_acc_good"], pa("gmm_accuracy"), pa("nn_lpr_nnali"),
    pa("nn_lpp_nnali")))
' "$k" "$D/eval.json" | tee -a "$OUT/summary.txt"
done
