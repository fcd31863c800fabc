#!/usr/bin/env bash
# The project's test command (README and .ci/run both call this):
# set up (idempotent), check formatting, lints and the API docs (broken links fail), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --release --quiet -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --release --quiet
cargo test --workspace --release
