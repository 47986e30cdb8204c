#!/usr/bin/env python3
"""The kms and fbdev displays against a real kernel: tools/kmsvm boots
Debian's kernel in a throw-away QEMU VM with an emulated GPU (bochs-drm, then
virtio-gpu), qv runs inside with /dev/dri/card0 and /dev/fb0, and the host
takes pixel-exact screendumps when the guest asks (kmsvm-snap). Several
checks per boot: a paused frame against ffmpeg's decode of it, the
letterbox, frames advancing, the console back after SIGTERM and after a
normal exit, DRM master held by another qv (the message and the fallback),
--kms-list, and fbdev the same way."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from common import FFMPEG, QV, check, finish

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
for path, rate, secs in ((fast60, 60, 2), (fast120, 120, 1)):
    subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=160x90:r={rate}:d={secs}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path], check=True)
qv = os.path.abspath(QV)

GUEST = f"""#!/bin/sh
Q={qv}
mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ "$1" = vkms ]; then
  $Q {fast60} --display=kms --kms-mode=640x480 --no-audio --frame-log=/out/f60.tsv -v 2>/out/vkms60.err < /dev/tty1; echo $? > /out/vkms60.rc
  $Q {fast120} --display=kms --kms-mode=640x480 --no-sync --no-audio --frame-log=/out/f120.tsv -v 2>/out/vkms120.err < /dev/tty1; echo $? > /out/vkms120.rc
  exit 0
fi
waitlog() {{
  i=0
  while [ $i -lt 300 ]; do
    n=$(grep -c presented "$1" 2>/dev/null)
    [ -n "$n" ] && [ "$n" -ge "$2" ] && return 0
    sleep 0.05; i=$((i+1))
  done
  return 1
}}
printf '\\033[2J\\033[Hqv kms test: the console before qv\\n' > /dev/tty1
sleep 0.3
$Q --kms-list > /out/list.txt 2>&1; echo $? > /out/list.rc
kmsvm-snap before
$Q {bars} --display=kms --pause --no-audio --frame-log=/tmp/f1 -v 2>/out/kms.err < /dev/tty1 & P=$!
waitlog /tmp/f1 1
sleep 0.2
kmsvm-snap kms-paused
if [ "$1" = full ]; then
  chvt 2; sleep 0.5; kmsvm-snap vt-away
  chvt 1; sleep 0.5; kmsvm-snap vt-back
  $Q {bars} --display=kms --frames=3 --no-audio > /dev/null 2>/out/busy.err; echo $? > /out/busy.rc
fi
kill -TERM $P; wait $P; echo $? > /out/kms.rc
sleep 0.2
kmsvm-snap kms-after-term
[ "$1" = full ] || exit 0
$Q {moving} --display=kms --no-audio --frames=60 --frame-log=/tmp/f2 -v 2>/out/play.err < /dev/tty1 & P=$!
waitlog /tmp/f2 10; kmsvm-snap kms-playing-a
waitlog /tmp/f2 25; kmsvm-snap kms-playing-b
wait $P; echo $? > /out/play.rc
sleep 0.2
kmsvm-snap kms-after-end
$Q {moving} --display=kms,blocks --size=80x24 --no-audio --frames=50 --frame-log=/tmp/f4 -v \
   > /out/mirror.out 2>/out/mirror.err < /dev/tty1 & P=$!
waitlog /tmp/f4 20; kmsvm-snap mirror
wait $P; echo $? > /out/mirror.rc
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


def boot(gpu, mode, *extra):
    out = os.path.join(tmp, gpu)
    p = subprocess.run(["bash", KMSVM, *extra, "-g", gpu, "-r", f"{SW}x{SH}", "--mem", "1024", "--guest-out", "-q", "--vt",
                        "--timeout", "240", "-o", out, "-f", bars, "-f", moving, "-f", fast60, "-f", fast120, "-f", qv, guest, mode],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
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


for tool in ("qemu-system-x86_64", "busybox", "cpio", "convert"):
    if not shutil.which(tool) and not os.path.exists("/bin/" + tool):
        check(False, f"{tool} is installed (tools/test installs it)")
        finish()

exp = expected(bars, PIC[2], PIC[3])

# bochs-drm: everything.
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
check(m is not None and int(m.group(1)) >= 55 and int(m.group(2)) == 0,
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
img = rgb(os.path.join(out, "fb-paused.png"))
score = matches(img, exp) if img else 0
check(score >= 0.95, f"fbdev: {score:.0%} of the paused frame matches ffmpeg's decode")
check(read(out, "fb.rc") == "143", f"fbdev: SIGTERM exit {read(out, 'fb.rc')}")
after = rgb(os.path.join(out, "fb-after-term.png"))
check(after is not None and matches(after, exp) < 0.2, "fbdev: the picture is gone after exit")

# virtio-gpu: it needs DirtyFB where bochs does not. The legacy calls
# (SetCrtc, PageFlip) this time.
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

    def flips(err):
        m = re.search(r"completed flips ([0-9.]+) ms apart \(median of (\d+)\); the mode refreshes every ([0-9.]+) ms",
                      err)
        return (float(m.group(1)), int(m.group(2)), float(m.group(3))) if m else (None, 0, None)

    def events(name):
        p = os.path.join(out, "guest", name)
        rows = [l.split("\t") for l in open(p) if not l.startswith("#")] if os.path.exists(p) else []
        return [(r[0], int(r[-1])) for r in rows if len(r) > 2]

    for rate in (60, 120):
        err = read(out, f"vkms{rate}.err")
        gap, n, period = flips(err)
        ev = events(f"f{rate}.tsv")
        shown = [t for e, t in ev if e == "presented"]
        dropped = sum(1 for e, _ in ev if e.startswith("dropped"))
        check(read(out, f"vkms{rate}.rc") == "0" and "atomic modesetting" in err,
              f"vkms {rate} fps: plays to the end, atomic (exit {read(out, f'vkms{rate}.rc')})")
        # Each flip completes on a vblank: never faster than the screen,
        # whatever the frame rate asks. (Longer gaps are the VM's: under
        # emulation the scale stage needs about a refresh period per frame.)
        check(gap is not None and period and gap >= period - 1.0 and n >= 30,
              f"vkms {rate} fps: flips never faster than the screen's refresh ({gap} ms apart, "
              f"period {period} ms, {n} flips)")
        check(len(shown) + dropped == 120, f"vkms {rate} fps: every frame presented or counted as dropped "
                                           f"({len(shown)} + {dropped})")
        if rate == 60:
            check(len(shown) >= 110, f"vkms 60 fps: a 60 Hz screen takes (nearly) every frame ({len(shown)} of 120)")
        else:
            # --no-sync: frames as fast as they come, but one flip in flight
            # at a time, each waiting for its vblank: 120 flips take 2 s.
            span = (shown[-1] - shown[0]) / 1e9 if len(shown) > 1 else 0
            check(span >= 119 * period / 1000 * 0.9,
                  f"vkms 120 frames, --no-sync: paced by the screen, 120 flips in {span:.2f} s "
                  f"(at most one in flight, each on its own vblank)")
finish()
