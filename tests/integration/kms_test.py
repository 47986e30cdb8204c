#!/usr/bin/env python3
"""The kms and fbdev displays against a real kernel: tools/kmsvm boots
Debian's kernel in a throw-away QEMU VM with an emulated GPU (bochs-drm, then
virtio-gpu), qv runs inside with /dev/dri/card0 and /dev/fb0, and the host
takes pixel-exact screendumps when the guest asks (kmsvm-snap). Several
checks per boot: a paused frame against ffmpeg's decode of it, the
letterbox, frames advancing, the console back after SIGTERM and after a
normal exit, DRM master held by another qv (the message and the fallback),
--kms-list, and fbdev the same way; KD_TEXT and the VT mode back after a
crash: a stack overflow (the QV_TEST_FAULT hook) on the display thread in kms
and on the demuxer thread in fbdev, restored from the alternate signal stack.
vkms from Debian 6.1 (built from the host's linux-source): 60 Hz flip pacing.
vkms from Debian unstable's 7.2 (tools/kmsvm/prepare-sid.sh: the kernel and
vkms built in an unstable chroot, cached under /var/cache/qv/kmsvm): video on
a YUV plane, read back through the writeback connector (the
QV_TEST_KMS_WRITEBACK hook) and compared with FFmpeg's RGB conversion of the
same frame after the same scaling: BT.601, BT.709, full range, an odd width,
10-bit (P010), the primary plane, the RGB path, the fallback when the test
commit is refused, steps forward and back; 60 fps flip-paced on the YUV plane
and on the RGB path, with the scale stage's CPU time per frame of each."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from common import GUEST_WAITLOG, FFMPEG, QV, check, finish

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KMSVM = os.path.join(root, "tools", "kmsvm", "kmsvm.sh")
tmp = tempfile.mkdtemp(prefix="qv-kms-")
SW, SH = 1024, 768                 # the emulated monitor's preferred mode
PIC = (0, 96, 1024, 576)           # a 16:9 picture letterboxed into it

bars = os.path.join(tmp, "bars.mp4")
moving = os.path.join(tmp, "moving.mp4")
subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "smptehdbars=s=640x360:r=25:d=2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", bars], check=True)
subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=4",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", moving], check=True)
# vkms (a 60 Hz simulated vblank): 120 frames at 60 fps, and 120 frames
# at 120 fps played with --no-sync (as fast as the screen takes them).
fast60 = os.path.join(tmp, "fast60.mp4")
fast120 = os.path.join(tmp, "fast120.mp4")
# vkms 7.2: 120 frames at 60 fps that fill a 640x480 mode's width (no
# scaling: the scale stage's work is the format, YUV or RGB).
fast60big = os.path.join(tmp, "fast60big.mp4")
for path, rate, secs, size in ((fast60, 60, 2, "160x90"), (fast120, 120, 1, "160x90"), (fast60big, 60, 2, "640x360")):
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={secs}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path], check=True)
qv = os.path.abspath(QV)
# Frames with known colours for the YUV plane: SMPTE bars in BT.601 and
# BT.709, limited and full range, an odd width (FFV1 keeps it), 10-bit.
yuvclips = {}
for name, args in (
        ("bt601", ["-f", "lavfi", "-i", "smptehdbars=s=640x360:r=25:d=1", "-pix_fmt", "yuv420p", "-c:v", "libx264",
                   "-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m"]),
        ("bt709", ["-f", "lavfi", "-i", "smptehdbars=s=640x360:r=25:d=1", "-pix_fmt", "yuv420p", "-c:v", "libx264",
                   "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]),
        ("full", ["-f", "lavfi", "-i", "smptehdbars=s=640x360:r=25:d=1", "-pix_fmt", "yuvj420p", "-c:v", "libx264",
                  "-colorspace", "bt709", "-color_range", "pc"]),
        ("odd", ["-f", "lavfi", "-i", "testsrc2=s=175x143:r=25:d=1", "-pix_fmt", "yuv420p", "-c:v", "ffv1"]),
        ("ten", ["-f", "lavfi", "-i", "smptehdbars=s=640x360:r=25:d=1", "-pix_fmt", "yuv420p10le", "-c:v", "libx264",
                 "-colorspace", "bt709"])):
    yuvclips[name] = os.path.join(tmp, name + (".mkv" if name == "odd" else ".mp4"))
    subprocess.run([FFMPEG, "-v", "error", "-y", *args, yuvclips[name]], check=True)
# The guest's helper: the VT's mode, keys typed into the VT.
vtctl = os.path.join(tmp, "vtctl")
subprocess.run(["cc", "-O2", "-o", vtctl, os.path.join(root, "tools", "kmsvm", "vtctl.c")], check=True)

GUEST = f"""#!/bin/sh
Q={qv}
V={vtctl}
mount -t debugfs none /sys/kernel/debug 2>/dev/null
waitfile() {{ i=0; while [ $i -lt 300 ] && [ ! -e "$1" ]; do sleep 0.05; i=$((i+1)); done; }}
if [ "$1" = vkms72 ]; then
  $Q --kms-list > /out/list72.txt 2>&1
  # 60 fps first (no writeback job has run yet: vkms composes nothing),
  # each path twice, taking turns (the figures are the emulated CPU's: the
  # lower of two is the less disturbed)
  for run in 1 2; do
    for path in yuv rgb; do
      $Q {fast60big} --display=kms --kms-mode=640x480 --kms-plane=$([ $path = yuv ] && echo auto || echo rgb) \\
        --no-audio --stats --frame-log=/out/f60$path$run.tsv -v 2>/out/p60$path$run.err < /dev/tty1
      echo $? > /out/p60$path$run.rc
    done
  done
  one() {{  # one NAME CLIP [qv options]: the first frame, captured through writeback
    n=$1; c=$2; shift 2; mkdir -p /out/wb-$n
    env QV_TEST_KMS_WRITEBACK=/out/wb-$n $Q $c --display=kms --kms-mode=640x480 --frames=1 --no-audio -v "$@" \\
      2>/out/$n.err < /dev/tty1
    echo $? > /out/$n.rc
  }}
  one bt601 {yuvclips["bt601"]}
  one bt709 {yuvclips["bt709"]}
  one full {yuvclips["full"]}
  one odd {yuvclips["odd"]}
  one ten {yuvclips["ten"]}
  one primary {yuvclips["bt709"]} --kms-plane=primary
  one rgb {yuvclips["bt709"]} --kms-plane=rgb
  export QV_TEST_KMS_PLANE_OVERSIZE=1; one fallback {yuvclips["bt709"]}; unset QV_TEST_KMS_PLANE_OVERSIZE
  export QV_TEST_KMS_PRIME=1; one prime {yuvclips["bt709"]}; unset QV_TEST_KMS_PRIME
  steps() {{  # steps NAME [qv options]: paused on frame 0, '.', '.', ',' through writeback
    mkdir -p /out/wb-$1; n=$1; shift
    QV_TEST_KMS_WRITEBACK=/out/wb-$n $Q {moving} --display=kms --kms-mode=640x480 --pause --no-audio -v "$@" \\
      2>/out/$n.err < /dev/tty1 & P=$!
    waitfile /out/wb-$n/wb-0.ppm; sleep 0.3
    $V type /dev/tty1 .; waitfile /out/wb-$n/wb-1.ppm; sleep 0.3
    $V type /dev/tty1 .; waitfile /out/wb-$n/wb-2.ppm; sleep 0.3
    $V type /dev/tty1 ,; waitfile /out/wb-$n/wb-3.ppm; sleep 0.3
    $V type /dev/tty1 q; wait $P; echo $? > /out/$n.rc
  }}
  steps steps
  # A decoder that hands out dma-bufs: FFmpeg's h264, named, stands in; its
  # frames are copied into vgem's buffers (another device's memory) and go
  # to the plane as DRM PRIME frames (QV_TEST_HWDEC_PRIME, test only).
  insmod /vgem.ko 2>/out/vgem.err
  ls /sys/class/drm > /out/drm-cards.txt
  export QV_TEST_HWDEC_PRIME=/dev/dri/card1
  one hwprime {yuvclips["bt709"]} --hwdec=h264 --stats
  one hwrgb {yuvclips["bt709"]} --hwdec=h264 --stats --kms-plane=rgb
  steps hwsteps --hwdec=h264 --stats
  # The same frames claiming a tiled layout (Intel's X tiling) no plane
  # here takes: refused, then downloaded (playing, and paused from the start).
  export QV_TEST_HWDEC_PRIME_MODIFIER=0x0100000000000001
  one hwtiled {yuvclips["bt709"]} --hwdec=h264 --stats
  steps hwtiledsteps --hwdec=h264 --stats
  unset QV_TEST_HWDEC_PRIME QV_TEST_HWDEC_PRIME_MODIFIER
  exit 0
