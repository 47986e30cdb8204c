#!/usr/bin/env python3
"""The vulkan display through the qv binary, on the machine's Vulkan driver
(Mesa's lavapipe in CI), every run with VK_LAYER_KHRONOS_validation
(QV_VK_VALIDATION=1: any warning or error fails the frame, qv exits 7 and
says so, and this test also fails on any validation line on stderr).

Headless: what --display=help says, one-line failures without a screen or
a VK_KHR_display display, playback, a paused frame read back through the
IPC screenshot against zimg's RGB of the same frame (ffmpeg's zscale), and
the status line and keys in the starting terminal (tmux).
A window under Xvfb: the paused frame (read back, and as X shows it),
steps forward and back, a resize and fullscreen keep the picture right, q
in the window quits."""
import json
import os
import re
import socket
import subprocess
import tempfile
import time

from common import FFMPEG, QV, check, clip, finish, run

tmp = tempfile.mkdtemp(prefix="qv-vulkan-")
base_env = dict(os.environ, QV_VK_VALIDATION="1", SDL_AUDIODRIVER="dummy")
for k in ("DISPLAY", "WAYLAND_DISPLAY"):
    base_env.pop(k, None)
CLIP = clip("h264-bframes.mp4")   # 320x240, BT.601 limited (untagged), chroma left-cosited
W, H = 320, 240


def no_validation(err, what):
    lines = [l for l in err.splitlines() if re.search(r"validation (error|warning)|validation layer reported", l)]
    check(not lines, f"{what}: nothing from the validation layer {lines[:2]}")


def reference(frame, w=W, h=H, flt="bilinear", path=CLIP):
    """zimg's RGB of frame N (the same matrix, range and chroma siting)."""
    vf = (f"select=eq(n\\,{frame}),zscale=w={w}:h={h}:filter={flt}:matrixin=470bg:rangein=limited:"
          f"chromalin=left:dither=none,format=gbrp")
    out = subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-i", path, "-vf", vf, "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE, check=True).stdout
    assert len(out) == w * h * 3, len(out)
    return out


def png_rgb(path):
    out = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         stdout=subprocess.PIPE).stdout
    size = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
                          stdout=subprocess.PIPE).stdout.decode().strip()
    w, h = (int(v) for v in size.split(",")) if size else (0, 0)
    return out, w, h


def diff(img, img_w, x0, y0, ref, w, h):
    """Largest per-channel difference and RMSE of the w x h area at x0, y0."""
    worst, sq = 0, 0
    for y in range(h):
        a = img[((y0 + y) * img_w + x0) * 3:((y0 + y) * img_w + x0 + w) * 3]
        b = ref[y * w * 3:(y + 1) * w * 3]
        if len(a) != len(b):
            return 255, 255.0
        for p, q in zip(a, b):
            e = p - q if p > q else q - p
            sq += e * e
            if e > worst:
                worst = e
    return worst, (sq / (w * h * 3)) ** 0.5


def black_outside(img, img_w, img_h, x0, y0, w, h, step=3):
    worst = 0
    for y in range(0, img_h, step):
        for x in range(0, img_w, step):
            if x0 <= x < x0 + w and y0 <= y < y0 + h:
                continue
            o = (y * img_w + x) * 3
            worst = max(worst, *img[o:o + 3])
    return worst


class Session:
    """qv with an IPC socket."""

    def __init__(self, args, env):
        self.sock = os.path.join(tmp, f"ipc{time.monotonic_ns()}")
        self.p = subprocess.Popen([QV, *args, "--no-audio", "--input-ipc=" + self.sock, "--screenshot-dir=" + tmp],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.f = None
        for _ in range(3000):
            if self.p.poll() is not None:
                break
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.sock)
                self.f = s.makefile("rw")
                break
            except OSError:
                time.sleep(0.01)
        if self.f:
            for _ in range(3000):
                if self.cmd("get", "presented").get("data"):
                    break
                time.sleep(0.01)

    def cmd(self, *a):
        self.f.write(json.dumps({"command": list(a)}) + "\n")
        self.f.flush()
        return json.loads(self.f.readline())

    def shot(self):
        r = self.cmd("screenshot")
        if r.get("error") != "success":
            return b"", 0, 0
        return png_rgb(r["data"])

    def end(self):
        if self.f:
            try:
                self.cmd("quit")
            except (OSError, ValueError):
                pass
        try:
            rc = self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        return rc, self.p.stderr.read().decode(errors="replace")


# ---- without a screen ----
rc, out, err = run([QV, "--display=help", "--vk-surface=headless"], env=base_env)
m = re.search(r"^  vulkan +(yes|no) .*\n +(.*)$", out, re.M)
check(m is not None and m.group(1) == "yes" and "surface headless" in m.group(2),
      f"help, headless: vulkan can run ({m and m.group(2)})")
