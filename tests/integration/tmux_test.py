#!/usr/bin/env python3
"""The terminal player in a real terminal (tmux): it draws, the status line
advances, pause stops it, '.' advances exactly one frame, a resize re-lays
the picture, q exits with the terminal restored; SIGTERM and SIGHUP restore
it too, and so do crashes: a stack overflow on the display thread (the one
that parses IPC and keys) and on the demuxer's, a SIGSEGV on the main thread
(the QV_TEST_FAULT hook), the fatal handler running on the alternate signal
stack. Under a sanitizer build (QV_SANITIZER set by tools/test) the crash
must also reach the sanitizer's own handler: its report, its exit."""
import os
import re
import shutil
import subprocess
import tempfile
import time

from common import QV, SANITIZER, check, clip, finish, tmux_kill_server, wait_for

SOCK = f"qv-test-{os.getpid()}"
tmp = tempfile.mkdtemp(prefix="qv-tmux-")
BLOCKS = set("\u2580\u2584\u2588")


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=20).stdout.decode(errors="replace")


def screen():
    return tmux("capture-pane", "-p", "-t", "s")


def frame_no(text=None):
    text = text if text is not None else screen()
    m = re.findall(r"frame ~?(\d+)", text)
    return int(m[-1]) if m else None


def start(args, name, env=""):
    before, after, code = (os.path.join(tmp, f"{name}.{k}") for k in ("before", "after", "code"))
    script = (f"stty -g > {before}; env COLORTERM=truecolor {env} {QV} {args}; echo $? > {code}; "
              f"stty -g > {after}; echo QVDONE; sleep 600")
    tmux_kill_server(SOCK)
    tmux("new-session", "-d", "-s", "s", "-x", "100", "-y", "30", "sh", "-c", script)
    return before, after, code


def pane(fmt):
    return tmux("display-message", "-p", "-t", "s", fmt).strip()


def qv_pid():
    shell = pane("#{pane_pid}")
    out = subprocess.run(["pgrep", "-P", shell, "-f", os.path.basename(QV)], stdout=subprocess.PIPE).stdout.split()
    if out:
        return int(out[0])
    # sh may exec env which execs qv in the same process
    return None


def restored(before, after, code, want, label):
    check(wait_for(lambda: os.path.exists(code) and os.path.getsize(code) > 0, 10), f"{label}: qv exited")
    rc = int(open(code).read().strip() or -1) if os.path.exists(code) else None
    check(rc == want, f"{label}: exit code {rc} (want {want})")
    wait_for(lambda: "QVDONE" in screen(), 5)
    check(open(before).read() == open(after).read(), f"{label}: tty modes restored (stty -g equal)")
    check(pane("#{alternate_on}") == "0", f"{label}: alternate screen left")
    check(pane("#{cursor_flag}") == "1", f"{label}: cursor visible")
    text = screen()
    check(not (BLOCKS & set(text)), f"{label}: no picture left on the normal screen")


if shutil.which("tmux") is None:
    print("tmux missing")
    raise SystemExit(1)

# 1. Play, watch, pause, step, resize, quit.
before, after, code = start(clip("h264-long.mkv"), "play")
drawn = wait_for(lambda: sum(ch in BLOCKS for ch in screen()) > 500, 10)
check(bool(drawn), "the picture is drawn with half blocks")
text = screen()
check("Gi=31" not in text and "[?" not in text and "2c" not in text.splitlines()[-1],
      "the terminal detection answers do not leak onto the screen")
f1 = wait_for(lambda: frame_no(), 5)
time.sleep(1.0)
f2 = frame_no()
check(f1 is not None and f2 is not None and f2 - f1 >= 15,
      f"the status line advances while playing ({f1} -> {f2} in 1 s at 30 fps)")
