"""Helpers shared by the integration tests (real tools only: qv, ffmpeg, tmux)."""
import os
import subprocess
import sys
import time

# QV_BIN overrides QV: tools/test runs the suites once more against the
# ASan+UBSan build this way (QV_SANITIZER=asan then: a crash test expects the
# sanitizer's report and exit, see tmux_test).
QV = os.environ.get("QV_BIN") or os.environ.get("QV", "build/qv")
SANITIZER = os.environ.get("QV_SANITIZER", "")
FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("FFPROBE", "ffprobe") or "ffprobe"
CLIPS = os.environ.get("QV_CLIPS", "build/tests")
MEDIA = os.environ.get("QV_MEDIA", "")

_failures = []
_checks = [0]


def clip(name):
    return os.path.join(CLIPS, name)


def run(cmd, timeout=120, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(cond, what):
    _checks[0] += 1
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        _failures.append(what)
    return cond


def finish():
    print(f"{_checks[0] - len(_failures)} of {_checks[0]} checks passed")
    sys.exit(1 if _failures or _checks[0] == 0 else 0)


# For guest scripts of the VM tests (tools/kmsvm): waitlog FILE N waits up
# to 300 tries of 50 ms for N "presented" rows in a frame log.
GUEST_WAITLOG = """waitlog() {
  i=0
  while [ $i -lt 300 ]; do
    n=$(grep -c presented "$1" 2>/dev/null)
    [ -n "$n" ] && [ "$n" -ge "$2" ] && return 0
    sleep 0.05; i=$((i+1))
  done
  return 1
}"""


def wait_for(pred, timeout=10.0, step=0.05):
    """Polls pred until it gives something true (returned) or timeout
    seconds passed (then its last answer)."""
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def tmux_kill_server(sock):
    """tmux -L SOCK kill-server, then wait until that server is gone: a
    new-session that meets it on its way out fails ("server exited
    unexpectedly"; 5 of 30 tries here without the wait)."""
    subprocess.run(["tmux", "-L", sock, "kill-server"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 5
    while time.monotonic() < end and subprocess.run(["pgrep", "-f", f"^tmux -L {sock} "],
                                                   stdout=subprocess.DEVNULL).returncode == 0:
        time.sleep(0.01)