rc, out, err = run([QV, "--display=help"], env=base_env)
m = re.search(r"^  vulkan +(yes|no) .*\n +(.*)$", out, re.M)
check(m is not None and m.group(1) == "no" and "no screen" in m.group(2),
      f"help, no display server, not on a VT: vulkan says why not ({m and m.group(2)})")
rc, out, err = run([QV, CLIP, "--display=vulkan"], env=base_env)
check(rc == 7 and len(err.strip().splitlines()) == 1 and "no screen" in err,
      f"--display=vulkan with no screen: one line, exit {rc}: {err.strip()}")
rc, out, err = run([QV, CLIP, "--display=vulkan", "--vk-surface=display"], env=base_env)
check(rc == 7 and len(err.strip().splitlines()) == 1 and "VK_KHR_display" in err,
      f"--vk-surface=display where the device has no display: one line, exit {rc}: {err.strip()}")
nodriver = dict(base_env, VK_ICD_FILENAMES="/nonexistent/icd.json", VK_DRIVER_FILES="/nonexistent/icd.json")
rc, out, err = run([QV, "--display=help", "--vk-surface=headless"], env=nodriver)
m = re.search(r"^  vulkan +(yes|no) .*\n +(.*)$", out, re.M)
check(m is not None and m.group(1) == "no" and "no Vulkan driver" in m.group(2),
      f"help without a Vulkan driver: says so ({m and m.group(2)})")
rc, out, err = run([QV, CLIP, "--display=vulkan", "--vk-surface=headless"], env=nodriver)
check(rc == 7 and len(err.strip().splitlines()) == 1 and "no Vulkan driver" in err,
      f"--display=vulkan without a driver: one line, exit {rc}: {err.strip()}")
rc, out, err = run([QV, CLIP, "--display=vulkan", "--vk-surface=nope"], env=base_env)
check(rc == 2 and len(err.strip().splitlines()) == 1, f"--vk-surface=nope: usage, exit {rc}: {err.strip()}")

# ---- headless ----
rc, out, err = run([QV, "--display=vulkan", "--vk-surface=headless", "--no-audio", "--frames=40", "-v"], env=base_env,
                   timeout=120)
check(rc == 0 and "40 frames" in err, f"headless: the demo plays 40 frames, exit {rc}")
m = re.search(r"(\d+) written by the scale stage straight into staging", err)
check(m is not None and int(m.group(1)) >= 30, f"headless: the scale stage wrote into staging ({m and m.group(0)})")
no_validation(err, "headless demo")

s = Session([CLIP, "--display=vulkan", "--vk-surface=headless", "--pause", "--start-frame=5"], base_env)
img, iw, ih = s.shot()
uploaded = {5: img}
worst, rmse = diff(img, iw, 0, 0, reference(5), W, H) if (iw, ih) == (W, H) else (255, 255.0)
check((iw, ih) == (W, H) and worst <= 3,
      f"headless 1:1, frame 5 read back (IPC screenshot, {iw}x{ih}) against zimg: max {worst}, rmse {rmse:.2f}")
s.cmd("frame-back-step")
img, iw, ih = s.shot()
uploaded[4] = img
worst, _ = diff(img, iw, 0, 0, reference(4), W, H) if (iw, ih) == (W, H) else (255, 0)
check(worst <= 3, f"headless: a step back shows frame 4 (max {worst})")
rc, err = s.end()
check(rc == 0, f"headless session: exit {rc}")
no_validation(err, "headless session")

# The path CUDA frames take (FFmpeg's Vulkan hwcontext over qv's own device,
# the frame's images sampled in place), with software frames uploaded by
# FFmpeg standing in for NVDEC's (QV_TEST_VKFRAMES=1): the same picture as
# qv's own upload, to the byte, paused, stepped back and forward.
ffenv = dict(base_env, QV_TEST_VKFRAMES="1")
s = Session([CLIP, "--display=vulkan", "--vk-surface=headless", "--pause", "--start-frame=5", "-v"], ffenv)
shots = {5: s.shot()[0]}
s.cmd("frame-back-step")
shots[4] = s.shot()[0]
s.cmd("frame-step")
shots["fwd5"] = s.shot()[0]
rc, err = s.end()
check(rc == 0 and "through FFmpeg's Vulkan hwcontext on this device" in err,
      f"FFmpeg's Vulkan frames: qv says which path (exit {rc}) {[l for l in err.splitlines() if 'FFmpeg' in l][:1]}")
