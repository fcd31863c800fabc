#!/usr/bin/env bash
# Idempotent setup for the synthetic-TTS generator (scripts/train/gen_tts.py).
# Installs Debian TTS engines + sox, creates /work/main/.venv-tts with pinned pip packages.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${VENV_TTS:-$REPO/.venv-tts}"
PKGS="espeak-ng sox libsox-fmt-all flite festival festvox-kallpc16k festvox-us-slt-hts festvox-kdlpc16k wamerican-small"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! cmp -s "$HERE/requirements-tts.txt" "$VENV/.requirements-tts.txt" 2>/dev/null; then
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r "$HERE/requirements-tts.txt"
  cp "$HERE/requirements-tts.txt" "$VENV/.requirements-tts.txt"
fi
echo "setup_tts: ok (venv $VENV)"
