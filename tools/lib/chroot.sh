# Debian chroots for the toolchain checks (sourced, bash; needs root).
# Each is made once by mmdebstrap (apt variant), topped up by apt-get, kept
# outside the checkout in $QV_CHROOT_CACHE/chroot-SUITE (default
# /var/cache/qv), so a second run only checks that it is there.
#
#   qv_chroot_make SUITE PKG...   make (or top up) the chroot; prints nothing
#                                 on stdout, its log is chroot-SUITE.log
#   qv_chroot_run SUITE CMD...    run CMD inside it (as root, cwd /) with
#                                 /proc, /dev and /tmp mounted in a private
#                                 mount namespace (nothing stays mounted)
#   qv_chroot_dir SUITE           the chroot's path
#   qv_chroot_scratch SUITE DIR CMD...  run CMD in a throw-away copy of the
#                                 chroot (an overlay on tmpfs; the chroot
#                                 stays clean), DIR bound at /pkg, apt's
#                                 downloads kept in chroot-SUITE.apt/
# QV_CHROOT_DOCS=1 keeps /usr/share/{doc,man,locale} (a user's system);
# the build chroots leave them out.
#
# The mirror is $QV_DEBIAN_MIRROR, else the first Debian URI in the host's
# apt sources, else deb.debian.org.

QV_CHROOT_CACHE=${QV_CHROOT_CACHE:-/var/cache/qv}

qv_chroot_dir() { echo "$QV_CHROOT_CACHE/chroot-$1"; }

qv_debian_mirror() {
  if [[ -n ${QV_DEBIAN_MIRROR:-} ]]; then echo "$QV_DEBIAN_MIRROR"; return; fi
  local u
  u=$(grep -hoE '(URIs:|^deb) +https?://[^ ]*/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
        /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -n 1 | awk '{print $2}')
  echo "${u:-http://deb.debian.org/debian}"
}

qv_ubuntu_suite() { [[ $1 == jammy || $1 == noble ]]; }

qv_chroot_make() {
  local suite=$1; shift
  local dir log want
  dir=$(qv_chroot_dir "$suite"); log=$dir.log
  want=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
  if [[ -f $dir/.qv-ready && $(cat "$dir/.qv-ready") == "$want" ]]; then return 0; fi
  mkdir -p "$QV_CHROOT_CACHE" || return 1
  (
    echo "== $(date -u +%FT%TZ) qv_chroot_make $suite: $want"
    if [[ ! -x $dir/usr/bin/apt-get ]]; then
      rm -rf "$dir"
      # mmdebstrap: debootstrap's job through apt (parallel downloads, one
      # dependency resolution, dpkg without fsync), about twice as fast here.
      local opts=(--mode=root --variant=apt --aptopt='Acquire::Check-Valid-Until "false"'
                  --aptopt='Acquire::Retries "3"' --dpkgopt=force-unsafe-io)
      [[ $# -gt 0 ]] && opts+=(--include="$(IFS=,; echo "$*")")
      [[ ${QV_CHROOT_DOCS:-0} == 1 ]] || opts+=(--dpkgopt='path-exclude=/usr/share/doc/*'
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*')
      local mirror
      mirror=$(qv_debian_mirror)
      if qv_ubuntu_suite "$suite"; then
        # Ubuntu (by hand only: CI reaches Debian's mirror alone): its
        # archive, main and universe (FFmpeg's -dev packages), its keyring
        # from its own pool.
        mirror=${QV_UBUNTU_MIRROR:-http://archive.ubuntu.com/ubuntu}
        local kr=$QV_CHROOT_CACHE/ubuntu-archive-keyring.gpg
        if [[ ! -s $kr ]]; then
          local t; t=$(mktemp -d)
          curl -fsSL -o "$t/k.deb" "$mirror/pool/main/u/ubuntu-keyring/ubuntu-keyring_2021.03.26_all.deb" &&
            dpkg-deb -x "$t/k.deb" "$t/x" && cp "$t/x/usr/share/keyrings/ubuntu-archive-keyring.gpg" "$kr"
          rm -rf "$t"; [[ -s $kr ]] || exit 1
        fi
        opts+=(--components=main,universe --keyring="$kr")
      fi
      mmdebstrap "${opts[@]}" "$suite" "$dir" "$mirror" || { rm -rf "$dir"; exit 1; }
    else
      cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null
      qv_chroot_run "$suite" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Acquire::Retries=3 update &&
        qv_chroot_run "$suite" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Acquire::Retries=3 \
          install --no-install-recommends "$@" && qv_chroot_run "$suite" apt-get clean || exit 1
    fi
    echo "$want" > "$dir/.qv-ready"
  ) >> "$log" 2>&1
}

qv_chroot_run() {
  local dir
  dir=$(qv_chroot_dir "$1"); shift
  # A private mount namespace: the mounts go away with the command.
  unshare --mount --propagation private -- /bin/sh -c '
    d=$1; shift
    mount -t proc proc "$d/proc" && mount --rbind /dev "$d/dev" && mount -t tmpfs tmpfs "$d/tmp" &&
      mount -t sysfs sysfs "$d/sys" || exit 125
    exec chroot "$d" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
  ' sh "$dir" "$@"
}

qv_chroot_scratch() {
  local dir pkg
  dir=$(qv_chroot_dir "$1"); pkg=$(cd "$2" && pwd); shift 2
  mkdir -p "$dir.apt/partial" || return 1
  cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null
  unshare --mount --propagation private -- /bin/sh -c '
    d=$1 pkg=$2; shift 2
    s=$(mktemp -d) && mount -t tmpfs tmpfs "$s" && mkdir "$s/up" "$s/work" "$s/root" &&
      mount -t overlay overlay -o "lowerdir=$d,upperdir=$s/up,workdir=$s/work" "$s/root" &&
      mount -t proc proc "$s/root/proc" && mount --rbind /dev "$s/root/dev" &&
      mount -t tmpfs tmpfs "$s/root/tmp" && mount -t sysfs sysfs "$s/root/sys" &&
      mount --bind "$d.apt" "$s/root/var/cache/apt/archives" &&
      mkdir -p "$s/root/pkg" && mount --bind "$pkg" "$s/root/pkg" || exit 125
    chroot "$s/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=xterm "$@"
  ' sh "$dir" "$pkg" "$@"
}
