#!/usr/bin/env python3
"""Frame-accurate navigation, driven through --input-ipc, checked by md5.

qv plays with the hash display, paused; every frame it presents is one line
of ffmpeg framemd5 format on stdout. Each command's reply names the ordinal
it landed on; the test knows which ordinal each command must land on, and
at the end checks every presented picture against ffmpeg's own framemd5 for
that ordinal. Also: the step cache serves back-steps without decoding and
stays inside a tiny budget.
"""
import json
import os
import socket
import shutil
import subprocess
import tempfile
import time

from common import FFMPEG, FFPROBE, MEDIA, QV, check, clip, finish, run


class Session:
    def __init__(self, path, *extra):
        self.sock = f"/tmp/qv-nav-{os.getpid()}.sock"
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.p = subprocess.Popen([QV, "play", path, "--display=hash", "--no-audio", "--pause",
                                   "--input-ipc=" + self.sock, *extra],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(500):
            if os.path.exists(self.sock):
                break
            time.sleep(0.01)
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(60)
        self.s.connect(self.sock)
        self.f = self.s.makefile("rw")
        self.n = 0

    def cmd(self, *args):
        self.n += 1
        self.f.write(json.dumps({"command": list(args), "request_id": self.n}) + "\n")
        self.f.flush()
        line = self.f.readline()
        r = json.loads(line) if line else {"error": "no reply"}
        return r

    def get(self, prop):
        return self.cmd("get", prop).get("data")

    def first_frame(self):
        for _ in range(1000):
            if self.get("presented"):
                return
            time.sleep(0.01)

    def settle(self):
        """Waits until the decoder stopped reading ahead (the rings are full)."""
        last = -1
        for _ in range(100):
            d = self.get("decoded")
            if d == last:
                return d
            last = d
            time.sleep(0.1)
        return last

    def close(self):
        try:
            self.cmd("quit")
        except OSError:
            pass
        out, err = self.p.communicate(timeout=60)
        md5s = [l.split(",")[-1].strip() for l in out.decode().splitlines() if l and not l.startswith("#")]
        return self.p.returncode, md5s, err.decode()


def framemd5(path):
    rc, out, _ = run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-"],
                     timeout=300)
    return [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]


def frame_times(path):
    """Seconds from the stream start for each ordinal (None for raw streams)."""
    rc, out, _ = run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries",
                      "stream=start_time:frame=pts_time", "-show_frames", "-of", "json", path], timeout=300)
    j = json.loads(out)
    ts = [f.get("pts_time") for f in j["frames"]]
    if any(t in (None, "N/A") for t in ts):
        return None
    start = float(j["streams"][0].get("start_time", 0) or 0)
    return [float(t) - start for t in ts]


def navigate(path):
    name = os.path.basename(path)
    rc, out, _ = run([QV, "info", path, "--json"])
    v = [s for s in json.loads(out)["streams"] if s["type"] == "video"][0]
    n, keys = v["exact_frames"], v["keyframes"]
    times = frame_times(path)
    fps = eval(v["frame_rate"].replace("/", "/")) if v["frame_rate"] != "0/0" else 25
    ref = framemd5(path)
    if not check(len(ref) == n, f"{name}: ffmpeg decodes {len(ref)} frames, the index says {n}"):
        return
    s = Session(path)
    want = [0]          # ordinals presented, in order (the first frame on start)
    landed = []         # (command, expected, got)

    def do(expect, presents, *args):
        r = s.cmd(*args)
        got = (r.get("data") or {}).get("ordinal") if isinstance(r.get("data"), dict) else None
        landed.append((" ".join(map(str, args)), expect, got, r.get("error")))
        if presents:
            want.append(expect)

    s.first_frame()
    mid = n // 2
    do(mid, True, "goto-frame", mid)
    for k in range(1, 5):
        do(mid - k, True, "frame-back-step")
    do(mid - 3, True, "frame-step")
    do(mid - 2, True, "frame-step")
    later = [k for k in keys if k > 2]
    if later:
        k1 = later[0]
        do(k1, True, "goto-frame", k1)
        do(k1 - 1, True, "frame-back-step")   # across the keyframe: fills the GOP before
        do(k1 - 2, True, "frame-back-step")
        do(k1 - 1, True, "frame-step")
        do(k1, True, "frame-step")
        do(k1 + 1, True, "frame-step")
    do(n - 1, True, "goto-frame", n - 1)
    do(n - 1, False, "frame-step")           # at the end: stays
    do(n - 2, True, "frame-back-step")
    pk = max(k for k in keys if k < n - 2)
    do(pk, True, "prev-keyframe")
    t = (n * 2) // 3
    when = times[t] if times else t / fps
    do(t, True, "seek", when + 0.001, "absolute+exact")
    do(0, True, "goto-frame", 0)
    do(0, False, "frame-back-step")          # at the start: stays
    rc, md5s, err = s.close()
    wrong = [l for l in landed if l[1] != l[2] or l[3] != "success"]
    check(not wrong, f"{name}: every command lands on its frame" + (f" (first wrong: {wrong[0]})" if wrong else ""))
    check(rc == 0, f"{name}: exits 0 ({err.strip()[:200]})")
    expect = [ref[o] for o in want]
    bad = [k for k, (a, b) in enumerate(zip(md5s, expect)) if a != b]
    check(len(md5s) == len(expect) and not bad,
          f"{name}: {len(md5s)} presented pictures, each the md5 ffmpeg gives its ordinal"
          + (f" (first wrong: present #{bad[0]}, ordinal {want[bad[0]]})" if bad else f" ({len(expect)} expected)"))


