#!/usr/bin/env bash
# Rebuilds models/elocute-nn-v1 end to end (about 1 h on 2 busy cores; see models/elocute-nn-v1/README.md):
#   setup -> GMM alignment + fbank80 features -> pass 1 (GMM labels, so762 train speakers) -> export
#   (ONNX + model.json, the shipped model) -> validation GOP.
#   PASS2=1 also runs the experiment that did NOT help (v1): NN re-alignment of so762 + the TTS corpus,
#   then pass 2 (fine-tune on NN labels, so762 + TTS), exported to $DATA/pass2 only.
# Environment: STEPS1 / STEPS2 (training steps), DATA (cache dir, default /work/data/nn), PASS2.
set -euo pipefail
source "$(dirname "$0")/common.sh"
STEPS1="${STEPS1:-400}"
STEPS2="${STEPS2:-300}"
N="nice -n 10"
ensure_inputs $N
# pass 1: GMM frame labels, so762 train speakers only (score-2.0 phones + silence)
$N "$PY" "$HERE/train.py" --data "$DATA" --steps "$STEPS1" --out "$DATA/pass1.pt"
$N "$PY" "$HERE/export.py" --ckpt "$DATA/pass1.pt" --out "$REPO/models/elocute-nn-v1"
$N "$PY" "$HERE/eval_gop.py" --data "$DATA" --model "$REPO/models/elocute-nn-v1/model.onnx" --out "$DATA/eval.json"
if [ "${PASS2:-0}" = 1 ]; then
  $N "$PY" "$HERE/realign.py" --data "$DATA" --model "$REPO/models/elocute-nn-v1/model.onnx" --tag pass1 --threads 1
  $N "$PY" "$HERE/train.py" --data "$DATA" --steps "$STEPS2" --out "$DATA/pass2.pt" --init "$DATA/pass1.pt" \
    --lr 1e-3 --relabel-so762 "$DATA/relabel_so762_pass1.npz" --relabel-tts "$DATA/relabel_tts_pass1.npz"
  $N "$PY" "$HERE/export.py" --ckpt "$DATA/pass2.pt" --out "$DATA/pass2"
  $N "$PY" "$HERE/eval_gop.py" --data "$DATA" --model "$DATA/pass2/model.onnx" --out "$DATA/eval_pass2.json"
fi