tmux("send-keys", "-t", "s", "space")
check(bool(wait_for(lambda: "||" in screen().splitlines()[-1], 3)), "space pauses (status shows ||)")
p1 = frame_no()
time.sleep(0.8)
p2 = frame_no()
check(p1 == p2, f"paused: the frame number stays ({p1} -> {p2})")
tmux("send-keys", "-t", "s", ".")
s1 = wait_for(lambda: frame_no() if frame_no() != p2 else None, 3)
check(s1 == p2 + 1, f"'.' steps exactly one frame ({p2} -> {s1})")
tmux("send-keys", "-t", "s", ".")
s2 = wait_for(lambda: frame_no() if frame_no() != s1 else None, 3)
check(s2 == s1 + 1, f"'.' again steps one more ({s1} -> {s2})")


def picture_width(text):
    return max((sum(ch in BLOCKS or ch == " " for ch in line.rstrip()) for line in text.splitlines()[:-1]),
               default=0)


w_before = max(len(l.rstrip()) for l in screen().splitlines()[:-1])
tmux("resize-window", "-t", "s", "-x", "60", "-y", "20")
ok = wait_for(lambda: len(screen().splitlines()) == 20 and
              max(len(l.rstrip()) for l in screen().splitlines()[:-1]) <= 60 and
              sum(ch in BLOCKS for ch in screen()) > 200, 5)
text = screen()
check(bool(ok), f"resize re-lays the picture into 60x20 (was {w_before} wide)")
check(frame_no(text) == s2, f"resized while paused: still frame {s2} ({frame_no(text)})")
check("||" in text.splitlines()[-1], "resized: the status line is on the last row")
tmux("send-keys", "-t", "s", "q")
restored(before, after, code, 0, "q")

# 1b. Detection inside tmux (no passthrough): auto picks blocks.
help_out = os.path.join(tmp, "help.txt")
start(f"--display=help --size=100x30 > {help_out}", "help")
wait_for(lambda: os.path.exists(help_out) and "auto:" in open(help_out).read(), 10)
htext = open(help_out).read() if os.path.exists(help_out) else ""
check("auto: blocks\n" in htext and "tmux" in htext, f"in tmux, detection makes auto pick blocks "
      f"({[l for l in htext.splitlines() if l.startswith(('terminal detection', 'auto'))]})")

# 1c. kitty graphics inside tmux: one clear line and the display exit code,
#     not an empty screen.
kitty_err = os.path.join(tmp, "kitty.err")
before, after, code = start(f"{clip('h264-long.mkv')} --display=kitty 2> {kitty_err}", "kitty")
restored(before, after, code, 7, "--display=kitty in tmux")
ktext = open(kitty_err).read() if os.path.exists(kitty_err) else ""
check(ktext.count("\n") == 1 and "tmux" in ktext and "kitty" in ktext, f"--display=kitty in tmux says why ({ktext.strip()})")

# 2. SIGTERM and SIGHUP restore the terminal.
for sig, want in ((15, 143), (1, 129)):
    before, after, code = start(clip("h264-long.mkv"), f"sig{sig}")
    wait_for(lambda: sum(ch in BLOCKS for ch in screen()) > 500, 10)
    pids = subprocess.run(["pgrep", "-f", f"^{QV} "], stdout=subprocess.PIPE).stdout.split()
    check(len(pids) >= 1, f"signal {sig}: found qv ({pids})")
    for p in pids:
        os.kill(int(p), sig)
    restored(before, after, code, want, f"kill -{sig}")

# 3. ESC alone quits (told apart from arrow keys by its timeout), arrows do not.
before, after, code = start(clip("h264-long.mkv"), "esc")
wait_for(lambda: frame_no(), 10)
tmux("send-keys", "-t", "s", "Right")
time.sleep(0.3)
check(not os.path.exists(code) or os.path.getsize(code) == 0, "an arrow key does not quit")
tmux("send-keys", "-t", "s", "Escape")
restored(before, after, code, 0, "ESC")

# 4. Navigation with the keys, ordinals read from the status line: go to a
#    frame, step back (the first press fills the step cache) and forward,
#    keyframe jumps, exact 1 s seeks, first/last frame, a screenshot.
import struct

