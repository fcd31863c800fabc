#!/usr/bin/env bash
# Rebuilds models/elocute-nn-v3 end to end (see models/elocute-nn-v3/README.md):
#   setup -> GMM alignment + fbank80 features (prepare.py, shared with v1/v2; cached in $DATA)
#   -> GMM labels for the TTS corpus (shared with v2) -> one training run from scratch: 2.24 M parameters,
#   +-16 frames, so762 score-2.0 frames and 30 % TTS crops from the start, speed perturbation, masks, and
#   frames of phones the experts scored below 1.5 as negatives (--neg-weight 2)
#   -> export + validation GOP -> ship with its fitted gop_calibration -> speed.
# About 60 min of training on 2 idle cores. Environment: STEPS (default 2400), DATA (prepare.py cache,
#   default /work/data/nn), OUT (v2's TTS labels and v3 caches, default /work/data/nn3).
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT="${OUT:-/work/data/nn3}"
STEPS="${STEPS:-2400}"
mkdir -p "$OUT"
ensure_inputs
[ -f "$OUT/tts_labels.npz" ] || "$PY" "$HERE/tts_labels.py" --data "$DATA" --out "$OUT"
train_v3 "$OUT/v3.pt" "$OUT/tts_labels.npz" "$STEPS"
"$PY" "$HERE/export.py" --ckpt "$OUT/v3.pt" --out "$OUT/v3"
"$PY" "$HERE/eval_gop.py" --data "$DATA" --model "$OUT/v3/model.onnx" --out "$OUT/eval_v3.json"
MID="$(gop_midpoint "$OUT/eval_v3.json")"
"$PY" "$HERE/export.py" --ckpt "$OUT/v3.pt" --out "$REPO/models/elocute-nn-v3" --gop-midpoint "$MID" \
  --insertion-penalty "${INSERTION_PENALTY:--3.0}"
"$PY" "$HERE/speed.py" --data "$DATA" --model "$REPO/models/elocute-nn-v2/model.onnx" "$REPO/models/elocute-nn-v3/model.onnx"
