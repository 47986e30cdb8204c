"""--hwdec and qv hwdec-probe on a machine without hardware decoders (CI):
every hardware request ends in software decoding with one line saying what
was asked and why, the frames identical to software (the hash display, against
software and ffmpeg framemd5); qv info, --stats and the frame log say
`software`; the list is tried in order; hwdec-probe says unavailable with a
reason for each decoder, in valid JSON, and writes the verdict cache that the
default reads."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import QV, FFMPEG, clip, run, check, finish  # noqa: E402

tmp = tempfile.mkdtemp(prefix="qv-hwdec-")
env = dict(os.environ, XDG_CACHE_HOME=tmp)
CACHE = os.path.join(tmp, "qv", "hwdec-verdicts")


def qv(args, timeout=120):
    p = subprocess.run([QV] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def hashes(text):
    return [l for l in text.splitlines() if l and not l.startswith("#")]


def play(path, extra):
    return qv(["play", path, "--display=hash", "--no-sync", "--no-audio", "--stats"] + extra)


def warnings(err):
    return [l for l in err.splitlines() if l.startswith("qv:")]


H264 = clip("h264-bframes.mp4")
clips = [H264, clip("hevc.mkv"), clip("h264-10bit.mkv")]
soft = {}
for c in clips:
    rc, out, err = play(c, ["--hwdec=no"])
    soft[c] = hashes(out)
    _, ref, _ = run([FFMPEG, "-nostdin", "-v", "error", "-i", c, "-map", "0:v:0", "-f", "framemd5", "-"])
    check(rc == 0 and soft[c] and [l.split(",")[-1] for l in soft[c]] == [l.split(",")[-1] for l in hashes(ref)],
          f"{os.path.basename(c)}: --hwdec=no hashes = ffmpeg framemd5 ({len(soft[c])} frames)")
    check(warnings(err) == [] and "decoder: software (hwdec no)" in err,
          f"{os.path.basename(c)}: --hwdec=no: no line, --stats says software")

# Each hardware request: software, the same frames, one line naming what was asked and why.
for c in clips:
    name = os.path.basename(c)
    for hw in ["vaapi", "cuda", "vdpau", "h264_v4l2m2m", "auto"]:
        rc, out, err = play(c, ["--hwdec=" + hw])
        w = warnings(err)
        check(rc == 0 and hashes(out) == soft[c], f"{name} --hwdec={hw}: exit {rc}, hashes = software ({len(hashes(out))} frames)")
        check(len(w) == 1 and w[0].startswith(f"qv: warning: --hwdec={hw}: decoding in software: "),
              f"{name} --hwdec={hw}: one line saying what was asked and why: {w}")
        check(f"decoder: software (hwdec {hw}), hardware frames 0" in err, f"{name} --hwdec={hw}: --stats says software")

# The reasons, in the order asked.
rc, out, err = play(H264, ["--hwdec=h264_nonesuch,hevc_v4l2m2m,cuda,vaapi"])
w = warnings(err)
line = w[0].split("decoding in software: ", 1)[-1] if len(w) == 1 else ""
order = [line.find(k) for k in ["h264_nonesuch: neither an hwaccel nor a decoder of this FFmpeg",
                                "hevc_v4l2m2m: decodes hevc, not h264", "cuda: ", "vaapi: "]]
check(rc == 0 and hashes(out) == soft[H264] and all(o >= 0 for o in order) and order == sorted(order),
      f"a list is tried in order, each with its reason: {line}")
check("; software because h264_nonesuch:" in err, "--stats repeats why it is software")
rc, out, err = play(H264, ["--hwdec=hevc_nonesuch"])
check(rc == 0 and hashes(out) == soft[H264] and len(warnings(err)) == 1 and "hevc_nonesuch: neither" in err,
      "a wrapper name this FFmpeg does not have: software, one line")
for bad in ["CUDA", "cuda,,vaapi", "auto,cuda", ""]:
    rc, out, err = qv(["play", H264, "--display=hash", "--no-audio", "--hwdec=" + bad])
    check(rc == 2 and len(warnings(err)) == 1 and "--hwdec needs" in err, f"--hwdec={bad!r}: usage error (exit {rc})")

# Decoders named that are not hardware (FFmpeg's own h264; libvpx-vp9, a
# wrapper of libvpx in FFmpeg's terms): the path of a wrapper (opened by name,
# frames through the download step): no line, and everything says which ran.
VP9 = clip("vp9.webm")
DECODER_COL = 13   # the frame log's decoder column (README: --frame-log)
rc, out, err = play(VP9, ["--hwdec=no"])
soft[VP9] = hashes(out)
for c, dec in [(H264, "h264"), (VP9, "libvpx-vp9")]:
    log = os.path.join(tmp, dec + ".log")
    rc, out, err = play(c, ["--hwdec=" + dec, "--frame-log=" + log])
    rows = [l.split("\t") for l in open(log).read().splitlines() if not l.startswith("#")]
    check(rc == 0 and hashes(out) == soft[c] and warnings(err) == [] and f"decoder: {dec} (hwdec {dec})" in err
          and rows and all(r[DECODER_COL] == dec for r in rows),
          f"--hwdec={dec}: same frames, no line, --stats and the frame log say {dec}")

# A seek (--start lands on the exact frame through a flush) with a named
# decoder: the same frames as software from there, nothing dropped as stale.
OPEN = clip("h264-opengop.mkv")
_, ref, _ = play(OPEN, ["--hwdec=no", "--start=2.5"])
rc, out, err = play(OPEN, ["--hwdec=h264", "--start=2.5"])
check(rc == 0 and hashes(out) == hashes(ref) and hashes(out) and "stale frames dropped 0" in err,
      f"--start=2.5 --hwdec=h264: same frames as software ({len(hashes(out))}), none dropped as stale")

# The frame log names the decoder of every frame.
log = os.path.join(tmp, "frames.log")
rc, out, err = play(H264, ["--hwdec=cuda", "--frame-log=" + log])
rows = [l.split("\t") for l in open(log).read().splitlines() if not l.startswith("#")]
header = open(log).readline().lstrip("# ").rstrip("\n").split("\t")
check(rc == 0 and rows and header[DECODER_COL] == "decoder" and all(r[DECODER_COL] == "software" for r in rows),
      f"--frame-log: a decoder column, software on every row ({len(rows)} rows)")

# The status line ends with the decoder of the frame on screen (a real
# terminal: tmux, wide enough that nothing is cut).
if shutil.which("tmux"):
    for hw, want in [("cuda", "software"), ("h264", "h264")]:
        sock = f"qv-hwdec-{os.getpid()}-{hw}"   # a server each: no race with the last one going away

        def tmux(*args):
            return subprocess.run(["tmux", "-L", sock, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=20).stdout.decode(errors="replace")

        tmux("new-session", "-d", "-s", "s", "-x", "250", "-y", "20", "env", f"XDG_CACHE_HOME={tmp}", QV, H264,
             "--display=blocks", "--no-audio", "--pause", "--hwdec=" + hw)
        status = ""
        end = time.time() + 30   # loose: the machine may be loaded
        while time.time() < end:
            lines = [l for l in tmux("capture-pane", "-p", "-t", "s").splitlines() if " fps drop " in l]
            status = lines[-1].rstrip() if lines else ""
            if status:
                break
            time.sleep(0.1)
        tmux("send-keys", "-t", "s", "q")
        check(status.endswith("x " + want), f"--hwdec={hw}: the status line ends with {want}: {status[-40:]!r}")
        tmux("kill-server")
else:
    check(False, "tmux is missing (tools/lib/setup.sh installs it)")

# qv info says which decoder really made the first frame.
rc, out, err = qv(["info", H264, "--hwdec=vaapi,cuda", "--json"])
try:
    d = json.loads(out)["decoder"]
except Exception as e:  # noqa: BLE001
    d = {"error": str(e)}
check(rc == 0 and d.get("running") == "software" and d.get("hwdec") == "vaapi,cuda" and "vaapi:" in d.get("why", "")
      and "cuda:" in d.get("why", ""), f"qv info --json: decoder {d}")
rc, out, err = qv(["info", H264])
check(rc == 0 and "  decoder: software (hwdec default)" in out, "qv info: decoder: software")

# hwdec-probe: each decoder here unavailable, with why; valid JSON; the cache.
rc, out, err = qv(["hwdec-probe", H264, "--json"], timeout=300)
try:
    p = json.loads(out)
except ValueError:
    p = {}
files = p.get("files", [])
decs = files[0]["decoders"] if files else []
names = [x["name"] for x in decs]
check(rc == 0 and len(files) == 1 and files[0]["codec"] == "h264" and files[0]["software"]["frames"] == len(soft[H264]),
      f"hwdec-probe --json: valid, software {files[0]['software'] if files else None}")
check("cuda" in names and "vaapi" in names and all(x["verdict"] == "unavailable" and x["detail"] for x in decs),
      f"hwdec-probe: every decoder here unavailable, with a reason: {[(x['name'], x['detail']) for x in decs]}")
check(all(x["kind"] in ("hwaccel", "wrapper") and x["first_difference"] is None for x in decs),
      "hwdec-probe: kinds and no first difference")
# A wrapper that opens but decodes nothing (Debian's h264_qsv without an
# Intel GPU): software from the first frame, one line that names the decoder,
# the frames those of software, and qv frames the same.
if any(x["name"] == "h264_qsv" and x["detail"] == "h264_qsv: no frame came out of it" for x in decs):
    rc, out, err = play(H264, ["--hwdec=h264_qsv"])
    check(rc == 0 and hashes(out) == soft[H264] and len(warnings(err)) == 1
          and "--hwdec: h264_qsv opened but no frame came out" in err and "software from the first frame" in err,
          f"--hwdec=h264_qsv decoding nothing: software from frame 0, exit {rc}, {warnings(err)}")
    rc, out, err = qv(["frames", H264, "--hwdec=h264_qsv"])
    rc2, out2, _ = qv(["frames", H264])
    check(rc == 0 and out == out2 and out, "qv frames --hwdec=h264_qsv: the same list as software")
cache = open(CACHE).read().splitlines() if os.path.exists(CACHE) else []
check(cache[:1] == ["qv-hwdec-verdicts 1"] and any(l.startswith("cuda\th264\t") and "\tunavailable\t" in l for l in cache),
      f"hwdec-probe wrote the verdict cache ({len(cache)} lines)")
rc, out, err = qv(["hwdec-probe", "--hwdec=vaapi,nonesuch"], timeout=300)
check(rc == 0 and "built-in clip (h264" in out and "vaapi " in out and "nonesuch" in out and out.count("unavailable") == 2,
      f"hwdec-probe with no FILE: the built-in clip, the named decoders: {out.splitlines()[1:4]}")
# A decoder that gives the same frames: exact, in the JSON and the cache.
rc, out, err = qv(["hwdec-probe", VP9, "--hwdec=libvpx-vp9,h264", "--json"], timeout=300)
try:
    decs = json.loads(out)["files"][0]["decoders"]
except (ValueError, KeyError, IndexError):
    decs = []
v = {x["name"]: x for x in decs}
check(rc == 0 and v.get("libvpx-vp9", {}).get("verdict") == "exact" and v["libvpx-vp9"]["first_difference"] is None
      and v["libvpx-vp9"]["frames"] == len(soft[VP9]) and v["libvpx-vp9"]["kind"] == "wrapper"
      and v.get("h264", {}).get("detail") == "h264: decodes h264, not vp9",
      f"hwdec-probe: libvpx-vp9 exact against FFmpeg's vp9, h264 not for vp9: {decs}")
check("exact seeks to 33 and 16 with steps" in v.get("libvpx-vp9", {}).get("detail", ""),
      f"hwdec-probe: the seek and flush-then-step checks ran: {v.get('libvpx-vp9', {}).get('detail')}")
# A decoder that fails mid-stream (the test switch): its frames from then on
# are software's, so not exact, at that frame.
p = subprocess.run([QV, "hwdec-probe", H264, "--hwdec=h264", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=300, env=dict(env, QV_TEST_HWDEC_FAIL_AFTER="30"))
try:
    d = json.loads(p.stdout.decode())["files"][0]["decoders"][0]
except (ValueError, KeyError, IndexError):
    d = {}
check(p.returncode == 0 and d.get("verdict") == "differs" and d.get("first_difference") == 30
      and d.get("detail") == "at frame 30: made in software", f"hwdec-probe of a decoder failing at frame 30: {d}")
cache = open(CACHE).read().splitlines() if os.path.exists(CACHE) else []
check(any(l.startswith("libvpx-vp9\tvp9\t") and "\texact\t" in l for l in cache), "the cache has the exact verdict")
rc, out, err = qv(["hwdec-probe", "--hwdec=no"])
check(rc == 2, f"hwdec-probe --hwdec=no: usage error (exit {rc})")
rc, out, err = qv(["hwdec-probe", os.path.join(tmp, "missing.mkv")])
check(rc != 0 and len(warnings(err)) == 1 and "missing.mkv" in err, f"hwdec-probe of a missing file: one line, exit {rc}")

# The default reads the cache: a verdict "exact" for cuda (as a probe on an
# NVIDIA machine would write it) makes the default try cuda; here it fails,
# so: software, one line, the same frames. A verdict for another FFmpeg does not count.
if cache:
    forged = [cache[0]] + [l.replace("\tunavailable\t", "\texact\t") for l in cache[1:] if l.startswith("cuda\th264\t")]
    open(CACHE, "w").write("\n".join(forged) + "\n")
    rc, out, err = play(H264, [])
    w = warnings(err)
    check(rc == 0 and hashes(out) == soft[H264] and len(w) == 1 and w[0].startswith("qv: warning: hwdec (no --hwdec; hwdec-probe found it exact here): decoding in software: ")
          and "cuda:" in w[0], f"default with an exact verdict for cuda: tried, software, one line: {w}")
    other = [cache[0]] + [l.replace("\tunavailable\t", "\texact\t").replace("\tFFmpeg ", "\tFFmpeg 0.0 ")
                          for l in cache[1:] if l.startswith("cuda\th264\t")]
    open(CACHE, "w").write("\n".join(other) + "\n")
    rc, out, err = play(H264, [])
    check(rc == 0 and warnings(err) == [], f"a verdict for another FFmpeg is not used: {warnings(err)}")

shutil.rmtree(tmp, ignore_errors=True)
# The mid-stream switch: QV_TEST_HWDEC_FAIL_AFTER=N (test only) makes the
# hardware path fail after N frames; FFmpeg's own h264, named, stands in for
# the hardware. Software goes on at the next frame: the same frames and
# ordinals as software alone, one line, counted.
fenv = dict(env, QV_TEST_HWDEC_FAIL_AFTER="40")
stmp = tempfile.mkdtemp(prefix="qv-hwswitch-")
log = os.path.join(stmp, "switch.log")
p = subprocess.run([QV, "play", H264, "--display=hash", "--no-sync", "--no-audio", "--stats", "--hwdec=h264",
                    "--frame-log=" + log], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, env=fenv)
out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
check(p.returncode == 0 and hashes(out) == soft[H264],
      f"switch while playing: the same {len(soft[H264])} frames as software ({len(hashes(out))})")
check(len(warnings(err)) == 1 and "h264 failed mid-stream after frame 39" in warnings(err)[0],
      f"switch: one line naming the frame: {warnings(err)}")
check("hwdec switches to software 1 (at frame 40)" in err, "switch: --stats counts it, at frame 40")
rows = [l.split("\t") for l in open(log).read().splitlines() if not l.startswith("#")]
shown = [r for r in rows if r[0] == "presented"]
check([r[1] for r in shown] == [str(i) for i in range(len(soft[H264]))],
      "switch: ordinals exact and in order across it (frame log)")
check(shown and all(r[DECODER_COL] == "h264" for r in shown[:40]) and all(r[DECODER_COL] == "software" for r in shown[40:]),
      "switch: the frame log says h264 up to frame 39, software from frame 40")

# Paused: 45 steps forward across the switch, then 10 back-steps across it.
sock = os.path.join(stmp, "switch.sock")
sp = subprocess.Popen([QV, "play", H264, "--display=hash", "--no-audio", "--pause", "--hwdec=h264",
                       "--input-ipc=" + sock], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=fenv)
for _ in range(500):
    if os.path.exists(sock):
        break
    time.sleep(0.01)
cs = socket.socket(socket.AF_UNIX)
cs.settimeout(60)
cs.connect(sock)
cf = cs.makefile("rw")
replies = []
for _ in range(500):   # the first frame on screen before the first step
    cf.write(json.dumps({"command": ["get", "presented"]}) + "\n")
    cf.flush()
    if json.loads(cf.readline() or "{}").get("data"):
        break
    time.sleep(0.01)
for c in ["frame-step"] * 45 + ["frame-back-step"] * 10 + ["quit"]:
    cf.write(json.dumps({"command": [c]}) + "\n")
    cf.flush()
    replies.append(json.loads(cf.readline() or "{}").get("error"))
sout, serr = sp.communicate(timeout=60)
want = soft[H264][:46] + soft[H264][35:45][::-1]
got = hashes(sout.decode(errors="replace"))
check(sp.returncode == 0 and all(r == "success" for r in replies) and got == want,
      f"switch while paused: 45 steps and 10 back-steps across frame 40 show software's frames ({len(got)} of {len(want)})")

finish()
