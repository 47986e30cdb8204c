#!/usr/bin/env bash
# prepare-sid.sh - everything the kms test needs to boot Debian unstable's
# kernel with vkms: the kernel image and its modules (unpacked, never
# installed into the host's /boot) and vkms.ko built for it (Debian's kernel
# has CONFIG_DRM_VKMS unset). vkms there has YUV formats on every plane,
# COLOR_ENCODING/COLOR_RANGE, overlay planes and a writeback connector.
#
#   prepare-sid.sh [-k KVER] [-c CACHE] [-m MIRROR] [--rm-chroot]
#
#   KVER    the kernel (default 7.2.13+deb14-amd64)
#   CACHE   where it all lives, outside any checkout (default
#           $QV_KMSVM_CACHE, else /var/cache/qv/kmsvm)
#   MIRROR  Debian mirror (default: the host's own, from its apt sources)
#
# How: a minimal unstable chroot (debootstrap, once) gets unstable's gcc,
# make, linux-headers-KVER and linux-source-X.Y (the host's Debian 12 gcc
# cannot build for that kernel); vkms's directory is taken from the source
# tarball and built out of tree in the chroot (with its own /proc in a
# private mount namespace: objtool reads it). apt-get download (in the
# chroot, which has unstable's package lists) fetches the kernel's image and
# modules packages; dpkg-deb -x unpacks them and depmod makes modules.dep.
#
# Output: CACHE/KVER/env, sourced by the test: KMSVM_KERNEL (the vmlinuz),
# KMSVM_MODULES (its module tree), KMSVM_VKMS (vkms.ko). Its last line is
# printed. A second run finds everything and returns at once; runs at the
# same time wait for each other (flock). A step that fails leaves no stamp,
# so the next run does it again. Traps met: a Release file past its
# Valid-Until (apt in the chroot is told not to check it); objtool wants
# /proc. When unstable has moved on and KVER is gone from it, pass a Debian
# snapshot archive URL from the kernel's upload date with -m.
#
# Needs root (debootstrap, chroot, unshare) and Debian's mirror. Timings on
# a 2-core Debian 12 machine are in tools/kmsvm/README.md.
set -eu -o pipefail

kver=7.2.13+deb14-amd64
cache=${QV_KMSVM_CACHE:-/var/cache/qv/kmsvm}
mirror= rm_chroot=0
while [ $# -gt 0 ]; do
	case $1 in
	-k) kver=$2; shift ;;
	-c) cache=$2; shift ;;
	-m) mirror=$2; shift ;;
	--rm-chroot) rm_chroot=1 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "prepare-sid.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
if [ -z "$mirror" ]; then
	mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' \
		/etc/apt/sources.list 2>/dev/null | head -n 1)
	[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
fi
series=$(echo "$kver" | cut -d. -f1-2)
out=$cache/$kver
root=$cache/sid-root
envfile=$out/env
mkdir -p "$out"

t0=$(date +%s.%N)
say() { awk -v a="$t0" -v t="$(date +%s.%N)" -v m="$*" 'BEGIN { printf "prepare-sid: [%5.1f s] %s\n", t - a, m }' >&2; }

exec 9> "$cache/.lock"
flock 9
if [ -s "$envfile" ]; then
	. "$envfile"
	if [ -f "$KMSVM_KERNEL" ] && [ -f "$KMSVM_MODULES/modules.dep" ] && [ -f "$KMSVM_VKMS" ]; then
		say "cached: $envfile"
		tail -n 1 "$envfile"
		exit 0
	fi
fi
[ "$(id -u)" = 0 ] || { echo "prepare-sid: needs root (debootstrap, chroot)" >&2; exit 1; }
for t in debootstrap unshare depmod dpkg-deb; do
	command -v $t >/dev/null || { echo "prepare-sid: $t not found (apt-get install debootstrap kmod)" >&2; exit 1; }
done
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }
log=$out/log
: > "$log"
fail() { tail -n 25 "$log" >&2; echo "prepare-sid: $* (log: $log)" >&2; exit 1; }

