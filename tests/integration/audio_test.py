#!/usr/bin/env python3
"""Audio through SDL's disk driver (SDL_AUDIODRIVER=disk writes what would
be played, as raw float samples, to a file): the length and the frequency of
what came out, speed, volume, --no-audio, no device, a file with only sound,
a file whose audio packets are broken."""
import array
import os
import re
import subprocess
import tempfile

from common import FFMPEG, QV, check, clip, finish, run

tmp = tempfile.mkdtemp(prefix="qv-audio-")


def gen(name, *args):
    path = os.path.join(tmp, name)
    subprocess.run([FFMPEG, "-v", "error", "-y", *args, path], check=True)
    return path


# 3 s of video with a 440 Hz tone, lossless (FLAC: no codec padding).
tone = gen("tone.mkv", "-f", "lavfi", "-i", "color=c=gray:s=160x120:r=30:d=3",
           "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=3", "-c:v", "libx264", "-c:a", "flac")
# The same with MP2 audio whose packets are damaged on purpose.
broken = gen("broken.mkv", "-f", "lavfi", "-i", "color=c=gray:s=160x120:r=30:d=3",
             "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=3", "-c:v", "libx264", "-c:a", "mp2",
             "-bsf:a", "noise=amount=20")


def play(path, *extra, driver="disk"):
    out = os.path.join(tmp, "out.raw")
    if os.path.exists(out):
        os.unlink(out)
    env = dict(os.environ, SDL_AUDIODRIVER=driver, SDL_DISKAUDIOFILE=out)
    p = subprocess.run([QV, path, "--display=null", "--stats", *extra], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    err = p.stderr.decode(errors="replace")
    samples = None
    m = re.search(r"SDL disk (\d+) Hz (\d+) ch, (\d+)-sample buffers", err)
    info = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    if os.path.exists(out) and info:
        a = array.array("f")
        data = open(out, "rb").read()
        a.frombytes(data[: len(data) // 4 * 4])
        samples = a[0::info[1]]
    return p.returncode, err, samples, info, os.path.exists(out)


def sounding(s, floor=1e-3):
    """(first, last) index of a sample louder than floor."""
    idx = [i for i in range(len(s)) if abs(s[i]) > floor]
    return (idx[0], idx[-1]) if idx else (0, -1)


def frequency(s, rate, a, b):
    """Hz from the zero crossings between sample a and b."""
    n = sum(1 for i in range(a + 1, b) if (s[i - 1] < 0) != (s[i] < 0))
    return n / 2 / ((b - a) / rate)


def peak(s):
    return max((abs(v) for v in s), default=0.0)


def plays_on(err, total=90):
    """Every frame shown or dropped for being late (a loaded machine may be
    late now and then), and most of them shown."""
    m = re.search(r"presented (\d+), dropped \d+ \(late (\d+), late before scaling (\d+)", err)
    if not m:
        return False, "no stats"
    shown, late, early = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return shown + late + early == total and shown >= total * 2 // 3, f"{shown} shown, {late + early} late"


# 1. Length and pitch at 1x.
rc, err, s, info, _ = play(tone)
check(rc == 0 and info is not None and s is not None, f"tone: exit {rc}, disk driver output read ({info})")
if s is not None and info:
    rate, ch, buf = info
    a, b = sounding(s)
    check(abs((b - a + 1) - 3 * rate) <= buf,
          f"tone: {b - a + 1} samples of sound for a 3 s clip (want {3 * rate} within one buffer of {buf})")
    f = frequency(s, rate, a + rate // 2, a + 2 * rate)
    check(abs(f - 440) < 4, f"tone: {f:.1f} Hz (want 440)")
    p1 = peak(s)
ok, why = plays_on(err)
check(ok, f"tone: the 90 frames shown or dropped late, most shown ({why})")
check("A-V: median" in err, "--stats reports the A-V difference")

# 1b. From a pipe (`cat clip | qv -`): one demuxer reads it once and feeds
# both decoders, so the sound plays too.
out = os.path.join(tmp, "pipe.raw")
with open(tone, "rb") as f:
    p = subprocess.run([QV, "-", "--display=null", "--stats"], stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60, env=dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=out))
perr = p.stderr.decode(errors="replace")
m = re.search(r"SDL disk (\d+) Hz (\d+) ch, (\d+)-sample buffers", perr)
if m and os.path.exists(out):
    rate, ch = int(m.group(1)), int(m.group(2))
    a_ = array.array("f")
    data = open(out, "rb").read()
    a_.frombytes(data[: len(data) // 4 * 4])
    sp = a_[0::ch]
    a, b = sounding(sp)
    check(p.returncode == 0 and abs((b - a + 1) - 3 * rate) <= int(m.group(3)) * 2,
          f"pipe: exit {p.returncode}, {b - a + 1} samples of sound for a 3 s clip (want {3 * rate})")
    f = frequency(sp, rate, a + rate // 2, a + 2 * rate)
    check(abs(f - 440) < 4, f"pipe: {f:.1f} Hz (want 440)")
    am = re.search(r"A-V: median ([\d.]+) ms", perr)
    check(am is not None and float(am.group(1)) < 30, f"pipe: the picture follows the sound ({am and am.group(0)})")
else:
    check(False, f"pipe: the sound played ({perr.strip().splitlines()[-3:]})")

# 2. Speed 2x: half as long, an octave up (the pitch moves with the speed).
rc, err, s2, info, _ = play(tone, "--speed=2")
if s2 is not None and info:
    rate, ch, buf = info
    a, b = sounding(s2)
    check(abs((b - a + 1) - 1.5 * rate) <= 2 * buf, f"2x: {b - a + 1} samples (want {int(1.5 * rate)})")
    f = frequency(s2, rate, a + rate // 4, a + rate)
    check(abs(f - 880) < 8, f"2x: {f:.1f} Hz (want 880: pitch not kept)")
else:
    check(False, f"2x: no output ({rc}, {err.strip()[-200:]})")

# 2b. Speed 0.5x: twice as long, an octave down.
rc, err, s05, info, _ = play(tone, "--speed=0.5")
if s05 is not None and info:
    rate, ch, buf = info
    a, b = sounding(s05)
    check(abs((b - a + 1) - 6 * rate) <= 2 * buf, f"0.5x: {b - a + 1} samples (want {6 * rate})")
    f = frequency(s05, rate, a + rate, a + 4 * rate)
    check(abs(f - 220) < 3, f"0.5x: {f:.1f} Hz (want 220)")
else:
    check(False, f"0.5x: no output ({rc}, {err.strip()[-200:]})")

# 3. Volume: 50% is (0.5)^3 of the amplitude (a cubic curve); 0 is silence.
rc, err, s3, info, _ = play(tone, "--volume=50")
if s3 is not None and s is not None:
    ratio = peak(s3) / max(p1, 1e-9)
    check(abs(ratio - 0.125) < 0.01, f"--volume=50: amplitude x{ratio:.3f} (want 0.125)")
else:
    check(False, f"--volume=50: the sound was recorded at both volumes ({rc}, {err.strip()[-200:]})")
rc, err, s4, info, _ = play(tone, "--volume=0")
check(s4 is not None and peak(s4) == 0.0, "--volume=0: silence")

# 4. --no-audio: SDL's audio is never opened.
rc, err, s5, info, exists = play(tone, "--no-audio")
check(rc == 0 and not exists and "audio:" not in err, f"--no-audio: no audio output (exit {rc})")

# 5. No audio device: a warning naming the file, and the video plays.
rc, err, _, _, _ = play(tone, driver="nosuchdriver")
warn = [l for l in err.splitlines() if "playing the video alone" in l]
check(rc == 0 and len(warn) == 1 and tone in warn[0], f"no device: one warning ({warn}), exit {rc}")
ok, why = plays_on(err)
check(ok, f"no device: the video plays ({why})")

# 6. A file with only sound: it plays, as long as it is.
only = clip("audio-only.m4a")
rc, err, s6, info, _ = play(only)
check(rc == 0, f"audio only: exit {rc}")
if s6 is not None and info:
    a, b = sounding(s6)
    secs = (b - a + 1) / info[0]
    check(0.9 < secs < 1.1, f"audio only: {secs:.2f} s of sound (a 1 s file)")
    f = frequency(s6, info[0], a + info[0] // 10, a + info[0] * 8 // 10)
    check(abs(f - 440) < 5, f"audio only: {f:.1f} Hz (want 440)")
else:
    check(False, "audio only: no sound came out")
# ... with the status line: the blocks display draws it under the picture.
out = os.path.join(tmp, "only.out")
with open(out, "wb") as o:
    p = subprocess.run([QV, only, "--display=blocks", "--size=80x24"], stdout=o, stderr=subprocess.PIPE, timeout=60,
                       env=dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=os.path.join(tmp, "o.raw")))
text = open(out, "rb").read().decode(errors="replace")
check(p.returncode == 0 and "/00:01.0" in text and "frame" in text,
      f"audio only: plays with the status line in the terminal (exit {p.returncode})")
rc, err, _, _, _ = play(only, driver="nosuchdriver")
lines = [l for l in err.splitlines() if l.strip() and not l.startswith(" ") and not l.startswith("qv stats")]
check(rc == 5 and len(lines) == 1 and only in lines[0] and "no video stream" in lines[0],
      f"audio only, no device: exit {rc} (want 5), one line: {lines}")

# 7. Broken audio packets: skipped and counted, the sound and the video go on.
rc, err, s7, info, _ = play(broken)
m = re.search(r"broken packets skipped (\d+)", err)
check(rc == 0 and m is not None and int(m.group(1)) > 0, f"broken audio: exit {rc}, packets skipped: {m and m.group(1)}")
ok, why = plays_on(err)
check(ok, f"broken audio: the video plays on ({why})")
check(s7 is not None and peak(s7) > 0.1, "broken audio: the sound plays on")
finish()
