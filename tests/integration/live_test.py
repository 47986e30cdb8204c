#!/usr/bin/env python3
"""Live sources (issue 14) against real senders (ffmpeg) and a real terminal
(tmux): UDP MPEG-TS plays; a sender that stops for 3 s and comes back is
waited for ("waiting for data (N s)" in the status line), recovered from and
counted as a gap; qv info gives up on a silent source after --timeout and
reports a sending one; q and SIGTERM end qv while the source is silent (q also
while it is still being opened, the terminal left as it was); a source
that never answers ends with exit code 10 after --timeout; --demuxer-opt
reaches the protocol. Time bounds are loose (the machine is shared): the
tight figures are tools/bench's."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import avsync
from common import FFMPEG, FFPROBE, QV, check, finish, tmux_kill_server, wait_for
import ts_frames
from ts_frames import free_port, h264_sdp

tmp = tempfile.mkdtemp(prefix="qv-live-")
SOCK = f"qv-live-{os.getpid()}"
CLIP = os.path.join(tmp, "clip.ts")
senders = []


def send(url, fmt="mpegts", extra=()):
    """An ffmpeg sender: the clip in a loop at its own pace, no re-encoding."""
    p = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", CLIP, "-c", "copy",
                          *extra, "-f", fmt, url], stdin=subprocess.DEVNULL)
    senders.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.kill()
    p.wait()


def qv(args, **kw):
    return subprocess.Popen([QV, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, errors="replace", **kw)


def collect(q, timeout):
    """qv's output once it ends (killed if it has not after timeout s)."""
    try:
        return q.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        q.kill()
        return q.communicate()


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=20).stdout.decode(errors="replace")


def gaps(err):
    m = re.search(r"live: gaps (\d+)", err)
    return int(m.group(1)) if m else None


# 720p would be closer to a camera, but the machine is shared: 320x240, 30 fps,
# H.264 without B-frames, a keyframe every half second.
subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "4",
                "-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-g", "15", "-pix_fmt", "yuv420p",
                "-f", "mpegts", CLIP], check=True)

