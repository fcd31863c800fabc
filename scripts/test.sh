#!/usr/bin/env bash
# The project's test command (README and .ci/run both call this):
# set up (idempotent), check formatting and lints, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --release --quiet -- -D warnings
cargo test --workspace --release