fi
if [ "$1" = vkms ]; then
  $Q {fast60} --display=kms --kms-mode=640x480 --no-audio --stats --frame-log=/out/f60.tsv -v 2>/out/vkms60.err < /dev/tty1; echo $? > /out/vkms60.rc
  $Q {fast120} --display=kms --kms-mode=640x480 --no-sync --no-audio --stats --frame-log=/out/f120.tsv -v 2>/out/vkms120.err < /dev/tty1; echo $? > /out/vkms120.rc
  exit 0
fi
{GUEST_WAITLOG}
printf '\\033[2J\\033[Hqv kms test: the console before qv\\n' > /dev/tty1
sleep 0.3
$Q --kms-list > /out/list.txt 2>&1; echo $? > /out/list.rc
kmsvm-snap before
$Q {bars} --display=kms --pause --no-audio --frame-log=/tmp/f1 -v 2>/out/kms.err < /dev/tty1 & P=$!
waitlog /tmp/f1 1
sleep 0.2
kmsvm-snap kms-paused
$V mode /dev/tty1 > /out/mode-during.txt
if [ "$1" = full ]; then
  chvt 2; sleep 0.5; kmsvm-snap vt-away
  chvt 1; sleep 0.5; kmsvm-snap vt-back
  $Q {bars} --display=kms --frames=3 --no-audio > /dev/null 2>/out/busy.err; echo $? > /out/busy.rc
