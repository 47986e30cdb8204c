#!/usr/bin/env bash
# tools/cross/sysroot.sh armhf: a Debian 12 armhf sysroot (the -dev packages
# qv builds against, unpacked by mmdebstrap --variant=extract: no maintainer
# scripts, so no qemu needed), kept in /var/cache/qv/sysroot-armhf, plus the
# cross toolchain and qemu-user on the host. Prints the path of a Meson
# machine file that defines `sysroot` for tools/cross/arm-linux-gnueabihf.ini
# (give that first: meson setup --cross-file PRINTED --cross-file INI).
# A sysroot rather than multiarch: it never has to match the host's package
# versions (multiarch needs every shared library at the same version for both
# architectures, and one mirror index out of step breaks that), and it leaves
# the host as it was.
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
source "$QV_ROOT/tools/lib/chroot.sh"
arch=${1:?usage: sysroot.sh armhf}
case $arch in
  armhf) triplet=arm-linux-gnueabihf ;;
  *) echo "sysroot.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
qv_install "g++-$triplet" qemu-user-static mmdebstrap file doctest-dev meson ninja-build pkgconf >&2
root=$QV_CHROOT_CACHE/sysroot-$arch
pkgs=(libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libdrm-dev zlib1g-dev libc6-dev
      libstdc++6 libgcc-s1)
# The .debs stay in var/cache/apt/archives and apt's lists in var/lib/apt:
# tools/package reads the libraries' symbols files from them and asks apt
# whether the armhf package's Depends resolve.
want="$(printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' ')debs-kept"
if [[ ! -f $root/.qv-ready || $(cat "$root/.qv-ready") != "$want" ]]; then
  rm -rf "$root"
  mmdebstrap --variant=extract --skip=cleanup/apt --architectures="$arch" --include="$(IFS=,; echo "${pkgs[*]}")" \
    --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Retries "3"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$root" "$(qv_debian_mirror)" > "$root.log" 2>&1 || { tail -n 20 "$root.log" >&2; rm -rf "$root"; exit 1; }
  echo "$want" > "$root/.qv-ready"
fi
ini=$root.ini
printf "# written by tools/cross/sysroot.sh\n[constants]\nsysroot = '%s'\n" "$root" > "$ini"
echo "$ini"
