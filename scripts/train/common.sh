# Sourced by run_all.sh, run_v2.sh and run_v3.sh: paths, the training venv, and the inputs every
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
