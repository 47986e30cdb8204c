"""An MPEG-TS file as frames, and a sender that writes each frame's TS
packets over UDP at its exact time, bare or in RTP (RFC 2250: payload type
33, MP2T) (the latency bench and live_test)."""
import socket
import struct
import time


def frames_of(path):
    """The TS file as frames: [(pts in 90 kHz, [188-byte packets])]. A frame
    runs from a video packet that starts a PES to the next one; the tables
    before the first frame go with it."""
    data = open(path, "rb").read()
    frames, head = [], []
    for off in range(0, len(data) - 187, 188):
        p = data[off:off + 188]
        afc = (p[3] >> 4) & 3
        pl = p[4 + (1 + p[4] if afc & 2 else 0):]
        if p[1] & 0x40 and len(pl) > 14 and pl[:3] == b"\0\0\1" and 0xE0 <= pl[3] <= 0xEF:
            pts = None
            if pl[7] & 0x80:
                b = pl[9:14]
                pts = ((b[0] >> 1) & 7) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1
            frames.append((pts, head + [p]))
            head = []
        elif frames:
            frames[-1][1].append(p)
        else:
            head.append(p)
    return frames


def free_port(kind=socket.SOCK_DGRAM):
    """A free local port (UDP; kind=socket.SOCK_STREAM: TCP)."""
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def rtp_header(seq, ts90k, ssrc=0x71760001):
    """An RTP header (version 2, payload type 33: MPEG-TS) for one datagram."""
    return struct.pack("!BBHII", 0x80, 33, seq & 0xFFFF, ts90k & 0xFFFFFFFF, ssrc)


def send(frames, port, fps, speed=1.0, rtp=False):
    """Sends frame k at t0 + k/(fps x speed) (its TS packets, 7 to a
    datagram, as an encoder's muxer would; speed 1.001: a sender whose clock
    runs 0.1% fast); rtp: each datagram behind an RTP header whose timestamp
    is the sending time in 90 kHz (as ffmpeg's rtp_mpegts muxer). Returns
    [(pts, when its last datagram left, CLOCK_MONOTONIC ns)]."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    t0 = time.monotonic_ns() + 50_000_000
    sent = []
    seq = 0
    for k, (pts, pkts) in enumerate(frames):
        due = t0 + int(k * 1e9 / (fps * speed))
        while True:
            left = due - time.monotonic_ns()
            if left <= 0:
                break
            time.sleep(left / 1e9 if left > 2_000_000 else 0)
        for i in range(0, len(pkts), 7):
            payload = b"".join(pkts[i:i + 7])
            if rtp:
                payload = rtp_header(seq, (due - t0) * 9 // 100000) + payload
                seq += 1
            s.sendto(payload, ("127.0.0.1", port))
        sent.append((pts, time.monotonic_ns()))
    s.close()
    return sent
