#!/usr/bin/env python3
"""The encode stage (issue 15): sixel, kitty (its zlib path, as over SSH)
and blocks at 1600x960 pixels (160x48 cells) from 640x360 H.264, unpaced
(--no-sync), 400 frames into a file, with the encoding on the display thread
(--encode-threads=0, qv before the encode stage), on qv-encode (1), and with
the encoding split over two threads (2, and auto: sixel's halves, kitty's
compression). From --stats: the display thread's
busy time a frame (what it does besides waiting), the encode thread's CPU a
frame; from outside: frames a second (wall time of the whole run) and bytes
a frame. Median of REPS runs. Prints, never asserts.
With QV_BASE=PATH (a qv binary from before, e.g. a release build
of the commit before the encode stage), its sixel line comes first (REPS runs, then REPS of this qv with its
defaults, runs interleaved), with this qv's frames a second and bytes a frame as ratios of its.
usage: bench_encode.py QV [--quick]"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

QV = os.path.abspath(sys.argv[1])
REPS = 1 if "--quick" in sys.argv else 3
work = tempfile.mkdtemp(prefix="qv-bench-encode-")
clip = os.path.join(work, "h264-640.mkv")
subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", "20",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip], check=True)
out = os.path.join(work, "out.bin")
N = 400


BASE = os.environ.get("QV_BASE", "")


def run(display, threads, binary=QV, keep=None, reps=REPS):
    fps, disp, enc, size = [], [], [], 0
    for _ in range(reps):
        t0 = time.perf_counter()
        args = [binary, clip, f"--display={display}", "--size=160x48", f"--frames={N}", "--no-sync", "--no-audio",
                "--stats"] + ([f"--encode-threads={threads}"] if threads is not None else [])
        with open(keep or out, "wb") as o:
            r = subprocess.run(args, stdout=o, stderr=subprocess.PIPE, text=True)
        t = time.perf_counter() - t0
        size = os.path.getsize(keep or out) // N
        busy = re.search(r"busy ms:.* encode ([\d.]+), display ([\d.]+)", r.stderr)
        shown = re.search(r"presented (\d+)", r.stderr)
        cpu = re.search(r"encode: \d+ frames, CPU ([\d.]+) ms", r.stderr)
        n = int(shown.group(1)) if shown else N
        fps.append(n / t)
        disp.append(float(busy.group(2)) / n if busy else float("nan"))
        enc.append(float(cpu.group(1)) if cpu else 0.0)
    return statistics.median(fps), statistics.median(disp), statistics.median(enc), size


print(f"## encode stage (issue 15): 640x360 H.264 to 160x48 cells (1600x960 pixels), {N} frames unpaced, "
      f"median of {REPS}")
base = {}
if BASE:
    # The baseline and this qv (its defaults: --encode-threads=auto),
    # interleaved, REPS runs each.
    pairs = []
    for _ in range(REPS):
        pairs.append((run("sixel", None, BASE, os.path.join(work, "base.six"), reps=1),
                      run("sixel", None, QV, os.path.join(work, "new.six"), reps=1)))
    bf = statistics.median(p[0][0] for p in pairs)
    bd = statistics.median(p[0][1] for p in pairs)
    bb = pairs[0][0][3]
    f = statistics.median(p[1][0] for p in pairs)
    d = statistics.median(p[1][1] for p in pairs)
    e = statistics.median(p[1][2] for p in pairs)
    b = pairs[0][1][3]
    # The sixel images alone (the status line between them holds times).
    def images(path):
        return re.findall(rb"\x1bP.*?\x1b\\", open(path, "rb").read(), re.S)
    same = images(os.path.join(work, "base.six")) == images(os.path.join(work, "new.six"))
    print(f"sixel  baseline {os.path.basename(os.path.dirname(BASE))}: {bf:6.1f} fps, display thread {bd:.2f} ms a "
          f"frame, {bb / 1024:.1f} KiB a frame")
    print(f"sixel  this qv (defaults): {f:6.1f} fps ({f / bf:.2f}x the baseline), display thread {d:.2f} ms, "
          f"encode CPU {e:.2f} ms a frame, {b / 1024:.1f} KiB a frame ({b / bb:.3f}x the baseline's bytes; "
          f"sixel images {'byte-identical' if same else 'not byte-identical'})")
for display, modes in (("sixel", ("0", "1", "2", "auto")), ("kitty", ("0", "1", "2", "auto")), ("blocks", ("0", "1"))):
    for m in modes:
        f, d, e, b = run(display, m)
        if m == "0":
            base[display] = (f, d)
        bf, bd = base[display]
        print(f"{display:6s} --encode-threads={m:4s}: {f:6.1f} fps ({f / bf:.2f}x of 0), display thread "
              f"{d:.2f} ms a frame ({d / bd if bd else float('nan'):.2f}x of 0), encode CPU {e:.2f} ms a frame, "
              f"{b / 1024:.1f} KiB a frame")

# A/V with sixel in a pty (the external measurement: tests/integration/avsync.py,
# a white flash and a tone burst every second, SDL's disk audio driver).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import avsync  # noqa: E402

sclip = os.path.join(work, "sync.mkv")
secs = 10 if "--quick" in sys.argv else 20
avsync.make_clip("ffmpeg", sclip, secs)
for m in ("0", "auto"):
    r = avsync.measure(QV, sclip, extra=["--display=sixel", "--size=160x48", f"--encode-threads={m}"],
                       timeout=secs * 3, pty_out=True)
    if not r["offsets"]:
        print(f"A/V sixel in a pty, --encode-threads={m}: no measurement (rc {r['rc']}; {r['stats'][-200:]})")
        continue
    med, p99, signed = avsync.summary(r["offsets"])
    print(f"A/V sixel 1600x960 in a pty, --encode-threads={m:4s}: median |A-V| {med:.1f} ms, "
          f"99th percentile {p99:.1f} ms over {len(r['offsets'])} flashes (goal: median <= 20 ms)")
