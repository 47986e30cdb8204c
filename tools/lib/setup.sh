# Shared set-up for tools/qv, tools/test and tools/bench (sourced, bash).
# Installs only what is missing (one dpkg-query, no apt when all is there),
# configures build/ once and lets ninja rebuild only what changed.

QV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QV_BUILD=${QV_BUILD:-$QV_ROOT/build}

QV_RUN_PKGS=(meson ninja-build g++ pkgconf libdeflate-dev
             libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libavdevice-dev
             libsdl2-dev libdrm-dev zlib1g-dev libvulkan-dev glslang-tools)
QV_TEST_PKGS=(ffmpeg doctest-dev tmux python3 util-linux procps file
              xvfb xterm kitty x11-apps x11-utils xdotool openbox imagemagick
              qemu-system-x86 busybox-static cpio xz-utils zstd kmod debootstrap linux-image-amd64
              mesa-vulkan-drivers vulkan-validationlayers
              python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good)
# tools/fuzz: clang with libFuzzer and the sanitizer runtimes (compiler-rt),
# llvm for llvm-symbolizer (readable stacks).
QV_FUZZ_PKGS=(clang libclang-rt-dev llvm)

qv_sudo() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "qv setup: need root (or sudo) to install packages: $*" >&2; return 1; fi
}

qv_missing() {
  local p st out=()
  for p in "$@"; do
    st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [[ $st == ii* ]] || out+=("$p")
  done
  echo "${out[@]}"
}

# qv_apt_locked CMD...: runs CMD with qv's apt lock held. One apt at a time
# among qv's scripts (tools/test installs in the background while it
# builds); per user (apt's own lock keeps different users apart); a timeout,
# then on without it.
qv_apt_locked() {
  (
    flock -w 1800 9 2>/dev/null || true
    "$@"
  ) 9>>"${TMPDIR:-/tmp}/qv-apt-$(id -u).lock"
}

qv_install() {
  local missing
  missing=$(qv_missing "$@")
  [[ -z $missing ]] && return 0
  qv_apt_locked qv_install_now "$@"
}

qv_install_now() {   # (with the lock held: what is still missing, now the others are done)
  local missing
  missing=$(qv_missing "$@")
  [[ -z $missing ]] && return 0
  echo "qv setup: installing $missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  # An index the mirror serves mid-sync fails the update but leaves the
  # others usable: go on, and let the install say whether that was enough.
  qv_sudo apt-get -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3 update -q >&2 ||
    echo "qv setup: apt-get update failed for some index; installing from the lists there are" >&2
  # shellcheck disable=SC2086
  qv_sudo apt-get -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3 install -y -q \
    --no-install-recommends $missing >&2
}

# Whether the -Dkey=value options given are what DIR is configured with.
qv_options_match() {
  local dir=$1; shift
  python3 - "$dir" "$@" <<'PY'
import json, subprocess, sys
want = {}
for a in sys.argv[2:]:
    if a.startswith("-D") and "=" in a:
        k, v = a[2:].split("=", 1)
        want[k] = v
try:
    opts = json.loads(subprocess.run(["meson", "introspect", "--buildoptions", sys.argv[1]],
                                     capture_output=True, check=True).stdout)
except Exception:
    sys.exit(1)
have = {o["name"]: o["value"] for o in opts}
def same(k, v):
    h = have.get(k)
    if isinstance(h, bool): return str(h).lower() == v.lower()
    if isinstance(h, list): return ",".join(h) == v
    return str(h) == v
sys.exit(0 if all(same(k, v) for k, v in want.items()) else 1)
PY
}

# qv_build [builddir] [meson options...]: configures DIR (or, when it is
# configured already, changes what the -D options ask to change: tools/qv
# and tools/test share build/ whatever order they run in), then builds
# QV_TARGET (default: everything).
qv_build() {
  local dir=${1:-$QV_BUILD}; shift || true
  if [[ ! -f $dir/build.ninja ]]; then
    meson setup "$dir" "$QV_ROOT" "$@" >&2 || return 1
  elif [[ $# -gt 0 ]] && ! qv_options_match "$dir" "$@"; then
    local dopts=()
    for a in "$@"; do [[ $a == -D* ]] && dopts+=("$a"); done
    echo "qv setup: reconfiguring $dir with ${dopts[*]}" >&2
    meson configure "$dir" "${dopts[@]}" >&2 || return 1
  fi
  # shellcheck disable=SC2086
  ninja -C "$dir" ${QV_NINJA_JOBS:+-j "$QV_NINJA_JOBS"} ${QV_TARGET:-} >&2
}
