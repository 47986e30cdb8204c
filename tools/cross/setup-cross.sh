#!/usr/bin/env bash
# tools/cross/setup-cross.sh ARCH [--no-sdl2]: install the cross toolchain for
# a Debian architecture (arm64, armhf), qemu-user and the -dev:ARCH packages
# qv builds against (Debian multiarch). A no-op when all is installed.
# --no-sdl2 leaves out libsdl2-dev and libswresample-dev (SDL2 pulls in the
# ARCH desktop stack: mesa, X11, wayland, pulse; about 200 MB).
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
arch=${1:?usage: setup-cross.sh ARCH [--no-sdl2]}
case $arch in
  arm64) triplet=aarch64-linux-gnu loader=/lib/ld-linux-aarch64.so.1 ;;
  armhf) triplet=arm-linux-gnueabihf loader=/lib/ld-linux-armhf.so.3 ;;
  *) echo "setup-cross.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
native=("g++-$triplet" qemu-user-static file doctest-dev meson ninja-build pkgconf)
libs=(libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libdrm-dev zlib1g-dev libdeflate-dev pkgconf)
[[ ${2:-} == --no-sdl2 ]] || libs+=(libsdl2-dev libswresample-dev)
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  add_arch() {
    qv_sudo dpkg --add-architecture "$arch"
    # Multiarch needs the same versions for both architectures: refresh lists.
    qv_sudo apt-get -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3 update -q || true
  }
  qv_apt_locked add_arch
fi
qv_install "${native[@]}" "${libs[@]/%/:$arch}"
test -e "$loader"
