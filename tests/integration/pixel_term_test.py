#!/usr/bin/env python3
"""The pixel displays in real terminals under Xvfb: sixel in xterm (-ti
vt340), kitty graphics in kitty (software GL). qv shows a four-quadrant clip,
paused on its first frame, and in xterm also paused on frame 20 (where one
quadrant has turned from blue to white); a screenshot of the X screen must
show the colours where the picture's quadrants are. Detection must make
auto pick sixel in xterm and kitty in kitty."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from common import FFMPEG, QV, check, finish, run

tmp = tempfile.mkdtemp(prefix="qv-pixel-")
clip = os.path.join(tmp, "quadrants.mkv")
# top-left yellow, top-right green, bottom-left red, bottom-right blue for
# the first half second (frames 0..12), white after (frames 13..24)
run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i",
     "nullsrc=s=320x240:r=25,geq=r='if(lt(Y,120),if(lt(X,160),255,0),if(lt(X,160),255,if(gte(T,0.5),255,0)))':"
     "g='if(lt(Y,120),255,if(gte(X,160)*gte(T,0.5),255,0))':b='if(gte(Y,120)*gte(X,160),255,0)'",
     "-t", "1", "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv444p", clip])

for tool in ("Xvfb", "xterm", "kitty", "xwd", "convert"):
    check(shutil.which(tool) is not None, f"{tool} is installed (tools/test installs it)")

display = f":{90 + os.getpid() % 50}"
xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.0)
env = dict(os.environ, DISPLAY=display, LIBGL_ALWAYS_SOFTWARE="1")


def screenshot(name):
    png = os.path.join(tmp, name + ".png")
    xwd = subprocess.run(["xwd", "-root", "-silent", "-display", display], stdout=subprocess.PIPE).stdout
    subprocess.run(["convert", "xwd:-", png], input=xwd)
    txt = subprocess.run(["convert", png, "-depth", "8", "txt:-"], stdout=subprocess.PIPE).stdout.decode()
    pix = {}
    for line in txt.splitlines()[1:]:
        xy, rest = line.split(":", 1)
        x, y = map(int, xy.split(","))
        hexv = rest.split("#")[1][:6]
        pix[(x, y)] = tuple(int(hexv[k:k + 2], 16) for k in (0, 2, 4))
    return pix


def near(a, b, tol=40):
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def quadrants(pix, label, late=False):
    """Finds the picture as the bounding box of the quadrant colours and
    checks each quadrant's centre (bottom-right: blue on the first frames,
    white on the later ones)."""
    want = {"yellow": (255, 255, 0), "green": (0, 255, 0), "red": (255, 0, 0), "blue": (0, 0, 255)}
    pts = [xy for xy, c in pix.items() if any(near(c, w) for w in want.values())]
    if late:
        del want["blue"]
        want["white"] = (255, 255, 255)
    if not check(len(pts) > 2000, f"{label}: the picture is on screen ({len(pts)} picture pixels)"):
        return
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    w, h = x1 - x0 + 1, y1 - y0 + 1
    check(abs(w / h - 4 / 3) < 0.05, f"{label}: 4:3 picture ({w}x{h})")
    if late:   # the white quadrant is not in the box's colours: the other three span it
        w = x1 - x0 + 1
        h = y1 - y0 + 1
    at = {"yellow": (x0 + w // 4, y0 + h // 4), "green": (x0 + 3 * w // 4, y0 + h // 4),
          "red": (x0 + w // 4, y0 + 3 * h // 4), ("white" if late else "blue"): (x0 + 3 * w // 4, y0 + 3 * h // 4)}
    for name, xy in at.items():
        check(near(pix.get(xy, (-1, -1, -1)), want[name]), f"{label}: {name} at {xy} ({pix.get(xy)})")


def picture_pixels(pix):
    want = [(255, 255, 0), (0, 255, 0), (255, 0, 0), (0, 0, 255)]
    return sum(1 for c in pix.values() if any(near(c, w) for w in want))


def settled_screenshot(label, first=3.0, deadline=45.0):
    """The screen once the paused picture is on it: polled (a loaded machine
    starts the terminal, tmux and qv late), then taken again until two
    shots agree; what is there at the deadline otherwise."""
    time.sleep(first)
    end = time.monotonic() + deadline
    pix = screenshot(label)
    while time.monotonic() < end:
        n = picture_pixels(pix)
        if n > 2000:
            time.sleep(0.5)
            again = screenshot(label)
            if picture_pixels(again) == n:
                return again
            pix = again
            continue
        time.sleep(1.0)
        pix = screenshot(label)
    return pix


def play_in(term_cmd, label, start_frame=None, ssh=False, after_kill=False):
    """Returns the bytes per frame --stats reported. after_kill: SIGTERM to
    qv alone (the terminal stays) and check the picture is gone from it."""
    extra = f" --start-frame={start_frame}" if start_frame is not None else ""
    stats = os.path.join(tmp, f"stats-{label}-{int(ssh)}.txt")
    pidf = os.path.join(tmp, f"pid-{label}")
    pre = "SSH_CONNECTION='10.0.0.1 1 10.0.0.2 22' " if ssh else ""
    script = (f"{pre}{QV} {clip} --display={label} --pause --no-audio --stats{extra} 2>{stats} & echo $! > {pidf}; "
              f"wait; sleep 30")
    p = subprocess.Popen(term_cmd + ["sh", "-c", script], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    pix = settled_screenshot(label)
    quadrants(pix, label + (f" paused on frame {start_frame}" if start_frame else "") + (" (as over SSH)" if ssh else ""),
              late=bool(start_frame))
    if after_kill and os.path.exists(pidf):
        os.kill(int(open(pidf).read().strip()), signal.SIGTERM)
        time.sleep(1.5)
        left = picture_pixels(screenshot(label + "-after"))
        check(left < 500, f"{label}: after SIGTERM the picture is gone from the terminal ({left} picture pixels left; "
                          f"kitty: the image deleted; sixel: the alternate screen left)")
    os.killpg(p.pid, signal.SIGTERM)
    p.wait(timeout=10)
    time.sleep(0.5)
    m = re.search(r"(\d+) bytes/frame", open(stats).read()) if os.path.exists(stats) else None
    return int(m.group(1)) if m else -1


def detected_in(term_cmd, label, want):
    """qv --display=help inside the terminal: what detection found, what auto picks
    (DISPLAY unset, as over SSH without X forwarding: else auto picks the sdl window)."""
    out = os.path.join(tmp, f"help-{label}.txt")
    p = subprocess.Popen(term_cmd + ["sh", "-c", f"env -u DISPLAY {QV} --display=help --size=100x34 > {out}"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
    text = open(out).read() if os.path.exists(out) else ""
    check(f"auto: {want}\n" in text, f"{label}: detection makes auto pick {want} "
          f"({[l for l in text.splitlines() if l.startswith(('terminal detection', 'auto'))]})")


XTERM = ["xterm", "-ti", "vt340", "-geometry", "100x34+0+0", "-xrm", "XTerm*numColorRegisters: 256", "-e"]
KITTY = ["kitty", "--config", "NONE", "-o", "initial_window_width=900", "-o", "initial_window_height=700",
         "-o", "remember_window_size=no"]
detected_in(XTERM, "xterm", "sixel")
detected_in(KITTY, "kitty", "kitty")

play_in(["xterm", "-ti", "vt340", "-geometry", "100x34+0+0", "-xrm", "XTerm*numColorRegisters: 256",
         "-xrm", "XTerm*sixelScrolling: true", "-e"], "sixel")
play_in(["xterm", "-ti", "vt340", "-geometry", "100x34+0+0", "-xrm", "XTerm*numColorRegisters: 256",
         "-xrm", "XTerm*sixelScrolling: true", "-e"], "sixel", start_frame=20, after_kill=True)
# kitty on this machine reads the pixels from shared memory (t=s): a few
# dozen bytes per frame down the tty; as over SSH it gets zlib'd RGB.
local = play_in(KITTY, "kitty", after_kill=True)
remote = play_in(KITTY, "kitty", ssh=True)
# kitty inside tmux inside kitty: through tmux's passthrough when it is
# allowed; one clear line when it is not.
conf_on = os.path.join(tmp, "tmux-on.conf")
with open(conf_on, "w") as f:
    f.write("set -g allow-passthrough on\nset -g status off\n")
conf_off = os.path.join(tmp, "tmux-off.conf")
with open(conf_off, "w") as f:
    f.write("set -g allow-passthrough off\nset -g status off\n")
sock = f"qvpt{os.getpid()}"
inner = f"{QV} {clip} --display=kitty --pause --no-audio; sleep 30"
p = subprocess.Popen(KITTY + ["tmux", "-L", sock, "-f", conf_on, "new-session", inner], env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
quadrants(settled_screenshot("kitty-tmux"), "kitty inside tmux (allow-passthrough on)")
subprocess.run(["tmux", "-L", sock, "kill-server"], env=env, stderr=subprocess.DEVNULL)
os.killpg(p.pid, signal.SIGTERM)
p.wait(timeout=10)
msg = os.path.join(tmp, "tmux-off.txt")
p = subprocess.Popen(KITTY + ["tmux", "-L", sock + "x", "-f", conf_off, "new-session",
                              f"{QV} {clip} --display=kitty --no-audio 2>{msg}; echo $? >> {msg}; sleep 5"], env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
time.sleep(5.0)
text = open(msg).read() if os.path.exists(msg) else ""
check("allow-passthrough off" in text and text.strip().endswith("7"),
      f"kitty inside tmux (allow-passthrough off): one clear line, exit 7 ({text.strip()!r})")
subprocess.run(["tmux", "-L", sock + "x", "kill-server"], env=env, stderr=subprocess.DEVNULL)
os.killpg(p.pid, signal.SIGTERM)
p.wait(timeout=10)

check(0 < local < 2000 and remote > 10 * local,
      f"kitty: shared memory when local ({local} bytes/frame), zlib RGB over SSH ({remote} bytes/frame)")
xvfb.terminate()
shutil.rmtree(tmp, ignore_errors=True)
finish()
