#!/usr/bin/env python3
"""Bad input: one line on stderr naming the file and the problem, the
documented exit code, no crash, no hang. A corrupt packet mid-stream is
skipped and counted, and playback goes on."""
import os
import shutil
import stat
import tempfile

import subprocess

from common import FFMPEG, QV, check, clip, finish, run

tmp = tempfile.mkdtemp(prefix="qv-bad-")


def refused(path, code, words, extra=()):
    rc, out, err = run([QV, path, "--display=null", "--no-sync", *extra], timeout=60)
    lines = [l for l in err.splitlines() if l.strip()]
    check(rc == code, f"{os.path.basename(path) or path}: exit {rc} (want {code})")
    check(len(lines) == 1, f"{path}: one line on stderr ({lines})")
    if lines:
        check(path in lines[0] and words.lower() in lines[0].lower(),
              f"{path}: message names file and problem: {lines[0]!r} ~ {words!r}")


refused(os.path.join(tmp, "missing.mp4"), 3, "No such file")
refused(tmp, 3, "directory")

empty = os.path.join(tmp, "empty.mp4")
open(empty, "wb").close()
refused(empty, 4, "empty")

# Truncated MP4: the moov box (written at the end) is lost.
src = clip("h264-bframes.mp4")
trunc = os.path.join(tmp, "truncated.mp4")
with open(src, "rb") as f:
    data = f.read()
with open(trunc, "wb") as f:
    f.write(data[: len(data) // 3])
refused(trunc, 4, "not a playable media file")

text = os.path.join(tmp, "notes.txt")
with open(text, "w") as f:
    f.write("this is not a video\n" * 20)
refused(text, 4, "not a playable media file")

refused(clip("audio-only.m4a"), 5, "no video stream")

# No read permission (as root, drop to nobody to make it real).
noperm = os.path.join(tmp, "noperm.mp4")
shutil.copy(src, noperm)
os.chmod(noperm, 0)
os.chmod(tmp, 0o755)
if os.geteuid() == 0:
    rc, out, err = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", QV, noperm,
                        "--display=null"], timeout=60)
else:
    rc, out, err = run([QV, noperm, "--display=null"], timeout=60)
check(rc == 3, f"no permission: exit {rc} (want 3)")
check(noperm in err and "permission denied" in err.lower(), f"no permission message: {err.strip()!r}")

# Bad command lines.
rc, out, err = run([QV, "--frames=abc"])
check(rc == 2 and "--frames" in err, f"bad option value: exit {rc}, {err.strip()!r}")
rc, out, err = run([QV, "--display=nonsense"])
check(rc == 2 and "nonsense" in err, f"unknown display: exit {rc}, {err.strip()!r}")

# Shared broken files, when the checkout has them.
media = os.environ.get("QV_MEDIA", "")
if media and os.path.isdir(media):
    for name, code in (("broken-empty-0bytes.mp4", 4), ("broken-mp4-moov-missing.mp4", 4)):
        p = os.path.join(media, name)
        if os.path.exists(p):
            refused(p, code, "")

# Every video packet damaged (VP9, FFmpeg's noise filter over the whole
# stream): nothing can be decoded. play (with and without the clock),
# frames and thumb all say so in one line and exit 6.
vp9bad = os.path.join(tmp, "vp9-all-corrupt.webm")
subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "2",
                "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-bsf:v", "noise=amount=-1", vp9bad],
               check=True)
refused(vp9bad, 6, "no frame could be decoded")
rc, out, err = run([QV, vp9bad, "--display=null", "--no-audio"], timeout=60)
lines = [l for l in err.splitlines() if l.strip()]
check(rc == 6 and len(lines) == 1 and "packets corrupt" in lines[0],
      f"all packets corrupt, timed playback: exit {rc} (want 6), one line saying how many: {lines}")
for cmd in (["frames", vp9bad], ["thumb", vp9bad, "-o", os.path.join(tmp, "t.png")]):
    rc, out, err = run([QV, *cmd], timeout=60)
    lines = [l for l in err.splitlines() if l.strip()]
    check(rc == 6 and len(lines) == 1 and "no frame could be decoded" in lines[0],
          f"qv {cmd[0]} on it: exit {rc} (want 6), one line: {lines}")

# Corrupt packets mid-stream: garbage over 2% of the file in three places.
long_clip = clip("h264-long.mkv")
corrupt = os.path.join(tmp, "corrupt.mkv")
with open(long_clip, "rb") as f:
    data = bytearray(f.read())
n = len(data)
for frac in (0.3, 0.5, 0.7):
    start = int(n * frac)
    for i in range(start, start + n // 150):
        data[i] = (i * 37) & 0xFF
with open(corrupt, "wb") as f:
    f.write(data)
rc, out, err = run([QV, corrupt, "--display=null", "--no-sync", "--stats"], timeout=120)
check(rc == 0, f"corrupt mid-stream: plays to the end, exit {rc}")
import re
m = re.search(r"presented (\d+)", err)
presented = int(m.group(1)) if m else 0
check(presented > 300, f"corrupt mid-stream: most frames still presented ({presented} of 600)")
m = re.search(r"corrupt skipped (\d+), frames with concealed errors (\d+)", err)
check(m is not None and int(m.group(1)) + int(m.group(2)) > 0,
      f"corrupt mid-stream: damage counted ({m.group(0) if m else err!r})")

shutil.rmtree(tmp, ignore_errors=True)
finish()