def step_cache():
    path = clip("h264-long.mkv")   # 640x360 yuv420p: 345600 bytes a frame, keyframe every 60
    ref = framemd5(path)
    budget = 2 * 1024 * 1024        # six frames
    s = Session(path, "--step-cache=2M")
    s.first_frame()
    s.cmd("goto-frame", 100)
    got, over = [], []
    for k in range(1, 13):
        r = s.cmd("frame-back-step")
        got.append(r["data"]["ordinal"])
        b = s.get("step-cache-bytes")
        if b > budget:
            over.append(b)
    check(got == list(range(99, 87, -1)), f"step cache budget: back-steps land on 99..88 ({got})")
    check(not over, f"step cache budget: at most {budget} bytes held after every step ({over[:3]})")
    check(s.get("step-cache-frames") <= 6, "step cache budget: at most six frames held")
    rc, md5s, _ = s.close()
    check(md5s == [ref[o] for o in [0, 100] + got], "step cache budget: every picture right after evictions")

    # With room, the first back-step in a GOP decodes the span once; the
    # rest come from the cache without decoding anything.
    s = Session(path)
    s.first_frame()
    s.cmd("goto-frame", 170)
    s.cmd("frame-back-step")
    decoded = s.settle()
    hits0 = s.get("step-cache-hits")
    for _ in range(20):
        s.cmd("frame-back-step")
    check(s.get("ordinal") == 149, "step cache: 21 back-steps from 170 land on 149")
    check(s.get("decoded") == decoded, f"step cache: later back-steps in the GOP decode nothing "
          f"({s.get('decoded') - decoded} frames decoded)")
    check(s.get("step-cache-hits") - hits0 == 20, "step cache: 20 back-steps served from the cache")
    rc, md5s, _ = s.close()
    check(md5s == [ref[o] for o in [0, 170] + list(range(169, 148, -1))], "step cache: every picture right")

    # A step after a jump served from the cache, with the pipeline left GOPs
    # behind (issue 17: it decoded everything in between into the cache, so
    # 9 s for one step and the cache filled with the main decoder's frames):
    # the pipeline seeks to the target's GOP instead.
    s = Session(path)
    s.first_frame()
    s.cmd("goto-frame", 540)                     # a keyframe; the frame on screen is kept in the cache
    s.cmd("goto-frame", 10)                      # the pipeline goes back there
    s.settle()
    hits0 = s.get("step-cache-hits")
    s.cmd("goto-frame", 540)                     # from the cache: the pipeline stays at 10
    decoded = s.settle()
    served = s.get("step-cache-hits") - hits0
    r = s.cmd("frame-step")
    after = s.settle()
    check(served == 1 and (r.get("data") or {}).get("ordinal") == 541,
          f"step after a cached jump: goto-frame 540 from the cache ({served} hit), then the step lands on 541 ({r})")
    check(after - decoded < 120, f"step after a cached jump: decodes about a GOP, not the 530 frames in between "
          f"({after - decoded} decoded)")
    rc, md5s, _ = s.close()
    check(md5s == [ref[o] for o in [0, 540, 10, 540, 541]], "step after a cached jump: every picture right")