try:
    # 1. UDP MPEG-TS plays (qv first: it waits for the sender).
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    q = qv([url, "--display=null", "--frames=60", "--stats"])
    time.sleep(0.3)
    s = send(url + "?pkt_size=1316")
    out, err = collect(q, 60)
    stop(s)
    check(q.returncode == 0 and "presented 60" in err, f"udp: 60 frames presented (rc {q.returncode})")
    check(gaps(err) == 0, f"udp: no gap counted in a steady stream ({gaps(err)})")

    # 2. The sender stops for 3 s and a new one starts: qv waits, shows it,
    # recovers, counts one gap. In a terminal, so the status line is seen.
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    code = os.path.join(tmp, "gap.code")
    errf = os.path.join(tmp, "gap.err")
    tmux_kill_server(SOCK)
    tmux("new-session", "-d", "-s", "s", "-x", "100", "-y", "30", "sh", "-c",
         f"{QV} {url} --display=blocks --stats 2> {errf}; echo $? > {code}; sleep 600")
    s = send(url + "?pkt_size=1316")
    check(wait_for(lambda: re.search(r"frame ~?\d+", tmux("capture-pane", "-p", "-t", "s")), 20),
          "gap: playing before the stop")
    lat = wait_for(lambda: re.search(r"lat \d+ ms: dec \d+ scale \d+ disp \d+", tmux("capture-pane", "-p", "-t", "s")), 5)
    check(lat is not None, "status line: the latency by step ('lat N ms: dec N scale N disp N')")
    time.sleep(1.0)
    stop(s)
    seen = wait_for(lambda: re.search(r"waiting for data \((\d+) s\)", tmux("capture-pane", "-p", "-t", "s")), 6)
    check(seen is not None, "gap: the status line says 'waiting for data (N s)' while the sender is stopped")
    later = wait_for(lambda: re.search(r"waiting for data \(([2-9]) s\)", tmux("capture-pane", "-p", "-t", "s")), 6)
    check(later is not None, "gap: the seconds of the wait count up")
    s = send(url + "?pkt_size=1316")
    back = wait_for(lambda: "waiting for data" not in tmux("capture-pane", "-p", "-t", "s"), 10)
    check(back, "gap: the wait is gone from the status line once data comes again")
    time.sleep(1.0)
    frames_before = re.findall(r"frame ~?(\d+)", tmux("capture-pane", "-p", "-t", "s"))
    time.sleep(1.0)
    frames_after = re.findall(r"frame ~?(\d+)", tmux("capture-pane", "-p", "-t", "s"))
    check(frames_before and frames_after and frames_before[-1] != frames_after[-1],
          f"gap: playing again after the gap ({frames_before[-1:]} -> {frames_after[-1:]})")

    # 3. q while the source is silent ends qv promptly (the goal is 200 ms,
    # measured in tools/bench; here a loose 1.5 s on a shared machine).
    stop(s)
    wait_for(lambda: "waiting for data" in tmux("capture-pane", "-p", "-t", "s"), 6)
    t0 = time.monotonic()
    tmux("send-keys", "-t", "s", "q")
    done = wait_for(lambda: os.path.exists(code) and os.path.getsize(code) > 0, 10, 0.005)
    took = time.monotonic() - t0
    check(done and took < 1.5, f"q during silence: qv ended in {took * 1000:.0f} ms")
    rc = open(code).read().strip() if done else "?"
    err = open(errf).read() if os.path.exists(errf) else ""
    check(rc == "0", f"q during silence: exit code 0 ({rc})")
    check(gaps(err) is not None and gaps(err) >= 1, f"gap: counted in --stats ({gaps(err)}): {err.strip()[-200:]}")
    tmux_kill_server(SOCK)

    # 3b. q while the source is still being opened (nothing ever came: qv
    # waits in the probe, before the first picture): ends it, exit 0, and
    # the terminal is as it was (canonical mode and echo back).
    code = os.path.join(tmp, "qopen.code")
    stty = os.path.join(tmp, "qopen.stty")
    qport = free_port()
    # (new-session right after the kill-server above can meet the old server
    # on its way out and fail: started again until tmux takes it, and qv is
    # seen running before the key)
    started = wait_for(lambda: subprocess.run(
        ["tmux", "-L", SOCK, "new-session", "-d", "-s", "s", "-x", "100", "-y", "30", "sh", "-c",
         f"{QV} udp://127.0.0.1:{qport} --display=blocks 2>/dev/null; echo $? > {code}; stty -a > {stty}; sleep 600"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0, 10, 0.1)
    running = wait_for(lambda: subprocess.run(["pgrep", "-f", f"udp://127.0.0.1:{qport} --display"],
                                              stdout=subprocess.DEVNULL).returncode == 0, 10, 0.05)
    check(started and running, "q while opening: qv runs in tmux")
    time.sleep(1.0)   # into its open, waiting for data
    t0 = time.monotonic()
    tmux("send-keys", "-t", "s", "q")
    done = wait_for(lambda: os.path.exists(code) and os.path.getsize(code) > 0, 10, 0.005)
    took = time.monotonic() - t0
    rc = open(code).read().strip() if done else "?"
    check(done and took < 1.5 and rc == "0", f"q while opening a silent source: exit {rc} in {took * 1000:.0f} ms")
    modes = open(stty).read().split() if wait_for(lambda: os.path.exists(stty) and os.path.getsize(stty) > 0, 5) else []
    check("icanon" in modes and "echo" in modes, "q while opening: the terminal is back in canonical mode with echo")
    tmux_kill_server(SOCK)

    # 4. A source that never answers: one line and exit code 10 after --timeout.
    port = free_port()
    t0 = time.monotonic()
    q = qv([f"udp://127.0.0.1:{port}", "--display=null", "--timeout=2"])
    out, err = collect(q, 20)
    took = time.monotonic() - t0
    lines = [l for l in err.splitlines() if l.strip()]
    check(q.returncode == 10, f"never answering: exit code 10 ({q.returncode})")
    check(len(lines) == 1 and "no data for 2 s (--timeout)" in lines[0] and f"127.0.0.1:{port}" in lines[0],
          f"never answering: one line naming the source ({lines})")
    check(1.5 < took < 8, f"never answering: ended after the timeout ({took:.1f} s)")

    # 5. A source that stops while playing and --timeout: exit code 10 too.
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    q = qv([url, "--display=null", "--timeout=2"])
    s = send(url + "?pkt_size=1316")
    time.sleep(2.5)
    stop(s)
    out, err = collect(q, 20)
    check(q.returncode == 10 and "no data for 2 s" in err, f"stopped source + --timeout: exit 10 ({q.returncode}, {err.strip()})")

    # 5b. qv info on live sources: a silent one gives up after --timeout
    # (exit 10, one line) instead of hanging; a sending one gives its facts
    # and ends (no exact-count scan of a source without an end).
    t0 = time.monotonic()
    q = subprocess.run([QV, "info", f"udp://127.0.0.1:{free_port()}", "--timeout=1"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    took = time.monotonic() - t0
    check(q.returncode == 10 and "no data for 1 s" in q.stderr and len(q.stderr.splitlines()) == 1 and took < 5,
          f"qv info on a silent source: exit {q.returncode} after {took:.1f} s ({q.stderr.strip()})")
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    s = send(url + "?pkt_size=1316")
    try:
        q = subprocess.run([QV, "info", url, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        info = json.loads(q.stdout) if q.returncode == 0 else {}
    except (subprocess.TimeoutExpired, ValueError):
        info = {}
    stop(s)
    codecs = [st.get("codec") for st in info.get("streams", [])]
    check("h264" in codecs, f"qv info on a sending source: its facts, and it ends ({codecs})")

    # 6. SIGTERM (and SIGINT) while the open waits for a silent source, and
    # while playing a source that went silent: 128+N, promptly.
    for sig, want in ((signal.SIGTERM, 143), (signal.SIGINT, 130)):
        q = qv([f"udp://127.0.0.1:{free_port()}", "--display=null"])
        time.sleep(1.0)
        t0 = time.monotonic()
        q.send_signal(sig)
        try:
            q.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            q.kill()
            q.communicate()
        took = time.monotonic() - t0
        check(q.returncode == want and took < 1.5,
              f"{sig.name} while opening a silent source: exit {q.returncode} in {took * 1000:.0f} ms")
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    q = qv([url, "--display=null"])
    s = send(url + "?pkt_size=1316")
    time.sleep(2.0)
    stop(s)
    time.sleep(1.0)
    t0 = time.monotonic()
    q.send_signal(signal.SIGTERM)
    try:
        q.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        q.kill()
        q.communicate()
    took = time.monotonic() - t0
    check(q.returncode == 143 and took < 1.5, f"SIGTERM while playing a silent source: exit {q.returncode} in {took * 1000:.0f} ms")

    # 7. --demuxer-opt reaches the protocol (a fifo_size of 0 is refused by
    # nobody; a made-up option is warned about, once, and the play goes on).
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    q = qv([url, "--display=null", "--frames=30", "--demuxer-opt=buffer_size=1000000", "--demuxer-opt=qv_no_such=1"])
    time.sleep(0.3)
    s = send(url + "?pkt_size=1316")
    out, err = collect(q, 60)
    stop(s)
    check(q.returncode == 0, f"--demuxer-opt: plays ({q.returncode})")
    check("qv_no_such=1 is not known" in err and "buffer_size" not in err,
          f"--demuxer-opt: the unknown option is named, the known one taken ({err.strip()})")

    # 7b. --latency=low: plays, frames shown as they come (the stats say the
    # profile), and the profile switches through the control socket.
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    sockp = os.path.join(tmp, "ipc.sock")
    q = qv([url, "--display=null", "--latency=low", "--stats", f"--input-ipc={sockp}", "--timeout=20"])
    s = send(url + "?pkt_size=1316")

    def ask(line):
        c = socket.socket(socket.AF_UNIX)
        c.settimeout(10)
        c.connect(sockp)
        c.sendall((line + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        c.close()
        return data.decode()

    wait_for(lambda: os.path.exists(sockp), 10)
    time.sleep(1.5)
    got_low = ask('{"command": ["get", "latency"]}')
    set_normal = ask('{"command": ["set", "latency", "normal"]}')
    got_normal = ask('{"command": ["get", "latency"]}')
    bad = ask('{"command": ["set", "latency", "lowest"]}')
    time.sleep(1.0)
    presented = ask('{"command": ["get", "presented"]}')
    ask('{"command": ["quit"]}')
    out, err = collect(q, 20)
    stop(s)
    check('"low"' in got_low and '"normal"' in got_normal and '"error"' in bad and "success" in set_normal,
          f"--latency=low: get/set latency through IPC ({got_low.strip()} {set_normal.strip()} {got_normal.strip()} {bad.strip()})")
    n = re.search(r'"data":\s*(\d+)', presented)
    check(n and int(n.group(1)) > 30, f"--latency=low then normal: playing on ({presented.strip()})")
    check(q.returncode == 0 and "latency (normal, received -> shown): median" in err,
          f"--latency: --stats has the latency line ({q.returncode})")

    # 7c. --latency=low over MPEG-TS, bare or in RTP: each video PES is a whole frame (FFmpeg's
    # parser would otherwise find a frame's end only where the next one
    # begins, a frame interval later). Our own sender, frames 0.5 s apart,
    # each sent at once, their PES with lengths: a frame must reach qv's
    # demuxer (the frame log's "received") well before the next one is sent.
    slow = os.path.join(tmp, "slow.ts")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=2", "-t", "8",
                    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0", "-g", "2",
                    "-pix_fmt", "yuv420p", "-omit_video_pes_length", "0", "-f", "mpegts", slow], check=True)
    for proto in ("udp", "rtp"):
        # RTP: the same TS in RTP (payload type 33), as encoders and
        # ffmpeg's rtp_mpegts send it.
        port = free_port()
        flog = os.path.join(tmp, f"low-frames-{proto}.log")
        q = qv([f"{proto}://127.0.0.1:{port}", "--display=null", "--no-audio", "--latency=low", f"--frame-log={flog}",
                "--timeout=3"])
        time.sleep(0.5)
        sent = {p: t for p, t in ts_frames.send(ts_frames.frames_of(slow), port, 2, rtp=proto == "rtp")
                if p is not None}
        try:
            q.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            q.kill()
            q.communicate()
        waits = []
        for line in open(flog) if os.path.exists(flog) else []:
            f = line.rstrip("\n").split("\t")
            if f[0] == "presented" and len(f) >= 13 and f[3] != "-" and round(float(f[3]) * 90000) in sent:
                waits.append((int(f[9]) - sent[round(float(f[3]) * 90000)]) / 1e6)
        waits.sort()
        median = waits[len(waits) // 2] if waits else float("nan")
        # (RTP's demuxer takes the first datagram to learn the payload,
        # so the first GOP cannot decode; under load fewer frames show.)
        check(len(waits) >= 3 and median < 250,
              f"--latency=low over MPEG-TS ({proto}): a frame is received as soon as it is sent, not when the next "
              f"one comes (median {median:.1f} ms over {len(waits)} frames 500 ms apart; bound 250)")

    # 7d. A live source is read as it comes, paused or not: up to the queues'
    # hard bounds, not their 2 s soft bound (what a paced sender sends ahead
    # would otherwise pile up in the socket, unseen by the drift guard).
    # Paused for about 8 s at 30 fps: the video queue holds well over 2 s
    # (about 240 packets; 61 when held at the soft bound; a loaded machine's
    # sender and probe lose a few seconds: 92 after 5.5 s once).
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    q = qv([url, "--display=null", "--pause", "--stats", "--timeout=20"])
    time.sleep(0.3)
    s = send(url + "?pkt_size=1316")
    time.sleep(8)
    q.send_signal(signal.SIGTERM)
    out, err = collect(q, 20)
    stop(s)
    m = re.search(r"packet queues high-water: video (\d+)", err)
    check(m and int(m.group(1)) >= 100,
          f"a live source is read as it comes while paused (video queue high-water {m.group(1) if m else None}, "
          f"at least 100 of 30 fps: more than the 2 s soft bound)")

    # 7e. The live window: paused on a live source, steps go back into the
    # packets received (a second decoder on a snapshot of them) and forward
    # again, each frame the one ffmpeg decodes at that ordinal (framemd5 of
    # the clip sent; a live ordinal counts the frames received from the
    # start, and qv listens before the sender starts). B-frames (the
    # window follows their reordering), a keyframe every 15 frames.
    wclip = os.path.join(tmp, "window.ts")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "5",
                    "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "15", "-sc_threshold", "0",
                    "-pix_fmt", "yuv420p", "-f", "mpegts", wclip], check=True)
    ref = [l.split(",")[-1].strip() for l in subprocess.run(
        [FFMPEG, "-nostdin", "-v", "error", "-i", wclip, "-map", "0:v:0", "-f", "framemd5", "-"],
        stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines() if l and not l.startswith("#")]
    wframes = ts_frames.frames_of(wclip)

    def udp_source():
        """Our own sender (ts_frames, exact pacing) to a UDP port qv listens
        on: (url, qv's extra arguments, start the sender, wait for its end)."""
        port = free_port()
        th = threading.Thread(target=ts_frames.send, args=(wframes, port, 30))
        return f"udp://127.0.0.1:{port}?fifo_size=100000", [], th.start, th.join

    def window_session(window, back, forward, source=udp_source, label="udp", export=None):
        """Plays the clip from a sender, pauses 2.5 s in, steps back then
        forward; returns (ordinal at the pause, the ordinal each step landed
        on, the md5 of each frame presented, qv's stderr, and (ordinal, path,
        error) of a screenshot taken after the back-steps)."""
        url, extra, start, join = source()
        sock = os.path.join(tmp, f"window-{label}-{window}.sock")
        q = qv([url, "--display=hash", "--no-audio", f"--input-ipc={sock}", f"--screenshot-dir={tmp}",
                f"--live-window={window}", "--stats", "--timeout=10", *extra])
        time.sleep(0.5)
        start()
        wait_for(lambda: os.path.exists(sock), 10)
        c = socket.socket(socket.AF_UNIX)
        c.settimeout(20)
        landed, at_pause, shot, marks = [], None, None, []
        try:
            c.connect(sock)
            f = c.makefile("rw")
            n = [0]

            def cmd(*a):
                n[0] += 1
                f.write(json.dumps({"command": list(a), "request_id": n[0]}) + "\n")
                f.flush()
                return json.loads(f.readline())

            time.sleep(2.5)
            cmd("set", "pause", "yes")
            at_pause = cmd("get", "ordinal").get("data")
            for k, cmd_name in enumerate(["frame-back-step"] * back + ["frame-step"] * forward):
                if k == back:   # a screenshot of the frame stepped back to
                    r = cmd("screenshot")
                    shot = (landed[-1] if landed else None, r.get("data"), r.get("error"))
                    if export:
                        marks.append(cmd("mark-in").get("data"))
                if export and k == back + 10:
                    marks.append(cmd("mark-out").get("data"))
                d = cmd(cmd_name).get("data")
                landed.append(d.get("ordinal") if isinstance(d, dict) else None)
            if export:   # the marked frames, from the window's packets (answered when written)
                marks.append(cmd("export", export))
            join()
            cmd("quit")
        except (OSError, ValueError) as e:
            landed.append(f"ipc: {e}")
        finally:
            c.close()
        join()
        out, err = collect(q, 30)
        md5s = [l.split(",")[-1].strip() for l in out.splitlines() if l and not l.startswith("#")]
        return at_pause, landed, md5s, err, shot, marks

    def check_window(label, source=udp_source):
        """20 steps back into the window and 25 forward: each lands on the
        ordinal asked for and shows ffmpeg's frame at that ordinal."""
        out = os.path.join(tmp, f"export-{label}.mkv")
        at_pause, landed, md5s, err, shot, marks = window_session(30, 20, 25, source, label, out)
        want = ([at_pause - k for k in range(1, 21)] + [at_pause - 20 + k for k in range(1, 26)]) if isinstance(at_pause, int) else []
        steps = md5s[-len(landed):] if landed else []
        wrong = [(o, m) for o, m in zip(landed, steps) if not isinstance(o, int) or o >= len(ref) or ref[o] != m]
        check(landed == want and len(steps) == 45 and not wrong,
              f"--live-window ({label}): paused at frame {at_pause} of a live source, 20 steps back and 25 forward "
              f"land on {landed[:3]}..{landed[-3:]} (want {want[:3]}..{want[-3:]}), each frame ffmpeg's at that "
              f"ordinal ({len(wrong)} of {len(steps)} differ: {wrong[:2]})")
        m = re.search(r"frames decoded for the step cache (\d+)", err)
        check(m and int(m.group(1)) > 0 and "live window: " in err,
              f"--live-window ({label}): the back-steps were decoded from the window's packets "
              f"({m.group(0) if m else None}; {[l.strip() for l in err.splitlines() if 'live window' in l][:1]})")
        # The screenshot: the frame decoded again from the window's packets
        # (the URL is not opened again), the picture `qv thumb` makes of the
        # clip's frame at that ordinal.
        o, path, e = shot if shot else (None, None, "no screenshot")
        same = False
        if isinstance(o, int) and path and os.path.exists(path):
            want_png = os.path.join(tmp, f"thumb-{label}.png")
            subprocess.run([QV, "thumb", wclip, "--frame", str(o), "-o", want_png], check=True)
            same = png_md5(path) == png_md5(want_png)
        m = re.search(r"screenshots (\d+) decoded from the window, (\d+) as shown", err)
        check(same and m and m.groups() == ("1", "0"),
              f"--live-window ({label}): a screenshot at frame {o} is that frame, full size, decoded from the "
              f"window ({e}, {path}; {m.group(0) if m else None})")

        # The export: frames marked in the window (in: the frame 20 steps
        # back, out: 10 steps on), written from its packets: those frames,
        # ffmpeg's at their ordinals.
        mi, mo, r = (marks + [None, None, None])[:3]
        a = mi.get("ordinal") if isinstance(mi, dict) else None
        b = mo.get("ordinal") if isinstance(mo, dict) else None
        got = []
        if isinstance(r, dict) and r.get("error") == "success" and os.path.exists(out):
            got = [l.split(",")[-1].strip() for l in subprocess.run(
                [FFMPEG, "-nostdin", "-v", "error", "-i", out, "-map", "0:v:0", "-f", "framemd5", "-"],
                stdout=subprocess.PIPE, text=True).stdout.splitlines() if l and not l.startswith("#")]
        copied = re.search(r"(\d+) copied", str(r))
        same = sum(1 for x, y in zip(got, ref[a:b + 1]) if x == y) if isinstance(a, int) and isinstance(b, int) else 0
        # (Copied frames need a keyframe, one every 15, inside the marks: a
        # pause that lands the marks between two keyframes has every frame
        # re-encoded, none to compare.)
        has_key = isinstance(a, int) and isinstance(b, int) and any(k % 15 == 0 for k in range(a, b + 1))
        check(isinstance(a, int) and isinstance(b, int) and b == a + 10 and len(got) == 11 and copied
              and same >= int(copied.group(1)) and (int(copied.group(1)) > 0 or not has_key)
              and f"frames {a}..{b}" in str(r),
              f"--live-window ({label}): marked frames {a}..{b} exported from the window: {len(got)} frames, "
              f"{same} of them ffmpeg's at those ordinals (the copied ones; the head re-encoded) ({r})")
        left = [n for n in os.listdir(tmp) if n.startswith(".qv-live-")]
        check(not left, f"--live-window ({label}): the export's span file is gone ({left})")

    def png_md5(path):
        return subprocess.run([FFMPEG, "-v", "error", "-i", path, "-f", "md5", "-"], stdout=subprocess.PIPE,
                              text=True).stdout.strip()

    check_window("udp")

    def ffmpeg_once(url, sender_args, sender_url, extra=()):
        """A window source: ffmpeg sends the window clip once (to
        sender_url, as sender_args say) when started; qv opens url."""
        snd = []

        def start():
            snd.append(subprocess.Popen([FFMPEG, "-v", "error", "-re", "-i", wclip, "-c", "copy", *sender_args,
                                         sender_url], stdin=subprocess.DEVNULL))
            senders.append(snd[0])

        def join():
            if snd:
                try:
                    snd[0].wait(timeout=30)
                except subprocess.TimeoutExpired:
                    stop(snd[0])
        return url, list(extra), start, join

    def own_rtp_source():
        """RTP's own H.264 payload; qv reads its SDP with --latency=low (its
        own receiver)."""
        port = free_port()
        path = os.path.join(tmp, f"window-{port}.sdp")
        with open(path, "w") as f:
            f.write(h264_sdp(port))
        return ffmpeg_once(path, ["-f", "rtp"], f"rtp://127.0.0.1:{port}?pkt_size=1200", ["--latency=low"])
    check_window("sdp, qv's own RTP receiver", own_rtp_source)
    # An export from the window of an open-GOP stream, the last marked frame
    # a B-frame shown before a keyframe but decoded after it: the same frames
    # (framemd5 of the file) as `qv export` of the clip itself gives.
    ogclip = os.path.join(tmp, "opengop.ts")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "5",
                    "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "15", "-sc_threshold", "0",
                    "-x264-params", "open-gop=1", "-pix_fmt", "yuv420p", "-f", "mpegts", ogclip], check=True)
    port = free_port()
    sock = os.path.join(tmp, "opengop.sock")
    q = qv([f"udp://127.0.0.1:{port}?fifo_size=100000", "--display=null", "--no-audio", f"--input-ipc={sock}",
            "--stats", "--timeout=10"])
    time.sleep(0.5)
    th = threading.Thread(target=ts_frames.send, args=(ts_frames.frames_of(ogclip), port, 30))
    th.start()
    wait_for(lambda: os.path.exists(sock), 10)
    live_out, file_out, r, a, b = os.path.join(tmp, "opengop-live.mkv"), os.path.join(tmp, "opengop-file.mkv"), None, None, None
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(30)
    try:
        c.connect(sock)
        f = c.makefile("rw")

        def ogcmd(*args):
            f.write(json.dumps({"command": list(args)}) + "\n")
            f.flush()
            return json.loads(f.readline())

        time.sleep(2.5)
        ogcmd("set", "pause", "yes")
        at = ogcmd("get", "ordinal").get("data")
        if isinstance(at, int) and at >= 30:
            b = (at // 15) * 15 - 1   # the B-frame just before a keyframe
            a = b - 10
            ogcmd("goto-frame", a)
            ogcmd("mark-in")
            ogcmd("goto-frame", b)
            ogcmd("mark-out")
            r = ogcmd("export", live_out)
        th.join()
        ogcmd("quit")
    except (OSError, ValueError) as e:
        r = f"ipc: {e}"
    finally:
        c.close()
    th.join()
    collect(q, 30)
    same = False
    if isinstance(a, int) and isinstance(r, dict) and r.get("error") == "success":
        subprocess.run([QV, "export", ogclip, "--from", f"#{a}", "--to", f"#{b}", "-o", file_out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def fmd5(path):
            return [l.split(",")[-1].strip() for l in subprocess.run(
                [FFMPEG, "-nostdin", "-v", "error", "-i", path, "-f", "framemd5", "-"], stdout=subprocess.PIPE,
                text=True).stdout.splitlines() if l and not l.startswith("#")]
        lm, fm = fmd5(live_out), fmd5(file_out)
        same = len(lm) == 11 and lm == fm
    check(same, f"--live-window, open GOP: frames {a}..{b} exported from the window are qv export's of the clip ({r})")

    # Without a window (--live-window=0) a screenshot is the picture as shown
    # (the hash display shows it as decoded), and the URL is not opened again.
    _, _, _, err, shot, _ = window_session(0, 0, 1)
    o, path, e = shot if shot else (None, None, "no screenshot")
    m = re.search(r"screenshots (\d+) decoded from the window, (\d+) as shown", err)
    check(path and os.path.exists(path) and m and m.groups() == ("0", "1"),
          f"--live-window=0: a screenshot is the picture as shown ({e}, {path}; {m.group(0) if m else None})")
    # A window of 2 s (qv shows frames about 0.7 s after they come, so the
    # window reaches about a second behind the frame on screen): 80 steps
    # back stop at its first frame (a keyframe) with "start of the live
    # window"; every frame shown still ffmpeg's.
    at_pause, landed, md5s, err, _, _ = window_session(2, 80, 0)
    m = re.search(r"live window: [0-9.]+ s .* frames (\d+)\.\.", err)
    first = int(m.group(1)) if m else None
    moved = [o for o in landed if isinstance(o, int)]
    shown = md5s[-len(set(moved) - {at_pause}):] if isinstance(at_pause, int) and set(moved) - {at_pause} else []
    ok_md5 = all(0 <= o < len(ref) and ref[o] == m5 for o, m5 in zip(sorted(set(moved) - {at_pause}, reverse=True), shown))
    check(isinstance(at_pause, int) and len(moved) == 80 and first is not None and min(moved) == first
          and moved[-1] == first and first % 15 == 0 and ok_md5,
          f"--live-window=2: steps back from frame {at_pause} stop at the window's first frame {first} (a keyframe), "
          f"landed {moved[:4]}..{moved[-2:]}; frames shown are ffmpeg's ({ok_md5})")

    # 7b'. --latency=low with sound (SDL's disk driver): the sound plays with
    # a minimal lead (4 blocks of 1024 samples, about 85 ms).
    aclip = os.path.join(tmp, "av.ts")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi",
                    "-i", "sine=frequency=440:sample_rate=48000", "-t", "4", "-c:v", "libx264", "-preset", "ultrafast",
                    "-bf", "0", "-g", "15", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts", aclip], check=True)
    port = free_port()
    url = f"udp://127.0.0.1:{port}"
    env = dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=os.path.join(tmp, "disk.raw"))
    q = qv([url, "--display=null", "--latency=low", "--stats", "--frames=60", "--timeout=20"], env=env)
    time.sleep(0.5)
    s = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", aclip, "-c", "copy", "-f", "mpegts",
                          url + "?pkt_size=1316"], stdin=subprocess.DEVNULL)
    senders.append(s)
    out, err = collect(q, 60)
    stop(s)
    check(q.returncode == 0 and "lead 4 blocks" in err and "presented 60" in err,
          f"--latency=low with sound: a 4-block lead ({q.returncode}, {[l for l in err.splitlines() if 'audio:' in l]})")

    # 7b''. The drift guard: two receivers of two senders (the same clip), one
    # with the guard (auto: a udp URL), one with --drift-guard=off, for
    # 12 s. The "sound card" is SDL's disk writer, which sleeps 20 ms a
    # buffer and so runs a few percent slow on a loaded machine: the
    # backlog grows against any sender. Checked: both measure it and learn
    # a target; the guarded one answers in the right direction (faster
    # when the backlog is above its target, within +-0.5%); the other only
    # measures (rate 0).
    dg = {}
    procs = []
    for mode in ("auto", "off"):
        port = free_port()
        url = f"udp://127.0.0.1:{port}"
        env = dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=os.path.join(tmp, f"dg-{mode}.raw"))
        q = qv([url, "--display=null", "--latency=low", "--stats", "--frames=360", "--timeout=20",
                f"--drift-guard={mode}"], env=env)
        procs.append((mode, q, url))
    time.sleep(0.5)
    for mode, q, url in procs:
        s = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", aclip, "-c", "copy", "-f",
                              "mpegts", url + "?pkt_size=1316"], stdin=subprocess.DEVNULL)
        senders.append(s)
    for mode, q, url in procs:
        out, err = collect(q, 60)
        m = re.search(r"drift guard: (on|off)[^;]*; sound backlog (-?\d+) ms \(target (-?\d+) ms, learnt (\d+) times\), "
                      r"rate ([-+][\d.]+)% now, ([-+][\d.]+)% \.\. ([-+][\d.]+)%", err)
        dg[mode] = (q.returncode, m.groups() if m else None, [l for l in err.splitlines() if "drift" in l])
    for s in senders[-2:]:
        stop(s)
    rc, g, lines = dg["auto"]
    ok = rc == 0 and g is not None and g[0] == "on"
    if ok:
        err_ms = int(g[1]) - int(g[2])
        now, lo, hi = float(g[4]), float(g[5]), float(g[6])
        ok = -0.5 <= lo <= hi <= 0.5 and (err_ms <= 25 or hi > 0) and (err_ms >= -25 or lo < 0)
    check(ok, f"drift guard on: learns the backlog's target and answers its drift in the right direction ({rc}, {lines})")
    rc, g, lines = dg["off"]
    check(rc == 0 and g is not None and g[0] == "off" and float(g[5]) == 0 and float(g[6]) == 0,
          f"--drift-guard=off: the backlog measured only, the rate left alone ({rc}, {lines})")

    # 7c. A source that goes away (an SRT sender, qv calling) and comes back
    # 2 s later: qv reconnects (with a backoff), counted, and plays on.
    if "srt" in subprocess.run([FFMPEG, "-hide_banner", "-protocols"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL).stdout.decode().split():
        port = free_port()
        srt_cmd = [FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", CLIP, "-c", "copy", "-f", "mpegts",
                   f"srt://127.0.0.1:{port}?mode=listener"]
        s = subprocess.Popen(srt_cmd, stdin=subprocess.DEVNULL)
        senders.append(s)
        time.sleep(1.0)
        q = qv([f"srt://127.0.0.1:{port}?mode=caller", "--display=null", "--stats", "--timeout=30"])
        time.sleep(3.0)
        s.terminate()   # a clean close: the caller's read fails at once (a killed peer takes SRT's 5 s idle timeout)
        s.wait()
        time.sleep(2.0)
        s = subprocess.Popen(srt_cmd, stdin=subprocess.DEVNULL)
        senders.append(s)
        time.sleep(6.0)
        q.send_signal(signal.SIGTERM)
        out, err = collect(q, 20)
        stop(s)
        m = re.search(r"reconnects (\d+)", err)
        dec = re.search(r"decoded (\d+)", err)
        check(q.returncode == 143 and m and int(m.group(1)) >= 1 and dec and int(dec.group(1)) > 100,
              f"reconnect: srt sender gone and back, reconnected and played on ({q.returncode}, "
              f"reconnects {m.group(1) if m else '?'}, decoded {dec.group(1) if dec else '?'})")

    # 8. More sources, each with a real sender: RTP (MPEG-TS payload), SRT
    # with qv listening and with qv calling, HLS from ffmpeg's segments over
    # a local HTTP server. Each plays 45 frames.
    def plays(label, url, sender_cmd=None, first="qv", extra=()):
        q = None
        if first == "qv":
            q = qv([url, "--display=null", "--frames=45", "--stats", "--timeout=20", *extra])
            time.sleep(0.5)
        snd = subprocess.Popen(sender_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) if sender_cmd else None
        if snd:
            senders.append(snd)
        if q is None:
            time.sleep(1.0)
            q = qv([url, "--display=null", "--frames=45", "--stats", "--timeout=20", *extra])
        out, err = collect(q, 90)
        if snd:
            stop(snd)
        check(q.returncode == 0 and "presented 45" in err, f"{label}: 45 frames presented (rc {q.returncode}) {err.strip()[-160:]}")

    port = free_port()
    plays("rtp", f"rtp://127.0.0.1:{port}",
          [FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", CLIP, "-c", "copy", "-f", "rtp_mpegts",
           f"rtp://127.0.0.1:{port}"])
    # RTP's own H.264 payload (RFC 6184: NAL units, fragmented where large)
    # described by an SDP file, as a camera's or an encoder's: qv takes the
    # file as a live source (its timeout, reconnect and latency line).
    sdp = os.path.join(tmp, "h264.sdp")

    def sdp_session(args):
        """qv on an SDP file of RTP's own H.264 payload, ffmpeg sending the
        clip in a loop: (qv's process, its stdout, its stderr)."""
        port = free_port()
        with open(sdp, "w") as f:
            f.write(h264_sdp(port))
        q = qv([sdp, *args])
        time.sleep(0.5)
        snd = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", CLIP, "-c", "copy", "-f",
                                "rtp", f"rtp://127.0.0.1:{port}?pkt_size=1200"], stdin=subprocess.DEVNULL)
        senders.append(snd)
        out, err = collect(q, 60)
        stop(snd)
        return q, out, err

    q, out, err = sdp_session(["--display=null", "--frames=45", "--stats"])
    check(q.returncode == 0 and "presented 45" in err and gaps(err) == 0 and "latency (normal, received -> shown)" in err,
          f"sdp (RTP H.264, RFC 6184): 45 frames presented, taken as a live source (its gaps and latency in --stats) "
          f"(rc {q.returncode}) {err.strip()[-160:]}")

    # --latency=low on an SDP file: qv's own RTP receiver (each frame handed
    # on at its marker bit). The frames must be the sender's: their md5s a
    # run of FFmpeg's framemd5 of the clip (looped), from a keyframe on.
    def md5_column(text):
        return [l.split(",")[-1].strip() for l in text.splitlines() if l and not l.startswith("#")]

    def check_own(label, q, out, err, ref, frames):
        """qv's own receiver took the stream (--stats), lost nothing, shed
        nothing, and showed `frames` frames, each in order a frame of ref
        (looped; with --latency=low a frame that came in a burst may be
        skipped for the newest: counted)."""
        got = md5_column(out)
        loop, at, pos = ref * 4, None, 0
        for m in got:
            while pos < len(loop) and loop[pos] != m:
                pos += 1
            if pos == len(loop):
                break
            at = pos if at is None else at
            pos += 1
        ok = got and pos < len(loop)
        lost = re.search(r"rtp: received by qv .*packets lost (\d+), frames with a piece missing (\d+)", err)
        check(q.returncode == 0 and len(got) == frames and ok,
              f"{label}: --latency=low, qv's own RTP receiver: {len(got)} frames, each in order a frame of FFmpeg's "
              f"framemd5 of the clip (from frame {at}; {sum(m in ref for m in got)} found) (rc {q.returncode}) "
              f"{err.strip()[-200:]}")
        check(lost is not None and lost.group(1) == "0" and lost.group(2) == "0"
              and "latency (low, received -> shown)" in err,
              f"{label}: --stats says qv received it, no packet lost: {lost.group(0) if lost else err.strip()[-200:]}")
        # Frames shown as decoded: the clock is anchored on each, which must
        # not make the decoder shed work (a skipped loop filter changes the
        # md5s above; this says why).
        check("shedding: highest level 0," in err, f"{label}: a decoder that keeps up sheds nothing "
              f"({(re.search(r'shedding: [^,]*', err) or re.search('$', err)).group(0)})")

    def own_rtp(label, clip, sdp_text, sender, frames=60, extra=()):
        ref = md5_column(subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", clip, "-map", "0:v:0", "-f",
                                         "framemd5", "-"], stdout=subprocess.PIPE, text=True).stdout)
        port = free_port()
        path = os.path.join(tmp, f"{label}.sdp")
        with open(path, "w") as f:
            f.write(sdp_text(port))
        q = qv([path, "--latency=low", "--display=hash", "--no-audio", f"--frames={frames}", "--stats", "--timeout=20",
                *extra])
        time.sleep(0.5)
        snd = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", *sender,
                                "-f", "rtp", f"rtp://127.0.0.1:{port}?pkt_size=1200"], stdin=subprocess.DEVNULL)
        senders.append(snd)
        out, err = collect(q, 60)
        stop(snd)
        check_own(label, q, out, err, ref, frames)

    own_rtp("sdp-h264-own", CLIP, h264_sdp, [])
    # --latency=low on a regular file: one warning, and it plays paced by
    # its timestamps (60 frames at 30 fps: 2 s; shown as decoded they
    # would take a few ms). Only a lower bound: a loaded machine is slower.
    t0 = time.monotonic()
    p = subprocess.run([QV, CLIP, "--latency=low", "--display=null", "--no-audio", "--frames=60", "--stats"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    took = time.monotonic() - t0
    check(p.returncode == 0 and "--latency=low is for live sources and pipes; a file plays paced by its timestamps"
          in p.stderr and "presented 60" in p.stderr and took >= 1.5,
          f"a file with --latency=low: one warning, paced by its timestamps ({took:.2f} s for 60 frames at 30 fps, "
          f"rc {p.returncode})")
    # The frame rate from the timestamps (no a=framerate) of a stream with
    # pyramid B-frames (I0 P4 B2 b1 in decode order): 30, not 15.
    pyr = os.path.join(tmp, "pyramid.ts")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "3",
                    "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-x264-params", "b-pyramid=normal", "-g", "30",
                    "-pix_fmt", "yuv420p", pyr], check=True)
    port = free_port()
    path = os.path.join(tmp, "pyramid.sdp")
    with open(path, "w") as f:
        f.write(h264_sdp(port))
    q = qv([path, "--latency=low", "--display=null", "--no-audio", "--frames=30", "-v", "--timeout=20"])
    time.sleep(0.5)
    snd = subprocess.Popen([FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", pyr, "-c", "copy", "-f", "rtp",
                            f"rtp://127.0.0.1:{port}?pkt_size=1200"], stdin=subprocess.DEVNULL)
    senders.append(snd)
    out, err = collect(q, 60)
    stop(snd)
    m = re.search(r"([\d.]+) frames a second, from the timestamps \((\d+) frames of reordering\)", err)
    check(q.returncode == 0 and m and abs(float(m.group(1)) - 30) < 0.01 and int(m.group(2)) >= 2,
          f"sdp, pyramid B-frames, no a=framerate: 30 frames a second from the timestamps "
          f"({m.group(0) if m else None}, rc {q.returncode})")
    hevc = os.path.join(tmp, "hevc.ts")
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "2",
                    "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:bframes=0:keyint=15",
                    "-pix_fmt", "yuv420p", "-f", "mpegts", hevc], check=True)
    rec = os.path.join(tmp, "own-rtp.mkv")
    own_rtp("sdp-hevc-own", hevc, lambda port: h264_sdp(port).replace("H264", "H265").replace(
        "a=fmtp:96 packetization-mode=1\r\n", ""), [], extra=[f"--record={rec}"])
    probe = subprocess.run([FFPROBE, "-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames",
                            "-of", "csv=p=0", rec], stdout=subprocess.PIPE, text=True).stdout.strip() if os.path.exists(rec) else ""
    check(probe.startswith("hevc,") and int(probe.split(",")[1] or 0) >= 60,
          f"sdp-hevc-own --record: a Matroska file of the frames (its extradata from the first keyframe): {probe!r}")
    # Sound beside the video (as a camera's): with --no-audio qv takes the
    # video alone; a sound qv does not receive itself (MP4A-LATM) sends the
    # session to FFmpeg, and -v says why.
    def with_sound(port):
        return h264_sdp(port) + f"m=audio {port + 2} RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n"
    own_rtp("sdp-h264-own, sound beside, --no-audio", CLIP, with_sound, [], frames=30)
    port = free_port()
    with open(sdp, "w") as f:
        f.write(h264_sdp(port) + f"m=audio {port + 2} RTP/AVP 97\r\na=rtpmap:97 MP4A-LATM/48000/2\r\n")
    p = subprocess.run([QV, sdp, "--latency=low", "--display=null", "-v", "--timeout=2"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    check("received by FFmpeg (sound in MP4A-LATM beside the video" in p.stderr and p.returncode in (3, 10),
          f"sdp, MP4A-LATM sound beside: FFmpeg receives it, -v says why (rc {p.returncode}) "
          f"{p.stderr.strip()[-200:]}")

    # The sound beside the video through qv's own receiver: AAC (RFC 3640),
    # Opus, PCMA and L16, each sent by ffmpeg with the picture (the A/V
    # sync clip: a white frame and a tone burst at every whole second).
    # --record keeps both streams with the timestamps qv gave them.
    # Checked on the recording: the sound's packets are the sender's (AAC,
    # Opus) or its samples a run of the sender's (PCM); every flash frame
    # meets its tone onset as in the clip sent (within the codec's rounding:
    # Opus's pre-skip is not carried by RTP); the sound lined up by the
    # sender's RTCP reports.
    sync_clip = os.path.join(tmp, "sync.mkv")
    avsync.make_clip(FFMPEG, sync_clip, 8)

    def av_offsets(path):
        """Each flash frame's pts minus the nearest tone onset's (ms), the
        first flash left out (a recording may begin inside a burst), and
        those with no onset within 500 ms (one at its end)."""
        out = subprocess.run([FFPROBE, "-v", "error", "-f", "lavfi", f"movie={path},signalstats", "-show_entries",
                              "frame=pts_time:frame_tags=lavfi.signalstats.YAVG", "-of", "json"],
                             stdout=subprocess.PIPE, text=True).stdout
        try:
            frames = json.loads(out)["frames"]
        except (ValueError, KeyError):
            return []
        flashes = [float(f["pts_time"]) for f in frames if float(f.get("tags", {}).get("lavfi.signalstats.YAVG", 0)) > 128]
        # The sound as its timestamps place it (gaps filled, overlaps cut),
        # from pts 0: sample k is at k / 48000 s.
        raw = subprocess.run([FFMPEG, "-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-af",
                              "aresample=async=1:min_hard_comp=0.001:first_pts=0", "-f", "f32le", "-"], stdout=subprocess.PIPE).stdout
        import array
        a = array.array("f")
        a.frombytes(raw[: len(raw) // 4 * 4])
        onsets, quiet = [], 2400
        for k, v in enumerate(a):
            if abs(v) > 0.05:
                if quiet >= 2400:
                    onsets.append(k / 48000)
                quiet = 0
            else:
                quiet += 1
        pairs = [(fl - min(onsets, key=lambda o: abs(o - fl))) * 1000 for fl in flashes[1:] if onsets]
        return [o for o in pairs if abs(o) < 500]   # (a flash whose tone the recording's end cut off: none)

    def audio_md5s(path):
        return md5_column(subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-c", "copy",
                                          "-f", "framemd5", "-"], stdout=subprocess.PIPE, text=True).stdout)

    def pcm_of(path):
        return subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0", "-f", "s16le", "-"],
                              stdout=subprocess.PIPE).stdout

    def check_sound(label, src, rec, err, how, tol_ms, exact_packets):
        name = {"aac": "AAC", "opus": "Opus", "pcma": "PCMA", "l16": "L16"}[label.split()[0]]
        check(f"with {name} sound" in err and f"the sound lined up with the picture by {how}" in err,
              f"{label}: qv receives the sound itself, lined up by {how} "
              f"({[l for l in err.splitlines() if 'sound' in l][:3]})")
        if exact_packets:
            want, got = audio_md5s(src), audio_md5s(rec) if os.path.exists(rec) else []
            at = want.index(got[0]) if got and got[0] in want else -1
            check(len(got) >= 100 and at >= 0 and want[at:at + len(got)] == got,
                  f"{label}: the {len(got)} sound packets recorded are the sender's, in order (from its packet {at})")
        else:
            want, got = pcm_of(src), pcm_of(rec) if os.path.exists(rec) else b""
            check(len(got) >= 8000 and want.find(got[: len(got) // 2 * 2]) >= 0,
                  f"{label}: the {len(got) // 2} samples recorded are a run of the sender's")
        ref = av_offsets(src)
        off = av_offsets(rec) if os.path.exists(rec) else []
        base = sorted(ref)[len(ref) // 2] if ref else 0
        check(len(off) >= 3 and all(abs(o - base) <= tol_ms for o in off),
              f"{label}: every flash meets its tone as in the clip sent (offsets {[round(o, 1) for o in off]} ms, "
              f"the clip's {base:.1f}, within {tol_ms} ms)")

    def sound_sender(src, vport, aport, extra=()):
        # One wall-clock origin for both outputs' RTCP reports: ffmpeg's RTP
        # muxer dates a report's RTP time from when its output's header was
        # written, and the sound's is written a few ms after the picture's,
        # more on a loaded machine (CI saw the sound lined up 6 ms early
        # against the clip's own offset, every flash alike). With the same
        # start_time_realtime, both streams' reports share the origin, so
        # what qv lines up by them is the clip's own offset.
        t0 = ["-start_time_realtime", str(int(time.time() * 1e6))]
        return [FFMPEG, "-v", "error", *extra, "-i", src, "-map", "0:v", "-c", "copy", "-muxdelay", "0", *t0, "-f", "rtp",
                f"rtp://127.0.0.1:{vport}?pkt_size=1200", "-map", "0:a", "-c", "copy", "-muxdelay", "0", *t0, "-f", "rtp",
                f"rtp://127.0.0.1:{aport}"]

    def sound_session(label, codec_args):
        """The clip with its sound in this codec, an SDP file of the session
        (ffmpeg's own, from a dry run to the same ports): (clip, sdp, ports)."""
        src = os.path.join(tmp, f"sync-{label}.mkv")
        # No B-frames: ffmpeg's RTP sender dates its RTCP reports from the
        # first packet it sends, which with B-frames is a decode time two
        # frames before its presentation time (the sound would be lined up
        # 67 ms off by the sender's own reports).
        subprocess.run([FFMPEG, "-v", "error", "-y", "-i", sync_clip, "-c:v", "libx264", "-bf", "0", "-g", "30",
                        "-pix_fmt", "yuv420p", *codec_args, src], check=True)
        vport, aport = free_port(), free_port()
        path = os.path.join(tmp, f"sound-{label}.sdp")
        subprocess.run(sound_sender(src, vport, aport, ["-t", "0.05"]) + ["-sdp_file", path], stdout=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, check=True)
        return src, path, vport, aport

    codecs = [("aac", ["-c:a", "aac"], 2, True), ("opus", ["-c:a", "libopus"], 21, True),
              ("pcma", ["-c:a", "pcm_alaw", "-ar", "8000"], 2, False), ("l16", ["-c:a", "pcm_s16be"], 2, False)]
    for label, codec_args, tol, exact in codecs:
        src, path, vport, aport = sound_session(label, codec_args)
        rec = os.path.join(tmp, f"sound-{label}.mkv")
        q = qv([path, "--latency=low", "--display=null", "--no-audio", f"--record={rec}", "--frames=150", "--stats",
                "-v", "--timeout=20"])
        time.sleep(0.5)
        snd = subprocess.Popen(sound_sender(src, vport, aport, ["-re"]), stdin=subprocess.DEVNULL)
        senders.append(snd)
        out, err = collect(q, 60)
        stop(snd)
        check(q.returncode == 0 and "presented 150" in err, f"sdp with {label} sound: 150 frames (rc {q.returncode})")
        check_sound(f"{label} sound, sdp", src, rec, err, "RTCP sender reports", tol, exact)

    # A sender that starts again (a new process: a new SSRC, new random
    # timestamps, new reports), twice: the sound is lined up anew each
    # time, and on the recording the flashes after each restart still meet
    # their tones (not lined up again, the sound would be hours away).
    # Within 60 ms only: at each seam the demuxer folds the picture's
    # timeline over the gap between the senders, and the new sound's first
    # packet that falls before the old sound's last is left out of the
    # recording (its timestamps must grow), so the first tone after a
    # restart starts a packet late (20 ms seen); the others were within
    # 1 ms. (Lined up against the old picture, the new sound landed 180 ms
    # late.)
    src, path, vport, aport = sound_session("restart", ["-c:a", "pcm_s16be"])
    rec = os.path.join(tmp, "sound-restart.mkv")
    q = qv([path, "--latency=low", "--display=null", "--no-audio", f"--record={rec}", "--frames=250", "--stats", "-v",
            "--timeout=20"])
    time.sleep(0.5)
    for _ in range(3):
        snd = subprocess.Popen(sound_sender(src, vport, aport, ["-re", "-t", "3.5"]), stdin=subprocess.DEVNULL)
        senders.append(snd)
        snd.wait(timeout=60)
    out, err = collect(q, 60)
    off = av_offsets(rec) if os.path.exists(rec) else []
    sref = av_offsets(src)
    base = sorted(sref)[len(sref) // 2] if sref else 0
    again = err.count("a sender started again: the sound is lined up with the picture anew")
    check(q.returncode == 0 and again >= 2 and len(off) >= 6 and all(abs(o - base) <= 60 for o in off),
          f"a sender restarted twice: the sound lined up anew ({again} times), every flash still meets its tone "
          f"({[round(o, 1) for o in off]} ms, the clip's {base:.1f}; rc {q.returncode})")

    # Played with the sound (SDL's disk driver, read as it plays: avsync.py),
    # --latency=low: the picture is shown as it comes and the sound after
    # its minimal lead (4 blocks of 1024 samples and the device's buffer),
    # so the picture leads by about 100 ms; measured from outside, within a
    # loose bound, with the tone heard at every second. (SDL's disk writer
    # runs 1 to 2% slow, so the sound falls behind; the drift guard's
    # catch-up cuts it back each time it is 50 ms past its level, and a
    # sound begun late, on a loaded machine, is cut a second in: without
    # them a CI run measured -265 ms.)
    src, path, vport, aport = sound_session("aacplay", ["-c:a", "aac"])

    def late_sender():
        time.sleep(0.7)
        snd = subprocess.Popen(sound_sender(src, vport, aport, ["-re"]), stdin=subprocess.DEVNULL)
        senders.append(snd)
    t = threading.Thread(target=late_sender)
    t.start()
    r = avsync.measure(QV, path, extra=["--latency=low", "--frames=200", "--timeout=20"], timeout=60)
    t.join()
    med, p99, signed = avsync.summary(r["offsets"])
    catchup = re.findall(r"catch-up: [^\n]*", r["stats"])
    check(r["rc"] == 0 and len(r["offsets"]) >= 4 and signed is not None and -250 <= signed <= 50,
          f"aac sound played with --latency=low: {len(r['offsets'])} flashes met a tone, flash minus tone "
          f"{signed if signed is None else round(signed, 1)} ms (want -250 .. 50: the sound's minimal lead; "
          f"{catchup[0] if catchup else 'no catch-up line'})")

    # --rtp=ffmpeg: FFmpeg's sdp demuxer receives it (no line of qv's receiver).
    q, out, err = sdp_session(["--latency=low", "--rtp=ffmpeg", "--display=null", "--no-audio", "--frames=20", "--stats",
                               "--timeout=20"])
    check(q.returncode == 0 and "presented 20" in err and "rtp: received by qv" not in err,
          f"sdp --rtp=ffmpeg: FFmpeg receives, 20 frames presented (rc {q.returncode}) {err.strip()[-160:]}")

    srt = "srt" in subprocess.run([FFMPEG, "-hide_banner", "-protocols"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL).stdout.decode().split()
    if check(srt, "srt: this ffmpeg has the srt protocol (libsrt)"):
        port = free_port()
        plays("srt, qv listening", f"srt://127.0.0.1:{port}?mode=listener",
              [FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", CLIP, "-c", "copy", "-f", "mpegts",
               f"srt://127.0.0.1:{port}?mode=caller"])
        port = free_port()
        plays("srt, qv calling", f"srt://127.0.0.1:{port}?mode=caller",
              [FFMPEG, "-v", "error", "-re", "-stream_loop", "-1", "-i", CLIP, "-c", "copy", "-f", "mpegts",
               f"srt://127.0.0.1:{port}?mode=listener"], first="sender")

        def srt_source():
            """ffmpeg sends the window clip once, calling; qv listens."""
            port = free_port()
            return ffmpeg_once(f"srt://127.0.0.1:{port}?mode=listener", ["-f", "mpegts"],
                               f"srt://127.0.0.1:{port}?mode=caller")
        check_window("srt", srt_source)
    hls = os.path.join(tmp, "hls")
    os.makedirs(hls)
    subprocess.run([FFMPEG, "-v", "error", "-i", CLIP, "-c", "copy", "-f", "hls", "-hls_time", "1",
                    "-hls_list_size", "0", os.path.join(hls, "index.m3u8")], check=True)
    port = free_port(socket.SOCK_STREAM)
    http = subprocess.Popen(["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"], cwd=hls,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    senders.append(http)
    time.sleep(1.0)
    plays("hls over http", f"http://127.0.0.1:{port}/index.m3u8", first="sender")
    stop(http)

    # 9. RTSP from a real server (GStreamer's), over TCP and over UDP.
    # Debian's python3-gi is for Debian's python3 (a developer's may be another).
    sys_py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    have_rtsp = subprocess.run([sys_py, "-c", "import gi; gi.require_version('GstRtspServer', '1.0'); "
                                "from gi.repository import GstRtspServer"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if check(have_rtsp, "rtsp: GStreamer's RTSP server is installed (python3-gi, gir1.2-gst-rtsp-server-1.0)"):
        port = free_port(socket.SOCK_STREAM)
        wmp4 = os.path.join(tmp, "window.mp4")   # the window clip's own bitstream, in MP4 for the server's qtdemux
        subprocess.run([FFMPEG, "-v", "error", "-y", "-i", wclip, "-c", "copy", wmp4], check=True)
        avmp4 = os.path.join(tmp, "sync-aac.mp4")   # H.264 and AAC for the /av mount
        subprocess.run([FFMPEG, "-v", "error", "-y", "-i", os.path.join(tmp, "sync-aac.mkv"), "-c", "copy", avmp4],
                       check=True)
        srv = subprocess.Popen([sys_py, os.path.join(os.path.dirname(os.path.abspath(__file__)), "rtsp_server.py"),
                                str(port), wmp4, f"--av={avmp4}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        senders.append(srv)
        ready = srv.stdout.readline().decode().strip() == "READY"
        if check(ready, "rtsp: the server listens"):
            for transport in ("tcp", "udp"):
                plays(f"rtsp over {transport}", f"rtsp://127.0.0.1:{port}/test", first="sender",
                      extra=(f"--demuxer-opt=rtsp_transport={transport}",))
            # The live window over RTSP (H.264 in RTP, RFC 6184, over TCP):
            # the server plays the window clip from its start for each client.
            check_window("rtsp", lambda: (f"rtsp://127.0.0.1:{port}/file", ["--demuxer-opt=rtsp_transport=tcp"],
                                          lambda: None, lambda: None))

            # qv's own RTSP client (--latency=low): RTP's own H.264 payload,
            # each frame handed on at its marker bit, over TCP (interleaved,
            # the default) and UDP; the frames the window clip's.
            def own_rtsp(label, url, extra=(), frames=60):
                q = qv([url, "--latency=low", "--display=hash", "--no-audio", f"--frames={frames}", "--stats",
                        "--timeout=20", *extra])
                out, err = collect(q, 60)
                check_own(label, q, out, err, ref, frames)
                return err

            err = own_rtsp("rtsp, qv's client over tcp", f"rtsp://127.0.0.1:{port}/file", ["-v"])
            check("qv's RTSP client, H.264 over TCP (interleaved)" in err, "rtsp, qv's client: -v names it and TCP")
            err = own_rtsp("rtsp, qv's client over udp", f"rtsp://127.0.0.1:{port}/file",
                           ["-v", "--demuxer-opt=rtsp_transport=udp"])
            check("qv's RTSP client, H.264 over UDP port" in err, "rtsp, qv's client: -v names it and UDP")
            check_window("rtsp, qv's own client", lambda: (f"rtsp://127.0.0.1:{port}/file", ["--latency=low"],
                                                           lambda: None, lambda: None))
            # The picture and its AAC sound (RFC 3640) from GStreamer's server,
            # through qv's client over TCP and UDP: lined up by the PLAY
            # answer's RTP-Info, checked on the recording as for SDP files.
            for transport in ("tcp", "udp"):
                rec = os.path.join(tmp, f"rtsp-av-{transport}.mkv")
                q = qv([f"rtsp://127.0.0.1:{port}/av", "--latency=low", "--display=null", "--no-audio", f"--record={rec}",
                        "--frames=150", "--stats", "-v", "--timeout=20", f"--demuxer-opt=rtsp_transport={transport}"])
                out, err = collect(q, 60)
                check(q.returncode == 0 and "presented 150" in err,
                      f"rtsp with aac sound over {transport}: 150 frames (rc {q.returncode})")
                check_sound(f"aac sound, rtsp over {transport}", avmp4, rec, err, "RTSP's RTP-Info", 2, True)
        stop(srv)
        # Cameras ask for a user and password: Digest and Basic, answered
        # from the URL's; none or a wrong one gives one line and exit code 3.
        for scheme in ("digest", "basic"):
            aport = free_port(socket.SOCK_STREAM)
            asrv = subprocess.Popen([sys_py, os.path.join(os.path.dirname(os.path.abspath(__file__)), "rtsp_server.py"),
                                     str(aport), wmp4, f"--auth={scheme}"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
            senders.append(asrv)
            if not check(asrv.stdout.readline().decode().strip() == "READY", f"rtsp ({scheme}): the server listens"):
                continue
            own_rtsp(f"rtsp, qv's client, {scheme} authentication", f"rtsp://qv:s3cret@127.0.0.1:{aport}/file", frames=30)
            for cred, want in (("", "the server asks for a user and password"),
                               ("qv:wrong@", "the server refused the user and password")):
                p = subprocess.run([QV, f"rtsp://{cred}127.0.0.1:{aport}/file", "--latency=low", "--display=null",
                                    "--no-audio", "--timeout=20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, timeout=60)
                lines = p.stderr.strip().splitlines()
                check(p.returncode == 3 and len(lines) == 1 and want in lines[0] and "wrong" not in lines[0],
                      f"rtsp ({scheme}), {'no' if not cred else 'a wrong'} password: exit code 3, one line "
                      f"(rc {p.returncode}: {lines})")
            stop(asrv)
finally:
    for p in senders:
        stop(p)
    tmux_kill_server(SOCK)
    shutil.rmtree(tmp, ignore_errors=True)

finish()
