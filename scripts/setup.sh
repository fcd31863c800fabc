#!/usr/bin/env bash
# Sets up everything elocute needs on a Debian machine, and is safe to run again:
#   - Debian packages: espeak-ng and sox (test audio), opus-tools (Ogg/Opus test files), mkvtoolnix
#     (WebM test files: mkvmerge), python3 venv
#     support, unzip, nodejs and npm (the Speech SDK protocol tests), chromium (the demo page's
#     browser test)
#   - tests/sdk-js/node_modules/ and .venv-sdk/: Microsoft's Speech SDKs for JavaScript and Python
#     (pinned), which the server's websocket tests drive as apps would
#   - tests/browser/node_modules/: puppeteer-core (pinned), which drives Chromium on the demo page
#   - third_party/onnxruntime/: the onnxruntime shared library taken from the PyPI wheel
#   - .venv/: Python packages for the model conversion script (pinned)
#   - models/ps-en-us-ptm/model.onnx: the pocketsphinx en-us model converted to ONNX
#   - target/release/elocute: the command-line tool
# Nothing is fetched except through apt-get, pip and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ORT_VERSION=1.31.1
ORT_LIB=third_party/onnxruntime/libonnxruntime.so.$ORT_VERSION
log() { printf '[setup] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

need_apt=()
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
command -v sox >/dev/null || need_apt+=(sox)
command -v opusenc >/dev/null || need_apt+=(opus-tools)
command -v mkvmerge >/dev/null || need_apt+=(mkvtoolnix)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v cc >/dev/null || need_apt+=(gcc)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
# Debian's Chromium, for the demo page's browser test (its binary, not the /usr/bin wrapper).
[ -x /usr/lib/chromium/chromium ] || need_apt+=(chromium)
# The Speech SDK for Python's native library links ALSA.
ldconfig -p 2>/dev/null | grep -q 'libasound.so.2 ' || need_apt+=(libasound2)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { log "cargo not found: install a Rust toolchain (1.88 or newer) first"; exit 1; }

# The Speech SDK for JavaScript, at the versions tests/sdk-js/package-lock.json pins.
sdk_stamp=$(sha256sum tests/sdk-js/package-lock.json | cut -c1-16)
if [ "$(cat tests/sdk-js/node_modules/.elocute-stamp 2>/dev/null)" != "$sdk_stamp" ]; then
  log "installing the Speech SDK for JavaScript (npm ci in tests/sdk-js)"
  (cd tests/sdk-js && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$sdk_stamp" > tests/sdk-js/node_modules/.elocute-stamp
fi

# puppeteer-core, at the version tests/browser/package-lock.json pins (it fetches no browser).
browser_stamp=$(sha256sum tests/browser/package-lock.json | cut -c1-16)
if [ "$(cat tests/browser/node_modules/.elocute-stamp 2>/dev/null)" != "$browser_stamp" ]; then
  log "installing puppeteer-core for the browser test (npm ci in tests/browser)"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$browser_stamp" > tests/browser/node_modules/.elocute-stamp
fi

# The Speech SDK for Python, at the version tests/sdk-py/requirements.txt pins.
if [ ! -x .venv-sdk/bin/python ] || ! cmp -s tests/sdk-py/requirements.txt .venv-sdk/.requirements 2>/dev/null; then
  log "creating .venv-sdk with the Speech SDK for Python"
  python3 -m venv .venv-sdk
  .venv-sdk/bin/pip install -q --disable-pip-version-check -r tests/sdk-py/requirements.txt
  cp tests/sdk-py/requirements.txt .venv-sdk/.requirements
fi

if [ ! -f "$ORT_LIB" ]; then
  log "fetching onnxruntime $ORT_VERSION from its PyPI wheel"
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 -d "$tmp" "onnxruntime==$ORT_VERSION"
  mkdir -p third_party/onnxruntime
  unzip -q -o -j "$tmp"/onnxruntime-*.whl "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" -d third_party/onnxruntime
  unzip -q -o -j "$tmp"/onnxruntime-*.whl 'onnxruntime-*.dist-info/licenses/LICENSE' -d third_party/onnxruntime 2>/dev/null \
    || unzip -q -o -j "$tmp"/onnxruntime-*.whl 'onnxruntime-*.dist-info/LICENSE*' -d third_party/onnxruntime 2>/dev/null || true
  rm -rf "$tmp"
fi

if [ ! -x .venv/bin/python ] || ! cmp -s scripts/requirements-convert.txt .venv/.requirements 2>/dev/null; then
  log "creating .venv for the model scripts"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements-convert.txt
  cp scripts/requirements-convert.txt .venv/.requirements
fi

# Rebuild the converted model when it is missing or the converter changed since it was built.
stamp=$(cat scripts/convert_pocketsphinx.py scripts/psx/*.py scripts/requirements-convert.txt | sha256sum | cut -c1-16)
if [ ! -f models/ps-en-us-ptm/model.onnx ] || [ "$(cat models/ps-en-us-ptm/.built-from 2>/dev/null)" != "$stamp" ]; then
  log "converting the pocketsphinx en-us model to ONNX"
  .venv/bin/python scripts/convert_pocketsphinx.py --out models/ps-en-us-ptm
  echo "$stamp" > models/ps-en-us-ptm/.built-from
fi

log "building elocute (release)"
ORT_DYLIB_PATH="$ROOT/$ORT_LIB" cargo build --release --quiet -p elocute-cli
log "ready: target/release/elocute"
