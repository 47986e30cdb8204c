#!/usr/bin/env python3
"""A hardware decoder's dma-bufs into the vulkan display, on a real kernel:
tools/kmsvm boots Debian's kernel in a QEMU VM with vgem (a DRM device
whose buffers are dma-bufs, as a decoder's are), and qv runs inside on
Mesa's lavapipe, headless (the validation layer on for the dma-buf path:
QV_VK_VALIDATION=1).

FFmpeg's h264, named as the hardware decoder, stands in for one that hands
out dma-bufs (QV_TEST_HWDEC_PRIME=/dev/dri/card0: each frame copied into a
vgem buffer from a pool reused like a decoder's surfaces, handed on as a
DRM PRIME frame). The decoder keeps those frames (no download) because the
vulkan display says it imports dma-bufs; the display imports each surface
once (VK_EXT_external_memory_dma_buf) and takes the picture from it on the
GPU. Checked through the IPC: the frames shown that way (paused on frame 5,
a step to 6) read back against zimg's RGB of the same frames; a step back
(frame 5 again, decoded in software for the step cache: the cache holds no
decoder surface) gives the identical picture; the surfaces imported.

Twice: Mesa 25 from bookworm-backports (dma-buf import, without
VK_EXT_image_drm_format_modifier: one copy on the GPU) and Debian 12's Mesa
22.3 (no dma-buf import: the decoder downloads its frames, nothing kept on
the GPU, the same picture). The zero-copy path (images over the dma-bufs,
VK_EXT_image_drm_format_modifier) needs a driver that has that extension:
none here (README)."""
import os
import re
import subprocess
import tempfile

from common import FFMPEG, QV, check, clip, finish

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KMSVM = os.path.join(root, "tools", "kmsvm", "kmsvm.sh")
tmp = tempfile.mkdtemp(prefix="qv-vkprime-")
CLIP = os.path.abspath(clip("h264-bframes.mp4"))   # 320x240, BT.601 limited, chroma left-cosited
W, H = 320, 240
qv = os.path.abspath(QV)


def reference(frame):
    """zimg's RGB of frame N (the same matrix, range and chroma siting)."""
    vf = (f"select=eq(n\\,{frame}),zscale=w={W}:h={H}:filter=bilinear:matrixin=470bg:rangein=limited:"
          f"chromalin=left:dither=none,format=gbrp")
    return subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-i", CLIP, "-vf", vf, "-frames:v", "1", "-f", "rawvideo",
                           "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE, check=True).stdout