def start_frame_and_log():
    path = clip("h264-bframes.mp4")
    ref = framemd5(path)
    rc, out, err = run([QV, "play", path, "--display=hash", "--no-sync", "--no-audio", "--start-frame=37",
                        "--frames=3"])
    md5s = [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]
    check(rc == 0 and md5s == ref[37:40], f"--start-frame=37 presents frames 37, 38, 39 ({rc}, {len(md5s)} frames)")
    log = f"/tmp/qv-framelog-{os.getpid()}.tsv"
    rc, out, err = run([QV, "play", path, "--display=null", "--no-audio", "--frame-log=" + log])
    rows = [l.split("\t") for l in open(log).read().splitlines() if not l.startswith("#")]
    os.unlink(log)
    pres = [r for r in rows if r[0] == "presented"]
    check(rc == 0 and len(rows) == 50, f"--frame-log: one line per frame ({len(rows)} of 50)")
    # In order, each once (a loaded machine may drop a late frame: its own
    # row says so, and the row count above holds).
    ords = [int(r[1]) for r in pres]
    check(all(a < b for a, b in zip(ords, ords[1:])) and len(pres) > 40 and set(ords) <= set(range(50)),
          f"--frame-log: presented ordinals in order ({len(pres)} presented)")
    times = [int(r[6]) for r in pres]
    span = (times[-1] - times[0]) / 1e9 if len(times) > 1 else 0
    check(1.5 < span < 5, f"--frame-log: presented in real time (the 2 s clip over {span:.2f} s of monotonic clock)")
    check(all(r[4] in "IPB" and r[5] in "01" for r in rows), "--frame-log: picture type and key flag columns")
    shots = tempfile.mkdtemp(prefix="qv-nav-shots-")   # its own: two runs at once must not share a file
    s = Session(path, "--screenshot-dir=" + shots)
    s.first_frame()
    s.cmd("goto-frame", 12)
    r = s.cmd("screenshot")
    s.close()
    png = r.get("data") or ""
    check(r.get("error") == "success" and png.endswith("h264-bframes-f000012-pts0.480.png") and os.path.exists(png),
          f"IPC screenshot writes the frame on screen ({r})")
    if os.path.exists(png):
        rc, out, _ = run([FFMPEG, "-v", "error", "-i", png, "-f", "framemd5", "-pix_fmt", "rgb24", "-"])
        rc2, out2, _ = run([QV, "thumb", path, "--frame", "12", "-o", png + ".ref.png"])
        rc3, out3, _ = run([FFMPEG, "-v", "error", "-i", png + ".ref.png", "-f", "framemd5", "-pix_fmt", "rgb24", "-"])
        h = lambda t: [l.split(",")[-1] for l in t.splitlines() if l and not l.startswith("#")]
        check(h(out) and h(out) == h(out3), "the screenshot is the exact frame (same picture as qv thumb --frame 12)")
        os.unlink(png)
        os.unlink(png + ".ref.png")
    shutil.rmtree(shots, ignore_errors=True)


def start_time(path, at):
    """--start lands on the frame on screen at that time (nearest frame start),
    also in MPEG-TS, whose timestamp seeks land mid-GOP."""
    name = os.path.basename(path)
    times = frame_times(path)
    ref = framemd5(path)
    want = min(range(len(times)), key=lambda k: abs(times[k] - at))
    rc, out, err = run([QV, "play", path, "--display=hash", "--no-sync", "--no-audio", f"--start={at}", "--frames=2"])
    md5s = [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]
    check(rc == 0 and md5s == ref[want:want + 2], f"{name}: --start={at} presents frames {want}, {want + 1} exactly")


start_frame_and_log()
start_time(clip("mpeg2-sar.ts"), 0.53)
if MEDIA and os.path.exists(os.path.join(MEDIA, "hevc-1920x1080-aac.ts")):
    start_time(os.path.join(MEDIA, "hevc-1920x1080-aac.ts"), 1.3)
for c in ["h264-bframes.mp4", "hevc.mkv", "vp9.webm", "mpeg2-sar.ts", "h264-raw.264", "h264-opengop.mkv",
          "h264-vfr.mkv"]:
    navigate(clip(c))
if MEDIA and os.path.isdir(MEDIA):
    for c in ["hevc-1920x1080-aac.ts", "h264-main-longgop-bframes-352x288.264", "h264-editlist-1920x1080-aac.mp4",
              "vp8-175x143-odd.ivf"]:
        if os.path.exists(os.path.join(MEDIA, c)):
            navigate(os.path.join(MEDIA, c))
step_cache()
finish()