fi
kill -TERM $P; wait $P; echo $? > /out/kms.rc
sleep 0.2
kmsvm-snap kms-after-term
[ "$1" = full ] || exit 0
$Q {moving} --display=kms --no-audio --no-sync --frames=60 --frame-log=/tmp/f2 -v 2>/out/play.err < /dev/tty1 & P=$!
waitlog /tmp/f2 10; kmsvm-snap kms-playing-a
waitlog /tmp/f2 25; kmsvm-snap kms-playing-b
wait $P; echo $? > /out/play.rc
sleep 0.2
kmsvm-snap kms-after-end
$Q {moving} --display=kms,blocks --size=80x24 --no-audio --no-sync --frames=50 --frame-log=/tmp/f4 -v \
   > /out/mirror.out 2>/out/mirror.err < /dev/tty1 & P=$!
waitlog /tmp/f4 20; kmsvm-snap mirror
wait $P; echo $? > /out/mirror.rc
QV_TEST_FAULT=stack-overflow:display:5 $Q {moving} --display=kms --no-audio 2>/out/crash.err < /dev/tty1; echo $? > /out/crash.rc
$V mode /dev/tty1 > /out/mode-crash.txt
sleep 0.3
kmsvm-snap kms-after-crash
QV_TEST_FAULT=stack-overflow:demux:20 $Q {moving} --display=fbdev --no-audio 2>/out/fbcrash.err < /dev/tty1; echo $? > /out/fbcrash.rc
$V mode /dev/tty1 > /out/mode-fbcrash.txt
$Q {bars} --display=fbdev --pause --no-audio --frame-log=/tmp/f3 2>/out/fb.err < /dev/tty1 & P=$!
waitlog /tmp/f3 1
kmsvm-snap fb-paused
kill -TERM $P; wait $P; echo $? > /out/fb.rc
sleep 0.2
kmsvm-snap fb-after-term
exit 0
"""
guest = os.path.join(tmp, "guest.sh")
with open(guest, "w") as f:
    f.write(GUEST)
os.chmod(guest, 0o755)


def boot(gpu, mode, *extra, limit=240):
    out = os.path.join(tmp, mode)
    files = [bars, moving, fast60, fast120, fast60big, qv, vtctl] + list(yuvclips.values())
    p = subprocess.run(["bash", KMSVM, *extra, "-g", gpu, "-r", f"{SW}x{SH}", "--mem", "1024", "--guest-out", "-q", "--vt",
                        "--timeout", str(limit), "-o", out, *[a for f in files for a in ("-f", f)], guest, mode],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=limit + 60)
    if p.returncode != 0:
        print(p.stderr.decode(errors="replace")[-2000:])
    return p.returncode, out


def rgb(png):
    if not os.path.exists(png):
        return None
    return subprocess.run(["convert", png, "-depth", "8", "rgb:-"], stdout=subprocess.PIPE, check=True).stdout


def px(img, x, y, w=SW):
    o = (y * w + x) * 3
    return tuple(img[o:o + 3])


def expected(path, w, h):
    return subprocess.run([FFMPEG, "-v", "error", "-i", path, "-frames:v", "1", "-vf", f"scale={w}:{h}",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE, check=True).stdout


def matches(img, exp):
    x0, y0, w, h = PIC
    good = total = 0
    for gy in range(16):
        for gx in range(24):
            x, y = int((gx + 0.5) * w / 24), int((gy + 0.5) * h / 16)
            a, b = px(img, x0 + x, y0 + y), px(exp, x, y, w)
            total += 1
            good += max(abs(a[i] - b[i]) for i in range(3)) <= 24
    return good / total


def differing(a, b):
    if a is None or b is None or len(a) != len(b):
        return SW * SH
    return sum(1 for i in range(0, len(a), 3) if a[i:i + 3] != b[i:i + 3])


def black_band(img):
    """The letterbox rows above and below the picture are black."""
    return all(max(px(img, x, y)) < 8 for y in (10, 60, 700, 730) for x in range(0, SW, 64))


def overlay_text(img):
    """White pixels of the status line drawn at the bottom of the screen."""
    return sum(1 for y in range(SH - 20, SH) for x in range(0, SW) if px(img, x, y) == (255, 255, 255))


def read(out, name):
    p = os.path.join(out, "guest", name)
    return open(p).read().strip() if os.path.exists(p) else ""


def want(boot):
    """QV_KMS_BOOTS=a,b runs only those boots (bochs, virtio, vkms61, vkms72):
    for working on one; the suite runs them all."""
    only = os.environ.get("QV_KMS_BOOTS")
    return not only or boot in only.split(",")


def flips(err):
    m = re.search(r"completed flips ([0-9.]+) ms apart \(median of (\d+)\); the mode refreshes every ([0-9.]+) ms", err)
    return (float(m.group(1)), int(m.group(2)), float(m.group(3))) if m else (None, 0, None)


def unseen(err):
    """Frames the decoder was told not to produce while shedding, from --stats:
    non-reference frames skipped and packets not decoded on a jump to a
    keyframe (they never reach the frame log)."""
    m = re.search(r"non-reference frames skipped (\d+), jumps to a keyframe \d+ \((\d+) packets not decoded\)", err)
    return int(m.group(1)) + int(m.group(2)) if m else None


def events(out, name):
    p = os.path.join(out, "guest", name)
    rows = [l.split("\t") for l in open(p) if not l.startswith("#")] if os.path.exists(p) else []
    return [(r[0], int(r[6])) for r in rows if len(r) > 6]   # event, monotonic ns


for tool in ("qemu-system-x86_64", "busybox", "cpio", "convert"):
    if not shutil.which(tool) and not os.path.exists("/bin/" + tool):
        check(False, f"{tool} is installed (tools/test installs it)")
        finish()

exp = expected(bars, PIC[2], PIC[3])

# bochs-drm: everything.
if want("bochs"):
    rc, out = boot("bochs", "full")
    check(rc == 0, f"bochs: the VM ran the checks (exit {rc})")
    lst = read(out, "list.txt")
    check(read(out, "list.rc") == "0" and "Virtual-1: connected" in lst and
          f"qv would choose: Virtual-1, {SW}x{SH}" in lst and "the current mode, kept" in lst,
          f"--kms-list: {lst.splitlines()[-1] if lst else 'nothing'}")
    before = rgb(os.path.join(out, "before.png"))
    img = rgb(os.path.join(out, "kms-paused.png"))
    score = matches(img, exp) if img else 0
    check(score >= 0.95, f"bochs kms: {score:.0%} of the paused frame matches ffmpeg's decode")
    check(img is not None and black_band(img), "bochs kms: letterboxed (black above and below a 16:9 picture)")
    n = overlay_text(img) if img else 0
    check(n > 200, f"bochs kms: the status line is drawn on the screen in the console's font ({n} text pixels)")
    away = rgb(os.path.join(out, "vt-away.png"))
    check(away is not None and matches(away, exp) < 0.2, "VT switch away: the screen is given up (the other VT shows)")
    back = rgb(os.path.join(out, "vt-back.png"))
    score = matches(back, exp) if back else 0
    check(score >= 0.95, f"VT switch back: the picture is there again ({score:.0%})")
    kerr = read(out, "kms.err")
    check("atomic modesetting" in kerr, f"bochs: atomic modesetting ({[l for l in kerr.splitlines() if 'CRTC' in l]})")
    check("screen released" in kerr and "screen taken again" in kerr, "kms: released and took back DRM master on the VT switch")
    busy = read(out, "busy.err")
    check("DRM master is held by qv (pid" in busy and "playing in the terminal instead" in busy and read(out, "busy.rc") == "0",
          f"DRM master held by another qv: the message and the fallback ({busy.splitlines()[:1]}, exit {read(out, 'busy.rc')})")
    check(read(out, "kms.rc") == "143", f"kms: SIGTERM exit {read(out, 'kms.rc')}")
    d = differing(before, rgb(os.path.join(out, "kms-after-term.png")))
    check(d < 300, f"kms: after SIGTERM the console is back ({d} pixels differ from before)")
    a, b = rgb(os.path.join(out, "kms-playing-a.png")), rgb(os.path.join(out, "kms-playing-b.png"))
    d = differing(a, b)
    check(a is not None and b is not None and d > 10000, f"kms: page flips advance the picture ({d} pixels changed)")
    check(read(out, "play.rc") == "0", f"kms: the end of play exits 0 ({read(out, 'play.rc')})")
    m = re.search(r"kms: (\d+) frames drawn by the scale stage straight into the screen's buffers, (\d+) copied",
                  read(out, "play.err"))
    # (--no-sync: every frame is shown however slow the emulated CPU is; in
    # timed playback a loaded host made the decoder shed to the next keyframe
    # and only 4 frames reached the screen. Timed KMS playback is checked by
    # the vkms boots' flip timing. None may be copied.)
    check(m is not None and int(m.group(1)) >= 20 and int(m.group(2)) == 0,
          f"kms: the scale stage draws into the dumb buffers, no copy ({m and m.group(0)})")
    d = differing(before, rgb(os.path.join(out, "kms-after-end.png")))
    check(d < 300, f"kms: after a normal exit the console is back ({d} pixels differ)")
    mimg = rgb(os.path.join(out, "mirror.png"))
    mout = os.path.join(out, "guest", "mirror.out")
    merr = read(out, "mirror.err")
    import re
    shown = re.search(r"mirror blocks: (\d+) frames shown", merr)
    check(read(out, "mirror.rc") == "0" and mimg is not None and max(px(mimg, SW // 2, SH // 2)) > 30,
          f"mirror kms,blocks: the screen plays (exit {read(out, 'mirror.rc')})")
    check(os.path.exists(mout) and os.path.getsize(mout) > 2000 and shown is not None and int(shown.group(1)) >= 10,
          f"mirror kms,blocks: the terminal gets frames too ({shown and shown.group(0)}, "
          f"{os.path.getsize(mout) if os.path.exists(mout) else 0} bytes)")
    # A crash (a stack overflow on the display thread from the test hook after
    # 5 frames): the guards' restore slots, run on the alternate signal stack,
    # put the CRTC, KD_TEXT and the VT mode back before the process dies.
    check(read(out, "mode-during.txt") == "kd=graphics vt=process",
          f"kms: while it plays the VT is in KD_GRAPHICS and VT_PROCESS ({read(out, 'mode-during.txt')})")
    check(read(out, "crash.rc") == "139", f"kms: the stack overflow hook kills it with SIGSEGV (exit {read(out, 'crash.rc')})")
    check(read(out, "mode-crash.txt") == "kd=text vt=auto",
          f"kms: after a stack overflow the VT is back in KD_TEXT and VT_AUTO ({read(out, 'mode-crash.txt')})")
    d = differing(before, rgb(os.path.join(out, "kms-after-crash.png")))
    check(d < 300, f"kms: after a stack overflow the console is back on the screen ({d} pixels differ from before)")
    check(read(out, "fbcrash.rc") == "139" and read(out, "mode-fbcrash.txt") == "kd=text vt=auto",
          f"fbdev: after a stack overflow on the demuxer thread (exit {read(out, 'fbcrash.rc')}) the VT is back in KD_TEXT ({read(out, 'mode-fbcrash.txt')})")
    img = rgb(os.path.join(out, "fb-paused.png"))
    score = matches(img, exp) if img else 0
    check(score >= 0.95, f"fbdev: {score:.0%} of the paused frame matches ffmpeg's decode")
    check(read(out, "fb.rc") == "143", f"fbdev: SIGTERM exit {read(out, 'fb.rc')}")
    after = rgb(os.path.join(out, "fb-after-term.png"))
    check(after is not None and matches(after, exp) < 0.2, "fbdev: the picture is gone after exit")

# virtio-gpu: it needs DirtyFB where bochs does not. The legacy calls
# (SetCrtc, PageFlip) this time.
if want("virtio"):
    rc, out = boot("virtio", "short", "-e", "QV_KMS_LEGACY=1")
    check("legacy modesetting" in read(out, "kms.err"), "virtio: legacy modesetting (QV_KMS_LEGACY=1)")
    check(rc == 0, f"virtio: the VM ran the checks (exit {rc})")
    before = rgb(os.path.join(out, "before.png"))
    img = rgb(os.path.join(out, "kms-paused.png"))
    score = matches(img, exp) if img else 0
    check(score >= 0.95, f"virtio kms: {score:.0%} of the paused frame matches ffmpeg's decode")
    d = differing(before, rgb(os.path.join(out, "kms-after-term.png")))
    check(d < 300, f"virtio kms: after SIGTERM the console is back ({d} pixels differ)")

# vkms: a real 60 Hz vblank (bochs and virtio complete flips at once), for
# the flip-driven pacing. Debian's kernel does not ship vkms: it is built
# once from linux-source against the kernel's headers (tools/test installs
# both) and kept in the build tree.
if want("vkms61"):
    kernels = sorted((k for k in os.listdir("/boot") if k.startswith("vmlinuz-")),
                     key=lambda k: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", k)])
    kver = kernels[-1][len("vmlinuz-"):] if kernels else ""
    vkms = os.path.join(os.environ.get("QV_CLIPS") or tmp, f"vkms-{kver}.ko")
    if not os.path.exists(vkms):
        b = subprocess.run(["bash", os.path.join(root, "tools", "kmsvm", "build-vkms.sh"), "-k", kver, "-o", vkms],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if b.returncode != 0:
            print(b.stdout.decode(errors="replace")[-1500:])
    if check(os.path.exists(vkms), f"vkms.ko built for {kver} (tools/kmsvm/build-vkms.sh)"):
        rc, out = boot("vkms", "vkms", "--module-file", vkms)
        check(rc == 0, f"vkms: the VM ran the checks (exit {rc})")

        for rate in (60, 120):
            err = read(out, f"vkms{rate}.err")
            gap, n, period = flips(err)
            ev = events(out, f"f{rate}.tsv")
            shown = [t for e, t in ev if e == "presented"]
            dropped = sum(1 for e, _ in ev if e.startswith("dropped"))
            check(read(out, f"vkms{rate}.rc") == "0" and "atomic modesetting" in err,
                  f"vkms {rate} fps: plays to the end, atomic (exit {read(out, f'vkms{rate}.rc')})")
            # Each flip completes on a vblank: never faster than the screen,
            # whatever the frame rate asks. (Longer gaps are the VM's: under
            # emulation the scale stage needs about a refresh period per frame.)
            skipped = unseen(err)
            # At least 3 flips for a median: a loaded CI host under TCG made
            # 7 in 2 s on the RGB path (38 to 47 ms of scaling a frame).
            check(gap is not None and period and gap >= period - 1.0 and n >= 3,
                  f"vkms {rate} fps: flips never faster than the screen's refresh ({gap} ms apart, "
                  f"period {period} ms, {n} flips)")
            check(skipped is not None and len(shown) + dropped + skipped == 120,
                  f"vkms {rate} fps: every frame presented, or counted as dropped or not decoded "
                  f"({len(shown)} + {dropped} + {skipped})")
            if rate == 60:
                # (loose: under emulation on a loaded host the scale stage
                # needs about a refresh period a frame and late ones are shed)
                check(len(shown) >= 40, f"vkms 60 fps: a 60 Hz screen takes many frames ({len(shown)} of 120)")
            else:
                # --no-sync: frames as fast as they come, but one flip in flight
                # at a time, each waiting for its vblank: 120 flips take 2 s.
                span = (shown[-1] - shown[0]) / 1e9 if len(shown) > 1 else 0
                check(span >= 119 * period / 1000 * 0.9,
                      f"vkms 120 frames, --no-sync: paced by the screen, 120 flips in {span:.2f} s "
                      f"(at most one in flight, each on its own vblank)")
# vkms from Linux 7.2 (Debian unstable): YUV planes, COLOR_ENCODING and
# COLOR_RANGE, overlays, writeback. prepare-sid.sh builds it once (tools/test
# starts it in the background early; this waits for it through its lock).
if want("vkms72"):
    prep = subprocess.run(["bash", os.path.join(root, "tools", "kmsvm", "prepare-sid.sh")], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=1500)
    env72 = {}
    for line in prep.stdout.decode(errors="replace").splitlines() + (
            open(os.path.join(os.environ.get("QV_KMSVM_CACHE", "/var/cache/qv/kmsvm"), "7.2.13+deb14-amd64", "env")).read()
            .splitlines() if prep.returncode == 0 else []):
        if line.startswith("KMSVM_") and "=" in line:
            k, v = line.split("=", 1)
            env72[k] = v
    if not check(prep.returncode == 0 and "KMSVM_VKMS" in env72,
                 f"Debian unstable's 7.2 kernel and vkms for it (tools/kmsvm/prepare-sid.sh, exit {prep.returncode})"):
        print(prep.stdout.decode(errors="replace")[-2000:])
        finish()
    # vgem (Debian's module of that kernel): loaded by the guest after vkms,
    # so vkms stays card0 and vgem is card1.
    vgem = os.path.join(tmp, "vgem.ko")
    with open(vgem, "wb") as f:
        subprocess.run(["xz", "-dc", os.path.join(env72["KMSVM_MODULES"], "kernel", "drivers", "gpu", "drm", "vgem",
                                                  "vgem.ko.xz")], stdout=f, check=True)
    rc, out = boot("vkms", "vkms72", "-f", vgem + ":/vgem.ko", "-k", env72["KMSVM_KERNEL"], "--modules", env72["KMSVM_MODULES"],
                   "--module-file", env72["KMSVM_VKMS"] + " enable_overlay=1 enable_writeback=1", limit=420)
    check(rc == 0, f"vkms 7.2: the VM ran the checks (exit {rc})")
    lst = read(out, "list72.txt")
    check("NV12" in lst and "P010" in lst and "COLOR_ENCODING [ITU-R BT.601 YCbCr, ITU-R BT.709 YCbCr" in lst and
          "qv would choose for yuv420p video: YUV420 on overlay plane" in lst and
          "qv would choose for yuv420p10le video: P010 on overlay plane" in lst,
          "vkms 7.2 --kms-list: each plane's formats and properties, and the plane and format qv picks and why "
          f"({[l for l in lst.splitlines() if l.startswith('qv would choose for')]})")


    def ppm(path):
        """(w, h, bytes) of a binary PPM, None when missing."""
        if not os.path.exists(path):
            return None
        data = open(path, "rb").read()
        parts = data.split(maxsplit=4)
        return int(parts[1]), int(parts[2]), parts[4]


    def reference(clip, w, h, matrix, rng, frame=0):
        """FFmpeg: frame `frame` scaled to w x h in its own YUV format (as qv's
        scale stage does), then converted to RGB with the given matrix and range."""
        vf = (f"select=eq(n\\,{frame}),scale={w}:{h}:flags=bicubic+accurate_rnd,"
              f"scale=in_color_matrix={matrix}:in_range={rng}:flags=accurate_rnd+full_chroma_int,format=rgb24")
        return subprocess.run([FFMPEG, "-v", "error", "-i", clip, "-vf", vf, "-frames:v", "1", "-f", "rawvideo", "-"],
                              stdout=subprocess.PIPE, check=True).stdout


    def placed(err):
        """The picture's size and place from qv's -v line (w, h, x, y)."""
        m = re.search(r"\((\d+)x(\d+) at (\d+),(\d+)\)", err)
        return tuple(int(g) for g in m.groups()) if m else None


    def compare(cap, ref, geo):
        """Mean absolute error and the share of samples more than 24 off, over a
        grid inside the picture (its bottom 48 screen rows left out: the status
        line)."""
        W, H, px = cap
        w, h, x0, y0 = geo
        tot = bad = n = 0
        for y in range(2, min(h, H - 48 - y0) - 2, 5):
            for x in range(2, w - 2, 5):
                o, r = ((y0 + y) * W + x0 + x) * 3, (y * w + x) * 3
                d = [abs(px[o + i] - ref[r + i]) for i in range(3)]
                tot += sum(d)
                bad += max(d) > 24
                n += 1
        return (tot / (3 * n), bad / n) if n else (255.0, 1.0)


    cases = {  # name: (clip, matrix, range, what -v must say)
        "bt601": ("bt601", "bt601", "tv", "as YUV420"),
        "bt709": ("bt709", "bt709", "tv", "as YUV420"),
        "full": ("full", "bt709", "pc", "as YUV420"),
        "odd": ("odd", "bt601", "tv", "as YUV420"),
        "ten": ("ten", "bt709", "tv", "as P010"),
        "primary": ("bt709", "bt709", "tv", "video on primary plane"),
        "rgb": ("bt709", "bt709", "tv", "as XRGB8888"),
        "fallback": ("bt709", "bt709", "tv", "as XRGB8888"),
        "prime": ("bt709", "bt709", "tv", "PRIME frames (YUV420, modifier 0x0"),
        "hwprime": ("bt709", "bt709", "tv", "PRIME frames (YUV420, modifier 0x0"),
        "hwrgb": ("bt709", "bt709", "tv", "as XRGB8888"),
        "hwtiled": ("bt709", "bt709", "tv", "as YUV420"),
    }
    for name, (clip, matrix, rng, says) in cases.items():
        err = read(out, name + ".err")
        geo = placed(err)
        cap = ppm(os.path.join(out, "guest", "wb-" + name, "wb-0.ppm"))
        check(read(out, name + ".rc") == "0" and says in err and geo is not None and cap is not None,
              f"vkms 7.2 {name}: shown ({[l[4:] for l in err.splitlines() if 'video on' in l][:1]}), "
              f"captured through writeback (exit {read(out, name + '.rc')})")
        if geo is None or cap is None:
            continue
        # The frame qv says it showed (the first one presented need not be frame 0).
        m = re.search(r"kms: writeback 0: frame (\d+)", err)
        frame = int(m.group(1)) if m else 0
        mean, badshare = compare(cap, reference(yuvclips[clip], geo[0], geo[1], matrix, rng, frame), geo)
        check(mean < 2.5 and badshare < 0.06,
              f"vkms 7.2 {name}: the writeback picture matches FFmpeg's {matrix}/{rng} conversion of frame {frame} at "
              f"{geo[0]}x{geo[1]} (mean error {mean:.2f}, {badshare:.1%} of samples more than 24 off)")
        if name in ("bt601", "full"):
            # The comparison can fail: the same capture against the other matrix
            # (or range) is far off.
            other = ("bt709", rng) if name == "bt601" else (matrix, "tv")
            m2, b2 = compare(cap, reference(yuvclips[clip], geo[0], geo[1], *other, frame), geo)
            check(m2 > mean + 1.5 or b2 > badshare + 0.05,
                  f"vkms 7.2 {name}: the check tells the matrix and range apart (against {other[0]}/{other[1]}: mean error "
                  f"{m2:.2f}, {b2:.1%} off)")
    err = read(out, "fallback.err")
    check("the driver's test commit refused" in err and "as XRGB8888" in err,
          f"vkms 7.2: a plane that refuses the test commit leads to the RGB path "
          f"({[l[4:] for l in err.splitlines() if 'refused' in l][:1]})")
    err = read(out, "prime.err")
    check(re.search(r"kms: PRIME frames: [1-9]\d* buffers imported", err) is not None
          and "QV_TEST_KMS_PRIME" not in err,
          "vkms 7.2 PRIME: the frame went through the import path (dma-buf export, drmPrimeFDToHandle, AddFB2, "
          f"the PRIME plane choice) without a warning ({[l[4:] for l in err.splitlines() if 'PRIME' in l][:2]})")
    check("video on overlay plane" in read(out, "bt709.err") and "as YUV420" in read(out, "bt709.err"),
          "vkms 7.2: auto puts 8-bit 4:2:0 video on an overlay as YUV420 (over a black primary)")

    # The stand-in decoder's dma-bufs (vgem) on the plane, no download.
    err = read(out, "hwprime.err")
    kept = re.search(r"decoder: h264 \(hwdec h264\), hardware frames \d+, kept on the GPU (\d+)", err)
    check(read(out, "hwprime.rc") == "0" and kept is not None and int(kept.group(1)) >= 1
          and re.search(r"kms: PRIME frames: [1-9]\d* buffers imported", err) is not None
          and "QV_TEST_HWDEC_PRIME" not in err and "/dev/dri/card1" not in read(out, "vgem.err"),
          "vkms 7.2 decoder dma-bufs: the decoder's frames (vgem buffers) went to the plane as DRM PRIME frames, not "
          f"downloaded ({[l[2:] for l in err.splitlines() if 'kept on the GPU' in l or 'PRIME' in l][:3]}; "
          f"cards {read(out, 'drm-cards.txt').split()}, vgem: {read(out, 'vgem.err')[:200]!r})")

    err = read(out, "hwrgb.err")
    kept = re.search(r"kept on the GPU (\d+)", err)
    check(kept is not None and kept.group(1) == "0" and "PRIME" not in err,
          f"vkms 7.2 decoder dma-bufs with --kms-plane=rgb: downloaded and converted instead (kept on the GPU "
          f"{kept.group(1) if kept else None})")

    # Frames the display refuses (a tiling no plane takes): said once, the
    # frame decoded again and downloaded, the picture right (above).
    err = read(out, "hwtiled.err")
    kept = re.search(r"kept on the GPU (\d+)", err)
    check(read(out, "hwtiled.rc") == "0" and "cannot go on a plane" in err and "downloaded and scaled instead" in err
          and "refused the decoder's dma-bufs" in err and kept is not None and int(kept.group(1)) >= 1,
          "vkms 7.2 decoder dma-bufs the planes refuse (tiled): one line says so and the frames come downloaded "
          f"({[l[2:] for l in err.splitlines() if 'plane (' in l or 'refused' in l][:2]}; kept on the GPU "
          f"{kept.group(1) if kept else None}, exit {read(out, 'hwtiled.rc')})")

    # Steps: paused on frame 0, '.', '.', ',': frames 0, 1, 2, 1 through
    # writeback; then the same with the decoder's dma-bufs: the steps forward
    # show its PRIME frames, the step back a frame decoded again in software
    # (the step cache holds no decoder surface).
    for name in ("steps", "hwsteps", "hwtiledsteps"):
        err = read(out, name + ".err")
        shots = [int(m) for m in re.findall(r"kms: writeback \d+: frame (\d+)", err)]
        check(read(out, name + ".rc") == "0" and shots == [0, 1, 2, 1],
              f"vkms 7.2 {name}: paused, forward, forward, back show frames {shots} (exit {read(out, name + '.rc')})")
        geo = placed(err) or placed(read(out, "steps.err"))
        for k, frame in enumerate(shots[:4]):
            cap = ppm(os.path.join(out, "guest", "wb-" + name, f"wb-{k}.ppm"))
            if cap is None or geo is None:
                check(False, f"vkms 7.2 {name}: capture {k}")
                continue
            mean, badshare = compare(cap, reference(moving, geo[0], geo[1], "bt601", "tv", frame), geo)
            wrong, _ = compare(cap, reference(moving, geo[0], geo[1], "bt601", "tv", frame + 5), geo)
            check(mean < 2.5 and badshare < 0.06 and wrong > mean + 1.0,
                  f"vkms 7.2 {name}: capture {k} is frame {frame} (mean error {mean:.2f}, {badshare:.1%} off; against "
                  f"frame {frame + 5}: {wrong:.2f})")
        if name == "hwsteps":
            kept = re.search(r"kept on the GPU (\d+)", err)
            filled = re.search(r"frames decoded for the step cache (\d+)", err)
            check(kept is not None and int(kept.group(1)) >= 3 and filled is not None and int(filled.group(1)) >= 1,
                  f"vkms 7.2 hwsteps: frames 0, 1 and 2 came as the decoder's dma-bufs (kept on the GPU "
                  f"{kept.group(1) if kept else None}), the step back was decoded again for the step cache "
                  f"({filled.group(1) if filled else None})")

    # 60 fps on the YUV plane and on the RGB path: flip-paced, and the scale
    # stage's CPU time per frame of each (docs/PERFORMANCE.md).
    cpu = {}
    for run in ("1", "2"):
        for path in ("yuv", "rgb"):
            name = path + run
            err = read(out, f"p60{name}.err")
            gap, n, period = flips(err)
            ev = events(out, f"f60{name}.tsv")
            shown = [t for e, t in ev if e == "presented"]
            dropped = sum(1 for e, _ in ev if e.startswith("dropped"))
            m = re.search(r"scale CPU: ([0-9.]+) ms a frame over (\d+) frames", err)
            if m:
                cpu.setdefault(path, []).append(float(m.group(1)))
            check(read(out, f"p60{name}.rc") == "0" and ("as YUV420" if path == "yuv" else "as XRGB8888") in err,
                  f"vkms 7.2 60 fps, {path} ({run}): plays to the end on the {path} path (exit {read(out, f'p60{name}.rc')})")
            skipped = unseen(err)
            check(gap is not None and period and gap >= period - 1.0 and n >= 3 and skipped is not None
                  and len(shown) + dropped + skipped == 120,
                  f"vkms 7.2 60 fps, {path} ({run}): flips never faster than the screen ({gap} ms apart, period {period} ms, "
                  f"{n} flips), {len(shown)} presented + {dropped} dropped + {skipped} not decoded = 120")
    print(f"scale stage CPU per frame, 640x360 into 640x360 at 60 fps, vkms 7.2 under TCG: YUV plane {cpu.get('yuv')} ms, "
          f"RGB path {cpu.get('rgb')} ms")
    check(len(cpu.get("yuv", [])) == 2 and len(cpu.get("rgb", [])) == 2,
          f"vkms 7.2: the scale stage's CPU time per frame measured on both paths (yuv {cpu.get('yuv')} ms, "
          f"rgb {cpu.get('rgb')} ms)")

finish()