def png_rgb(path):
    if not os.path.exists(path):
        return b""
    return subprocess.run([FFMPEG, "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                          stdout=subprocess.PIPE).stdout


def worst(a, b):
    if len(a) != len(b) or not a:
        return 255
    return max(p - q if p > q else q - p for p, q in zip(a, b))


def read(name):
    p = os.path.join(tmp, "out", "guest", name)
    return open(p, errors="replace").read().strip() if os.path.exists(p) else ""


# The drivers: Mesa 25 (fetched once, cached in the build tree like the
# vulkan suite's second run) and Debian's own.
prep = subprocess.run(["bash", os.path.join(root, "tools", "lib", "mesa-backports.sh"), os.path.join(root, "build-mesa-bpo")],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
icd25 = prep.stdout.decode().strip().splitlines()[-1] if prep.returncode == 0 and prep.stdout.strip() else ""
if not check(icd25 != "", f"Mesa 25's lavapipe from bookworm-backports (tools/lib/mesa-backports.sh, exit {prep.returncode})"):
    print(prep.stderr.decode(errors="replace")[-2000:])
    finish()
lib25 = os.path.join(os.path.dirname(icd25), "lib")
icd22 = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"
lvp22 = "/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so"
layer = "/usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so"
layer_json = "/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json"
loader = "/usr/lib/x86_64-linux-gnu/libvulkan.so.1"
for f in (icd22, lvp22, layer, layer_json, loader):
    if not check(os.path.exists(f), f"{f} is installed (tools/lib/setup.sh)"):
        finish()

ipcline = os.path.join(tmp, "ipcline")
subprocess.run(["cc", "-O2", "-o", ipcline, os.path.join(root, "tools", "kmsvm", "ipcline.c")], check=True)

GUEST = f"""#!/bin/sh
I={ipcline}
shot() {{  # shot NAME: the IPC screenshot, kept as /out/NAME.png
  f=$($I $S '{{"command":["screenshot"]}}' | sed -n 's/.*"data": "\\([^"]*\\)".*/\\1/p')
  [ -n "$f" ] && cp "$f" /out/$1.png
}}
run() {{  # run NAME VALIDATION ICD [LIBDIR]
  S=/tmp/$1.sock
  echo "$1 start $(cut -d' ' -f1 /proc/uptime)" >> /out/times.txt
  env VK_ICD_FILENAMES=$3 LD_LIBRARY_PATH=$4${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}} QV_VK_VALIDATION=$2 \\
    QV_TEST_HWDEC_PRIME=/dev/dri/card0 {qv} {CLIP} --display=vulkan --vk-surface=headless --hwdec=h264 --pause \\
    --start-frame=5 --no-audio -v --stats --input-ipc=$S --screenshot-dir=/tmp > /out/$1.out 2> /out/$1.err & P=$!
  i=0; while [ $i -lt 1200 ]; do $I $S '{{"command":["get","presented"]}}' 2>/dev/null | grep -q '"data": *[1-9]' && break; sleep 0.1; i=$((i+1)); done
  echo "$1 shown $(cut -d' ' -f1 /proc/uptime)" >> /out/times.txt
  shot $1-5
  $I $S '{{"command":["frame-step"]}}' > /out/$1-step.txt; shot $1-6
  $I $S '{{"command":["frame-back-step"]}}' > /out/$1-back.txt; shot $1-back5
  $I $S '{{"command":["quit"]}}' > /dev/null
  wait $P; echo $? > /out/$1.rc
  echo "$1 end $(cut -d' ' -f1 /proc/uptime)" >> /out/times.txt
}}
ls /sys/class/drm > /out/cards.txt
run bpo 1 {icd25} {lib25}
run deb 0 {icd22}
exit 0
"""
guest = os.path.join(tmp, "guest.sh")
with open(guest, "w") as f:
    f.write(GUEST)
os.chmod(guest, 0o755)
files = [qv, CLIP, ipcline, icd25, os.path.join(lib25, "libvulkan_lvp.so"), os.path.join(lib25, "libdrm.so.2"),
         icd22, lvp22, layer, layer_json, loader]
p = subprocess.run(["bash", KMSVM, "-m", "vgem", "-g", "none", "--mem", "2048", "--guest-out", "-q", "--timeout", "420",
                    "-o", os.path.join(tmp, "out"), *[a for f in files for a in ("-f", f)], guest],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=480)
if p.returncode != 0:
    print(p.stderr.decode(errors="replace")[-2000:])
check(p.returncode == 0, f"the VM ran the checks (exit {p.returncode})")
check("card0" in read("cards.txt").split(), f"vgem is /dev/dri/card0 in the VM ({read('cards.txt').split()})")

refs = {n: reference(n) for n in (5, 6)}
shots = {}
for name, driver in (("bpo", "Mesa 25"), ("deb", "Mesa 22.3")):
    err = read(name + ".err")
    bad = [l for l in err.splitlines() if re.search(r"validation (error|warning)|validation layer reported", l)]
    # The validation layer on the dma-buf path (Mesa 25); Debian's Mesa
    # takes the upload path, checked with it by the vulkan suite.
    check(read(name + ".rc") == "0" and driver in err and not bad and (name == "deb" or "validation on" in err),
          f"{driver}: paused on frame 5, a step forward and one back, quit: exit {read(name + '.rc')}"
          f"{', validation on: nothing from it ' + str(bad[:2]) if name == 'bpo' else ''}")
    kept = re.search(r"decoder: h264 \(hwdec h264\), hardware frames \d+, kept on the GPU (\d+)", err)
    kept = int(kept.group(1)) if kept else -1
    for n in ("5", "6", "back5"):
        shots[name + n] = png_rgb(os.path.join(tmp, "out", "guest", f"{name}-{n}.png"))
    w5, w6 = worst(shots[name + "5"], refs[5]), worst(shots[name + "6"], refs[6])
    check(w5 <= 3 and w6 <= 3 and worst(shots[name + "6"], refs[5]) > 3,
          f"{driver}: frames 5 and 6 read back against zimg's (max {w5}, {w6}; frame 6 against 5: "
          f"{worst(shots[name + '6'], refs[5])})")
    check('"ordinal": 6' in read(name + "-step.txt") and '"ordinal": 5' in read(name + "-back.txt")
          and shots[name + "back5"] == shots[name + "5"] and shots[name + "5"] != b"",
          f"{driver}: the step back shows frame 5 again, the identical picture "
          f"(max {worst(shots[name + 'back5'], shots[name + '5'])})")
    if name == "bpo":
        imported = re.search(r"vulkan: PRIME frames: (\d+) surfaces imported", err)
        check("imports dma-bufs (copied on the GPU" in err and kept >= 2
              and "PRIME frames (320x240) from the decoder's dma-bufs, one copy on the GPU" in err
              and imported is not None and int(imported.group(1)) >= 2,
              f"{driver}: the decoder's frames kept as dma-bufs ({kept}), frames 5 and 6 shown from them: "
              f"{imported.group(1) if imported else None} surfaces imported, one GPU copy each "
              f"({[l[4:] for l in err.splitlines() if 'PRIME' in l or 'dma-buf' in l][:3]})")
    else:
        check("imports dma-bufs" not in err and kept == 0 and "PRIME frames" not in err,
              f"{driver}: no dma-buf import: the decoder downloads every frame (kept on the GPU {kept})")
check(shots["deb5"] == shots["bpo5"] or worst(shots["deb5"], shots["bpo5"]) <= 2,
      f"frame 5 from the decoder's dma-bufs (Mesa 25) and downloaded (Mesa 22.3): the same picture "
      f"(max {worst(shots['deb5'], shots['bpo5'])})")
finish()
