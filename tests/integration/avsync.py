"""A/V sync measured from outside qv: a clip with a white flash frame and a
tone burst at the same pts every second; qv plays it with SDL's disk audio
driver writing into a FIFO that this process reads, timestamping every read
with CLOCK_MONOTONIC; the frame log says when each frame was presented (the
same clock). Used by tests/integration/sync_test.py (loose bound) and
tools/bench.py (the tight goal).

When a sample was played: SDL's disk driver writes each buffer right after
qv's callback filled it, through stdio, which hands the FIFO 4096-byte
pieces; a read that ends at byte T tells that the buffer holding byte T-1
was written at that moment. Buffers seen that way give their write time
(the earliest of the estimates from the buffers around, since stdio
sometimes holds a piece for one more write).
Sample j of a buffer written at W is heard at W + j / rate.
"""
import array
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

RATE = 48000


def make_clip(ffmpeg, path, seconds, fps=30):
    """White frame at every whole second (frame n % fps == 0), a 100 ms
    1 kHz burst starting at every whole second; PCM audio so no codec
    smears the onsets."""
    subprocess.run([ffmpeg, "-v", "error", "-y",
                    "-f", "lavfi", "-i",
                    f"color=c=black:s=160x120:r={fps}:d={seconds},"
                    f"drawbox=c=white:t=fill:enable='eq(mod(n\\,{fps})\\,0)'",
                    "-f", "lavfi", "-i",
                    f"aevalsrc='if(lt(mod(t\\,1)\\,0.1)\\,0.5*sin(2*PI*1000*t)\\,0)':s={RATE}:d={seconds}",
                    "-c:v", "libx264", "-g", str(fps), "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", path],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _reader(fifo, out):
    fd = os.open(fifo, os.O_RDONLY)
    total = 0
    chunks, recs = [], []
    while True:
        b = os.read(fd, 1 << 16)
        if not b:
            break
        t = time.monotonic_ns()
        total += len(b)
        chunks.append(b)
        recs.append((t, total))
    os.close(fd)
    out["data"] = b"".join(chunks)
    out["recs"] = recs


def _ipc(path, commands, t0):
    """commands: [(seconds after start, ["seek", 20, "absolute"]), ...]"""
    for at, cmd in commands:
        delay = t0 + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        for _ in range(50):
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            return
        s.sendall((json.dumps({"command": cmd}) + "\n").encode())
        s.settimeout(5)
        try:
            s.recv(4096)
        except OSError:
            pass
        s.close()


def _drain(fd):
    while True:
        try:
            if not os.read(fd, 1 << 20):
                return
        except OSError:
            return


def measure(qv, clip, extra=(), commands=(), timeout=180, pty_out=False):
    """Plays clip; returns dict(offsets=[ns, flash presented minus tone
    heard], flashes, onsets, rc, stats). pty_out: qv's stdout is a pty
    (drained as fast as it comes), for the terminal displays."""
    tmp = tempfile.mkdtemp(prefix="qv-sync-")
    fifo = os.path.join(tmp, "audio.fifo")
    os.mkfifo(fifo)
    log = os.path.join(tmp, "frames.tsv")
    sock = os.path.join(tmp, "ipc.sock")
    env = dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=fifo)
    env.pop("SDL_DISKAUDIODELAY", None)
    res = {}
    reader = threading.Thread(target=_reader, args=(fifo, res))
    reader.start()
    cmd = [qv, clip, "--display=null", "--stats", "--frame-log=" + log, "--input-ipc=" + sock, *extra]
    t0 = time.monotonic()
    out_fd, drain = subprocess.DEVNULL, None
    if pty_out:
        import pty
        master, out_fd = pty.openpty()
        drain = threading.Thread(target=_drain, args=(master,), daemon=True)
        drain.start()
    p = subprocess.Popen(cmd, env=env, stdout=out_fd, stderr=subprocess.PIPE)
    if pty_out:
        os.close(out_fd)
    ipc = threading.Thread(target=_ipc, args=(sock, list(commands), t0))
    ipc.start()
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    err = err.decode(errors="replace")
    ipc.join(timeout=10)
    try:   # when qv never opened the FIFO (no audio), unblock the reader
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass
    reader.join(timeout=10)
    out = {"rc": p.returncode, "stats": err, "offsets": [], "flashes": [], "onsets": []}
    m = re.search(r"SDL disk (\d+) Hz (\d+) ch, (\d+)-sample buffers", err)
    if not m or "data" not in res:
        return out
    rate, ch, buf = int(m.group(1)), int(m.group(2)), int(m.group(3))
    samples = array.array("f")
    data = res["data"]
    samples.frombytes(data[: len(data) // 4 * 4])
    mono = samples[0::ch]
    buf_bytes = buf * ch * 4
    written = {}
    for t, total in res["recs"]:
        m_ = (total - 1) // buf_bytes
        written.setdefault(m_, t)
    # The driver's real period (it sleeps whole milliseconds, plus its own
    # time): the median step between buffers seen one after the other.
    steps = sorted(written[m_ + 1] - written[m_] for m_ in written if m_ + 1 in written)
    period = steps[len(steps) // 2] if steps else buf * 1e9 / rate

    def when(k):
        # A buffer is sometimes seen a period late (stdio held the piece
        # that ends in it until the next write): the earliest estimate from
        # it and the buffers after it is the true one (only later ones: a
        # pause before it would make earlier ones say too early).
        m_ = k // buf
        w = min((written[x] - (x - m_) * period for x in range(m_, m_ + 9) if x in written), default=None)
        if w is None:
            near = min(written, key=lambda x: abs(x - m_))
            w = written[near] + (m_ - near) * period
        return w + (k - m_ * buf) * 1e9 / rate

    # Tone onsets: loud after at least 50 ms of silence.
    need = rate // 20
    quiet = need   # the stream starts after silence
    for k, v in enumerate(mono):
        if abs(v) > 0.05:
            if quiet >= need:
                out["onsets"].append(when(k))
            quiet = 0
        else:
            quiet += 1
    for line in open(log):
        f = line.rstrip("\n").split("\t")
        # Only frames the clock presented: a step shows its frame while
        # paused, and the tone that goes with it plays after the resume.
        if f[0] != "presented" or (len(f) > 8 and f[8] != "1"):
            continue
        pts = float(f[2])
        if abs(pts - round(pts)) < 0.001:
            out["flashes"].append(int(f[6]))
    for fl in out["flashes"]:
        if not out["onsets"]:
            break
        h = min(out["onsets"], key=lambda o: abs(o - fl))
        if abs(h - fl) < 500e6:
            out["offsets"].append(fl - h)
    return out


def summary(offsets):
    """(median |offset|, 99th percentile |offset|, median signed) in ms."""
    if not offsets:
        return None, None, None
    a = sorted(abs(o) / 1e6 for o in offsets)
    s = sorted(o / 1e6 for o in offsets)
    return a[len(a) // 2], a[min(len(a) - 1, len(a) * 99 // 100)], s[len(s) // 2]
