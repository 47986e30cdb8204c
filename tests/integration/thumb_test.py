#!/usr/bin/env python3
"""qv thumb writes the exact frame (not the nearest keyframe), rotation and
SAR applied, as FFmpeg's own accurate seek and autorotate show it."""
import os
import re
import tempfile

from common import FFMPEG, QV, check, clip, finish, run

tmp = tempfile.mkdtemp(prefix="qv-thumb-")


def size(png):
    rc, out, err = run([FFMPEG, "-hide_banner", "-i", png])
    m = re.search(r", (\d+)x(\d+)", err)
    return (int(m.group(1)), int(m.group(2))) if m else None


def psnr(a, b):
    rc, out, err = run([FFMPEG, "-hide_banner", "-i", a, "-i", b, "-lavfi", "[0][1]psnr", "-f", "null", "-"])
    m = re.search(r"average:(\S+)", err)
    if not m:
        return 0.0
    return 100.0 if m.group(1) == "inf" else float(m.group(1))


def thumb_vs_ffmpeg(src, at=None, frame=None, width=None, label=""):
    ours = os.path.join(tmp, "q.png")
    ref = os.path.join(tmp, "f.png")
    args = [QV, "thumb", src, "-o", ours]
    ff = [FFMPEG, "-nostdin", "-v", "error", "-y"]
    vf = []
    if at is not None:
        args += ["--at", str(at)]
        ff += ["-ss", str(at)]
    ff += ["-i", src]
    if frame is not None:
        args += ["--frame", str(frame)]
        vf.append(f"select=eq(n\\,{frame})")
    if width:
        args += ["--width", str(width)]
    # What a player shows: square pixels (SAR applied), like qv's thumb.
    vf.append("scale=iw*sar:ih:flags=bicubic" if not width else f"scale={width}:-2:flags=bicubic")
    vf.append("setsar=1")
    ff += ["-vf", ",".join(vf), "-frames:v", "1", "-update", "1", ref]
    rc, out, err = run(args)
    check(rc == 0, f"{label}: qv thumb exit {rc} {err.strip()}")
    run(ff)
    sq, sf = size(ours), size(ref)
    check(sq is not None and sf is not None and abs(sq[0] - sf[0]) <= 2 and abs(sq[1] - sf[1]) <= 2,
          f"{label}: size {sq} ~ ffmpeg {sf}")
    p = psnr(ours, ref) if sq == sf else 0
    check(sq != sf or p > 30, f"{label}: PSNR {p:.1f} dB against ffmpeg's frame")
    return ours


# Exact frame at a time between keyframes (GOP 60, frame 73 is mid-GOP).
# 2.4 s is frame 72 exactly (30 fps), in the middle of a 60-frame GOP.
thumb_vs_ffmpeg(clip("h264-long.mkv"), at=2.4, label="--at 2.4 mid-GOP")
# A different frame must not match: the check can fail.
a = os.path.join(tmp, "a.png")
b = os.path.join(tmp, "b.png")
run([QV, "thumb", clip("h264-long.mkv"), "--at", "2.0", "-o", a])
run([QV, "thumb", clip("h264-long.mkv"), "--at", "2.4", "-o", b])
check(psnr(a, b) < 30, "two different times give different pictures")
thumb_vs_ffmpeg(clip("h264-bframes.mp4"), frame=17, label="--frame 17 with B-frames")
thumb_vs_ffmpeg(clip("mpeg2-sar.ts"), frame=5, label="SAR applied")
r = size(os.path.join(tmp, "q.png"))
# MPEG-2 stores a 16:9 display aspect: SAR 64:45 on 720x576 -> 1024 wide.
check(r == (1024, 576), f"720x576 at SAR 64:45 shows 1024x576 ({r})")
thumb_vs_ffmpeg(clip("hevc.mkv"), at=1.0, width=160, label="--width 160")
thumb_vs_ffmpeg(clip("h264-rotate90.mp4"), frame=7, label="rotation 90 (generated display matrix)")
media = os.environ.get("QV_MEDIA", "")
if media and os.path.exists(os.path.join(media, "h264-rotate-reflect-1080x720-aac.mp4")):
    rr = os.path.join(media, "h264-rotate-reflect-1080x720-aac.mp4")
    thumb_vs_ffmpeg(rr, frame=10, width=360, label="rotate+reflect (transpose) matrix")
    r = size(os.path.join(tmp, "q.png"))
    check(r == (360, 540), f"1080x720 turned by its matrix shows 360x540 at --width 360 ({r})")
rc, out, err = run([QV, "thumb", clip("h264-bframes.mp4"), "--frame", "9999", "-o", os.path.join(tmp, "x.png")])
check(rc == 2 and "fewer frames" in err, f"a frame past the end is refused ({rc}, {err.strip()})")
finish()