shots = os.path.join(tmp, "shots")
os.makedirs(shots)
before, after, code = start(f"{clip('h264-long.mkv')} --pause --screenshot-dir={shots}", "nav")
# exact ordinals (no '~') once the packet index is ready: 600 frames
check(bool(wait_for(lambda: re.search(r"frame \d+/600 ", screen()), 10)), "paused start: status shows frame 0/600")
check(frame_no() == 0, f"starts on frame 0 ({frame_no()})")


def keys(*k):
    tmux("send-keys", "-t", "s", *k)


def lands(label, want):
    got = wait_for(lambda: frame_no() if frame_no() == want else None, 5)
    check(got == want, f"{label}: frame {want} ({frame_no()})")


keys("g", "1", "2", "0")
check(bool(wait_for(lambda: "go to frame: 120_" in screen(), 3)), "g shows the go-to prompt")
keys("Enter")
lands("g 120 ENTER", 120)
gmap = re.findall(r"[-K|#]{16}", screen().splitlines()[-1])
check(bool(gmap) and "#" in gmap[0] and gmap[0].count("K") >= 2, f"the GOP map marks frame 120 on a keyframe ({gmap})")
keys(",")
lands("',' back across the keyframe", 119)
for k in range(3):
    keys(",")
    lands(f"',' again (#{k + 2})", 118 - k)
keys(".")
lands("'.' forward from the cache", 117)
keys("NPage")
lands("PGDN: next keyframe", 120)
keys("NPage")
lands("PGDN again", 180)
keys("PPage")
lands("PGUP: previous keyframe", 120)
keys("<")
lands("'<': previous keyframe", 60)
keys("l")
lands("'l': exactly +1 s at 30 fps", 90)
keys("S-Left")
lands("SHIFT+LEFT: exactly -1 s", 60)
keys("End")
lands("END: last frame", 599)
keys("Home")
lands("HOME: first frame", 0)
keys("g", "4", "2", "Enter")
lands("g 42 ENTER", 42)
keys("s")
png = wait_for(lambda: [f for f in os.listdir(shots) if f.endswith(".png")], 10)
check(bool(png) and png[0].startswith("h264-long-f000042-pts1.400"), f"'s' writes NAME-fORDINAL-ptsSECONDS.png ({png})")
if png:
    head = open(os.path.join(shots, png[0]), "rb").read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", head[16:24]) == (640, 360),
          "the screenshot is a full-size 640x360 PNG")
keys("q")
restored(before, after, code, 0, "navigation")

# 5. Crashes (the test-only QV_TEST_FAULT hook): the fatal handler puts the
#    terminal back from the alternate signal stack, then the process dies of
#    the signal (the shell's 128 + 11). Under ASan the handler chains to
#    ASan's, which reports (to its own log here) and aborts (134).
for fault, label in (("stack-overflow:display:5", "stack overflow on the display thread"),
                     ("stack-overflow:demux:20", "stack overflow on the demuxer thread"),
                     ("segv:main", "SIGSEGV on the main thread")):
    name = fault.split(":")[0] + "-" + fault.split(":")[1]
    env = f"QV_TEST_FAULT={fault}"
    report = os.path.join(tmp, f"{name}.asan")
    if SANITIZER:   # this run's report apart from the suite's log check
        opts = re.sub(r"log_path=[^:]*", f"log_path={report}", os.environ.get("ASAN_OPTIONS", ""))
        env += f" ASAN_OPTIONS='{opts}'"
    before, after, code = start(clip("h264-long.mkv"), name, env)
    restored(before, after, code, 134 if SANITIZER else 139, label)
    if SANITIZER:
        logs = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith(f"{name}.asan")]
        text = "".join(open(f, errors="replace").read() for f in logs)
        want = "stack-overflow" if "overflow" in fault else "SEGV"
        check(want in text, f"{label}: ASan's own handler reported it ({want}: {bool(text)})")

tmux_kill_server(SOCK)
shutil.rmtree(tmp, ignore_errors=True)
finish()
