#!/usr/bin/env python3
"""Trick play (issue 16): past 4x and backwards qv shows keyframes only,
each when the clock reaches it.

In a real terminal (tmux, the blocks display): } doubles to 16x, the status
line says '>> 16x keyframes', the frame log's trick frames are keyframes in
increasing order; pause and '.' step exactly one frame from the keyframe on
screen; r walks keyframes backwards ('<< 16x keyframes', decreasing); '\\'
goes back to 1x, every frame again from where it was. Then the A/V
measurement (avsync.py: flashes against tones through SDL's disk driver)
across 8x forwards and backwards: back at 1x, picture and sound are in sync
again, and no tone played while in trick play."""
import os
import re
import subprocess
import tempfile
import time

import avsync
from common import FFMPEG, QV, check, finish, tmux_kill_server, wait_for

SOCK = f"qv-trick-{os.getpid()}"
tmp = tempfile.mkdtemp(prefix="qv-trick-")


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=20).stdout.decode(errors="replace")


def screen():
    return tmux("capture-pane", "-p", "-t", "s")


def frame_no(text):
    m = re.findall(r"frame ~?(\d+)", text)
    return int(m[-1]) if m else None


def key(k):
    """Sends a key; returns the time before it was sent (qv may act on it
    before tmux returns)."""
    t = time.monotonic_ns()
    tmux("send-keys", "-t", "s", k)
    return t


def rows(log):
    out = []
    for line in open(log):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 15:
            continue
        out.append({"ev": f[0], "ord": int(f[1].lstrip("~")), "key": f[5] == "1", "t": int(f[6]),
                    "trick": f[14] == "1"})
    return out


def increasing(xs):
    return all(b > a for a, b in zip(xs, xs[1:]))


# 40 s, 30 fps, a keyframe every second (frames 0, 30, 60, ...).
clip = os.path.join(tmp, "gop30.mp4")
subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30:duration=40",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0",
                "-pix_fmt", "yuv420p", clip], check=True)

log = os.path.join(tmp, "frames.tsv")
code = os.path.join(tmp, "code")
tmux_kill_server(SOCK)
tmux("new-session", "-d", "-s", "s", "-x", "120", "-y", "30", "sh", "-c",
     f"env COLORTERM=truecolor {QV} {clip} --no-audio --frame-log={log}; echo $? > {code}; sleep 600")
check(wait_for(lambda: frame_no(screen()) is not None, 15), "playing: the status line shows a frame")
# The packet index is needed for trick play; it comes within a second here.
wait_for(lambda: "/1200" in screen(), 10)
for _ in range(4):
    key("}")
t16 = time.monotonic_ns()
check(wait_for(lambda: ">> 16x keyframes" in screen(), 5), "} x4: the status line says '>> 16x keyframes'")
time.sleep(1.2)
tpause = key("space")
paused = wait_for(lambda: "|| >> 16x keyframes" in screen(), 5)
check(paused, "paused in trick play: '|| >> 16x keyframes'")
time.sleep(0.3)
shown = frame_no(screen())
tstep = key(".")
stepped = wait_for(lambda: shown is not None and frame_no(screen()) == shown + 1, 5)
check(stepped, f"'.' while paused at 16x: exactly the next frame ({shown} -> {frame_no(screen())})")
tresume = key("space")
time.sleep(0.8)
trev = key("r")
check(wait_for(lambda: "<< 16x keyframes" in screen(), 5), "r: the status line says '<< 16x keyframes'")
time.sleep(0.8)
tone = key("\\")
check(wait_for(lambda: "1.00x" in screen() and "keyframes" not in screen().split("\n")[-2:][0] + screen(), 5),
      "\\: back to 1x, no 'keyframes' on the status line")
time.sleep(1.5)
key("q")
check(wait_for(lambda: os.path.exists(code) and os.path.getsize(code) > 0, 10), "q: qv exited")
rc = open(code).read().strip() if os.path.exists(code) else "?"
check(rc == "0", f"exit code {rc}")
tmux_kill_server(SOCK)

