#!/usr/bin/env python3
"""qv export against ffmpeg: for each golden clip (B-frames, open GOP, VFR,
10-bit, HEVC, VP9, AV1, MPEG-2 in TS) and a clip with sound, with A on a
keyframe and A between keyframes, the output decoded by ffmpeg holds exactly
the source's frames A..B: md5-identical (framemd5) where frames were copied,
PSNR >= 40 dB where re-encoded; the method is what the keyframes allow;
the sound (ffprobe) spans the same time within one audio frame. Bad ranges,
unwritable outputs and a missing encoder: one line, the documented exit
code, no file left behind."""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from common import FFMPEG, FFPROBE, QV, check, clip, finish, run

PSNR_MIN = 40.0
tmp = tempfile.mkdtemp(prefix="qv-export-")


def md5s(path):
    rc, out, err = run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-"],
                       timeout=300)
    return [l.split(",")[5].strip() for l in out.splitlines() if l and not l.startswith("#")] if rc == 0 else None


def psnrs(out, src, a, b):
    """Per-frame PSNR of out's frames against the source's frames a..b."""
    stats = os.path.join(tmp, "psnr.log")
    graph = (f"[0:v:0]setpts=N/TB[o];[1:v:0]select='between(n\\,{a}\\,{b})',setpts=N/TB[r];"
             f"[o][r]psnr=stats_file={stats}")
    rc, _, err = run([FFMPEG, "-nostdin", "-v", "error", "-i", out, "-i", src, "-lavfi", graph, "-f", "null", "-"],
                     timeout=300)
    if rc != 0:
        return []
    vals = []
    for l in open(stats):
        m = re.search(r"psnr_avg:(\S+)", l)
        vals.append(float("inf") if m.group(1) == "inf" else float(m.group(1)))
    return vals


def probe(path):
    rc, out, _ = run([FFPROBE, "-v", "error", "-show_streams", "-show_format", "-of", "json", path])
    return json.loads(out) if rc == 0 else {}


def info(path):
    rc, out, _ = run([QV, "info", path, "--json"])
    v = [s for s in json.loads(out)["streams"] if s["type"] == "video"][0]
    return v["exact_frames"], v["keyframes"]


def export(src, a, b, out, *extra):
    return run([QV, "export", src, "--from", a, "--to", b, "-o", out] + list(extra), timeout=300)


def stream_span(path, kind):
    """(first pts, last pts + duration) in seconds of a stream's decoded
    frames (video: after the edit list) or packets (audio)."""
    what = "frame" if kind == "video" else "packet"
    rc, out, _ = run([FFPROBE, "-v", "error", "-select_streams", kind[0], "-show_entries",
                      f"{what}=pts_time,duration_time,pkt_duration_time", "-of", "json", path])
    spans = []
    for e in json.loads(out).get(what + "s", []) if rc == 0 else []:
        d = e.get("duration_time", e.get("pkt_duration_time"))
        if "pts_time" in e and d not in (None, "N/A"):
            spans.append((float(e["pts_time"]), float(e["pts_time"]) + float(d)))
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def check_export(name, src, a, b, ext, want_methods, ref, extra=(), sound=False):
    out = os.path.join(tmp, f"{os.path.splitext(name)[0]}-{a}-{b}{ext}")
    rc, so, se = export(src, f"#{a}", f"#{b}", out, *extra)
    what = f"{name} #{a}..#{b} -> {ext}"
    if not check(rc == 0 and os.path.exists(out), f"{what}: exits 0 ({se.strip()[:200]})"):
        return
    method = so.split(": ")[1] if ": " in so else so
    check(any(method.startswith(m) for m in want_methods), f"{what}: method {method!r} in {want_methods}")
    m = re.search(r"(\d+) copied, (\d+) re-encoded", so)
    copied = int(m.group(1)) if m else -1
    got = md5s(out) or []
    want = ref[a:b + 1]
    if not check(len(got) == len(want), f"{what}: {len(got)} frames decoded, {len(want)} expected"):
        return
    same = sum(1 for x, y in zip(got, want) if x == y)
    check(same >= copied, f"{what}: {same} frames md5-identical, {copied} copied")
    if same < len(want):
        p = psnrs(out, src, a, b)
        worst = min(p) if p else 0
        check(len(p) == len(want) and worst >= PSNR_MIN,
              f"{what}: re-encoded frames PSNR >= {PSNR_MIN} dB (worst {worst:.1f}, {len(p)} frames)")
    if sound:
        pr = probe(out)
        v, au = stream_span(out, "video"), stream_span(out, "audio")
        rate = next(int(s["sample_rate"]) for s in pr["streams"] if s["codec_type"] == "audio")
        frame = 1024 / rate
        ok = v and au and abs(au[0] - v[0]) <= frame + 1e-3 and abs(au[1] - v[1]) <= frame + 1e-3
        check(bool(ok), f"{what}: sound {au} spans the video {v} within one audio frame ({frame * 1000:.1f} ms)")


