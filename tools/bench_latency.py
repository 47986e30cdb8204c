#!/usr/bin/env python3
"""tools/bench latency (issue 14): glass-to-glass latency of a live UDP
MPEG-TS source, measured from outside qv.

A sender of our own (this script) writes a pre-encoded 720p30 H.264 stream
(no B-frames) over UDP, each frame's TS packets at its exact time, and logs
when the last datagram of each frame left (CLOCK_MONOTONIC: Python's
time.monotonic_ns). qv's --frame-log says when each frame's present()
returned (the same clock). Latency = shown minus sent, per frame, matched by
pts. Also: q during a silent source (how long until qv is gone), and ffplay
and mpv on the same sender with what they can report.

usage: bench_latency.py QV [--quick]   (prints; never asserts)"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import ts_frames  # noqa: E402
from ts_frames import frames_of, free_port  # noqa: E402

QV = sys.argv[1]
QUICK = "--quick" in sys.argv
FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
FPS = 30
SECONDS = 6 if QUICK else 12
tmp = tempfile.mkdtemp(prefix="qv-bench-latency-")


def encode(path, pes_length=False, fmt="mpegts"):
    """pes_length: the video PES carry their length where it fits (under
    64 KiB: FFmpeg's -omit_video_pes_length 0, as many hardware encoders
    write them), so a demuxer knows a frame is whole without waiting for the
    next one. fmt h264: the same picture as a raw stream, for RTP's own
    payload."""
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate={FPS}",
                    "-t", str(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-bf", "0",
                    "-g", str(FPS), "-pix_fmt", "yuv420p"]
                   + (["-omit_video_pes_length", "0"] if pes_length else []) + ["-f", fmt, path], check=True)


def send(frames, port, rtp=False):
    if rtp == "h264":
        return ts_frames.send_rtp_h264(frames, port, FPS)
    return ts_frames.send(frames, port, FPS, rtp=rtp)



def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def run_qv(frames, latency, tag="", rtp=False, extra=()):
    port = free_port()
    log = os.path.join(tmp, f"frames-{latency}{tag}.log")
    url = f"rtp://127.0.0.1:{port}" if rtp else f"udp://127.0.0.1:{port}?fifo_size=100000"
    if rtp == "h264":
        # RFC 6184: the stream's SDP file (FFmpeg's timestamps start at 0
        # with the first packet: the sender's k x 3000).
        url = os.path.join(tmp, f"h264-{port}.sdp")
        with open(url, "w") as f:
            f.write(ts_frames.h264_sdp(port))
    q = subprocess.Popen([QV, url, "--display=null", "--no-audio",
                          f"--latency={latency}", f"--frame-log={log}", "--stats", "--timeout=3", *extra]
                         + os.environ.get("QV_LATENCY_ARGS", "").split(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Sent once qv listens (its own RTP receiver binds after reading the SDP
    # file; frames sent before would be lost and match nothing).
    ts_frames.wait_bound(port)
    sent = send(frames, port, rtp)
    try:
        _, err = q.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        q.kill()
        _, err = q.communicate()
    # Matched by the frame's own timestamp: no B-frames, so its dts (the
    # frame log's fourth column, in seconds as the stream has it) is the
    # PES PTS the sender read.
    by_pts = {p: t for p, t in sent if p is not None}
    lat, parts = [], {"dec": [], "scale": [], "disp": []}
    shown = 0
    for line in open(log):
        f = line.rstrip("\n").split("\t")
        if f[0] != "presented" or len(f) < 13:
            continue
        shown += 1
        if f[3] == "-":
            continue
        t = by_pts.get(round(float(f[3]) * 90000))
        if t is None:
            continue
        recv, dec, scl, shw = (int(x) for x in f[9:13])
        lat.append((shw - t) / 1e6)
        parts["dec"].append((dec - recv) / 1e6)
        parts["scale"].append((scl - dec) / 1e6)
        parts["disp"].append((shw - scl) / 1e6)
    stats_line = "; ".join(l.strip() for l in err.decode().splitlines()
                           if "latency (" in l or "concealed" in l or "rtp: received" in l)
    return lat, parts, shown, len(sent), stats_line


def quit_in_silence():
    """q while the source is silent: ms from the key to qv gone (tmux)."""
    port = free_port()
    sock = f"qv-bench-{os.getpid()}"
    tm = lambda *a: subprocess.run(["tmux", "-L", sock, *a], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    done = os.path.join(tmp, "done")
    tm("new-session", "-d", "-s", "b", "-x", "100", "-y", "30", "sh", "-c",
       f"{QV} udp://127.0.0.1:{port} --display=blocks --no-audio; touch {done}; sleep 60")
    frames = FRAMES[:FPS * 2]
    send(frames, port)
    time.sleep(1.5)
    t0 = time.monotonic()
    tm("send-keys", "-t", "b", "q")
    while not os.path.exists(done) and time.monotonic() - t0 < 10:
        time.sleep(0.001)
    took = (time.monotonic() - t0) * 1000
    tm("kill-server")
    return took


def peer(cmd, frames):
    """A peer player on the same sender: what it reports (frames dropped)."""
    port = free_port()
    env = dict(os.environ)
    full = [c.replace("PORT", str(port)) for c in cmd]
    env["SDL_VIDEODRIVER"] = "dummy"   # no screen here: SDL's dummy video (decoded, shown nowhere)
    p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL)
    time.sleep(1.0)
    send(frames, port)
    time.sleep(1.0)
    p.kill()
    try:
        out, _ = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    text = out.decode(errors="replace").replace("\r", "\n")
    last = [l.strip() for l in text.splitlines() if l.strip()][-3:]
    return " | ".join(last)[:300]


clip = os.path.join(tmp, "clip.ts")
encode(clip)
FRAMES = frames_of(clip)
clip_len = os.path.join(tmp, "clip-pes-length.ts")
encode(clip_len, pes_length=True)
FRAMES_LEN = frames_of(clip_len)
clip_264 = os.path.join(tmp, "clip.264")
encode(clip_264, fmt="h264")
AUS = ts_frames.h264_access_units(clip_264)
load = os.getloadavg()[0]
print(f"## latency (issue 14): {len(FRAMES)} frames of 720p{FPS} H.264 (no B-frames) over UDP MPEG-TS (bare, "
      "and in RTP), "
      f"our own sender, qv --display=null --no-audio; load average {load:.1f} at the start (2 cores)")
print("mode | transport, video PES | frames sent | shown | matched | median ms | p99 ms | decode med/p99 | scale med/p99 | display med/p99")
print("---|---|---|---|---|---|---|---|---|---")
# RFC 6184 twice: received by qv itself (--rtp=auto, each frame at its
# marker bit), and by FFmpeg's sdp demuxer (--rtp=ffmpeg).
for mode, frames, pes, rtp, extra in (("low", FRAMES, "udp, no length", False, ()),
                                      ("low", FRAMES_LEN, "udp, with length", False, ()),
                                      ("low", FRAMES_LEN, "rtp, with length", True, ()),
                                      ("low", AUS, "rtp h264 (RFC 6184), sdp, qv receives", "h264", ()),
                                      ("low", AUS, "rtp h264 (RFC 6184), sdp, --rtp=ffmpeg", "h264", ("--rtp=ffmpeg",)),
                                      ("normal", FRAMES, "udp, no length", False, ())):
    tag = ("-len" if frames is FRAMES_LEN else "") + ("-rtp" if rtp is True else "-h264" if rtp else "") + "".join(extra)
    lat, parts, shown, sent, stats_line = run_qv(frames, mode, tag, rtp, extra)
    if not lat:
        print(f"{mode} | {pes} | {sent} | {shown} | 0 | - | - | - | - | -")
        continue
    print(f"{mode} | {pes} | {sent} | {shown} | {len(lat)} | {statistics.median(lat):.1f} | {pct(lat, 0.99):.1f} | "
          + " | ".join(f"{statistics.median(parts[k]):.1f}/{pct(parts[k], 0.99):.1f}" for k in ("dec", "scale", "disp")))
    print(f"#   qv --stats: {stats_line}")
if shutil.which("tmux"):
    qs = [quit_in_silence() for _ in range(1 if QUICK else 3)]
    print(f"q during a silent source (blocks display in tmux): qv gone after {', '.join(f'{t:.0f}' for t in qs)} ms "
          "(goal: 200 ms)")
if shutil.which("ffplay"):
    print("ffplay -fflags nobuffer -flags low_delay -framedrop (SDL dummy video; its last status lines): "
          + peer(["ffplay", "-hide_banner", "-fflags", "nobuffer", "-flags", "low_delay", "-framedrop", "-an",
                      "-stats", "udp://127.0.0.1:PORT"], FRAMES))
else:
    print("ffplay: not installed")
if shutil.which("mpv"):
    print("mpv --profile=low-latency --vo=null: "
          + peer(["mpv", "--profile=low-latency", "--vo=null", "--ao=null", "--no-config", "udp://127.0.0.1:PORT"],
                 FRAMES))
else:
    print("mpv: not installed")
shutil.rmtree(tmp, ignore_errors=True)
