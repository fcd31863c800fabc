# Sourced by run_all.sh and run_v2.sh to run_v6.sh: paths, the training venv, and the inputs every
# training run shares (the venv, a release CLI for the GMM alignments, prepare.py's cached features).
# HERE, REPO, DATA (prepare.py cache, default /work/data/nn) and PY are set for the caller.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DATA="${DATA:-/work/data/nn}"
PY="$REPO/.venv-train/bin/python"

# ensure_inputs [PREFIX...]: set up the venv, build the CLI if absent, run prepare.py unless its
# caches exist; PREFIX (e.g. `nice -n 10`) runs before prepare.py.
ensure_inputs() {
  "$HERE/setup_train.sh"
  [ -x "$REPO/target/release/elocute" ] || (cd "$REPO" && cargo build --release -p elocute-cli)
  [ -f "$DATA/so762.npz" ] && [ -f "$DATA/tts.npz" ] || "$@" "$PY" "$HERE/prepare.py" --out "$DATA"
}

# gop_midpoint EVAL_JSON: the gop_calibration midpoint eval_gop.py fitted (slope 1; phones the experts
# scored 2.0 average 86 on the model's own alignment), to one decimal.
gop_midpoint() {
  "$PY" -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["gop_midpoint_for_target"]["midpoint"], 1))' "$1"
}

# V3_NET_OPTS: v3's network, augmentation and negative-frame options, which v4 to v6 keep.
V3_NET_OPTS=(--ch 384 --bott 192 --dilations 1,2,3,3,2,2,1 --k0 5 --speed 0.9,1.0,1.1 --freq-masks 2 --time-masks 2
             --neg-weight 2)

# v3_opts TTS_LABELS: sets V3_OPTS, the network and training options of v3 (run_v3.sh) that v4
# (run_v4.sh) continues with; the callers add steps, lr, logging, seed and --init.
v3_opts() {
  V3_OPTS=("${V3_NET_OPTS[@]}" --tts-labels "$1" --tts-weight 0.3 --threads 2)
}

# train_v3 CKPT TTS_LABELS STEPS: v3's run from scratch (lr 2e-3, seed 4) into CKPT.
train_v3() {
  v3_opts "$2"
  "$PY" "$HERE/train.py" --data "$DATA" --out "$1" --steps "$3" --lr 2e-3 --log-every 100 --val-every 600 \
    "${V3_OPTS[@]}" --seed 4
}

# finetune_v4 NAME OUT TRAIN_ARGS...: nn-v5's and nn-v6's chain after v4's weights are recovered into
# OUT/v4-rec.pt: STEPS (1000) steps of train.py from them (peak lr 5e-4, seed 8) with TRAIN_ARGS into
# OUT/NAME.pt, int8 export and validation GOP in OUT, shipping to models/elocute-nn-NAME with the fitted
# gop_calibration and INSERTION_PENALTY (-3.5), speed against v4. THREADS (torch threads, default 1) comes
# after TRAIN_ARGS, so it wins over a --threads inside them (v3_opts sets 2).
finetune_v4() {
  local name="$1" out="$2" mid
  shift 2
  "$PY" "$HERE/train.py" --data "$DATA" --out "$out/$name.pt" --init "$out/v4-rec.pt" --steps "${STEPS:-1000}" \
    --lr 5e-4 --log-every 50 --val-every 500 "$@" --threads "${THREADS:-1}" --seed 8
  "$PY" "$HERE/export.py" --ckpt "$out/$name.pt" --out "$out/$name" --int8 --data "$DATA" --based-on elocute-nn-v4
  "$PY" "$HERE/eval_gop.py" --data "$DATA" --model "$out/$name/model.onnx" --out "$out/eval_$name.json"
  mid="$(gop_midpoint "$out/eval_$name.json")"
  "$PY" "$HERE/export.py" --ckpt "$out/$name.pt" --out "$REPO/models/elocute-nn-$name" --int8 --data "$DATA" \
    --based-on elocute-nn-v4 --gop-midpoint "$mid" --insertion-penalty "${INSERTION_PENALTY:--3.5}"
  "$PY" "$HERE/speed.py" --data "$DATA" --model "$REPO/models/elocute-nn-v4/model.onnx" \
    "$REPO/models/elocute-nn-$name/model.onnx"
}