# 1. the chroot
if [ ! -f "$root/.qv-debootstrap-done" ]; then
	rm -rf "$root"
	debootstrap --variant=minbase sid "$root" "$mirror" >> "$log" 2>&1 || fail "debootstrap sid failed"
	echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99qv-no-valid-until"
	touch "$root/.qv-debootstrap-done"
	say "debootstrap --variant=minbase sid"
fi
need="gcc make xz-utils linux-headers-$kver linux-source-$series"
if ! in_root dpkg-query -W $need > /dev/null 2>&1; then
	in_root apt-get -q -o Acquire::Retries=3 update >> "$log" 2>&1 || fail "apt-get update in the chroot failed"
	in_root apt-get -q -o Acquire::Retries=3 install -y --no-install-recommends $need >> "$log" 2>&1 ||
		fail "cannot install $need in the chroot (is $kver still in unstable? see -m)"
	say "apt-get install $need (chroot)"
fi

# 2. the kernel: image and modules, unpacked
kroot=$out/root
if [ ! -f "$kroot/.qv-done" ]; then
	rm -rf "$kroot" "$root/tmp/qv-debs"
	mkdir -p "$kroot" "$root/tmp/qv-debs"
	# Since 6.x Debian splits linux-image-KVER into a meta package over
	# linux-binary-KVER (vmlinuz) and linux-modules-KVER; older kernels
	# have both in linux-image-KVER.
	pkgs=
	for p in "linux-binary-$kver" "linux-modules-$kver"; do
		in_root apt-cache show "$p" > /dev/null 2>&1 && pkgs="$pkgs $p"
	done
	[ -n "$pkgs" ] || pkgs="linux-image-$kver"
	(cd "$root/tmp/qv-debs" && in_root sh -c "cd /tmp/qv-debs && apt-get -q -o Acquire::Retries=3 download $pkgs") \
		>> "$log" 2>&1 || fail "apt-get download $pkgs failed"
	for d in "$root"/tmp/qv-debs/*.deb; do dpkg-deb -x "$d" "$kroot" || fail "cannot unpack $d"; done
	rm -rf "$root/tmp/qv-debs"
	[ -e "$kroot/lib" ] || ln -s usr/lib "$kroot/lib"
	depmod -b "$kroot" "$kver" >> "$log" 2>&1 || fail "depmod failed"
	touch "$kroot/.qv-done"
	say "kernel $kver:$pkgs unpacked"
fi
moddir=$kroot/lib/modules/$kver
kernel=
for k in "$moddir/vmlinuz" "$kroot/boot/vmlinuz-$kver"; do [ -f "$k" ] && { kernel=$k; break; }; done
[ -n "$kernel" ] || fail "no vmlinuz in the $kver packages"

# 3. vkms.ko
ko=$out/vkms.ko
if [ ! -f "$ko" ]; then
	work=/tmp/qv-vkms-$kver
	rm -rf "${root:?}$work"; mkdir -p "$root$work"
	tar -xf "$root/usr/src/linux-source-$series.tar.xz" -C "$root$work" --wildcards --strip-components=5 \
		'*/drivers/gpu/drm/vkms/*' >> "$log" 2>&1 || fail "no drivers/gpu/drm/vkms in linux-source-$series"
	say "vkms sources extracted"
	unshare --mount --pid --fork --mount-proc="$root/proc" \
		chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		make -C "/usr/src/linux-headers-$kver" M="$work" CONFIG_DRM_VKMS=m -j"$(nproc)" modules >> "$log" 2>&1 ||
		fail "building vkms failed"
	in_root strip --strip-debug "$work/vkms.ko"
	cp "$root$work/vkms.ko" "$ko.part" && mv "$ko.part" "$ko"
	rm -rf "${root:?}$work"
	say "vkms.ko built ($(stat -c %s "$ko") bytes)"
fi
if [ "$rm_chroot" = 1 ]; then
	rm -rf "$root"
	say "chroot removed"
fi
{
	echo "# prepare-sid.sh, $(date -u +%FT%TZ)"
	echo "KMSVM_KVER=$kver"
	echo "KMSVM_MODULES=$moddir"
	echo "KMSVM_VKMS=$ko"
	echo "KMSVM_KERNEL=$kernel"
} > "$envfile.part"
mv "$envfile.part" "$envfile"
say "done: $envfile"
tail -n 1 "$envfile"
