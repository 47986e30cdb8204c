#!/usr/bin/env python3
"""Soak: qv plays a long generated file (--loop, null display) while a client
sends random commands over --input-ipc (seeks, steps, goto-frame, speed,
pause, property reads). Checked: every command gets its own answer, a
success, and the reads agree with what was set; anonymous memory is flat
after the warm-up; the file's mapping stays a small window (what was read is
given back: the mapping must not tend to the file's size, nor the process's
RSS to twice it); qv quits cleanly (exit 0) at the end.

The file (ffmpeg's testsrc2 with noise, mpeg4, ~2.5 MB/s) is made once and
cached in QV_CLIPS. Env: QV_SOAK_SECONDS (default 80), QV_SOAK_CURVE=PATH
writes one line per sample ("t rss anon file mapping", kB) for tools/bench
soak, QV_SOAK_CLIP_SECONDS (default 50) the length of the file.
"""
import json
import os
import random
import socket
import subprocess
import time

from common import CLIPS, FFMPEG, QV, check, finish, run

SECONDS = float(os.environ.get("QV_SOAK_SECONDS", "80"))
CLIP_SECONDS = int(os.environ.get("QV_SOAK_CLIP_SECONDS", "50"))
CURVE = os.environ.get("QV_SOAK_CURVE", "")
CLIP = os.path.abspath(os.path.join(CLIPS, f"soak-{CLIP_SECONDS}s.mkv"))
SOCK = f"/tmp/qv-soak-{os.getpid()}.sock"
FPS = 30
MiB = 1024

if not os.path.exists(CLIP):
    tmp = CLIP + ".part.mkv"
    rc, _, err = run(["nice", FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS}",
                      "-t", str(CLIP_SECONDS), "-vf", "noise=alls=40:allf=t+u", "-c:v", "mpeg4", "-q:v", "4",
                      "-g", "30", tmp], timeout=900)
    if rc != 0:
        print(err)
    check(rc == 0, f"the {CLIP_SECONDS} s soak file is made (ffmpeg exit {rc})")
    os.replace(tmp, CLIP)
size_kb = os.path.getsize(CLIP) // 1024
frames = CLIP_SECONDS * FPS


