#!/usr/bin/env python3
"""qv sheet: the tiles are the frames qv thumb gives for the same ordinals
(pixels compared before the labels, which are drawn under each tile), the
keyframe sheet shows keyframes in increasing order, --exact tiles show the
frame at the asked time, labels and header are drawn, and a broken file gives
one line and its documented exit code, writing nothing."""
import hashlib
import json
import os
import re
import subprocess
import tempfile

from common import FFMPEG, QV, check, clip, finish, run

tmp = tempfile.mkdtemp(prefix="qv-sheet-")


def rgb(png):
    """(width, height, bytes) of a PNG as RGB24, decoded by ffmpeg."""
    rc, _, err = run([FFMPEG, "-hide_banner", "-i", png])
    m = re.search(r", (\d+)x(\d+)", err)
    w, h = int(m.group(1)), int(m.group(2))
    p = subprocess.run([FFMPEG, "-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                       stdout=subprocess.PIPE)
    return w, h, p.stdout


def crop(img, x, y, w, h):
    W, H, data = img
    return b"".join(data[((y + r) * W + x) * 3:((y + r) * W + x + w) * 3] for r in range(h))


def md5(b):
    return hashlib.md5(b).hexdigest()


def sheet(src, *extra):
    out = os.path.join(tmp, "s.png")
    if os.path.exists(out):
        os.remove(out)
    rc, o, err = run([QV, "sheet", src, "-o", out, "--json"] + list(extra), timeout=300)
    check(rc == 0, f"qv sheet {os.path.basename(src)} {' '.join(extra)}: exit {rc} {err.strip()[:200]}")
    if rc != 0:
        return None, None
    return json.loads(o), rgb(out)


def thumb_tile(src, tile, **how):
    out = os.path.join(tmp, "t.png")
    args = [QV, "thumb", src, "-o", out, "--width", str(tile["w"])]
    args += ["--frame", str(how["frame"])] if "frame" in how else ["--at", "%.6f" % how["at"]]
    rc, _, err = run(args, timeout=300)
    if rc != 0:
        return None
    w, h, data = rgb(out)
    return md5(crop((w, h, data), 0, 0, min(w, tile["w"]), min(h, tile["h"])))


def keyframes(src):
    rc, o, _ = run([QV, "info", "--json", src])
    v = [s for s in json.loads(o)["streams"] if s["type"] == "video"][0]
    return set(v["keyframes"])


for name, grid in (("h264-long.mkv", "4x3"), ("h264-bframes.mp4", "3x2"), ("h264-opengop.mkv", "2x2")):
    src = clip(name)
    meta, img = sheet(src, "--grid", grid, "--width", "652")
    if not meta:
        continue
    tiles = meta["tiles"]
    c, r = map(int, grid.split("x"))
    check(len(tiles) == c * r and meta["mode"] == "keyframes" and (img[0], img[1]) == (meta["width"], meta["height"]),
          f"{name}: {len(tiles)} tiles, sheet {img[0]}x{img[1]}")
    keys = keyframes(src)
    ords = [t["ordinal"] for t in tiles]
    check(all(o in keys for o in ords), f"{name}: every tile is a keyframe {ords}")
    check(ords == sorted(ords) and len(set(ords)) > 1, f"{name}: tiles in increasing order")
    wants = [t["want"] for t in tiles]
    check(all(b > a for a, b in zip(wants, wants[1:])), f"{name}: tiles spread over the file {wants}")
    same = 0
    for t in {t["ordinal"]: t for t in tiles}.values():
        ref = thumb_tile(src, t, frame=t["ordinal"])
        same += ref == md5(crop(img, t["x"], t["y"], t["w"], t["h"]))
    check(same == len(set(ords)), f"{name}: {same} of {len(set(ords))} tiles equal qv thumb --frame N")
    # The comparison can fail: another frame's thumb differs from tile 0.
    t0 = tiles[0]
    other = thumb_tile(src, t0, frame=t0["ordinal"] + 1)
    check(other is not None and other != md5(crop(img, t0["x"], t0["y"], t0["w"], t0["h"])),
          f"{name}: frame N+1 does not match tile N")
    # Labels under the tiles and the header: text pixels on the background.
    W, H, data = img
    label = crop(img, t0["x"], t0["y"] + t0["h"], t0["w"], 10)
    check(len(set(label[i:i + 3] for i in range(0, len(label), 3))) > 1, f"{name}: tile 0 has a label")
    header = crop(img, 0, 0, W, tiles[0]["y"])
    check(header.count(bytes([235, 235, 235])) > 50, f"{name}: the header has text")

# --exact: each tile is the frame qv thumb --at gives for the asked time.
src = clip("h264-long.mkv")
meta, img = sheet(src, "--grid", "3x2", "--width", "490", "--exact")
if meta:
    tiles = meta["tiles"]
    check(meta["mode"] == "exact", "--exact: mode exact")
    check(all(abs(t["time"] - t["want"]) <= 1 / 30 + 1e-6 for t in tiles),
          f"--exact: tile times within a frame of the asked ones {[(t['want'], t['time']) for t in tiles]}")
    keys = keyframes(src)
    check(any(t["ordinal"] not in keys for t in tiles), "--exact: not only keyframes")
    same = sum(thumb_tile(src, t, at=t["want"]) == md5(crop(img, t["x"], t["y"], t["w"], t["h"])) for t in tiles)
    check(same == len(tiles), f"--exact: {same} of {len(tiles)} tiles equal qv thumb --at")

# Bad input: one line naming the file, the documented exit code, no output.
empty = os.path.join(tmp, "empty.mp4")
open(empty, "w").close()
for bad, code in ((empty, 4), (os.path.join(tmp, "missing.mkv"), 3), (clip("audio-only.m4a"), 5)):
    out = os.path.join(tmp, "bad.png")
    rc, o, err = run([QV, "sheet", bad, "-o", out])
    lines = err.strip().splitlines()
    check(rc == code and len(lines) == 1 and bad in lines[0] and not os.path.exists(out),
          f"sheet {os.path.basename(bad)}: exit {rc} (want {code}), {lines}")
rc, _, err = run([QV, "sheet", src, "-o", os.path.join(tmp, "g.png"), "--grid", "0x3"])
check(rc == 2 and "--grid" in err, f"--grid 0x3: usage error ({rc})")
finish()
