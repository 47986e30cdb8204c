#!/usr/bin/env python3
"""qv info --json reports what ffprobe reports for the same file."""
import json
import os
from fractions import Fraction

from common import FFPROBE, QV, check, clip, finish, run


def ms(v):
    return None if v in (None, "N/A") else int(round(float(v) * 1000))


def compare(path):
    name = os.path.basename(path)
    rc, out, err = run([QV, "info", path, "--json"])
    if not check(rc == 0, f"{name}: qv info exits 0 ({err.strip()})"):
        return
    q = json.loads(out)
    rc, out, _ = run([FFPROBE, "-v", "error", "-show_format", "-show_streams", "-of", "json", path])
    f = json.loads(out)
    fmt = f["format"]
    check(q["format"] == fmt["format_name"], f"{name}: format {q['format']} == {fmt['format_name']}")
    d = ms(fmt.get("duration"))
    check(d is None or abs(q["duration_ms"] - d) <= 1, f"{name}: duration {q['duration_ms']} ~ {d} ms")
    s0 = ms(fmt.get("start_time"))
    check(s0 is None or abs(q["start_ms"] - s0) <= 1, f"{name}: start {q['start_ms']} ~ {s0} ms")
    br = int(fmt.get("bit_rate", 0) or 0)
    check(q["bit_rate"] == br, f"{name}: bit rate {q['bit_rate']} == {br}")
    check(len(q["streams"]) == len(f["streams"]), f"{name}: {len(q['streams'])} streams")
    for qs, fs in zip(q["streams"], f["streams"]):
        tag = f"{name}#{fs['index']}"
        check(qs["type"] == fs["codec_type"], f"{tag}: type {qs['type']}")
        check(qs["codec"] == fs.get("codec_name"), f"{tag}: codec {qs['codec']} == {fs.get('codec_name')}")
        if fs.get("profile"):
            check(qs["profile"] == fs["profile"], f"{tag}: profile {qs['profile']!r} == {fs['profile']!r}")
        if fs["codec_type"] == "video":
            check((qs["width"], qs["height"]) == (fs["width"], fs["height"]), f"{tag}: size {qs['width']}x{qs['height']}")
            check(qs["pix_fmt"] == fs.get("pix_fmt"), f"{tag}: pix_fmt {qs['pix_fmt']}")
            if "sample_aspect_ratio" in fs:
                check(qs["sar"] == fs["sample_aspect_ratio"], f"{tag}: SAR {qs['sar']} == {fs['sample_aspect_ratio']}")
                check(qs["dar"] == fs["display_aspect_ratio"], f"{tag}: DAR {qs['dar']} == {fs['display_aspect_ratio']}")
            check(qs["frame_rate"] == fs["avg_frame_rate"], f"{tag}: frame rate {qs['frame_rate']} == {fs['avg_frame_rate']}")
            rot = 0
            for sd in fs.get("side_data_list", []):
                if "rotation" in sd:
                    rot = sd["rotation"]
            check(round(qs["rotation"]) == round(rot), f"{tag}: rotation {qs['rotation']} == {rot}")
        if fs["codec_type"] == "audio":
            check(qs["sample_rate"] == int(fs["sample_rate"]), f"{tag}: sample rate {qs['sample_rate']}")
            check(qs["channels"] == fs["channels"], f"{tag}: channels {qs['channels']}")
            if fs.get("channel_layout"):
                check(qs["channel_layout"] == fs["channel_layout"], f"{tag}: layout {qs['channel_layout']}")


for c in ("h264-bframes.mp4", "hevc.mkv", "vp9.webm", "mpeg2-sar.ts", "audio-only.m4a", "h264-rotate90.mp4"):
    compare(clip(c))
media = os.environ.get("QV_MEDIA", "")
if media and os.path.isdir(media):
    for n in sorted(os.listdir(media)):
        if not n.startswith("broken") and not n.endswith((".md", ".tsv")):
            compare(os.path.join(media, n))

rc, out, err = run([QV, "info", clip("h264-bframes.mp4")])
check(rc == 0 and "h264" in out and "320x240" in out, "plain-text info names codec and size")
finish()
