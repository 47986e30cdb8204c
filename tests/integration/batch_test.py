#!/usr/bin/env python3
"""Batch: qv info/frames/thumb/sheet over many inputs (FILEs, directories with
-r and --ext, '-' for a list on stdin) on the work-stealing pool. Every good
file's JSON line equals the single-file command's result, every broken one
gives an error object with the single command's exit code, lines come in
input order (the same set with --unordered), the exit code says whether any
file failed, and SIGINT stops the batch leaving no half-written PNG."""
import filecmp
import json
import os
import pty
import signal
import subprocess
import tempfile
import time

from common import MEDIA, QV, check, clip, finish, run

tmp = tempfile.mkdtemp(prefix="qv-batch-")
media = os.path.join(tmp, "media")
os.makedirs(os.path.join(media, "sub"))
for name in ("h264-bframes.mp4", "vp9.webm", "h264-raw.264", "mpeg2-sar.ts"):
    os.symlink(os.path.abspath(clip(name)), os.path.join(media, name))
os.symlink(os.path.abspath(clip("vp8-odd-175x143.webm")), os.path.join(media, "sub", "deep.webm"))
open(os.path.join(media, "broken-empty.mp4"), "w").close()
with open(os.path.join(media, "broken-text.mkv"), "w") as f:
    f.write("not a video\n" * 100)
open(os.path.join(media, "notes.txt"), "w").close()   # not a video extension: skipped


def lines(out):
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def no_timing(o):
    """A result without the fields that are measurements (scan_ms)."""
    if isinstance(o, dict):
        return {k: no_timing(v) for k, v in o.items() if k != "scan_ms"}
    if isinstance(o, list):
        return [no_timing(v) for v in o]
    return o


def single(cmd, path, *extra):
    rc, out, err = run([QV, cmd, path] + list(extra), timeout=300)
    return rc, out, err


def compare_info(dirs, label):
    rc, out, err = run([QV, "info", "--json", "-j", "3"] + dirs, timeout=300)
    got = lines(out)
    files = sorted(os.path.join(d, n) for d in dirs for n in os.listdir(d)
                   if os.path.isfile(os.path.join(d, n)) and not n.endswith((".txt", ".md", ".tsv")))
    check([g["path"] for g in got] == files, f"{label}: one line per video file, in input order ({len(got)})")
    good = bad = 0
    for g in got:
        src = g["path"]
        rc1, out1, err1 = single("info", src, "--json")
        if rc1 == 0:
            good += no_timing(g) == no_timing(json.loads(out1))
        else:
            bad += ("error" in g and g["exit_code"] == rc1 and g["error"] in err1
                    and len(err1.strip().splitlines()) == 1)
    n_bad = sum(1 for g in got if "error" in g)
    check(good + bad == len(got) and n_bad >= 2,
          f"{label}: {good} results equal qv info, {bad} errors equal its exit code and line ({n_bad} broken)")
    check(rc == 9, f"{label}: exit 9 (some file failed): {rc}")
    return got


compare_info([media], "info DIR")
if MEDIA and os.path.isdir(MEDIA):
    compare_info([MEDIA], "info shared media")

# -r, --ext, '-', --unordered, -j 1: the same results.
rc, out, _ = run([QV, "info", "--json", media])
top = [g["path"] for g in lines(out)]
rc, out, _ = run([QV, "info", "--json", "-r", media])
deep = [g["path"] for g in lines(out)]
check(os.path.join(media, "sub", "deep.webm") in deep and os.path.join(media, "sub", "deep.webm") not in top,
      "-r walks subdirectories, without it they are skipped")
rc, out, _ = run([QV, "info", "--json", "--ext", "webm,.264", "-r", media])
check(sorted(os.path.basename(g["path"]) for g in lines(out)) == ["deep.webm", "h264-raw.264", "vp9.webm"] and rc == 0,
      f"--ext webm,.264 -> {[g['path'] for g in lines(out)]}, exit {rc}")
good = [os.path.join(media, n) for n in ("vp9.webm", "h264-bframes.mp4", "mpeg2-sar.ts")]
p = subprocess.run([QV, "info", "--json", "-"], input=("\n".join(good) + "\n").encode(), stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, timeout=120)
check(p.returncode == 0 and [g["path"] for g in lines(p.stdout.decode())] == good,
      f"'-' reads the list from stdin, in its order, exit 0 with no failure ({p.returncode})")
rc1, out1, _ = run([QV, "info", "--json", "-j", "1"] + good)
rc2, out2, _ = run([QV, "info", "--json", "-j", "3", "--unordered"] + good)
check(sorted(map(json.dumps, map(no_timing, lines(out1)))) == sorted(map(json.dumps, map(no_timing, lines(out2)))),
      "--unordered -j 3 gives the same results as -j 1")
check(not p.stderr.strip(), f"no progress bar when stderr is not a terminal ({p.stderr[:80]!r})")

# A terminal on stderr gets the progress bar; stdout keeps only the JSON lines.
master, slave = pty.openpty()
p = subprocess.Popen([QV, "info", "--json", "-j", "2"] + good, stdout=subprocess.PIPE, stderr=slave)
os.close(slave)
out, _ = p.communicate(timeout=120)
tty = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    tty += chunk
os.close(master)
check(b"files" in tty and b"/3 files" in tty and b"ETA" in tty and b"\r\x1b[K" in tty,
      f"progress bar on a terminal stderr: {tty[-80:]!r}")
