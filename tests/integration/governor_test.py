#!/usr/bin/env python3
"""The bandwidth governor over a slow link: qv draws into a pty whose reader
drains it at a fixed rate (an SSH link, simulated). Over 1 MB/s the picture
keeps moving, frames are skipped (counted) instead of queued, and a key
press shows on the status line within 200 ms; over a fast link nothing is
skipped; --max-bandwidth caps what is sent."""
import fcntl
import os
import pty
import select
import struct
import subprocess
import tempfile
import termios
import time

from common import QV, check, clip, finish

tmp = tempfile.mkdtemp(prefix="qv-gov-")


def session(rate, seconds, *extra, key_at=None, errlog=None):
    """Plays for `seconds` with the pty drained at `rate` bytes/s (None: as
    fast as it comes). Returns (rows of the frame log, bytes read, seconds
    from key press to the pause showing, exit code)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    log = os.path.join(tmp, "frames.tsv")
    p = subprocess.Popen([QV, clip("h264-long.mkv"), "--display=blocks", "--no-audio", "--frame-log=" + log, *extra],
                         stdin=slave, stdout=slave, stderr=open(errlog, "w") if errlog else subprocess.DEVNULL,
                         env=dict(os.environ, COLORTERM="truecolor"))
    os.close(slave)
    start = time.monotonic()
    got = bytearray()
    key_sent = None
    seen_pause = None
    while time.monotonic() - start < seconds:
        if key_at is not None and key_sent is None and time.monotonic() - start >= key_at:
            os.write(master, b" ")
            key_sent = time.monotonic()
            mark = len(got)
        budget = 1 << 20 if rate is None else max(1, int(rate * 0.005))
        r, _, _ = select.select([master], [], [], 0.005)
        if r:
            try:
                got += os.read(master, budget)
            except OSError:
                break
        if key_sent is not None and seen_pause is None and b"\x1b[48;1H|| " in got[mark:]:
            seen_pause = time.monotonic() - key_sent
        if rate is not None:
            time.sleep(0.005)
    os.write(master, b"q")
    end = time.monotonic() + 10
    while time.monotonic() < end and p.poll() is None:
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                got += os.read(master, 1 << 20)
            except OSError:
                break
    rc = p.wait(timeout=10)
    os.close(master)
    rows = [l.split("\t") for l in open(log).read().splitlines() if not l.startswith("#")]
    return rows, len(got), seen_pause, rc


# 1. The 1 MB/s link, then one far slower than the stream needs.
for rate, label in ((1_000_000, "1 MB/s"), (150_000, "150 KB/s")):
    rows, n, pause_s, rc = session(rate, 4.0, key_at=3.0)
    shown = [r for r in rows if r[0] == "presented"]
    link = [r for r in rows if r[0] == "dropped-link"]
    check(rc == 0, f"{label}: exits 0 ({rc})")
    # Moving, not a frame rate: at 150 KB/s 15 to 20 frames come through
    # here when quiet, 14 beside other tests; a frozen picture shows 1 or 2.
    check(len(shown) >= 10, f"{label}: the picture keeps moving ({len(shown)} frames shown in 3 s)")
    check(pause_s is not None and pause_s < 0.2,
          f"{label}: SPACE shows on the status line within 200 ms "
          f"({None if pause_s is None else round(pause_s * 1000)} ms)")
    if rate < 500_000:
        check(len(link) > 0, f"{label}: frames the link cannot take are skipped and counted ({len(link)})")
        check(n / 4.0 < rate * 1.3, f"{label}: no backlog: {n / 4.0 / 1000:.0f} KB/s read")

# 2. A fast link: nothing skipped.
rows, n, _, rc = session(None, 3.0)
link = [r for r in rows if r[0] == "dropped-link"]
shown = [r for r in rows if r[0] == "presented"]
check(rc == 0 and len(link) == 0 and len(shown) >= 60,
      f"fast link: nothing skipped ({len(link)} skipped, {len(shown)} shown)")

# 2b. A link far too slow for long: the picture shrinks step by step, then
#     falls to the cheaper encoding (the last level), and keeps moving.
err = os.path.join(tmp, "slow.err")
rows, n, _, rc = session(40_000, 7.0, "-v", errlog=err)
levels = [l for l in open(err).read().splitlines() if "terminal link: level" in l]
shown = [r for r in rows if r[0] == "presented"]
check(rc == 0 and any("cheaper encoding" in l for l in levels) and len(shown) >= 10,
      f"40 KB/s for 7 s: down to the cheaper encoding ({levels[-1:]}), {len(shown)} frames shown")

# 3. --max-bandwidth on a fast link: the rate stays under the cap.
rows, n, _, rc = session(None, 3.0, "--max-bandwidth=150K")
link = [r for r in rows if r[0] == "dropped-link"]
rate = n / 3.0
check(rc == 0 and len(link) > 0 and rate < 150 * 1024 * 1.5,
      f"--max-bandwidth=150K: {rate / 1024:.0f} KiB/s sent, {len(link)} frames skipped")
finish()