check(shots[5] == uploaded[5] and shots[4] == uploaded[4] and shots[5] != b"" and shots[5] != shots[4],
      "FFmpeg's Vulkan frames: frames 5 and 4 (a step back) identical to qv's own upload")
check(shots["fwd5"] == uploaded[5], "FFmpeg's Vulkan frames: a step forward from 4 shows frame 5 again, identical")
m = re.search(r"FFmpeg's frames: (\d+) copied onto this device", err)
check(m is not None and int(m.group(1)) >= 3, f"FFmpeg's Vulkan frames: counted ({m and m.group(0)})")
no_validation(err, "FFmpeg's Vulkan frames")
rc, out, err = run([QV, clip("h264-10bit.mkv"), "--display=vulkan", "--vk-surface=headless", "--no-audio", "--frames=30",
                    "-v"], env=ffenv, timeout=120)
m = re.search(r"FFmpeg's frames: (\d+) copied onto this device", err)
check(rc == 0 and m is not None and int(m.group(1)) >= 25 and "yuv420p10le" in err,
      f"FFmpeg's Vulkan frames, 10-bit: played, exit {rc} ({m and m.group(0)})")
no_validation(err, "FFmpeg's Vulkan frames, 10-bit")

# Letterboxed and downscaled: 4:3 in 200x100 -> 133x100 at x 33.
s = Session([CLIP, "--display=vulkan", "--vk-surface=headless", "--pause", "--geometry=200x100"], base_env)
img, iw, ih = s.shot()
ok = (iw, ih) == (200, 100)
worst, rmse = diff(img, iw, 33, 0, reference(0, 133, 100, "bicubic:param_a=0:param_b=0.5"), 133, 100) if ok else (255, 255.0)
border = black_outside(img, iw, ih, 33, 0, 133, 100, 1) if ok else 255
check(ok and rmse <= 1.5 and border == 0,
      f"headless 200x100: the picture downscaled at x 33 (rmse {rmse:.2f}), the letterbox black ({border})")
rc, err = s.end()
no_validation(err, "headless letterbox")

# The status line and keys in the terminal qv was started from.
sock = f"qvvk{os.getpid()}"
subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-x", "150", "-y", "8",
                f"env QV_VK_VALIDATION=1 {QV} {CLIP} --display=vulkan --vk-surface=headless --pause --no-audio; sleep 10"],
               check=True)


def pane():
    return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p"], stdout=subprocess.PIPE).stdout.decode(errors="replace")


def wait_pane(text, timeout=15):
    end = time.time() + timeout
    p = pane()
    while time.time() < end and text not in p:
        time.sleep(0.2)
        p = pane()
    return p


p = wait_pane("frame 0/")
check("frame 0/" in p and "||" in p, f"headless: the status line in the terminal: {p.strip()[:200]!r}")
subprocess.run(["tmux", "-L", sock, "send-keys", "."])
p = wait_pane("frame 1/")
check("frame 1/" in p, "headless: '.' typed in the terminal steps, the status line follows")
subprocess.run(["tmux", "-L", sock, "kill-server"], stderr=subprocess.DEVNULL)

