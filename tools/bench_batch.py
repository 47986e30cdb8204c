#!/usr/bin/env python3
"""Issue 16's benchmarks, each against the competitor run the way a user
would, in the same invocation: a 4x4 contact sheet of a 1080p H.264 file
(keyframe every 2 s) against ffmpeg's skip_frame+select+tile pipeline and
against the floor (open and decode 16 keyframes); qv info --json over 1,000
small files against ffprobe in a shell loop and xargs -P; qv sheet over 50
files against that ffmpeg pipeline under xargs -P; the pool's own overhead
and balance (qv-pool-bench). Prints, never asserts.
usage: bench_batch.py QV POOL_BENCH [--quick]"""
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

QV = os.path.abspath(sys.argv[1])
POOL = os.path.abspath(sys.argv[2])
QUICK = "--quick" in sys.argv
REPS = 3 if QUICK else 5
NPROC = os.cpu_count()
work = tempfile.mkdtemp(prefix="qv-bench-batch-")


def sh(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def med(cmd, reps=REPS, shell=False):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, shell=shell)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def gen(path, secs, size, gop):
    sh(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30", "-t", str(secs),
        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
        "-pix_fmt", "yuv420p", path])


def ff_sheet(src, out, dur):
    step = dur / 16
    return ["ffmpeg", "-v", "error", "-y", "-skip_frame", "nokey", "-i", src, "-vf",
            f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{step:.3f})',scale=316:-2,tile=4x4",
            "-frames:v", "1", out]


# ------------------------------------------------------------ one sheet
secs = 120 if QUICK else 600
big = os.path.join(work, "big-1080p.mp4")
gen(big, secs, "1920x1080", 60)
print(f"## contact sheet 4x4: {secs} s of 1080p30 H.264, keyframe every 2 s, median of {REPS}")
q = med([QV, "sheet", big, "-o", os.path.join(work, "q.png")])
f = med(ff_sheet(big, os.path.join(work, "f.png"), secs))
floor = med(["ffmpeg", "-v", "error", "-skip_frame", "nokey", "-i", big, "-vf", "select='lt(n\\,16)'",
             "-frames:v", "16", "-f", "null", "-"])
print(f"  qv sheet                          {q:7.3f} s")
print(f"  ffmpeg -skip_frame nokey ... tile {f:7.3f} s   qv/ffmpeg {q / f:.2f} (goal <= 0.5)")
print(f"  floor (open + 16 keyframes)       {floor:7.3f} s   qv/floor  {q / floor:.2f} (goal <= 2)")

# ------------------------------------------------------------ info over 1,000 files
n = 200 if QUICK else 1000
small_dir = os.path.join(work, "small")
os.makedirs(small_dir)
one = os.path.join(work, "one.mp4")
gen(one, 1, "160x120", 30)
for i in range(n):
    shutil.copy(one, os.path.join(small_dir, f"f{i:04d}.mp4"))
print(f"\n## info --json over {n} small files ({NPROC} cores), median of {REPS}")
q = med([QV, "info", "--json", small_dir])
loop = med(f"for f in {small_dir}/*.mp4; do ffprobe -v error -show_format -show_streams -of json \"$f\"; done",
           reps=max(1, REPS - 2), shell=True)
xa = med(f"ls {small_dir}/*.mp4 | xargs -P{NPROC} -n1 ffprobe -v error -show_format -show_streams -of json",
         shell=True)
print(f"  qv info --json DIR          {q:7.3f} s")
print(f"  ffprobe in a shell loop     {loop:7.3f} s   speed-up {loop / q:.1f}x (goal >= 5)")
print(f"  xargs -P{NPROC} ffprobe          {xa:7.3f} s   speed-up {xa / q:.1f}x (goal >= 1.5)")

# ------------------------------------------------------------ sheets over 50 files
m = 10 if QUICK else 50
sheet_dir = os.path.join(work, "sheets")
os.makedirs(sheet_dir)
mid = os.path.join(work, "mid.mp4")
mid_secs = 30
gen(mid, mid_secs, "1280x720", 60)
for i in range(m):
    shutil.copy(mid, os.path.join(sheet_dir, f"s{i:02d}.mp4"))
print(f"\n## sheet over {m} files ({mid_secs} s of 720p each), median of {max(1, REPS - 2)}")
q = med([QV, "sheet", "-o", os.path.join(work, "qs"), sheet_dir], reps=max(1, REPS - 2))
script = os.path.join(work, "ffsheet.sh")
with open(script, "w") as fh:   # one file's ffmpeg sheet, as a user would script it
    fh.write(" ".join(shlex.quote(a) if a not in ("$1", "$1.png") else '"' + a + '"'
                      for a in ff_sheet("$1", "$1.png", mid_secs)) + "\n")
xa = med(f"ls {sheet_dir}/*.mp4 | xargs -P{NPROC} -n1 sh {script}", reps=max(1, REPS - 2), shell=True)
print(f"  qv sheet -o DIR DIR         {q:7.3f} s")
print(f"  xargs -P{NPROC} ffmpeg ... tile   {xa:7.3f} s   speed-up {xa / q:.2f}x (goal >= 1.5)")

# ------------------------------------------------------------ the pool itself
print("\n## the work-stealing pool (qv-pool-bench)")
for w in (NPROC, 8):
    print("  " + sh([POOL, str(w)]).stdout.decode().strip().replace("\n", "\n  "))
shutil.rmtree(work)
