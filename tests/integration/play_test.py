#!/usr/bin/env python3
"""Playback paths besides files and the terminal: stdout closed early
(EPIPE/SIGPIPE), input from a pipe and from an http:// URL, --loop,
--speed and the [ ] keys (timing read from --frame-log), rotation shown."""
import functools
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time

from common import FFMPEG, QV, check, clip, finish, run


def md5s(text):
    return [l.split(",")[-1].strip() for l in text.splitlines() if l and not l.startswith("#")]


def framemd5(path):
    rc, out, _ = run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-"])
    return md5s(out)


mkv = clip("h264-vfr.mkv")
ref = framemd5(mkv)

# 1. stdout closed after one line: exit 128+SIGPIPE, no error line, no hang.
p = subprocess.Popen([QV, "play", clip("h264-long.mkv"), "--display=hash", "--no-sync", "--no-audio"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdout.readline()
p.stdout.close()
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    rc = None
err = p.stderr.read().decode()
check(rc == 128 + signal.SIGPIPE, f"stdout closed early: exit {rc} (128+SIGPIPE = {128 + signal.SIGPIPE})")
check(err.strip() == "", f"stdout closed early: nothing on stderr ({err.strip()[:100]!r})")

# 2. From a pipe: the same pictures as from the file.
with open(mkv, "rb") as f:
    p = subprocess.run([QV, "play", "-", "--display=hash", "--no-sync", "--no-audio"], stdin=f,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
check(p.returncode == 0 and md5s(p.stdout.decode()) == ref, f"'-' reads a pipe: every frame as ffmpeg ({p.returncode})")

# 3. From an http:// URL (a local server): the same pictures.
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=os.path.dirname(mkv))
handler.log_message = lambda *a: None
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{srv.server_address[1]}/{os.path.basename(mkv)}"
rc, out, err = run([QV, "play", url, "--display=hash", "--no-sync", "--no-audio"], timeout=60)
check(rc == 0 and md5s(out) == ref, f"an http:// URL plays: every frame as ffmpeg ({rc} {err.strip()[:100]})")
rc, out, err = run([QV, "play", url.replace(".mkv", "-missing.mkv"), "--display=null", "--no-audio"], timeout=60)
check(rc == 3 and err.count("\n") == 1 and "missing" in err, f"a URL that is not there: one line, exit 3 ({rc}, {err.strip()})")
srv.shutdown()

# 4. --loop: frame 32 of a 32-frame clip is frame 0 again.
rc, out, err = run([QV, "play", mkv, "--display=hash", "--no-sync", "--no-audio", "--loop", "--frames=40"])
got = md5s(out)
check(rc == 0 and len(got) == 40 and got[32:40] == ref[0:8] and got[:32] == ref,
      f"--loop starts again at the end ({len(got)} frames)")

# 5. --speed=2: presentation runs twice as fast as the timestamps.
log = f"/tmp/qv-speed-{os.getpid()}.tsv"


def pace(*extra):
    rc, out, err = run([QV, "play", clip("h264-bframes.mp4"), "--display=null", "--no-audio",
                        "--frame-log=" + log, *extra], timeout=60)
    rows = [l.split("\t") for l in open(log).read().splitlines() if l.startswith("presented")]
    os.unlink(log)
    (p0, t0), (p1, t1) = (float(rows[1][2]), int(rows[1][6])), (float(rows[-1][2]), int(rows[-1][6]))
    return (t1 - t0) / 1e9 / (p1 - p0)


r1, r2 = pace(), pace("--speed=2")
# Loose bounds (a loaded machine shows a late frame late, stretching a short
# run; CI once measured 0.74 at 2x): 1x is about real time, 2x clearly
# faster than 1x and not faster than 2x. Ignoring --speed gives about 1.0.
check(0.85 < r1 < 1.3, f"1x: wall time per stream second {r1:.2f}")
check(0.4 < r2 < 0.8 and r2 < 0.75 * r1, f"--speed=2: wall time per stream second {r2:.2f} (1x: {r1:.2f})")

# 6. The ] and [ keys change the speed (driven through --input-ipc keypress).
sock = f"/tmp/qv-play-{os.getpid()}.sock"
p = subprocess.Popen([QV, "play", clip("h264-long.mkv"), "--display=null", "--no-audio", "--pause",
                      "--input-ipc=" + sock], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(500):
    if os.path.exists(sock):
        break
    time.sleep(0.01)
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
f = s.makefile("rw")


def cmd(*a):
    f.write(json.dumps({"command": list(a)}) + "\n")
    f.flush()
    return json.loads(f.readline())


cmd("keypress", "]")
cmd("keypress", "]")
up = cmd("get", "speed")["data"]
cmd("keypress", "[")
down = cmd("get", "speed")["data"]
cmd("keypress", "\\")
reset = cmd("get", "speed")["data"]
cmd("quit")
p.wait(timeout=10)
check(abs(up - 1.21) < 0.01 and abs(down - 1.1) < 0.01 and reset == 1.0,
      f"] ] [ \\ : speed 1.21, 1.10, 1.00 ({up}, {down}, {reset})")
finish()
