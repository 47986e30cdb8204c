#!/usr/bin/env python3
"""Trick play (issue 16): qv at 16x and 64x on 1080p30 H.264, a keyframe
every second (and every two seconds: the ceiling is speed / interval
keyframes a second), no display, no sound. From the frame log, outside qv:
distinct frames shown a second, and how far the frame on screen is from the
clock (position = speed x wall time since the first frame) in keyframe
intervals. Prints, never asserts. A second qv (QV_BASE, e.g. a build from
before trick play) runs the same for comparison when given.
usage: bench_trick.py QV [--quick]"""
import os
import statistics
import subprocess
import sys
import tempfile

QV = os.path.abspath(sys.argv[1])
QUICK = "--quick" in sys.argv
BASE = os.environ.get("QV_BASE", "")
work = tempfile.mkdtemp(prefix="qv-bench-trick-")
secs = 60 if QUICK else 240


def clip(gop):
    path = os.path.join(work, f"1080p-gop{gop}.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={secs}",
                    "-c:v", "libx264", "-preset", "veryfast", "-g", str(gop), "-keyint_min", str(gop),
                    "-sc_threshold", "0", "-pix_fmt", "yuv420p", path], check=True)
    return path


def run(qv, path, speed, gop):
    log = os.path.join(work, "frames.tsv")
    if os.path.exists(log):
        os.unlink(log)
    p = subprocess.run([qv, path, "--display=null", "--no-audio", f"--speed={speed}", "--frame-log=" + log, "--stats"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    if p.returncode != 0 or not os.path.exists(log):
        return {"rc": p.returncode, "err": p.stderr.decode(errors="replace").strip().splitlines()[-1:]}
    shown = []
    for line in open(log):
        f = line.split("\t")
        if f[0] == "presented":
            shown.append((int(f[6]), float(f[2]), f[1]))
    if not shown:
        return None
    t0 = shown[0][0]
    # The clock: speed x wall time from the first frame (qv anchors there).
    # Measured over the middle of the run (the index comes after ~0.1 s).
    errs = []
    for t, pts, _ in shown:
        pos = (t - t0) / 1e9 * speed
        if 0.5 * speed < pos < secs - 2:
            errs.append(abs(pos - pts) / (gop / 30))
    wall = (shown[-1][0] - t0) / 1e9
    distinct = len({o for _, _, o in shown})
    return {"fps": distinct / wall if wall > 0 else 0, "wall": wall, "distinct": distinct,
            "med": statistics.median(errs) if errs else float("nan"),
            "p99": sorted(errs)[int(len(errs) * 0.99)] if errs else float("nan"),
            "within": sum(e <= 1.0 for e in errs) / len(errs) if errs else 0, "rc": p.returncode}


print(f"## trick play: {secs} s of 1080p30 H.264 (testsrc2, x264 veryfast), --display=null --no-audio, "
      f"{os.cpu_count()} cores")
print("distinct: frames shown a second; off: |clock position - pts of the frame shown| in keyframe intervals "
      "(median / 99th percentile), within: share of frames within one interval")
for gop in (30, 60):
    path = clip(gop)
    for speed in (16, 64):
        for label, qv in (("qv", QV), ("before", BASE)):
            if not qv:
                continue
            r = run(qv, path, speed, gop)
            if not r or "err" in r:
                why = f"exit {r['rc']}: {' '.join(r['err'])}" if r else "nothing shown"
                print(f"keyframe every {gop // 30} s, {speed:2d}x, {label:6s}: {why}")
                continue
            print(f"keyframe every {gop // 30} s, {speed:2d}x, {label:6s}: {r['fps']:5.1f} distinct frames/s "
                  f"(ceiling {speed / (gop / 30):.0f}), {r['distinct']} in {r['wall']:.1f} s (clip at {speed}x: "
                  f"{secs / speed:.1f} s), off {r['med']:.2f} / {r['p99']:.2f}, within {r['within'] * 100:.0f}%, "
                  f"exit {r['rc']}")
