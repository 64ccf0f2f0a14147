#!/usr/bin/env bash
# Installs what a fresh Debian machine with Rust lacks for mpa-sim: system packages
# (Mesa lavapipe for software Vulkan once the renderer lands) and the Python test tools
# (the official nuScenes devkit, used to cross-check our files, and the published HUGSIM client,
# driven against `mpa-sim serve`) in .venv, and the Khronos glTF
# validator (npm, in tests/js/node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# mesa-vulkan-drivers + libvulkan1: Mesa lavapipe, software Vulkan for the renderer on machines
# without a GPU.
# xvfb + xauth: a virtual X server (xvfb-run) for the viewer window test (tests/it/viewer_window.rs);
# the X11 client libraries winit loads at run time (dlopen) for `mpa-sim view`.
for pkg in python3-venv mesa-vulkan-drivers libvulkan1 xvfb xauth \
  libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# Node runs the Khronos glTF validator (tests/it/gltf_validator.rs).
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if ((${#need_apt[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import nuscenes, hugsim_client" 2>/dev/null; then
  .venv/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt
fi
if [[ ! -d tests/js/node_modules/gltf-validator ]]; then
  npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
fi
