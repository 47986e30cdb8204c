#!/usr/bin/env python3
"""The --input-ipc socket under abuse, against a real qv.

qv plays a clip paused on the null display with a control socket. Checked:
every line gets exactly one answer (empty lines, junk, trailing junk, deep
nesting and out-of-range arguments get errors); a client that never reads
does not hold up the others and is cut off; a reply for a client that left is
never given to the next client; a 256 MiB line without a newline gets an
error and a closed connection while qv's memory stays flat; bursts of 50
clients are all served; qv answers and quits cleanly at the end.
"""
import json
import os
import socket
import subprocess
import threading
import time

from common import QV, check, clip, finish

SOCK = f"/tmp/qv-ipc-torture-{os.getpid()}.sock"
CLIP = clip("h264-long.mkv")   # 600 frames, a keyframe every 60: goto-frame takes a while


class Client:
    def __init__(self, timeout=10):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(SOCK)
        self.buf = b""

    def send(self, line):
        self.s.sendall((line if isinstance(line, bytes) else line.encode()) + b"\n")

    def cmd(self, rid, *args):
        self.send(json.dumps({"command": list(args), "request_id": rid}))

    def line(self):
        """The next reply, parsed; None at EOF or on a timeout."""
        while b"\n" not in self.buf:
            try:
                got = self.s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                return None
            if not got:
                return None
            self.buf += got
        l, self.buf = self.buf.split(b"\n", 1)
        return json.loads(l)

    def closed(self, timeout=10):
        """True when the peer closed (EOF or reset) within timeout; data read on the way is dropped."""
        self.s.settimeout(timeout)
        try:
            while True:
                if not self.s.recv(65536):
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


def mem_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith(key + ":"):
                return int(l.split()[1])
    return -1


def ask(rid, *args, timeout=10):
    c = Client(timeout)
    c.cmd(rid, *args)
    r = c.line()
    c.close()
    return r


