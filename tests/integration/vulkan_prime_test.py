#!/usr/bin/env python3
"""A hardware decoder's dma-bufs into the vulkan display, on a real kernel:
tools/kmsvm boots Debian unstable's 7.2 kernel (tools/kmsvm/prepare-sid.sh,
as kms_test) in a QEMU VM with vgem loaded (a DRM device whose buffers are
dma-bufs, as a decoder's are) and udmabuf (built in: lavapipe offers
VK_EXT_image_drm_format_modifier only where /dev/udmabuf exists), and qv
runs inside on Mesa's lavapipe, headless.

FFmpeg's h264, named as the hardware decoder, stands in for one that hands
out dma-bufs (QV_TEST_HWDEC_PRIME=/dev/dri/card0: each frame copied into a
vgem buffer from a pool reused like a decoder's surfaces, handed on as a
DRM PRIME frame). The decoder keeps those frames (no download) because the
vulkan display says it imports dma-bufs. Checked through the IPC, paused on
frame 5, a step to 6, one back (frame 5 again, decoded in software for
the step cache: it holds no decoder surface) and one forward again (from an
upload back to the dma-bufs), each read back:

  - Mesa 25 (bookworm-backports), validation layer on: the surfaces
    imported as images over the dma-bufs and sampled in place (filtered in
    the shader: against zimg's bicubic);
  - the same with QV_VK_NO_MODIFIERS=1: imported as buffers, copied into
    the plane images on the GPU (against zimg's bilinear; the step back the
    identical picture);
  - Debian 12's Mesa 22.3 (no dma-buf import): the decoder downloads every
    frame; the pictures identical to the GPU-copy run's;
  - Mesa 25 again with frames that claim a tiling (QV_TEST_HWDEC_PRIME_MODIFIER,
    Intel's X tiling): as images (lavapipe cannot import it) and with
    QV_VK_NO_MODIFIERS=1 (a copy needs linear ones): the display refuses the
    first frame with one line, qv decodes it again and the decoder
    downloads from then on: the pictures identical to the download run's."""
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


