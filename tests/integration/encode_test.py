#!/usr/bin/env python3
"""The encode stage (issue 15): terminal frames are encoded on qv-encode as
diffs against the frame before; frames the display then drops (here: a slow
link, --max-bandwidth) have their changes sent with the next frame written,
so the terminal always shows exactly the frame written. Checked in a real
terminal (tmux), half blocks in 256 colours with --block-tolerance=0 (cells
exact), over a link slow enough that frames are dropped and the picture
shrinks (a new layout, a new epoch): after playing with drops, the paused
picture is compared cell by
cell (top and bottom colour) with the same frame drawn whole (a step forward
and back: the back-step comes from the step cache and the display draws it
whole itself). The same check with the encoding on the display thread
(--encode-threads=0) and with sixel's rows through the carry is covered by
the unit model test (tests/unit/display/wire_test.cpp)."""
import os
import re
import subprocess
import tempfile
import time

from common import QV, check, clip, finish, tmux_kill_server, wait_for

SOCK = f"qv-enc-{os.getpid()}"
COLS = 100
tmp = tempfile.mkdtemp(prefix="qv-enc-")


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=20).stdout.decode(errors="replace")


def screen(escapes=False):
    # -N: trailing spaces kept (they have colours too)
    return tmux("capture-pane", "-p", *(["-e", "-N"] if escapes else []), "-t", "s")


def frame_no(text=None):
    m = re.findall(r"frame ~?(\d+)", text if text is not None else screen())
    return int(m[-1]) if m else None


def cells(text):
    """The picture rows of a capture-pane -e screen as (top, bottom) colour
    pairs per cell (the status row left out)."""
    rows = []
    fg = bg = "d"   # tmux carries the attributes from one line to the next
    for line in text.split("\n")[:-2]:
        row = []
        for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b])", line):
            if m.group(1) is not None:
                p = [x for x in m.group(1).split(";")] or ["0"]
                i = 0
                while i < len(p):
                    v = p[i] or "0"
                    if v == "0":
                        fg = bg = "d"
                    elif v in ("38", "48") and i + 1 < len(p):
                        n = 3 if p[i + 1] == "5" else 5
                        c = ";".join(p[i + 1:i + n])
                        if v == "38":
                            fg = c
                        else:
                            bg = c
                        i += n - 1
                    elif v == "39":
                        fg = "d"
                    elif v == "49":
                        bg = "d"
                    elif 30 <= int(v) <= 37 or 90 <= int(v) <= 97:
                        fg = "5;" + str(int(v) - 30 if int(v) < 90 else int(v) - 82)
                    elif 40 <= int(v) <= 47 or 100 <= int(v) <= 107:
                        bg = "5;" + str(int(v) - 40 if int(v) < 100 else int(v) - 92)
                    i += 1
                continue
            ch = m.group(2)
            top, bottom = {"\u2580": (fg, bg), "\u2584": (bg, fg), "\u2588": (fg, fg)}.get(ch, (bg, bg))
            row.append((top, bottom))
        row += [("d", "d")] * (COLS - len(row))
        rows.append(row)
    return rows


BW = os.environ.get("QV_ENC_BW", "80K")   # another link rate, for trying it by hand
EXTRA = os.environ.get("QV_ENC_EXTRA", "")
err = os.path.join(tmp, "stats.txt")
code = os.path.join(tmp, "code")
script = (f"{QV} {clip('h264-long.mkv')} --display=blocks --colors=256 --block-tolerance=0 --no-audio "
          f"--max-bandwidth={BW} {EXTRA} --stats -v 2> {err}; echo $? > {code}; sleep 600")
tmux_kill_server(SOCK)
tmux("new-session", "-d", "-s", "s", "-x", str(COLS), "-y", "30", "sh", "-c", script)
check(bool(wait_for(lambda: frame_no() is not None and frame_no() > 40, 20)), f"plays over the slow link ({frame_no()})")
tmux("send-keys", "-t", "s", " ")
check(bool(wait_for(lambda: "||" in screen().split("\n")[-2], 5)), "SPACE pauses")
time.sleep(1.0)   # a layout change the link asked for is applied while paused: let it settle
before = screen(escapes=True)
n = frame_no(screen())
tmux("send-keys", "-t", "s", ".")
check(bool(wait_for(lambda: frame_no() == n + 1, 5)), f"'.' steps to frame {n + 1} ({frame_no()})")
tmux("send-keys", "-t", "s", ",")
check(bool(wait_for(lambda: frame_no() == n, 5)), f"',' steps back to frame {n} ({frame_no()})")
time.sleep(0.3)
after = screen(escapes=True)
a, b = cells(before), cells(after)
drawn = sum(1 for r in b for c in r if c != ("d", "d"))
where = [(y, x, ca, cb) for y, (ra, rb) in enumerate(zip(a, b)) for x, (ca, cb) in enumerate(zip(ra, rb)) if ca != cb]
diff = len(where)
if where:
    print("differing cells (row, column, after drops, drawn whole):", where[:12])
    for name, text in (("before", before), ("after", after)):
        with open(os.path.join(tmp, name + ".txt"), "w") as f:
            f.write(text)
    print("the two captures (capture-pane -e -N) are in", tmp)
check(drawn > 200, f"the picture is there ({drawn} coloured cells)")
check(diff == 0, f"frame {n} after playing with drops is exactly the frame drawn whole ({diff} cells differ)")
tmux("send-keys", "-t", "s", "q")
check(bool(wait_for(lambda: os.path.exists(code) and open(code).read().strip() != "", 10)), "q exits")
stats = open(err).read()
m = re.search(r"dropped frames' changes sent with the next frame: (\d+)|(\d+) dropped frames' changes", stats)
carried = int(m.group(2) or m.group(1)) if m else -1
link = re.search(r"link (\d+)", stats)
check(carried > 0, f"frames were dropped after being encoded and their changes carried ({carried}; "
                   f"link drops {link.group(1) if link else '?'})")
enc = re.search(r"encode: (\d+) frames", stats)
check(enc is not None and int(enc.group(1)) > 40, f"frames were encoded on the encode stage ({enc.group(0) if enc else stats[:200]})")
tmux_kill_server(SOCK)
finish()
