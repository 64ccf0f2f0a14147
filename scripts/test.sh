#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: setup, fmt, clippy, headless check, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export MPA_SIM_PYTHON="$PWD/.venv/bin/python"
# In-process render tests: keep Mesa's device-select layer from making libwayland print a
# spurious "error: XDG_RUNTIME_DIR is invalid" on headless machines (the binary does this itself).
export NODEVICE_SELECT="${NODEVICE_SELECT:-1}"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo check --no-default-features
cargo test --all-targets