qv = subprocess.Popen([QV, "--display=null", "--pause", "--no-audio", "--input-ipc=" + SOCK, CLIP],
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
for _ in range(1000):
    if os.path.exists(SOCK):
        break
    time.sleep(0.01)
for _ in range(500):   # the first frame is on screen and the index is there
    r = ask(1, "get", "index-ready")
    if r and r.get("data") is True and ask(2, "get", "presented").get("data"):
        break
    time.sleep(0.02)


def every_line_answered():
    lines = [
        ('{"command": ["get", "ordinal"], "request_id": 1}', 1, "success"),
        ("", 0, "empty line"),
        ("   \t", 0, "empty line"),
        ("hello", 0, "invalid JSON"),
        ('{"command": ["get", "ordinal"], "request_id": 2} junk', 0, "trailing characters"),
        ('{"x":' + "[" * 60000, 0, "nested deeper"),
        ('["get", "ordinal"]', 0, "expected a JSON object"),
        ('{"command": "get"}', 0, "command must be an array"),
        ('{"command": ["seek", 1e300], "request_id": 3}', 3, "seek target"),
        ('{"command": ["seek", 9e18, "absolute+exact"], "request_id": 4}', 4, "seek target"),
        ('{"command": ["seek", "nan"], "request_id": 5}', 5, "seek target"),
        ('{"command": ["set", "pause", "maybe"], "request_id": 6}', 6, "pause: expected yes or no"),
        ('{"command": ["seek", 1, "absolute+bogus"], "request_id": 7}', 7, "unknown flag"),
        ('{"command": ["goto-frame", 5.5], "request_id": 8}', 8, "goto-frame"),
        ('{"command": ["set", "speed", 1e300], "request_id": 9}', 9, "speed"),
        ('{"command": ["get", "pause"], "request_id": 10}', 10, "success"),
        ('{"command": ["keypress", "\\u00e9"], "request_id": 11}', 11, "success"),
        ('{"command": ["no-such-thing"], "request_id": 12}', 12, "unknown command"),
        ('{"command": ["set", "speed", "1.5"], "request_id": 13}', 13, "success"),
        ('{"command": ["seek", 1, "absolute", "exact"], "request_id": 14}', 14, "success"),
    ]
    c = Client()
    c.s.sendall(b"".join(l.encode() + b"\n" for l, _, _ in lines))   # one write: pipelined
    got = [c.line() for _ in lines]
    c.s.settimeout(0.5)
    extra = c.line()
    c.close()
    check(None not in got and extra is None,
          f"every line answered, exactly once: {len([g for g in got if g])} answers to {len(lines)} lines"
          + (f", then an extra {extra}" if extra else ""))
    # Answers to commands that wait for a frame come later than the others:
    # match by id, and the id-0 errors in order.
    by_id = {g["request_id"]: g for g in got if g and g["request_id"]}
    zero = [g for g in got if g and g["request_id"] == 0]
    want_zero = [w for l, i, w in lines if i == 0]
    bad = []
    for l, i, want in lines:
        g = by_id.get(i) if i else (zero.pop(0) if zero else None)
        if not g or want not in g["error"]:
            bad.append((l[:60], want, g))
    check(not bad, f"each answer is the right one ({len(lines) - len(bad)} of {len(lines)})"
          + (f"; first wrong: {bad[0]}" if bad else ""))
    check(len(want_zero) == 7, "seven lines without a readable request_id answered with id 0")
    r = ask(20, "goto-frame", 5)
    check(r and r.get("error") == "success" and r["data"]["ordinal"] == 5,
          f"then goto-frame 5 lands on 5 ({r})")
    r = ask(21, "get", "speed")
    check(r and abs(r.get("data", 0) - 1.5) < 1e-9, f"set speed \"1.5\" took ({r})")
    ask(22, "set", "speed", 1)


def deep_line_too_long():
    c = Client()
    try:
        c.s.sendall(b'{"x":' + b"[" * 100000 + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass   # qv answered at its line cap and closed while the rest was still being sent
    r = c.line()
    check(r and "line too long" in r.get("error", ""), f"100000 '[' on one line: an error answer ({r})")
    check(c.closed(), "and the connection is closed")
    c.close()
    r = ask(30, "get", "ordinal")
    check(r and r.get("error") == "success", "qv still answers")


def silent_reader():
    """A client floods requests and never reads; others still get answers."""
    hog = Client()
    sent = [0]
    stop = threading.Event()

    def flood():
        line = b'{"command": ["get", "filename"], "request_id": 7}\n' * 200
        try:
            while not stop.is_set() and sent[0] < 20000:
                hog.s.sendall(line)
                sent[0] += 200
        except OSError:
            pass   # qv cut it off

    t = threading.Thread(target=flood)
    t.start()
    time.sleep(0.5)
    slow = []
    for k in range(20):
        t0 = time.monotonic()
        r = ask(100 + k, "get", "ordinal", timeout=10)
        dt = time.monotonic() - t0
        if not r or r.get("request_id") != 100 + k or dt > 2:
            slow.append((k, round(dt, 2), r))
    t.join(timeout=30)
    stop.set()
    check(not slow, f"while one client never reads, 20 others get their answers within 2 s each"
          + (f" (first slow or wrong: {slow[0]})" if slow else ""))
    check(hog.closed(), f"the client that never reads is cut off ({sent[0]} requests sent)")
    hog.close()


def disconnect_before_answer():
    wrong = []
    for k in range(10):
        a = Client()
        a.cmd(1000 + k, "goto-frame", 590 - k * 50)   # a long decode: the answer comes later
        a.close()                                     # gone before it
        b = Client()
        b.cmd(2000 + k, "get", "ordinal")
        r = b.line()
        b.s.settimeout(0.3)
        more = b.line()
        b.close()
        if not r or r.get("request_id") != 2000 + k or more is not None:
            wrong.append((k, r, more))
    check(not wrong, "a reply for a client that left never reaches the next client (10 rounds)"
          + (f"; first wrong: {wrong[0]}" if wrong else ""))
    r = ask(40, "get", "ordinal")
    check(r and r.get("error") == "success", f"qv still answers ({r})")


def huge_line():
    ask(50, "get", "ordinal")
    time.sleep(0.5)
    hwm0, rss0 = mem_kb(qv.pid, "VmHWM"), mem_kb(qv.pid, "VmRSS")
    c = Client(timeout=20)
    total = 256 << 20
    sent = [0]

    def push():
        chunk = b"a" * (1 << 20)
        try:
            while sent[0] < total:
                sent[0] += c.s.send(chunk)
        except OSError:
            pass

    t = threading.Thread(target=push)
    t.start()
    r = c.line()
    t.join(timeout=60)
    closed = c.closed()
    c.close()
    hwm1, rss1 = mem_kb(qv.pid, "VmHWM"), mem_kb(qv.pid, "VmRSS")
    check(r and "line too long" in r.get("error", ""), f"256 MiB without a newline: an error answer ({r})")
    check(closed and sent[0] < total, f"then the connection closes ({sent[0]} of {total} bytes taken)")
    check(hwm1 - hwm0 < 8192 and rss1 - rss0 < 8192,
          f"qv's memory does not grow (peak {hwm0} -> {hwm1} kB, now {rss0} -> {rss1} kB)")


def burst():
    for round_ in range(2):
        cs = [Client() for _ in range(50)]   # all connected before any is served
        for k, c in enumerate(cs):
            c.cmd(3000 + k, "get", "ordinal")
        got = [c.line() for c in cs]
        for c in cs:
            c.close()
        ok = [k for k, g in enumerate(got) if g and g.get("request_id") == 3000 + k and g["error"] == "success"]
        check(len(ok) == 50, f"a burst of 50 clients, round {round_ + 1}: {len(ok)} answered, each its own")


try:
    every_line_answered()
    deep_line_too_long()
    silent_reader()
    disconnect_before_answer()
    huge_line()
    burst()
    r = ask(90, "quit")
    check(r and r.get("error") == "success", "quit is answered")
    rc = qv.wait(timeout=30)
    err = qv.stderr.read().decode(errors="replace")
    check(rc == 0, f"qv exits 0 ({rc}: {err.strip()[-300:]})")
    check("Sanitizer" not in err and "runtime error" not in err, "no sanitizer report")
finally:
    if qv.poll() is None:
        qv.kill()
        qv.wait()
    if os.path.exists(SOCK):
        os.unlink(SOCK)
finish()
