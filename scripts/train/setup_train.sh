#!/usr/bin/env bash
# Idempotent setup for the neural acoustic model training: creates /work/main/.venv-train with the
# pinned packages of requirements-train.txt (re-installs only when that file changes).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${VENV_TRAIN:-$REPO/.venv-train}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! cmp -s "$HERE/requirements-train.txt" "$VENV/.requirements-train.txt" 2>/dev/null; then
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$HERE/requirements-train.txt"
  cp "$HERE/requirements-train.txt" "$VENV/.requirements-train.txt"
fi
echo "setup_train: ok (venv $VENV)"
