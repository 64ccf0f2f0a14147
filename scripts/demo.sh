#!/usr/bin/env bash
# The first look on a fresh Debian machine with Rust: installs the system packages the main job
# needs when they are missing (Mesa lavapipe, software Vulkan, for machines without a GPU
# driver), builds the release binary and runs `mpa-sim demo` (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."

# mesa-vulkan-drivers: lavapipe (and the Mesa GPU drivers); libvulkan1: the Vulkan loader.
need_apt=()
for pkg in mesa-vulkan-drivers libvulkan1; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
  echo "demo: installing ${need_apt[*]} (software Vulkan for the renderer)" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

target_dir="${CARGO_TARGET_DIR:-target}"
if [[ ! -x "$target_dir/release/mpa-sim" ]]; then
  echo "demo: first build of the release binary: about 8-10 minutes on 2 cores" \
    "(wgpu, burn and egui compile once; later runs start in seconds)" >&2
fi
cargo build --release --quiet
exec "$target_dir/release/mpa-sim" demo "$@"
