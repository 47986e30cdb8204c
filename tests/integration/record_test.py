#!/usr/bin/env python3
"""--record: a live UDP source (MPEG-TS from an ffmpeg sender in real time,
H.264 and AAC) recorded while it plays: ffprobe reads the file, both streams
are in it, its duration is what was sent (less the start qv missed); a file
source paused, stepped and sought while recording with --record-split=2:
every piece readable and starting on a keyframe, the pieces about 2 s each
(they end at the keyframe after), and an unwritable --record is one line,
exit 8."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from common import FFMPEG, FFPROBE, QV, check, clip, finish, run
from ts_frames import free_port

tmp = tempfile.mkdtemp(prefix="qv-record-")


def probe(path):
    rc, out, _ = run([FFPROBE, "-v", "error", "-show_streams", "-show_format", "-of", "json", path])
    return json.loads(out) if rc == 0 else None


# A live source: 6 s sent in real time over UDP while qv plays and records it.
SENT = 6.0
port = free_port()
rec = os.path.join(tmp, "live.ts")
qv = subprocess.Popen([QV, f"udp://127.0.0.1:{port}", "--display=null", "--no-audio", "--record=" + rec],
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
time.sleep(0.5)
sender = subprocess.Popen([FFMPEG, "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
                           "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=1000",
                           "-t", str(SENT), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                           "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts",
                           f"udp://127.0.0.1:{port}?pkt_size=1316"])
sender.wait(timeout=120)
time.sleep(1.0)
qv.send_signal(signal.SIGTERM)
_, err = qv.communicate(timeout=60)
check(qv.returncode == 143, f"qv ends on SIGTERM (exit {qv.returncode}, {err.decode().strip()[:200]})")
p = probe(rec)
if check(p is not None, "ffprobe reads the recording of the UDP source"):
    kinds = sorted(s["codec_type"] for s in p["streams"])
    check(kinds == ["audio", "video"], f"both streams recorded ({kinds})")
    dur = float(p["format"].get("duration", 0))
    check(SENT - 1.5 <= dur <= SENT + 0.5, f"its duration {dur:.2f} s is what was sent ({SENT} s, less the start)")
    rc, out, _ = run([FFMPEG, "-nostdin", "-v", "error", "-i", rec, "-f", "null", "-"], timeout=120)
    check(rc == 0, "ffmpeg decodes it without an error")

# A file, recorded across pause, steps and a seek, split every 2 s.
src = clip("h264-long.mkv")   # 20 s, 30 fps, a keyframe every 2 s
base = os.path.join(tmp, "file.mkv")
sock = os.path.join(tmp, "ipc.sock")
qv = subprocess.Popen([QV, src, "--display=null", "--no-audio", "--record=" + base, "--record-split=2",
                       "--input-ipc=" + sock], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
for _ in range(1000):
    if os.path.exists(sock):
        break
    time.sleep(0.01)
s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(sock)
f = s.makefile("rw")
for n, c in enumerate([["set", "pause", "yes"], ["frame-step"], ["frame-step"], ["set", "pause", "no"],
                       ["seek", 12, "absolute"], ["quit"]]):
    if c == ["quit"]:
        time.sleep(1.5)
    f.write(json.dumps({"command": c, "request_id": n}) + "\n")
    f.flush()
    f.readline()
_, err = qv.communicate(timeout=60)
check(qv.returncode == 0, f"qv quits normally (exit {qv.returncode}, {err.decode().strip()[:200]})")
pieces = sorted(x for x in os.listdir(tmp) if x.startswith("file-") and x.endswith(".mkv"))
check(len(pieces) >= 2 and pieces[0] == "file-000.mkv", f"split into pieces {pieces}")
for i, name in enumerate(pieces):
    path = os.path.join(tmp, name)
    p = probe(path)
    dur = float(p["format"].get("duration", 0)) if p else 0
    last = i == len(pieces) - 1
    rc, out, _ = run([FFPROBE, "-v", "error", "-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0",
                      path])
    first_key = out.split()[0].startswith("K") if out.split() else False
    check(p is not None and first_key and (last or 1.9 <= dur <= 4.1),
          f"{name}: readable, starts on a keyframe, {dur:.2f} s (2 s up to the keyframe after)")

rc, _, err = run([QV, src, "--display=null", "--no-audio", "--record=" + os.path.join(tmp, "no", "x.mkv")])
lines = [l for l in err.splitlines() if l.strip()]
check(rc == 8 and len(lines) == 1, f"unwritable --record: exit {rc}, {lines}")
shutil.rmtree(tmp)
finish()
