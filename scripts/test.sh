#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: setup, fmt, clippy, headless check, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MPA_SIM_PYTHON="$PWD/.venv/bin/python"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo check --no-default-features
cargo test --all-targets
