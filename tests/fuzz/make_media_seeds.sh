#!/usr/bin/env bash
# Makes the media fuzz target's seed corpus (tests/fuzz/corpus/media): tiny
# clips (32x32, 6 frames, a keyframe every 3) in each container and codec qv
# meets, a few hundred bytes to 3 KB each, so the fuzzer mutates them fast.
# Run by hand when a seed is wanted; the files are committed.
set -euo pipefail
out=${1:-$(dirname "$0")/corpus/media}
mkdir -p "$out"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=32x32:rate=25 -frames:v 6 "$@"; }
ff -c:v libx264 -bf 2 -g 3 -pix_fmt yuv420p "$out/h264-bframes.mp4"
ff -c:v libx264 -g 3 -pix_fmt yuv420p "$out/h264.mkv"
ff -c:v libx264 -bf 2 -g 3 -pix_fmt yuv420p -f h264 "$out/h264-raw.264"
ff -c:v libx265 -x265-params log-level=error:bframes=2:keyint=3 -pix_fmt yuv420p "$out/hevc.mp4"
ff -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -g 3 "$out/vp9.webm"
ff -c:v libvpx -deadline realtime -cpu-used 8 -g 3 -f ivf "$out/vp8.ivf"
ff -c:v mpeg2video -g 3 -q:v 10 "$out/mpeg2.ts"
ff -c:v mpeg4 -g 3 -q:v 10 "$out/mpeg4.avi"
ff -c:v libaom-av1 -cpu-used 8 -usage realtime -g 3 "$out/av1.mkv"
ff -c:v mjpeg -q:v 10 "$out/mjpeg.mov"
ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:duration=0.1 -c:a aac "$out/audio-only.m4a"
ls -l "$out"
