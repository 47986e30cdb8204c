#!/usr/bin/env python3
"""The sdl display in a real X server (Xvfb): screenshots of the window
(xwd) against the same frame as ffmpeg decodes and scales it, the
letterbox, the aspect, a rotated file, keys typed into the window (xdotool),
and what auto picks with and without a display server."""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from common import FFMPEG, QV, check, finish, run

tmp = tempfile.mkdtemp(prefix="qv-sdl-")
W, H = 640, 480
display = f":{200 + os.getpid() % 100}"
xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{W}x{H}x24", "-nolisten", "tcp"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
for _ in range(100):
    if subprocess.run(["xwininfo", "-root"], env=env, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode == 0:
        break
    time.sleep(0.05)


def gen(name, *args):
    path = os.path.join(tmp, name)
    subprocess.run([FFMPEG, "-v", "error", "-y", *args, path], check=True)
    return path


bars = gen("bars.mp4", "-f", "lavfi", "-i", "smptebars=s=320x240:r=25:d=2", "-c:v", "libx264", "-pix_fmt", "yuv420p")
rotated = os.path.join(tmp, "bars-rot90.mp4")
subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "rotate_mp4.py"),
                bars, rotated], check=True)


def screen():
    """The whole X screen as RGB bytes."""
    xwd = subprocess.run(["xwd", "-root", "-silent"], env=env, stdout=subprocess.PIPE, check=True).stdout
    return subprocess.run(["convert", "xwd:-", "-depth", "8", "rgb:-"], input=xwd, stdout=subprocess.PIPE,
                          check=True).stdout


def px(img, x, y, w=W):
    o = (y * w + x) * 3
    return tuple(img[o:o + 3])