r = rows(log)
fwd = [x for x in r if x["ev"] == "presented" and x["trick"] and t16 < x["t"] < tpause]
check(len(fwd) >= 5, f"16x: {len(fwd)} trick frames shown in about 1.2 s (at least 5)")
check(fwd and all(x["key"] and x["ord"] % 30 == 0 for x in fwd), "16x: every trick frame is a keyframe (ordinal % 30)")
check(increasing([x["ord"] for x in fwd]), f"16x: ordinals increasing {[x['ord'] for x in fwd][:12]}")
resumed = [x for x in r if x["ev"] == "presented" and x["trick"] and tresume < x["t"] < trev]
check(resumed and shown is not None and resumed[0]["ord"] > shown and increasing([x["ord"] for x in resumed]),
      f"resumed at 16x: keyframes on from the frame stepped to ({shown}): {[x['ord'] for x in resumed][:8]}")
back = [x for x in r if x["ev"] == "presented" and x["trick"] and trev < x["t"] < tone]
check(len(back) >= 3, f"reverse: {len(back)} trick frames shown in about 0.8 s (at least 3)")
check(back and all(x["key"] for x in back), "reverse: every trick frame is a keyframe")
check(len(back) >= 2 and all(b < a for a, b in zip([x["ord"] for x in back], [x["ord"] for x in back][1:])),
      f"reverse: ordinals decreasing {[x['ord'] for x in back][:12]}")
after = [x for x in r if x["ev"] == "presented" and x["t"] > tone]
normal = [x["ord"] for x in after if not x["trick"]]
# Every frame, not keyframes: most steps are +1 (a loaded machine may drop a
# late one now and then, which is not trick play).
ones = sum(b - a == 1 for a, b in zip(normal, normal[1:]))
check(len(normal) >= 20 and increasing(normal) and ones >= 0.8 * (len(normal) - 1),
      f"1x again: every frame, in order ({len(normal)} frames, {ones} steps of +1, {normal[:3]}..{normal[-1:]})")
check(back and normal and abs(normal[0] - back[-1]["ord"]) <= 30,
      f"1x again from the keyframe on screen ({back[-1]['ord'] if back else None} -> {normal[0] if normal else None})")

# --loop at 16x: after the last keyframe, from the start again.
llog = os.path.join(tmp, "loop.tsv")
p = subprocess.run([QV, clip, "--display=null", "--no-audio", "--speed=16", "--loop", "--frames=70",
                    "--frame-log=" + llog], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
ords = [x["ord"] for x in rows(llog) if x["ev"] == "presented"]
wrapped = any(a >= 1140 and b <= 30 for a, b in zip(ords, ords[1:]))
check(p.returncode == 0 and len(ords) == 70 and wrapped,
      f"--loop at 16x: 70 frames, back to the start after the last keyframe (exit {p.returncode})")

# A/V: 8x forwards and backwards, then 1x again.
clip20 = os.path.join(tmp, "sync20.mkv")
avsync.make_clip(FFMPEG, clip20, 20)
res = avsync.measure(QV, clip20, commands=[(2.0, ["set", "speed", 8]), (3.0, ["set", "speed", 1]),
                                          (5.0, ["set", "speed", -8]), (5.6, ["set", "speed", 1])])
med, p99, signed = avsync.summary(res["offsets"])
m = re.search(r"trick play: keyframes shown (\d+)", res["stats"])
check(res["rc"] == 0 and m and int(m.group(1)) >= 3, f"A/V run: exit {res['rc']}, trick keyframes shown "
      f"{m.group(1) if m else None}")
check(len(res["offsets"]) >= 10, f"A/V run: {len(res['offsets'])} flashes at 1x paired with a tone")
check(med is not None and med <= 30 and p99 <= 60,
      f"A/V run: |A-V| median {med} ms, 99th percentile {p99} ms after trick play (loose bound 30 / 60)")
# About 16 s of the clip play at 1x (16 tones); sound at 8x would add 8.
check(10 <= len(res["onsets"]) <= 20, f"A/V run: {len(res['onsets'])} tones heard (none while in trick play)")
finish()