def status_kb(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            k, _, v = l.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile"):
                out[k] = int(v.split()[0])
    return out


def mapping_kb(pid):
    """Resident kB of every mapping of the input file (all readers together)."""
    total, cur = 0, False
    with open(f"/proc/{pid}/smaps") as f:
        for l in f:
            parts = l.split()
            if parts and "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
                cur = len(parts) >= 6 and parts[5] == CLIP
            elif cur and parts and parts[0] == "Rss:":
                total += int(parts[1])
    return total


class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(15)
        self.s.connect(SOCK)
        self.buf = b""
        self.rid = 0

    def ask(self, *args):
        self.rid += 1
        self.s.sendall(json.dumps({"command": list(args), "request_id": self.rid}).encode() + b"\n")
        while b"\n" not in self.buf:
            try:
                got = self.s.recv(65536)
            except socket.timeout:
                return None
            if not got:
                return None
            self.buf += got
        l, self.buf = self.buf.split(b"\n", 1)
        r = json.loads(l)
        return r if r.get("request_id") == self.rid else {"error": f"answer for {r.get('request_id')}", "bad": r}


# A step cache of 48 MiB (not the default 256): it fills within the warm-up,
# so what grows after it is a leak, not the cache.
STEP_CACHE_KB = 48 * 1024
qv = subprocess.Popen([QV, "--display=null", "--no-audio", "--loop", f"--step-cache={STEP_CACHE_KB // 1024}M",
                       "--input-ipc=" + SOCK, CLIP],
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
for _ in range(1000):
    if os.path.exists(SOCK):
        break
    time.sleep(0.01)
c = Client()
rng = random.Random(int(os.environ.get("QV_SOAK_SEED", "17")))
bad, counts, samples = [], {}, []
speed, paused = 1.0, False
t0 = time.time()
next_sample = 0.0
while time.time() - t0 < SECONDS and qv.poll() is None:
    pick = rng.random()
    if pick < 0.15:
        cmd = ["seek", round(rng.uniform(0, CLIP_SECONDS - 1), 3), "absolute", rng.choice(["exact", "keyframes"])]
    elif pick < 0.25:
        cmd = ["seek", round(rng.uniform(-5, 5), 3), "relative"]
    elif pick < 0.35:
        cmd = [rng.choice(["frame-step", "frame-back-step"])]
        paused = True
    elif pick < 0.42:
        cmd = ["goto-frame", rng.randrange(frames)]
    elif pick < 0.50:
        speed = rng.choice([0.5, 1.0, 2.0, 4.0])
        cmd = ["set", "speed", speed]
    elif pick < 0.60:
        paused = rng.random() < 0.3
        cmd = ["set", "pause", "yes" if paused else "no"]
    else:
        cmd = ["get", rng.choice(["ordinal", "pts", "pause", "speed", "frame-count", "presented", "duration",
                                  "step-cache-bytes", "index-ready"])]
    r = c.ask(*cmd)
    counts[cmd[0]] = counts.get(cmd[0], 0) + 1
    ok = r is not None and r.get("error") == "success"
    if ok and cmd[:2] == ["get", "speed"]:
        ok = abs(float(r.get("data")) - speed) < 1e-6
    elif ok and cmd[:2] == ["get", "pause"]:
        ok = r.get("data") is paused
    elif ok and cmd[:2] == ["get", "frame-count"] and r.get("data") not in (None, -1):
        ok = r.get("data") == frames
    if not ok and len(bad) < 5:
        bad.append((cmd, r))
    elif not ok:
        bad.append(None)
    now = time.time() - t0
    if now >= next_sample:
        s = status_kb(qv.pid)
        samples.append((now, s["VmRSS"], s["RssAnon"], s["RssFile"], mapping_kb(qv.pid)))
        next_sample = now + 1.0
    if rng.random() < 0.05 and paused:   # keep it mostly playing, so the whole file is read
        c.ask("set", "pause", "no")
        paused = False
    time.sleep(rng.uniform(0.0, 0.12))

n = sum(counts.values())
check(qv.poll() is None, f"qv still runs after {SECONDS:.0f} s of commands")
check(not bad, f"every one of {n} commands answered with success and right values "
      f"({len(bad)} not{'; first: ' + str(bad[0]) if bad else ''}); {counts}")
r = c.ask("quit")
try:
    rc = qv.wait(timeout=20)
except subprocess.TimeoutExpired:
    qv.kill()
    rc = qv.wait()
err = qv.stderr.read().decode(errors="replace")
check(rc == 0, f"quits cleanly: exit {rc}" + (f"; stderr: {err[-400:]}" if rc else ""))

if CURVE:
    with open(CURVE, "w") as f:
        f.write(f"# qv soak: {os.path.basename(CLIP)} {size_kb} kB, {n} commands; t_s rss_kB anon_kB file_kB mapping_kB\n")
        for s in samples:
            f.write(f"{s[0]:.0f} {s[1]} {s[2]} {s[3]} {s[4]}\n")
warm = [s for s in samples if s[0] >= min(20.0, SECONDS / 4)]
if len(warm) >= 6:
    third = len(warm) // 3
    first = sorted(s[2] for s in warm[:third])[third // 2]
    last = sorted(s[2] for s in warm[-third:])[third // 2]
    # 40 MiB: the decoders' frame pools (three decoders feed the 48 MiB step
    # cache, each pool keeps its high-water mark) still climb in small steps
    # for a minute or two: 10 to 26 MiB measured in this 80 s run over five
    # runs and four seeds, bounded (docs/PERFORMANCE.md, issue 17); a leak
    # per command or per frame grows far past it.
    check(last - first < 40 * MiB, f"anonymous memory flat after the warm-up: {first // MiB} -> {last // MiB} MiB "
          f"(median of the first and last third; less than 40 MiB growth)")
    peak_map = max(s[4] for s in samples)
    check(peak_map < min(64 * MiB, size_kb // 2),
          f"the input's mapping stays a window: at most {peak_map // MiB} MiB resident of a {size_kb // MiB} MiB file")
    peak_rss = max(s[1] for s in samples)
    peak_anon = max(s[2] for s in samples)
    check(peak_rss < peak_anon + 128 * MiB and peak_rss < size_kb + 256 * MiB,
          f"total RSS bounded: peak {peak_rss // MiB} MiB (anonymous {peak_anon // MiB} MiB, file {size_kb // MiB} MiB)")
else:
    check(False, f"enough memory samples after the warm-up ({len(warm)})")
print(f"soak: {n} commands in {SECONDS:.0f} s, {len(samples)} samples, "
      f"RSS {samples[0][1] // MiB if samples else 0} -> {samples[-1][1] // MiB if samples else 0} MiB")
finish()