# ---- a window under Xvfb ----
SW, SH = 640, 480
display = f":{300 + os.getpid() % 100}"
xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{SW}x{SH}x24", "-nolisten", "tcp"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
xenv = dict(base_env, DISPLAY=display)
for _ in range(100):
    if subprocess.run(["xwininfo", "-root"], env=xenv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
        break
    time.sleep(0.05)


def screen():
    xwd = subprocess.run(["xwd", "-root", "-silent"], env=xenv, stdout=subprocess.PIPE, check=True).stdout
    return subprocess.run(["convert", "xwd:-", "-depth", "8", "rgb:-"], input=xwd, stdout=subprocess.PIPE, check=True).stdout


def window_id():
    out = subprocess.run(["xwininfo", "-root", "-tree"], env=xenv, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    for line in out.splitlines():
        if "qv - " in line:
            return line.split()[0]
    return None


def geometry(wid):
    out = subprocess.run(["xwininfo", "-id", wid], env=xenv, stdout=subprocess.PIPE).stdout.decode()
    w = re.search(r"Width: (\d+)", out)
    h = re.search(r"Height: (\d+)", out)
    return (int(w.group(1)), int(h.group(1))) if w and h else (0, 0)


def until(pred, timeout=10.0):
    end = time.time() + timeout
    v = pred()
    while time.time() < end and not v:
        time.sleep(0.2)
        v = pred()
    return v


s = Session([CLIP, "--display=vulkan", "--pause", "--geometry=320x240+0+0"], xenv)
wid = until(window_id)
check(wid is not None and s.f is not None, f"window: opened ({wid})")
if wid is None or s.f is None:
    rc, err = s.end()
    print("qv said:", err[-800:])
    xvfb.terminate()
    finish()

ref0 = reference(0)
img, iw, ih = s.shot()
worst, _ = diff(img, iw, 0, 0, ref0, W, H) if (iw, ih) == (W, H) else (255, 0)
check(worst <= 3, f"window 1:1: the paused frame read back ({iw}x{ih}) matches zimg's (max {worst})")
scr = until(lambda: (lambda i: i if diff(i, SW, 0, 0, ref0, W, H)[0] <= 3 else None)(screen()))
worst = diff(scr or screen(), SW, 0, 0, ref0, W, H)[0]
check(scr is not None, f"window 1:1: the X server shows that frame (xwd, max {worst})")

s.cmd("frame-step")
s.cmd("frame-step")
img, iw, ih = s.shot()
worst, _ = diff(img, iw, 0, 0, reference(2), W, H) if (iw, ih) == (W, H) else (255, 0)
check(worst <= 3, f"window: two steps forward show frame 2 (max {worst})")
s.cmd("frame-back-step")
img, iw, ih = s.shot()
worst, _ = diff(img, iw, 0, 0, reference(1), W, H) if (iw, ih) == (W, H) else (255, 0)
check(worst <= 3, f"window: a step back shows frame 1 (max {worst})")
ref1 = reference(1)

# Resize to 480x240: the 4:3 picture stays 320x240, centred at x 80.
subprocess.run(["xdotool", "windowsize", wid, "480", "240"], env=xenv, stderr=subprocess.DEVNULL)
scr = until(lambda: (lambda i: i if diff(i, SW, 80, 0, ref1, W, H)[0] <= 3 else None)(screen()))
worst = diff(scr or screen(), SW, 80, 0, ref1, W, H)[0]
check(scr is not None, f"resized to 480x240: the picture redrawn at x 80, 1:1 (max {worst})")
if scr:
    left = max(max(scr[(y * SW + x) * 3:(y * SW + x) * 3 + 3]) for y in range(0, 240, 7) for x in range(0, 78, 7))
    right = max(max(scr[(y * SW + x) * 3:(y * SW + x) * 3 + 3]) for y in range(0, 240, 7) for x in range(402, 480, 7))
    check(left == 0 and right == 0, f"resized: the letterbox is black ({left}, {right})")
img, iw, ih = s.shot()
check((iw, ih) == (480, 240), f"resized: the read-back picture is the window's size ({iw}x{ih})")

# Fullscreen (the window manager's job: openbox for this part): 640x480,
# the picture enlarged twice, bilinear.
wm = subprocess.Popen(["openbox"], env=xenv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)
subprocess.run(["xdotool", "key", "--window", wid, "f"], env=xenv, stderr=subprocess.DEVNULL)
check(until(lambda: geometry(wid) == (SW, SH)) is True, f"f: fullscreen covers the screen ({geometry(wid)})")
ref_big = reference(1, SW, SH)
scr = until(lambda: (lambda i: i if diff(i, SW, 0, 0, ref_big, SW, SH)[1] <= 1.5 else None)(screen()), timeout=15)
_, rmse = diff(scr or screen(), SW, 0, 0, ref_big, SW, SH)
check(scr is not None, f"fullscreen: the picture fills 640x480 like zimg's bilinear (rmse {rmse:.2f})")
subprocess.run(["xdotool", "key", "--window", wid, "f"], env=xenv, stderr=subprocess.DEVNULL)
g = until(lambda: geometry(wid) if geometry(wid) == (480, 240) else None)
check(g == (480, 240), f"f again: back to the window ({geometry(wid)})")
wm.terminate()
wm.wait(timeout=5)
# The window manager going away reparents the window to the root and its
# frame is destroyed: SDL's next request on that frame fails with BadWindow,
# which Xlib's default handler turns into exit(1). qv keeps playing.
time.sleep(1.0)
try:
    step = s.cmd("frame-step").get("error")
except (OSError, ValueError):
    step = "no answer"
check(s.p.poll() is None and step == "success",
      f"qv outlives its window manager (exit {s.p.poll()}, step: {step})")

subprocess.run(["xdotool", "key", "--window", wid, "q"], env=xenv, stderr=subprocess.DEVNULL)
try:
    rc = s.p.wait(timeout=20)
except subprocess.TimeoutExpired:
    s.p.kill()
    rc = s.p.wait()
err = s.p.stderr.read().decode(errors="replace")
check(rc == 0, f"q in the window quits (exit {rc}{'' if rc == 0 else ': ' + repr(err.strip()[-400:])})")
no_validation(err, "window session")
check(until(lambda: window_id() is None, 5) is True, "the window is gone after exit")

xvfb.terminate()
finish()