def window_id(pattern):
    out = subprocess.run(["xwininfo", "-root", "-tree"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    for line in out.splitlines():
        if pattern in line:
            return line.split()[0], line
    return None, None


def start(path, *extra):
    log = os.path.join(tmp, "frames.tsv")
    p = subprocess.Popen([QV, path, "--display=sdl", "--geometry=480x240+0+0", "--no-audio",
                          "--frame-log=" + log, *extra], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    wid = None
    for _ in range(200):
        wid, line = window_id("qv - ")
        if wid:
            break
        time.sleep(0.05)
    return p, wid, log


def expected(path, w, h):
    """Frame 0 as ffmpeg shows it (rotation applied), scaled to w x h."""
    return subprocess.run([FFMPEG, "-v", "error", "-i", path, "-frames:v", "1", "-vf", f"scale={w}:{h}",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE, check=True).stdout


def compare(img, exp, x0, y0, w, h):
    """Share of grid points (away from the edges) within 24 of ffmpeg's colours."""
    good = total = 0
    for gy in range(12):
        for gx in range(16):
            x = int((gx + 0.5) * w / 16)
            y = int((gy + 0.5) * h / 12)
            a = px(img, x0 + x, y0 + y)
            b = px(exp, x, y, w)
            total += 1
            good += max(abs(a[i] - b[i]) for i in range(3)) <= 24
    return good / total


def bbox(img, x0, y0, x1, y1):
    """Bounding box of the non-black pixels inside the window area."""
    xs, ys = [], []
    for y in range(y0, y1, 2):
        for x in range(x0, x1, 2):
            if max(px(img, x, y)) > 40:
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def shown(region_check, timeout=5.0):
    end = time.time() + timeout
    img = screen()
    while time.time() < end and not region_check(img):
        time.sleep(0.1)
        img = screen()
    return img


# 1. Colour bars, paused on frame 0: 480x240 window, 4:3 picture fitted
#    to 320x240, centred (x 80..400), black bars left and right.
p, wid, log = start(bars, "--pause")
if wid is None:
    p.kill()
    print("qv said:", p.communicate()[1].decode(errors="replace")[-600:])
if not check(wid is not None, f"the window opened ({wid})"):
    finish()
_, line = window_id("qv - ")
check(line is not None and "bars.mp4" in line, f"the title names the file: {line and line.strip()}")
img = shown(lambda i: max(px(i, 240, 60)) > 100)
score = compare(img, expected(bars, 320, 240), 80, 0, 320, 240)
check(score >= 0.9, f"bars: {score:.0%} of the picture matches ffmpeg's colours")
check(max(px(img, 40, 120)) < 16 and max(px(img, 440, 120)) < 16, "bars: letterbox black left and right")
bb = bbox(img, 0, 0, 480, 240)
check(bb is not None and abs((bb[2] - bb[0] + 2) / (bb[3] - bb[1] + 2) - 4 / 3) < 0.05,
      f"bars: the picture is 4:3 ({bb})")

# 2. Keys typed into the window go through the same key map: '.' steps.
def presented_rows():
    return [l for l in open(log) if l.startswith("presented")] if os.path.exists(log) else []


before = len(presented_rows())
subprocess.run(["xdotool", "key", "--window", wid, "period"], env=env, stderr=subprocess.DEVNULL)
end = time.time() + 3
while time.time() < end and len(presented_rows()) <= before:
    time.sleep(0.05)
check(len(presented_rows()) == before + 1, f"'.' in the window steps one frame ({before} -> {len(presented_rows())})")
# Resize: the picture fits the new size (320x120: 160x120, x 80..240).
subprocess.run(["xdotool", "windowsize", wid, "320", "120"], env=env, stderr=subprocess.DEVNULL)
# (x 280 is picture before the resize and letterbox after it)
img = shown(lambda i: max(px(i, 280, 60)) < 16 and max(px(i, 160, 60)) > 40)
bb = bbox(img, 0, 0, 480, 240)
check(bb is not None and abs(bb[0] - 80) <= 3 and abs(bb[2] - 238) <= 3 and bb[3] <= 120,
      f"resized to 320x120: the picture re-fits ({bb})")
# f: fullscreen covers the screen; f again goes back. Fullscreen is the
# window manager's job (EWMH), so openbox runs for this part only.
wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)


def geometry(want, timeout=3.0):
    end = time.time() + timeout
    geo = ""
    while time.time() < end and want not in geo:
        time.sleep(0.1)
        out = subprocess.run(["xwininfo", "-id", wid], env=env, stdout=subprocess.PIPE).stdout.decode()
        w = re.search(r"Width: (\d+)", out)
        h = re.search(r"Height: (\d+)", out)
        geo = f"{w.group(1)}x{h.group(1)}" if w and h else ""
    return geo


subprocess.run(["xdotool", "key", "--window", wid, "f"], env=env, stderr=subprocess.DEVNULL)
check(geometry(f"{W}x{H}") == f"{W}x{H}", "f: fullscreen covers the screen")
subprocess.run(["xdotool", "key", "--window", wid, "f"], env=env, stderr=subprocess.DEVNULL)
g = geometry("320x120")
check(g == "320x120", f"f again: back to the window ({g})")
wm.terminate()
wm.wait(timeout=5)
subprocess.run(["xdotool", "key", "--window", wid, "q"], env=env, stderr=subprocess.DEVNULL)
try:
    rc = p.wait(timeout=5)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
check(rc == 0, f"'q' in the window quits (exit {rc})")

# 3. A non-square SAR (720x576 at 16:11: 1047x576 on screen), fitted to
#    the 480x240 window: 417x229, aspect 1.82.
p, wid, log = start(os.path.join(os.environ.get("QV_CLIPS", "build/tests"), "mpeg2-sar.ts"), "--pause")
img = shown(lambda i: max(px(i, 240, 120)) > 40)
bb = bbox(img, 0, 0, 480, 240)
check(bb is not None and abs((bb[2] - bb[0] + 2) / (bb[3] - bb[1] + 2) - 720 * 16 / 11 / 576) < 0.05,
      f"SAR 16:11: the picture is {720 * 16 / 11 / 576:.2f}:1 ({bb})")
p.terminate()
p.wait(timeout=5)

# 4. A file whose track says "rotate 90": shown upright, 3:4, fitted to the
#    window's height (180x240, x 150..330).
p, wid, log = start(rotated, "--pause")
img = shown(lambda i: max(px(i, 240, 30)) > 100)
score = compare(img, expected(rotated, 180, 240), 150, 0, 180, 240)
check(score >= 0.9, f"rotated: {score:.0%} of the picture matches ffmpeg's (autorotated) colours")
bb = bbox(img, 0, 0, 480, 240)
check(bb is not None and abs((bb[2] - bb[0] + 2) / (bb[3] - bb[1] + 2) - 3 / 4) < 0.05,
      f"rotated: the picture is 3:4 ({bb})")
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=5)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
check(rc == 128 + signal.SIGTERM, f"SIGTERM: exit {rc}")
end = time.time() + 3
while time.time() < end and window_id("qv - ")[0]:
    time.sleep(0.05)
check(window_id("qv - ")[0] is None, "the window is gone after exit")

# 5. The status line (the inspector) stays in the terminal that started qv.
sock = f"qvsdl{os.getpid()}"
subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-x", "150", "-y", "8",
                f"env DISPLAY={display} SDL_AUDIODRIVER=dummy {QV} {bars} --display=sdl --pause --no-audio "
                f"--geometry=320x240+0+0; sleep 10"], check=True)
pane = ""
end = time.time() + 8
while time.time() < end and "frame 0/" not in pane:
    time.sleep(0.2)
    pane = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"], stdout=subprocess.PIPE).stdout.decode(errors="replace")
check("frame 0/" in pane and "||" in pane, f"status line in the terminal: {pane.strip()[:400]!r}")
subprocess.run(["tmux", "-L", sock, "send-keys", "."])
end = time.time() + 5
while time.time() < end and "frame 1/" not in pane:
    time.sleep(0.2)
    pane = subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"], stdout=subprocess.PIPE).stdout.decode(errors="replace")
check("frame 1/" in pane, "the status line follows a step")
subprocess.run(["tmux", "-L", sock, "kill-server"], stderr=subprocess.DEVNULL)

# 6. auto: sdl when a display server answers; why not when none does.
rc, out, err = run([QV, "--display=help"], env=env)
check("auto: sdl" in out, f"auto picks sdl with DISPLAY set ({re.findall(r'auto: .*', out)})")
noenv = {k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
rc, out, err = run([QV, "--display=help"], env=noenv)
check("auto: sdl" not in out and "no display server" in out, "without DISPLAY: sdl says why it cannot run")
rc, out, err = run([QV, bars, "--display=sdl"], env=noenv)
check(rc != 0 and len(err.strip().splitlines()) == 1 and "no display server" in err,
      f"--display=sdl without a display server: one line, exit {rc}: {err.strip()}")

xvfb.terminate()
finish()
