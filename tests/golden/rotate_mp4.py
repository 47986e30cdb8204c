#!/usr/bin/env python3
"""Writes a copy of an MP4 whose video track says "rotate 90 degrees".

FFmpeg 5.1 has no option that writes a display matrix (-display_rotation
came with 6.0, and -metadata rotate= is ignored by its mp4 muxer), so this
patches the matrix in the track header box ('tkhd') of the first track with
a video sample entry. usage: rotate_mp4.py IN.mp4 OUT.mp4"""
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
ONE = 0x00010000            # 1.0 in 16.16
W = 0x40000000              # 1.0 in 2.30
# Clockwise 90 degrees, as phones write portrait video: a=0 b=1 c=-1 d=0.
ROT90 = struct.pack(">9i", 0, ONE, 0, -ONE, 0, 0, 0, 0, W)


def boxes(buf, start, end):
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", buf[i:i + 8])
        if size < 8 or i + size > end:
            break
        yield i, size, kind
        i += size


def patch(buf, start, end):
    for off, size, kind in boxes(buf, start, end):
        if kind in (b"moov", b"trak"):
            if kind == b"trak" and b"vide" not in buf[off:off + size]:
                continue
            if patch(buf, off + 8, off + size):
                return True
        elif kind == b"tkhd":
            version = buf[off + 8]
            # full box header (4), then times/ids: v0 20 bytes, v1 32 bytes;
            # then reserved 8, layer 2, group 2, volume 2, reserved 2 -> matrix
            m = off + 12 + (32 if version == 1 else 20) + 16
            buf[m:m + 36] = ROT90
            return True
    return False


if not patch(data, 0, len(data)):
    sys.exit("no video track header found")
open(sys.argv[2], "wb").write(bytes(data))
