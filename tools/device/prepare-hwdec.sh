#!/usr/bin/env bash
# Prepares, HERE (Debian 12), everything the NVIDIA machine needs for the
# hwdec checks (issue 12), because that machine has no FFmpeg, no compiler
# toolchain we rely on, and no network:
#   1. a small static FFmpeg with NVDEC/CUVID (../shared/device/build-ffmin.sh, ~10 min on 2 cores),
#      and FFmpeg's Vulkan hwcontext (--enable-vulkan: CUDA frames into the vulkan display),
#   2. qv linked against it, with the vulkan display (headless there) but no SDL2 or KMS,
#      and the Vulkan loader (Debian's libvulkan1, unpacked into OUT/lib: the machine has the
#      NVIDIA ICD but no loader),
#   3. the clips: generated with this machine's ffmpeg (H.264 8-bit with B-frames,
#      H.264 10-bit, HEVC 8-bit and 10-bit, VP9, an odd size, a 1080p H.264 and HEVC
#      for throughput), and their framemd5 from this machine's software decoder.
# What the `run` tool carries is limited to 64 MiB: `du` at the end says what this is.
# Usage: tools/device/prepare-hwdec.sh [OUT]   (default OUT: build-device; needs root for apt)
# Then, on the device machine (the `run` tool, carry OUT/qv, OUT/clips and OUT/lib: about
# 20 MiB; OUT as a whole, with the FFmpeg build, is over the 64 MiB the tool carries):
#   tools/device/hwdec-nvidia.sh OUT
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$root/build-device}")
mkdir -p "$out/clips"
ffmin=$out/ffmin
shared=$root/../shared/device
if [[ ! -f $ffmin/lib/pkgconfig/libavcodec.pc || ! -f $ffmin/.vulkan ]]; then
  [[ -x $shared/build-ffmin.sh ]] || { echo "prepare-hwdec: $shared/build-ffmin.sh is missing" >&2; exit 1; }
  apt-get install -y -q libvulkan-dev glslang-tools > /dev/null
  # The shared recipe with FFmpeg's Vulkan hwcontext added (its README says how).
  sed 's/--enable-cuda /--enable-cuda --enable-vulkan /' "$shared/build-ffmin.sh" > "$out/build-ffmin-vk.sh"
  grep -q -- '--enable-vulkan' "$out/build-ffmin-vk.sh" || { echo "prepare-hwdec: cannot add --enable-vulkan" >&2; exit 1; }
  rm -rf "$ffmin"
  nice bash "$out/build-ffmin-vk.sh" "$ffmin"
  touch "$ffmin/.vulkan"
fi
# The Vulkan loader for the machine (it has the NVIDIA ICD, not the loader).
if [[ ! -e $out/lib/libvulkan.so.1 ]]; then
  mkdir -p "$out/deb" "$out/lib"
  (cd "$out/deb" && apt-get download libvulkan1 > /dev/null)
  dpkg-deb -x "$out"/deb/libvulkan1_*.deb "$out/deb/root"
  cp -a "$out"/deb/root/usr/lib/x86_64-linux-gnu/libvulkan.so.1* "$out/lib/"
fi
# The static libraries need their private dependencies (pkg-config --static).
cat > "$out/pkg-config-static" <<'PC'
#!/bin/sh
exec pkg-config --static "$@"
PC
chmod +x "$out/pkg-config-static"
if [[ ! -f $out/qv-build/build.ninja ]]; then
  PKG_CONFIG="$out/pkg-config-static" PKG_CONFIG_PATH="$ffmin/lib/pkgconfig" \
    meson setup "$out/qv-build" "$root" -Dbuildtype=release -Dsdl2=disabled -Dkms=disabled -Dvulkan=enabled \
      -Dtests=disabled > "$out/meson-setup.log"
fi
nice ninja -C "$out/qv-build" -j2 qv > "$out/ninja.log"
cp "$out/qv-build/qv" "$out/qv"
strip "$out/qv"
ldd "$out/qv" | grep -E 'avcodec|avformat|SDL|drm' && { echo "prepare-hwdec: qv links a library the device lacks" >&2; exit 1; } || true

gen() { local name=$1; shift; [[ -s $out/clips/$name ]] || nice ffmpeg -nostdin -hide_banner -loglevel error -y "$@" "$out/clips/$name"; }
src=(-f lavfi -i testsrc2=size=320x240:rate=25 -t 2)
big=(-f lavfi -i testsrc2=size=1920x1080:rate=30 -t 10)
gen h264-bframes.mp4 "${src[@]}" -c:v libx264 -bf 3 -g 25 -pix_fmt yuv420p
gen h264-10bit.mkv "${src[@]}" -c:v libx264 -pix_fmt yuv420p10le -bf 2
gen hevc.mkv "${src[@]}" -c:v libx265 -x265-params log-level=error:bframes=4 -pix_fmt yuv420p
gen hevc-10bit.mkv "${src[@]}" -c:v libx265 -x265-params log-level=error:bframes=4 -pix_fmt yuv420p10le
gen vp9.webm "${src[@]}" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 10
# No AV1 clip: build-ffmin.sh's FFmpeg (5.1) has only the native av1 decoder,
# which decodes nothing without a hwaccel: no software reference there.
gen h264-odd-174x142.mkv -f lavfi -i testsrc2=size=174x142:rate=25 -t 2 -c:v libx264 -bf 2 -pix_fmt yuv420p
gen h264-1080p.mkv "${big[@]}" -c:v libx264 -preset veryfast -bf 3 -g 60 -pix_fmt yuv420p
gen hevc-1080p.mkv "${big[@]}" -c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p
# The software framemd5 of each clip from this machine's ffmpeg: a third opinion.
for c in "$out"/clips/*; do
  case $c in *.md5) continue ;; esac
  [[ -s $c.md5 ]] || nice ffmpeg -nostdin -v error -i "$c" -map 0:v:0 -f framemd5 "$c.md5"
done
du -sh "$out/qv" "$out/clips" "$out/lib"
rel=$(realpath -m --relative-to="$root" "$out")
echo "prepared $out: carry $rel/qv, $rel/clips and $rel/lib to the device machine and run tools/device/hwdec-nvidia.sh $rel"
