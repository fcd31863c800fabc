#!/usr/bin/env bash
# Rebuilds models/elocute-nn-v4 end to end (see models/elocute-nn-v4/README.md):
#   setup -> GMM alignment + fbank80 features (prepare.py, shared with v1-v3; cached in $DATA)
#   -> GMM labels for the TTS corpus (shared with v2, v3) -> v3's training run from scratch (train_v3 in
#   common.sh, as run_v3.sh; skipped when $V3_CKPT exists) -> a second one-cycle of 2,000 steps from v3's weights (peak lr 1e-3,
#   seed 5, otherwise v3's options) -> int8 export (calibrated on train-split utterances) + validation GOP
#   -> ship with its fitted gop_calibration -> speed against v2 and v3.
# About 47 min of training on 2 idle cores after v3's 56. Environment: STEPS (default 2000), DATA (prepare.py
#   cache, default /work/data/nn), OUT (v4 caches, default /work/data/nn4), V3_CKPT (default /work/data/nn3/v3.pt).
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT="${OUT:-/work/data/nn4}"
STEPS="${STEPS:-2000}"
V3_CKPT="${V3_CKPT:-/work/data/nn3/v3.pt}"
mkdir -p "$OUT"
ensure_inputs
[ -f "$OUT/tts_labels.npz" ] || "$PY" "$HERE/tts_labels.py" --data "$DATA" --out "$OUT"
[ -f "$V3_CKPT" ] || train_v3 "$V3_CKPT" "$OUT/tts_labels.npz" 2400
v3_opts "$OUT/tts_labels.npz"
"$PY" "$HERE/train.py" --data "$DATA" --out "$OUT/v4.pt" --init "$V3_CKPT" --steps "$STEPS" --lr 1e-3 \
  --log-every 100 --val-every 500 "${V3_OPTS[@]}" --seed 5
"$PY" "$HERE/export.py" --ckpt "$OUT/v4.pt" --out "$OUT/v4" --int8 --data "$DATA"
"$PY" "$HERE/eval_gop.py" --data "$DATA" --model "$OUT/v4/model.onnx" --out "$OUT/eval_v4.json"
MID="$(gop_midpoint "$OUT/eval_v4.json")"
"$PY" "$HERE/export.py" --ckpt "$OUT/v4.pt" --out "$REPO/models/elocute-nn-v4" --int8 --data "$DATA" \
  --gop-midpoint "$MID" --insertion-penalty "${INSERTION_PENALTY:--3.0}"
"$PY" "$HERE/speed.py" --data "$DATA" --model "$REPO/models/elocute-nn-v2/model.onnx" \
  "$REPO/models/elocute-nn-v3/model.onnx" "$REPO/models/elocute-nn-v4/model.onnx"