check([g["path"] for g in lines(out.decode())] == good, "stdout still has only the JSON lines, in order")

# frames: each file's list equals qv frames --json FILE.
files = [os.path.join(media, n) for n in ("h264-bframes.mp4", "h264-raw.264", "broken-empty.mp4")]
rc, out, _ = run([QV, "frames", "--json", "--hash"] + files, timeout=300)
got = lines(out)
ok = 0
for g in got[:2]:
    rc1, out1, _ = single("frames", g["path"], "--json", "--hash")
    ok += rc1 == 0 and g["frames"] == lines(out1)
check(len(got) == 3 and ok == 2 and "error" in got[2] and rc == 9, f"frames: {ok} of 2 lists equal, broken one an error")

# thumb and sheet: each PNG byte-equal to the single command's.
for cmd, extra in (("thumb", ["--at", "0.5", "--width", "160"]), ("sheet", ["--grid", "3x2", "--width", "400"])):
    outdir = os.path.join(tmp, cmd + "-out")
    srcs = [os.path.join(media, n) for n in ("h264-bframes.mp4", "vp9.webm", "mpeg2-sar.ts", "broken-text.mkv")]
    rc, out, err = run([QV, cmd, "-o", outdir, "-j", "2"] + extra + srcs, timeout=300)
    got = lines(out)
    same = 0
    for g in got:
        if "error" in g:
            continue
        ref = os.path.join(tmp, "ref.png")
        rc1, _, _ = single(cmd, g["path"], "-o", ref, *extra)
        same += rc1 == 0 and filecmp.cmp(ref, g["output"], shallow=False)
    check(len(got) == 4 and same == 3 and "error" in got[3] and rc == 9,
          f"{cmd}: {same} of 3 PNGs equal the single command's, the broken one an error (exit {rc})")

# A long file's sheet is split into parts that idle workers take (1600
# frames: over the 1500 that split); the PNG is the same as the single
# command's, keyframe mode and exact.
longclip = os.path.join(tmp, "long.mp4")
run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=64", "-c:v", "libx264",
     "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", longclip], timeout=300)
for extra in (["--grid", "4x4", "--width", "480"], ["--grid", "4x2", "--width", "480", "--exact"]):
    outdir = os.path.join(tmp, "split-out" + str(len(extra)))
    srcs = [longclip, os.path.join(media, "h264-bframes.mp4"), os.path.join(media, "vp9.webm")]
    rc, out, err = run([QV, "sheet", "-o", outdir, "-j", "2", "--json"] + extra + srcs, timeout=300)
    got = lines(out)
    ref = os.path.join(tmp, "ref.png")
    rc1, out1, _ = single("sheet", longclip, "-o", ref, "--json", *extra)
    one = json.loads(out1) if rc1 == 0 and out1.strip() else {}
    g = got[0] if got else {}
    check(rc == 0 and len(got) == 3 and g.get("parts") == 2 and one.get("parts") == 1
          and filecmp.cmp(ref, g.get("output", ref + ".none"), shallow=False) if os.path.exists(ref) else False,
          f"sheet {' '.join(extra)}: the long file in 2 parts ({g.get('parts')}), its PNG the single command's")
    check(g.get("tiles") == one.get("tiles") and len(g.get("tiles", [])) in (8, 16),
          f"sheet {' '.join(extra)}: the same tiles as the single command ({len(g.get('tiles', []))})")

# SIGINT: the batch stops soon and leaves no half-written PNG.
many = os.path.join(tmp, "many")
os.makedirs(many)
for i in range(60):
    os.symlink(os.path.abspath(clip("h264-long.mkv")), os.path.join(many, f"c{i:02d}.mkv"))
outdir = os.path.join(tmp, "int-out")
p = subprocess.Popen([QV, "sheet", "--exact", "-o", outdir, "-j", "2", many], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
# Interrupt once a few sheets are written (the rest are under way or queued).
until = time.monotonic() + 60
while time.monotonic() < until and p.poll() is None:
    if os.path.isdir(outdir) and sum(n.endswith(".png") for n in os.listdir(outdir)) >= 2:
        break
    time.sleep(0.02)
t0 = time.monotonic()
p.send_signal(signal.SIGINT)
try:
    p.communicate(timeout=20)
    took = time.monotonic() - t0
except subprocess.TimeoutExpired:
    p.kill()
    p.communicate()
    took = 99
pngs = os.listdir(outdir) if os.path.isdir(outdir) else []
check(p.returncode == 130 and took < 10, f"SIGINT: exit {p.returncode} after {took:.2f} s")
check(2 <= len(pngs) < 60 and not any(n.endswith(".part") for n in pngs), f"SIGINT: {len(pngs)} PNGs, no .part file")
complete = sum(open(os.path.join(outdir, n), "rb").read()[-8:-4] == b"IEND" for n in pngs)
check(complete == len(pngs), f"SIGINT: every PNG written is whole ({complete} of {len(pngs)})")
finish()
