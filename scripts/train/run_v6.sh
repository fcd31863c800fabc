#!/usr/bin/env bash
# Rebuilds models/elocute-nn-v6 end to end (see models/elocute-nn-v6/README.md): nn-v5's recipe with
# nn-v4's TTS crops kept in the fine-tune.
#   setup -> GMM alignment + fbank80 features of so762 and the TTS corpus (prepare.py; cached in $DATA)
#   -> GMM labels for the TTS corpus (tts_labels.py, as v2-v4) -> v4's float weights recovered from the
#   shipped models/elocute-nn-v4/model.onnx (recover.py) -> 1,000 steps of fine-tuning (peak lr 5e-4, seed 8,
#   v3's network, augmentation and 30% TTS crops) with the phone-level loss at twice v5's weight (--gop-weight 2)
#   -> int8 export + validation GOP -> ship with its fitted gop_calibration -> speed against v4.
# Environment: STEPS (default 1000), GOP_WEIGHT (2), DATA (prepare.py cache, default /work/data/nn), OUT (v6
#   caches, default /work/data/nn6), THREADS (torch threads, default 1 as in the shipped run).
set -euo pipefail
source "$(dirname "$0")/common.sh"
OUT="${OUT:-/work/data/nn6}"
mkdir -p "$OUT"
ensure_inputs
[ -f "$OUT/tts_labels.npz" ] || "$PY" "$HERE/tts_labels.py" --data "$DATA" --out "$OUT"
[ -f "$OUT/v4-rec.pt" ] || "$PY" "$HERE/recover.py" --onnx "$REPO/models/elocute-nn-v4/model.onnx" --out "$OUT/v4-rec.pt" --data "$DATA"
v3_opts "$OUT/tts_labels.npz"
finetune_v4 v6 "$OUT" "${V3_OPTS[@]}" --gop-weight "${GOP_WEIGHT:-2}"
