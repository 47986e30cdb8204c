#!/usr/bin/env python3
"""tools/bench drift (issue 14): the drift guard over a long run. A sender
of our own (tests/integration/ts_frames.py) sends a live UDP MPEG-TS stream
(640x360 H.264 and AAC sound) 0.1% fast, as a sender whose clock runs ahead
of the sound card's; qv plays it with its sound into a PulseAudio null sink
(a sink paced by the machine's clock, as a sound card is by its crystal),
once with the drift guard on and once off, both at the same time on two
ports. Latency (sent -> shown, from qv's --frame-log) is reported per
stretch of the run: without the guard it grows by 0.1% of the time played
(0.6 s in 10 minutes), with it it should not.

usage: bench_drift.py QV [SECONDS]   (default 600; prints, never asserts)"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import ts_frames  # noqa: E402
from ts_frames import free_port  # noqa: E402

QV = os.path.abspath(sys.argv[1])
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 600
FPS = 30
SPEED = 1.001
FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
tmp = tempfile.mkdtemp(prefix="qv-bench-drift-")

if not shutil.which("pulseaudio"):
    print("drift: pulseaudio is not installed (tools/bench installs it); not measured")
    sys.exit(0)

# A PulseAudio of our own with a null sink (root may run it in a private
# runtime directory).
pa_dir = os.path.join(tmp, "pulse-home")
os.makedirs(pa_dir)
pa_env = dict(os.environ, HOME=pa_dir, XDG_RUNTIME_DIR=pa_dir)
subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "--disallow-exit",
                "--load=module-null-sink sink_name=qvbench", "--load=module-native-protocol-unix",
                f"--log-target=file:{os.path.join(tmp, 'pulse.log')}"], env=pa_env, check=True)
server = f"unix:{os.path.join(pa_dir, 'pulse', 'native')}"

clip = os.path.join(tmp, "live.ts")
subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS}", "-f", "lavfi",
                "-i", "sine=frequency=440:sample_rate=48000", "-t", str(SECONDS), "-c:v", "libx264",
                "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0", "-g", str(FPS), "-b:v", "400k",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "mpegts", clip], check=True)
FRAMES = ts_frames.frames_of(clip)


runs = {}


def run(guard):
    port = free_port()
    log = os.path.join(tmp, f"frames-{guard}.log")
    env = dict(os.environ, SDL_AUDIODRIVER="pulseaudio", PULSE_SERVER=server)
    q = subprocess.Popen([QV, f"udp://127.0.0.1:{port}?fifo_size=1000000", "--display=null", f"--drift-guard={guard}",
                          f"--frame-log={log}", "--stats", "--timeout=3"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    time.sleep(1.0)
    sent = ts_frames.send(FRAMES, port, FPS, SPEED)
    try:
        _, err = q.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        q.kill()
        _, err = q.communicate()
    runs[guard] = (sent, log, err.decode(errors="replace"))


threads = [threading.Thread(target=run, args=(g,)) for g in ("on", "off")]
for t in threads:
    t.start()
for t in threads:
    t.join()
subprocess.run(["pulseaudio", "--kill"], env=pa_env)

print(f"## drift (issue 14): {SECONDS} s of 640x360p{FPS} H.264 + AAC over UDP MPEG-TS, the sender {SPEED:.3f}x "
      f"fast, qv's sound into a PulseAudio null sink, --display=null; both runs at once")
# Tenths of the run: the second (after the guard has learnt), the middle, the last.
stretches = [(round(SECONDS * a), round(SECONDS * b)) for a, b in ((0.1, 0.2), (0.45, 0.55), (0.9, 1.0))]
print("drift guard | frames sent | shown | sent -> shown median ms, by stretch of the run (s) | growth ms")
print("---|---|---|---|---")
for guard in ("on", "off"):
    sent, log, err = runs[guard]
    t0 = sent[0][1]
    by_pts = {p: t for p, t in sent if p is not None}
    lat = []   # (seconds into the run, ms)
    shown = 0
    for line in open(log) if os.path.exists(log) else []:
        f = line.rstrip("\n").split("\t")
        if f[0] != "presented" or len(f) < 13 or f[3] == "-":
            continue
        shown += 1
        t = by_pts.get(round(float(f[3]) * 90000))
        if t is not None:
            lat.append(((t - t0) / 1e9, (int(f[12]) - t) / 1e6))
    meds = []
    for a, b in stretches:
        v = [ms for s, ms in lat if a <= s < b]
        meds.append(statistics.median(v) if v else float("nan"))
    cells = ", ".join(f"{a}-{b}: {m:.0f}" for (a, b), m in zip(stretches, meds))
    print(f"{guard} | {len(sent)} | {shown} | {cells} | {meds[-1] - meds[0]:+.0f}")
    per = []
    for m in range(0, SECONDS, 60):
        v = [ms for s, ms in lat if m <= s < m + 60]
        per.append(f"{statistics.median(v):.0f}" if v else "-")
    print(f"#   {guard}: median by minute (ms): {' '.join(per)}")
    for l in err.splitlines():
        if "drift guard" in l or "audio:" in l:
            print(f"#   {guard}: {l.strip()}")
shutil.rmtree(tmp, ignore_errors=True)