def reference(frame, flt="bilinear"):
    """zimg's RGB of frame N (the same matrix, range and chroma siting)."""
    vf = (f"select=eq(n\\,{frame}),zscale=w={W}:h={H}:filter={flt}:matrixin=470bg:rangein=limited:"
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

# Debian unstable's 7.2 kernel (tools/kmsvm/prepare-sid.sh, as kms_test):
# its vgem, and udmabuf built in (lavapipe offers
# VK_EXT_image_drm_format_modifier only where /dev/udmabuf exists).
prep = subprocess.run(["bash", os.path.join(root, "tools", "kmsvm", "prepare-sid.sh")], stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, timeout=1500)
env72 = {}
envfile = os.path.join(os.environ.get("QV_KMSVM_CACHE", "/var/cache/qv/kmsvm"), "7.2.13+deb14-amd64", "env")
for line in prep.stdout.decode(errors="replace").splitlines() + (
        open(envfile).read().splitlines() if prep.returncode == 0 and os.path.exists(envfile) else []):
    if line.startswith("KMSVM_") and "=" in line:
        k, v = line.split("=", 1)
        env72[k] = v
if not check(prep.returncode == 0 and "KMSVM_KERNEL" in env72,
             f"Debian unstable's 7.2 kernel (tools/kmsvm/prepare-sid.sh, exit {prep.returncode})"):
    print(prep.stdout.decode(errors="replace")[-2000:])
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
    QV_VK_NO_MODIFIERS=$QV_VK_NO_MODIFIERS QV_TEST_HWDEC_PRIME_MODIFIER=$QV_TEST_HWDEC_PRIME_MODIFIER \\
    QV_TEST_HWDEC_PRIME=/dev/dri/card0 {qv} {CLIP} --display=vulkan --vk-surface=headless --hwdec=h264 --pause \\
    --start-frame=5 --no-audio -v --stats --input-ipc=$S --screenshot-dir=/tmp > /out/$1.out 2> /out/$1.err & P=$!
  i=0; while [ $i -lt 600 ] && kill -0 $P 2>/dev/null; do $I $S '{{"command":["get","presented"]}}' 2>/dev/null | grep -q '"data": *[1-9]' && break; sleep 0.1; i=$((i+1)); done
  echo "$1 shown $(cut -d' ' -f1 /proc/uptime)" >> /out/times.txt
  if ! kill -0 $P 2>/dev/null; then wait $P; echo $? > /out/$1.rc; return; fi
  shot $1-5
  $I $S '{{"command":["frame-step"]}}' > /out/$1-step.txt; shot $1-6
  $I $S '{{"command":["frame-back-step"]}}' > /out/$1-back.txt; shot $1-back5
  $I $S '{{"command":["frame-step"]}}' > /out/$1-fwd.txt; shot $1-fwd6
  $I $S '{{"command":["quit"]}}' > /dev/null
  wait $P; echo $? > /out/$1.rc
  echo "$1 end $(cut -d' ' -f1 /proc/uptime)" >> /out/times.txt
}}
ls /sys/class/drm > /out/cards.txt
ls /dev/udmabuf > /out/udmabuf.txt 2>&1
run img 1 {icd25} {lib25}
QV_VK_NO_MODIFIERS=1 run copy 1 {icd25} {lib25}
run deb 0 {icd22}
QV_TEST_HWDEC_PRIME_MODIFIER=0x0100000000000001 run tiled 1 {icd25} {lib25}
QV_TEST_HWDEC_PRIME_MODIFIER=0x0100000000000001 QV_VK_NO_MODIFIERS=1 run tiledcopy 1 {icd25} {lib25}
exit 0
"""
guest = os.path.join(tmp, "guest.sh")
with open(guest, "w") as f:
    f.write(GUEST)
os.chmod(guest, 0o755)
files = [qv, CLIP, ipcline, icd25, os.path.join(lib25, "libvulkan_lvp.so"), os.path.join(lib25, "libdrm.so.2"),
         icd22, lvp22, layer, layer_json, loader]
p = subprocess.run(["bash", KMSVM, "-k", env72["KMSVM_KERNEL"], "--modules", env72["KMSVM_MODULES"], "-m", "vgem", "-g", "none", "--mem", "2048", "--guest-out", "-q", "--timeout", "420",
                    "-o", os.path.join(tmp, "out"), *[a for f in files for a in ("-f", f)], guest],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=480)
if p.returncode != 0:
    print(p.stderr.decode(errors="replace")[-2000:])
check(p.returncode == 0, f"the VM ran the checks (exit {p.returncode})")
check("card0" in read("cards.txt").split(), f"vgem is /dev/dri/card0 in the VM ({read('cards.txt').split()})")

refs = {n: reference(n) for n in (5, 6)}
# Images over the dma-bufs are filtered in the shader (Catmull-Rom: the
# chroma upsampled as zimg's bicubic b=0 c=0.5); uploads by the sampler.
cubic = {n: reference(n, "bicubic:param_a=0:param_b=0.5") for n in (5, 6)}
shots = {}
RUNS = (("img", "Mesa 25, images over the dma-bufs"), ("copy", "Mesa 25, QV_VK_NO_MODIFIERS=1"),
        ("deb", "Mesa 22.3"), ("tiled", "Mesa 25, frames in a tiling lavapipe cannot import"),
        ("tiledcopy", "Mesa 25, QV_VK_NO_MODIFIERS=1, tiled frames (no linear copy)"))
check(read("udmabuf.txt") == "/dev/udmabuf", f"the 7.2 kernel has udmabuf ({read('udmabuf.txt')!r})")
for name, what in RUNS:
    err = read(name + ".err")
    driver = "Mesa 22.3" if name == "deb" else "Mesa 25"
    bad = [l for l in err.splitlines() if re.search(r"validation (error|warning)|validation layer reported", l)]
    # The validation layer on the dma-buf paths (Mesa 25); Debian's Mesa
    # takes the upload path, checked with it by the vulkan suite.
    if not check(read(name + ".rc") == "0" and driver in err and not bad and (name == "deb" or "validation on" in err),
                 f"{what}: paused on frame 5, a step forward and one back, quit: exit {read(name + '.rc')}"
                 f"{'' if name == 'deb' else ', validation on: nothing from it ' + str(bad[:2])}"):
        # What qv said, and when the run started and showed (VM uptime).
        print(f"--- {name}: the last lines qv wrote ---\n" + "\n".join(err.splitlines()[-15:]))
        print(f"--- times ---\n{read('times.txt')}")
    kept = re.search(r"decoder: h264 \(hwdec h264\), hardware frames \d+, kept on the GPU (\d+)", err)
    kept = int(kept.group(1)) if kept else -1
    for n in ("5", "6", "back5", "fwd6"):
        shots[name + n] = png_rgb(os.path.join(tmp, "out", "guest", f"{name}-{n}.png"))
    ref = cubic if name == "img" else refs
    w5, w6 = worst(shots[name + "5"], ref[5]), worst(shots[name + "6"], ref[6])
    check(w5 <= 3 and w6 <= 3 and worst(shots[name + "6"], ref[5]) > 3,
          f"{what}: frames 5 and 6 read back against zimg's{' bicubic' if name == 'img' else ''} (max {w5}, {w6}; "
          f"frame 6 against 5: {worst(shots[name + '6'], ref[5])})")
    # The step back: frame 5 decoded in software for the step cache, uploaded.
    wb = worst(shots[name + "back5"], refs[5])
    check('"ordinal": 6' in read(name + "-step.txt") and '"ordinal": 5' in read(name + "-back.txt") and wb <= 3
          and (name == "img" or shots[name + "back5"] == shots[name + "5"]),
          f"{what}: the step back shows frame 5 again (uploaded, against zimg's: max {wb}"
          f"{'' if name == 'img' else '; the identical picture'})")
    # Forward again from the uploaded frame 5: frame 6, from the step cache
    # (uploaded) or the decoder (its dma-buf again, where kept): the display
    # goes from an upload back to the dma-bufs.
    wf = min(worst(shots[name + "fwd6"], refs[6]), worst(shots[name + "fwd6"], cubic[6]))
    check('"ordinal": 6' in read(name + "-fwd.txt") and wf <= 3,
          f"{what}: a step forward after the step back shows frame 6 (against zimg's: max {wf})")
    said = [l[4:] for l in err.splitlines() if "PRIME" in l or "dma-buf" in l][:3]
    if name == "deb":
        check("imports dma-bufs" not in err and kept == 0 and "PRIME frames" not in err,
              f"{what}: no dma-buf import: the decoder downloads every frame (kept on the GPU {kept})")
        continue
    if name.startswith("tiled"):
        # Refused at the first frame: said once, that frame decoded again
        # (paused: an exact seek to it) and every frame downloaded after.
        why = "cannot import plane 0" if name == "tiled" else "copies only linear dma-bufs"
        lines = [l[4:] for l in err.splitlines() if "cannot stay on the GPU" in l]
        check(len(lines) == 1 and why in lines[0] and "refused the decoder's dma-bufs" in err and kept >= 1
              and "from the decoder's dma-bufs, " not in err,
              f"{what}: one line says the frames cannot stay on the GPU and why ({lines[:1]}), then they come "
              f"downloaded (kept on the GPU before the refusal: {kept})")
        continue
    imported = re.search(r"vulkan: PRIME frames: (\d+) surfaces imported", err)
    how = ("imports dma-bufs (sampled in place)", "sampled in place, no copy") if name == "img" else \
          ("imports dma-bufs (copied on the GPU", "one copy on the GPU, none on the CPU")
    check(how[0] in err and kept >= 2 and "PRIME frames (320x240) from the decoder's dma-bufs, " + how[1] in err
          and imported is not None and int(imported.group(1)) >= 2,
          f"{what}: the decoder's frames kept as dma-bufs ({kept}), frames 5 and 6 shown from them, "
          f"{how[1]}: {imported.group(1) if imported else None} surfaces imported ({said})")
for name in ("tiled", "tiledcopy"):
    check(all(shots[name + n] == shots["deb" + n] and shots[name + n] != b"" for n in ("5", "6", "back5")),
          f"{name}: the refused frames downloaded: the pictures of the download run "
          f"(max {[worst(shots[name + n], shots['deb' + n]) for n in ('5', '6', 'back5')]})")
check(shots["copy5"] == shots["deb5"] and shots["copy6"] == shots["deb6"] and shots["copy5"] != b"",
      f"frames 5 and 6 copied on the GPU from the dma-bufs and downloaded: the same pictures "
      f"(max {worst(shots['copy5'], shots['deb5'])}, {worst(shots['copy6'], shots['deb6'])})")
finish()
