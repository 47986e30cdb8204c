#!/usr/bin/env bash
# Install the aarch64 cross toolchain, qemu-user and the arm64 -dev packages
# qv builds against (Debian multiarch). A no-op when all is installed.
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
native=(g++-aarch64-linux-gnu qemu-user-static file doctest-dev meson ninja-build pkgconf)
arm=(libavformat-dev:arm64 libavcodec-dev:arm64 libavutil-dev:arm64 libswscale-dev:arm64 libswresample-dev:arm64
     libsdl2-dev:arm64 libdrm-dev:arm64 zlib1g-dev:arm64 pkgconf:arm64)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  qv_sudo dpkg --add-architecture arm64
  # Multiarch needs the same versions for both architectures: refresh lists.
  qv_sudo apt-get -o DPkg::Lock::Timeout=900 update -q
fi
qv_install "${native[@]}" "${arm[@]}"
test -e /lib/ld-linux-aarch64.so.1
