#!/usr/bin/env python3
"""A/V sync, measured from outside (avsync.py): flash presentation times
from the frame log against tone onsets as SDL's disk driver played them.
A loose bound here (the tight goal is in tools/bench); the same measurement
must see a 200 ms --audio-delay, so a broken sync cannot pass."""
import os
import tempfile

import avsync
from common import FFMPEG, QV, check, finish

tmp = tempfile.mkdtemp(prefix="qv-synct-")


def ms(v):
    return "none" if v is None else f"{v:.1f}"


clip12 = os.path.join(tmp, "sync12.mkv")
avsync.make_clip(FFMPEG, clip12, 12)

# 1. At 1x, start to end.
r = avsync.measure(QV, clip12)
med, p99, signed = avsync.summary(r["offsets"])
check(r["rc"] == 0, f"1x: exit {r['rc']}")
check(len(r["offsets"]) >= 10, f"1x: {len(r['offsets'])} flashes paired with a tone (of {len(r['flashes'])})")
check(med is not None and med <= 30 and p99 <= 60,
      f"1x: |A-V| median {ms(med)} ms, 99th percentile {ms(p99)} ms (loose bound 30 / 60)")

# 2. After a seek (IPC, 3 s in, to 8 s): the flashes after it are in sync too.
r = avsync.measure(QV, clip12, commands=[(3.0, ["seek", 8, "absolute", "exact"])])
med, p99, signed = avsync.summary(r["offsets"])
check(r["rc"] == 0, f"seek: exit {r['rc']}")
check(len(r["flashes"]) <= 10, f"seek: the seek skipped seconds ({len(r['flashes'])} flashes of 12)")
check(len(r["offsets"]) >= 6, f"seek: {len(r['offsets'])} flashes paired with a tone")
check(med is not None and med <= 30 and p99 <= 60,
      f"seek: |A-V| median {ms(med)} ms, 99th percentile {ms(p99)} ms (loose bound 30 / 60)")

# 3. Pause, two steps, resume, then 1.5x: still in sync after each.
r = avsync.measure(QV, clip12, commands=[(2.0, ["set", "pause", "yes"]), (2.5, ["frame-step"]), (2.8, ["frame-step"]),
                                         (3.2, ["set", "pause", "no"]), (5.0, ["set", "speed", "1.5"])])
med, p99, signed = avsync.summary(r["offsets"])
check(r["rc"] == 0 and len(r["offsets"]) >= 10, f"pause/step/speed: exit {r['rc']}, {len(r['offsets'])} pairs")
check(med is not None and med <= 30 and p99 <= 60,
      f"pause/step/speed: |A-V| median {ms(med)} ms, 99th percentile {ms(p99)} ms (loose bound 30 / 60)")

# 4. The measurement sees a broken sync: audio 200 ms late.
r = avsync.measure(QV, clip12, extra=["--audio-delay=0.2", "--frames=180"])
med, p99, signed = avsync.summary(r["offsets"])
check(signed is not None and -250 <= signed <= -150,
      f"--audio-delay=0.2: flash minus tone is {ms(signed)} ms (want about -200)")
check(med is not None and med > 30, f"--audio-delay=0.2 fails the bound ({ms(med)} ms > 30)")
finish()
