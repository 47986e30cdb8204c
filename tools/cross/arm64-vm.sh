#!/usr/bin/env bash
# tools/cross/arm64-vm.sh: what the arm64 VM check needs, fetched from
# Debian's mirror once and kept in /var/cache/qv/arm64-vm (prints that path):
# qemu-system-aarch64, Debian's arm64 kernel (the release of the host's
# amd64 one) with its modules (modules.dep made here), a static arm64
# busybox and dpkg (the package is installed in the VM with dpkg -i).
# Needs the arm64 architecture (tools/cross/setup-cross.sh arm64 first).
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
cache=${QV_CHROOT_CACHE:-/var/cache/qv}/arm64-vm
# dpkg's own libraries, as arm64 (small; most are there already for qv).
qv_install qemu-system-arm kmod libmd0:arm64 libselinux1:arm64 libbz2-1.0:arm64 liblzma5:arm64 \
  libzstd1:arm64 zlib1g:arm64 >&2
kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n 1)
[[ -n $kpkg ]] || { echo "arm64-vm: no linux-image-arm64 in the apt lists (arm64 not added?)" >&2; exit 1; }
kver=${kpkg#linux-image-}
if [[ ! -f $cache/ready-$kver ]]; then
  rm -rf "$cache" && mkdir -p "$cache/dl" "$cache/root"
  (cd "$cache/dl" && apt-get -q -o Acquire::Retries=3 download "$kpkg:arm64" busybox-static:arm64 dpkg:arm64) >&2
  for d in "$cache"/dl/*.deb; do dpkg-deb -x "$d" "$cache/root"; done
  m=$cache/root/lib/modules/$kver
  [[ -d $m ]] || m=$cache/root/usr/lib/modules/$kver
  depmod -b "${m%/lib/modules/$kver}" "$kver"
  ln -sfn "$m" "$cache/modules"
  ln -sfn "$(ls "$cache"/root/boot/vmlinuz-"$kver")" "$cache/vmlinuz"
  rm -rf "$cache/dl"
  touch "$cache/ready-$kver"
fi
echo "$cache"