# A clip with sound (H.264 with B-frames, AAC), made here.
av = os.path.join(tmp, "h264-aac.mp4")
rc, _, err = run([FFMPEG, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
                  "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", "4", "-c:v", "libx264",
                  "-bf", "2", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", av])
check(rc == 0, f"made a clip with sound ({err.strip()[:100]})")

clips = [("h264-bframes.mp4", ".mp4"), ("h264-bframes.mp4", ".mkv"), ("h264-opengop.mkv", ".mkv"),
         ("h264-vfr.mkv", ".mkv"), ("h264-10bit.mkv", ".mkv"), ("hevc.mkv", ".mkv"), ("vp9.webm", ".webm"),
         ("av1.mkv", ".mkv"), ("mpeg2-sar.ts", ".ts"), (av, ".mp4"), (av, ".mkv")]
for name, ext in clips:
    src = name if os.path.isabs(name) else clip(name)
    label = os.path.basename(name)
    if not check(os.path.exists(src), f"{label}: clip exists"):
        continue
    n, keys = info(src)
    ref = md5s(src)
    sound = src == av
    # A on a keyframe (the second, when there is one), B a dozen frames on.
    k = keys[1] if len(keys) > 1 else keys[0]
    check_export(label, src, k, min(n - 1, k + 12), ext, ["stream copy", "smart cut"], ref, sound=sound)
    # A between keyframes: a few frames before the next keyframe (or in the only GOP).
    a = keys[1] - 3 if len(keys) > 1 else 3
    edit = ext in (".mp4", ".mov")
    check_export(label, src, a, min(n - 1, a + 17), ext,
                 ["edit list"] if edit else ["smart cut", "re-encode"] if len(keys) > 1 else ["re-encode"], ref,
                 sound=sound)

# Everything re-encoded on request, and by time instead of ordinals.
src = clip("h264-bframes.mp4")
ref = md5s(src)
check_export("h264-bframes.mp4", src, 5, 30, ".mkv", ["re-encode"], ref, extra=["--reencode"])
check_export("h264-bframes.mp4", src, 5, 30, ".mkv", ["re-encode"], ref, extra=["--reencode=libx264"])
out = os.path.join(tmp, "bytime.mkv")
rc, so, _ = export(src, "0.2", "1.2", out)   # frames 5..30 at 25 fps
check(rc == 0 and "frames 5..30 " in so, f"--from 0.2 --to 1.2 cuts frames 5..30 ({so.strip()})")


class Player:
    """qv playing with --input-ipc; replies matched by request_id (an export
    is answered when written, after later requests)."""

    def __init__(self, path, *extra):
        self.sock = os.path.join(tmp, "ipc.sock")
        self.p = subprocess.Popen([QV, "play", path, "--display=null", "--no-audio", "--pause",
                                   "--input-ipc=" + self.sock, "--screenshot-dir=" + tmp, *extra],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(1000):
            if os.path.exists(self.sock):
                break
            time.sleep(0.01)
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(120)
        self.s.connect(self.sock)
        self.f = self.s.makefile("rw")
        self.n = 0
        self.replies = {}

    def send(self, *args):
        self.n += 1
        self.f.write(json.dumps({"command": list(args), "request_id": self.n}) + "\n")
        self.f.flush()
        return self.n

    def wait(self, rid):
        while rid not in self.replies:
            line = self.f.readline()
            if not line:
                return {"error": "no reply"}
            r = json.loads(line)
            self.replies[r.get("request_id")] = r
        return self.replies.pop(rid)

    def cmd(self, *args):
        return self.wait(self.send(*args))

    def close(self):
        self.cmd("quit")
        _, err = self.p.communicate(timeout=60)
        return self.p.returncode, err.decode()


long_clip = clip("h264-long.mkv")   # 20 s, 30 fps, keyframes every 60 frames
if check(os.path.exists(long_clip), "h264-long.mkv exists"):
    ref = md5s(long_clip)
    pl = Player(long_clip)
    r = pl.cmd("export")
    check(r.get("error", "").startswith("mark in and out first"), f"export before marks is refused ({r})")
    pl.cmd("goto-frame", 70)
    r = pl.cmd("mark-in")
    check(r.get("data") == {"ordinal": 70}, f"mark-in on frame 70 ({r})")
    pl.cmd("goto-frame", 130)
    r = pl.cmd("mark-out")
    check(r.get("data") == {"ordinal": 130}, f"mark-out on frame 130 ({r})")
    pl.cmd("set", "pause", "no")
    out = os.path.join(tmp, "player.mkv")
    before = pl.cmd("get", "presented").get("data")
    eid = pl.send("export", out)
    seen = [before]
    while eid not in pl.replies:
        seen.append(pl.cmd("get", "presented").get("data"))
        time.sleep(0.05)
    r = pl.wait(eid)
    seen.append(pl.cmd("get", "presented").get("data"))
    check(r.get("error") == "success" and r["data"]["path"] == out and "frames 70..130" in r["data"]["method"],
          f"IPC export answered when written ({r})")
    check(seen[-1] > seen[0],
          f"playback went on during the export (presented {seen[:1]} -> {seen[-1:]}, {len(seen)} polls)")
    got = md5s(out) or []
    m = re.search(r"(\d+) copied", r.get("data", {}).get("method", ""))
    same = sum(1 for x, y in zip(got, ref[70:131]) if x == y)
    check(len(got) == 61 and m and same >= int(m.group(1)) > 0,
          f"the export holds frames 70..130 ({len(got)} frames, {same} md5-identical, {m and m.group(1)} copied)")
    # The keys: ( ) X, the file named after the input and the range.
    pl.cmd("set", "pause", "yes")
    pl.cmd("goto-frame", 60)
    pl.cmd("keypress", "(")
    pl.cmd("goto-frame", 64)
    pl.cmd("keypress", ")")
    pl.cmd("keypress", "X")
    named = os.path.join(tmp, "h264-long-f000060-f000064.mkv")
    for _ in range(1200):
        if os.path.exists(named):
            break
        time.sleep(0.05)
    got = md5s(named) if os.path.exists(named) else []
    check(got == ref[60:65], f"( ) X export frames 60..64 to {os.path.basename(named)} ({len(got or [])} frames)")
    # D: the same marks as PNG stills, one a frame, in a directory.
    pl.cmd("keypress", "D")
    sdir = os.path.join(tmp, "h264-long-f000060-f000064")
    want_files = [f"frame-{n:06d}.png" for n in range(60, 65)]
    for _ in range(1200):
        if os.path.isdir(sdir) and sorted(os.listdir(sdir)) == want_files:
            break
        time.sleep(0.05)
    got_files = sorted(os.listdir(sdir)) if os.path.isdir(sdir) else []
    check(got_files == want_files, f"D writes frames 60..64 as PNGs into {os.path.basename(sdir)}/ ({got_files})")
    rc, err = pl.close()
    check(rc == 0, f"the player quits normally (exit {rc}, {err.strip()[:200]})")


# A range of PNG stills: each one the frame qv thumb --frame N writes (the
# picture check of thumb_test), named by ordinal; A between keyframes on a
# B-frame clip.
def pixels(png):
    r = subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    return r.stdout if r.returncode == 0 else None


sdir = os.path.join(tmp, "stills")
rc, so, se = export(src, "#13", "#17", sdir + "/")
names = sorted(os.listdir(sdir)) if os.path.isdir(sdir) else []
check(rc == 0 and names == [f"frame-{n:06d}.png" for n in range(13, 18)] and "5 PNGs" in so,
      f"export -o DIR/: frames 13..17 as DIR/frame-NNNNNN.png (exit {rc}, {names}, {so.strip()})")
same = 0
for n in range(13, 18):
    thumb = os.path.join(tmp, f"thumb-{n}.png")
    run([QV, "thumb", src, "--frame", str(n), "-o", thumb])
    a, b = pixels(os.path.join(sdir, f"frame-{n:06d}.png")), pixels(thumb)
    same += a is not None and a == b
check(same == 5, f"each still is the frame qv thumb --frame N gives ({same} of 5 identical)")
rc, so, se = export(src, "#20", "#22", os.path.join(tmp, "s-%04d.png"))
check(rc == 0 and all(os.path.exists(os.path.join(tmp, f"s-{n:04d}.png")) for n in (20, 21, 22)),
      f"export -o NAME-%04d.png names the stills by ordinal (exit {rc}, {se.strip()[:120]})")


def fails(what, args, code, out):
    rc, so, se = run([QV, "export"] + args, timeout=120)
    lines = [l for l in se.splitlines() if l.strip()]
    left = [f for f in os.listdir(os.path.dirname(out) or ".") if os.path.exists(os.path.dirname(out) or ".")
            and (f.startswith("." + os.path.basename(out)) or f == os.path.basename(out))] \
        if os.path.isdir(os.path.dirname(out) or ".") else []
    check(rc == code and len(lines) == 1 and not left,
          f"{what}: exit {rc} (want {code}), {len(lines)} line(s) {lines[:1]}, left behind {left}")


bad = os.path.join(tmp, "bad.mp4")
fails("--from after --to", [src, "--from", "#40", "--to", "#10", "-o", bad], 2, bad)
fails("--to past the end", [src, "--from", "#0", "--to", "#500", "-o", bad], 2, bad)
fails("--from not a time", [src, "--from", "abc", "--to", "#5", "-o", bad], 2, bad)
fails("unknown container", [src, "--from", "#0", "--to", "#5", "-o", os.path.join(tmp, "x.nosuchext")], 2,
      os.path.join(tmp, "x.nosuchext"))
fails("unwritable output", [src, "--from", "#0", "--to", "#5", "-o", os.path.join(tmp, "no", "dir", "x.mp4")], 8,
      os.path.join(tmp, "no", "dir", "x.mp4"))
fails("an encoder that does not exist (mid-way: after the header)",
      [src, "--from", "#3", "--to", "#30", "-o", bad, "--reencode=nosuchencoder"], 11, bad)
fails("missing input", [os.path.join(tmp, "missing.mp4"), "--from", "#0", "--to", "#5", "-o", bad], 3, bad)
one = os.path.join(tmp, "one.png")
fails("a range of stills without %d in the name", [src, "--from", "#0", "--to", "#5", "-o", one], 2, one)
nodir = os.path.join(tmp, "no", "such", "%d.png")
fails("stills into a directory that cannot be made", [src, "--from", "#0", "--to", "#5", "-o", nodir], 8, nodir)
shutil.rmtree(tmp)
finish()
