#!/usr/bin/env bash
# Rebuilds models/elocute-nn-v1 end to end (about 1 h on 2 busy cores):
#   setup -> GMM alignment + features -> pass 1 (GMM labels, so762 only) -> NN re-alignment of so762 and
#   the TTS corpus -> pass 2 (NN labels, so762 + TTS) -> export (ONNX + model.json) -> validation GOP.
# Environment: STEPS1 / STEPS2 (training steps per pass), DATA (cache dir, default /work/data/nn).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DATA="${DATA:-/work/data/nn}"
STEPS1="${STEPS1:-400}"
STEPS2="${STEPS2:-600}"
PY="$REPO/.venv-train/bin/python"
N="nice -n 10"
"$HERE/setup_train.sh"
[ -x "$REPO/target/release/elocute" ] || (cd "$REPO" && cargo build --release -p elocute-cli)
[ -f "$DATA/so762.npz" ] && [ -f "$DATA/tts.npz" ] || $N "$PY" "$HERE/prepare.py" --out "$DATA"
# pass 1: GMM frame labels, so762 train speakers only (score-2.0 phones + silence)
$N "$PY" "$HERE/train.py" --data "$DATA" --steps "$STEPS1" --out "$DATA/pass1.pt"
$N "$PY" "$HERE/export.py" --ckpt "$DATA/pass1.pt" --out "$DATA/pass1"
$N "$PY" "$HERE/realign.py" --data "$DATA" --model "$DATA/pass1/model.onnx" --tag pass1
# pass 2: NN re-aligned labels for so762 and the TTS corpus
$N "$PY" "$HERE/train.py" --data "$DATA" --steps "$STEPS2" --out "$DATA/pass2.pt" \
  --init "$DATA/pass1.pt" --lr 1e-3 --relabel-so762 "$DATA/relabel_so762_pass1.npz" --relabel-tts "$DATA/relabel_tts_pass1.npz"
$N "$PY" "$HERE/export.py" --ckpt "$DATA/pass2.pt" --out "$REPO/models/elocute-nn-v1"
$N "$PY" "$HERE/eval_gop.py" --data "$DATA" --model "$DATA/pass1/model.onnx" --out "$DATA/eval_pass1.json"
$N "$PY" "$HERE/eval_gop.py" --data "$DATA" --model "$REPO/models/elocute-nn-v1/model.onnx" --out "$DATA/eval.json"
