#!/usr/bin/env bash
# Installs the Debian packages virgl-shim needs to build and test (Debian 12 + bookworm-backports).
# Idempotent; safe to run as root on a fresh machine. Uses sudo when not root.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=scripts/lib/apt-mirror.sh
. "$(dirname "$0")/lib/apt-mirror.sh"
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # The same archive this machine's apt already uses, backports suite.
  echo "deb $(apt_mirror) bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi
$SUDO apt-get update -qq
# Mesa 25 (llvmpipe, EGL surfaceless, GBM), QEMU 10 and its GL display module come from backports.
$SUDO apt-get install -y -qq -t bookworm-backports \
  libegl-mesa0 libgl1-mesa-dri libgbm1 libgbm-dev libdrm-dev libdrm2 libglx-mesa0 mesa-libgallium \
  qemu-system-x86 qemu-system-gui qemu-system-modules-opengl >/dev/null
$SUDO apt-get install -y -qq \
  libegl-dev libgles-dev libopengl-dev libvirglrenderer-dev libvirglrenderer1 \
  meson ninja-build pkg-config gcc valgrind busybox-static cpio zstd xz-utils >/dev/null
# GL clients the guest tiers run (tests/e2e/gl-3d.sh), Debian's vtest server and piglit
# (tests/vtest; piglit is about 2 GB, installed once per machine).
$SUDO apt-get install -y -qq kmscube glmark2-es2-drm virgl-server piglit >/dev/null
# cargo-nextest runs each Rust test in its own process (the C API has global state).
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
