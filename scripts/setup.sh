#!/usr/bin/env bash
# Installs what a fresh Debian machine with Rust lacks for mpa-sim: system packages
# (Mesa lavapipe for software Vulkan: the renderer tests run on it) and the Python test tools
# (the official nuScenes devkit, used to cross-check our files) in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in python3-venv mesa-vulkan-drivers libvulkan1; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import nuscenes" 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt
fi
