"""An MPEG-TS file as frames, and a sender that writes each frame's TS
packets over UDP at its exact time, bare or in RTP (RFC 2250: payload type
33, MP2T); a raw H.264 stream as access units, and a sender of RTP's own
H.264 payload (RFC 6184) (the latency bench and live_test)."""
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
    """A free local port (UDP; kind=socket.SOCK_STREAM: TCP). For UDP an
    even one whose next port is free too: an RTP receiver binds RTCP there
    (qv's own receiver, FFmpeg's rtp and sdp demuxers)."""
    for _ in range(64):
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        if kind != socket.SOCK_DGRAM:
            s.close()
            return p
        if p % 2 == 0 and p < 65535:
            t = socket.socket(socket.AF_INET, kind)
            try:
                t.bind(("127.0.0.1", p + 1))
                return p
            except OSError:
                pass
            finally:
                t.close()
                s.close()
        s.close()
    raise RuntimeError("no free pair of UDP ports")


def udp_bound(port):
    """Whether some socket here holds UDP port `port` (a receiver listening),
    from /proc/net/udp and udp6 (no bind of our own: that could take the
    port from the receiver)."""
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    local = line.split()[1]
                    if int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except (OSError, StopIteration, ValueError, IndexError):
            pass
    return False


def wait_bound(port, timeout=10.0):
    """Until a receiver holds UDP `port`, at most `timeout` s; True if it does."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if udp_bound(port):
            return True
        time.sleep(0.01)
    return False


def rtp_header(seq, ts90k, ssrc=0x71760001, pt=33, marker=False):
    """An RTP header (version 2; payload type 33: MPEG-TS) for one datagram."""
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts90k & 0xFFFFFFFF, ssrc)


def wait_until(due):
    """Sleeps until CLOCK_MONOTONIC reaches due (ns); the last 2 ms spun."""
    while True:
        left = due - time.monotonic_ns()
        if left <= 0:
            return
        time.sleep(left / 1e9 if left > 2_000_000 else 0)


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
        wait_until(due)
        for i in range(0, len(pkts), 7):
            payload = b"".join(pkts[i:i + 7])
            if rtp:
                payload = rtp_header(seq, (due - t0) * 9 // 100000) + payload
                seq += 1
            s.sendto(payload, ("127.0.0.1", port))
        sent.append((pts, time.monotonic_ns()))
    s.close()
    return sent


def h264_access_units(path):
    """A raw H.264 stream (Annex B) as access units: [[NAL unit, ...]]. A new
    unit begins at an access unit delimiter, SPS, PPS or SEI after a slice,
    or at a slice whose first_mb_in_slice is 0 after a slice."""
    data = open(path, "rb").read()
    starts, i = [], 0
    while True:
        i = data.find(b"\0\0\1", i)
        if i < 0:
            break
        starts.append(i + 3)
        i += 3
    nals = []
    for n, s in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(data)
        nal = data[s:end]
        while n + 1 < len(starts) and nal.endswith(b"\0"):
            nal = nal[:-1]   # the 4-byte start code's leading zero
        if nal:
            nals.append(nal)
    aus, cur, has_slice = [], [], False
    for nal in nals:
        t = nal[0] & 0x1F
        vcl = t in (1, 5)
        if has_slice and (t in (6, 7, 8, 9) or (vcl and len(nal) > 1 and nal[1] & 0x80)):
            aus.append(cur)
            cur, has_slice = [], False
        cur.append(nal)
        has_slice = has_slice or vcl
    if cur:
        aus.append(cur)
    return aus


def send_rtp_h264(aus, port, fps, mtu=1200, ssrc=0x71760002):
    """RTP's own H.264 payload (RFC 6184, packetization mode 1, payload type
    96): access unit k at t0 + k/fps, timestamp k x 90000/fps; a NAL unit
    over mtu bytes in FU-A fragments; the marker bit on the unit's last
    packet. Returns [(timestamp - the first, when its last packet left,
    CLOCK_MONOTONIC ns)]."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    t0 = time.monotonic_ns() + 50_000_000
    sent, seq, base = [], 0, 0x1000
    for k, au in enumerate(aus):
        wait_until(t0 + int(k * 1e9 / fps))
        ts = k * 90000 // fps
        payloads = []
        for nal in au:
            if len(nal) <= mtu:
                payloads.append(nal)
                continue
            ind, typ, rest = (nal[0] & 0xE0) | 28, nal[0] & 0x1F, nal[1:]
            for off in range(0, len(rest), mtu - 2):
                bits = (0x80 if off == 0 else 0) | (0x40 if off + mtu - 2 >= len(rest) else 0)
                payloads.append(bytes([ind, bits | typ]) + rest[off:off + mtu - 2])
        for n, pl in enumerate(payloads):
            s.sendto(rtp_header(seq, base + ts, ssrc, pt=96, marker=n == len(payloads) - 1) + pl, ("127.0.0.1", port))
            seq += 1
        sent.append((ts, time.monotonic_ns()))
    s.close()
    return sent


def h264_sdp(port):
    """The SDP of an RFC 6184 stream (payload type 96, packetization mode 1,
    parameter sets in band) sent to 127.0.0.1:port: send_rtp_h264's, or
    ffmpeg -f rtp's."""
    return ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=qv\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=video {port} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n")
