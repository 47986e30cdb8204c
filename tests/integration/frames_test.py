#!/usr/bin/env python3
"""The packet index and qv frames against ffprobe and ffmpeg framemd5.

For every generated clip and every decodable shared sample: qv frames --json
lists the frames ffprobe -show_frames lists, in the same order (the line
number is the ordinal), with the same pts, dts, picture type, key flag,
packet size and position; qv info --json gives the exact frame count and the
keyframe ordinals; qv frames --hash gives ffmpeg framemd5's md5 per frame.
"""
import json
import os

from common import FFMPEG, FFPROBE, MEDIA, QV, check, clip, finish, run

CLIPS = ["h264-bframes.mp4", "h264-long.mkv", "hevc.mkv", "vp9.webm", "av1.mkv", "vp8-odd-175x143.webm",
         "h264-10bit.mkv", "h264-vfr.mkv", "mpeg2-sar.ts", "h264-opengop.mkv", "h264-raw.264"]
HASHED = {"h264-bframes.mp4", "h264-opengop.mkv", "h264-raw.264", "mpeg2-sar.ts", "hevc.mkv"}


def num(v):
    return None if v in (None, "N/A") else int(v)


def ffprobe_frames(path):
    rc, out, err = run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_frames", "-show_entries",
                        "frame=pts,pkt_dts,pict_type,key_frame,pkt_pos,pkt_size", "-of", "json", path], timeout=300)
    return json.loads(out)["frames"]


def ffprobe_packet_dts(path):
    """dts of each video packet, by byte position (the dts qv shows is the
    frame's own packet's; ffprobe's frame pkt_dts is the dts of whichever
    packet was fed when the frame came out of the decoder)."""
    rc, out, err = run([FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_packets", "-show_entries",
                        "packet=dts,pos", "-of", "json", path], timeout=300)
    return {num(p.get("pos")): num(p.get("dts")) for p in json.loads(out)["packets"]}


def framemd5(path):
    rc, out, _ = run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-"],
                     timeout=300)
    return [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]


def compare(path):
    name = os.path.basename(path)
    rc, out, err = run([QV, "frames", path, "--json"], timeout=300)
    if not check(rc == 0, f"{name}: qv frames exits 0 ({err.strip()[:200]})"):
        return
    q = [json.loads(l) for l in out.splitlines()]
    f = ffprobe_frames(path)
    pdts = ffprobe_packet_dts(path)
    check(len(q) == len(f), f"{name}: {len(q)} frames listed, ffprobe {len(f)}")
    bad = []
    for k, (a, b) in enumerate(zip(q, f)):
        pos = num(b.get("pkt_pos"))
        want = dict(ordinal=k, pts=num(b.get("pts")), dts=pdts.get(pos) if pos is not None else a["dts"], type=b.get("pict_type"),
                    key=b.get("key_frame") == 1, size=num(b.get("pkt_size")), pos=num(b.get("pkt_pos")))
        got = dict(ordinal=a["ordinal"], pts=a["pts"], dts=a["dts"], type=a["type"], key=a["key"],
                   size=a["size"], pos=a["pos"])
        if want["pos"] is None:
            got["pos"] = None
        if want["size"] == 0:   # libdav1d does not pass the packet size on to ffprobe's frames
            got["size"] = 0
        if got != want:
            bad.append((k, got, want))
    check(not bad, f"{name}: every frame's ordinal, pts, type, key, size, pos as ffprobe's frames, dts as its packet's"
          + (f" (first difference at {bad[0][0]}: qv {bad[0][1]} ffprobe {bad[0][2]})" if bad else ""))

    rc, out, err = run([QV, "info", path, "--json"])
    v = [s for s in json.loads(out)["streams"] if s["type"] == "video"][0]
    check(v.get("exact_frames") == len(f), f"{name}: info exact_frames {v.get('exact_frames')} == {len(f)}")
    keys = [k for k, b in enumerate(f) if b.get("key_frame") == 1]
    check(v.get("keyframes") == keys, f"{name}: keyframe ordinals {v.get('keyframes')[:8]}... == ffprobe's {keys[:8]}...")

    if name in HASHED:
        rc, out, err = run([QV, "frames", path, "--hash"], timeout=300)
        mine = [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]
        ref = framemd5(path)
        check(mine == ref, f"{name}: qv frames --hash md5s == ffmpeg framemd5 ({len(mine)} vs {len(ref)} frames)")


for c in CLIPS:
    compare(clip(c))
if MEDIA and os.path.isdir(MEDIA):
    for n in sorted(os.listdir(MEDIA)):
        if n.startswith("broken-") or n.endswith((".md", ".tsv", ".txt")):
            continue
        compare(os.path.join(MEDIA, n))
finish()
