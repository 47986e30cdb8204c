#!/usr/bin/env python3
"""The cross-built arm64 qv on a screen, the closest this machine gets to a
board: Debian's arm64 kernel boots in qemu-system-aarch64 (the virt machine,
virtio-gpu, TCG) through tools/kmsvm (--arch arm64), with the cross-built
qv and its arm64 libraries. In one boot: the arm64 .deb (tools/package)
installs with dpkg -i, its Depends checked against the arm64 library
packages present; the installed /usr/bin/qv plays the demo in blocks, and
shows a paused known frame through KMS, which the host compares with
ffmpeg's decode of it. Env: QV (build-aarch64/qv), QV_DEB (the arm64
package), FFMPEG; tools/cross/arm64-vm.sh fetches the kernel."""
import os
import re
import subprocess
import tempfile
import time

from common import FFMPEG, QV, check, finish
from screen import expected, matches, rgb

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KMSVM = os.path.join(root, "tools", "kmsvm", "kmsvm.sh")
SW, SH = 1024, 768
PIC = (0, 96, 1024, 576)           # 640x360 letterboxed into 1024x768
tmp = tempfile.mkdtemp(prefix="qv-arm64-")
qv = os.path.abspath(QV)
deb = os.environ.get("QV_DEB", "")

vm = subprocess.run(["bash", os.path.join(root, "tools", "cross", "arm64-vm.sh")],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
if not check(vm.returncode == 0, "Debian's arm64 kernel, busybox and dpkg are at hand (tools/cross/arm64-vm.sh)"):
    print(vm.stderr.decode(errors="replace")[-1500:])
    finish()
cache = vm.stdout.decode().strip()
check(os.path.exists(deb), f"the arm64 package is there ({deb or 'QV_DEB unset'})")

bars = os.path.join(tmp, "bars.mp4")
subprocess.run([FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "smptehdbars=s=640x360:r=25:d=2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", bars], check=True)

# dpkg's view of the arm64 libraries in the VM: the host's records of the
# packages the .deb depends on and everything they depend on (their files
# that qv loads come with its library closure), as a board has them.


def stanza(name):
    for q in (name + ":arm64", name):
        p = subprocess.run(["dpkg-query", "-s", q], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        text = p.stdout.decode()
        if p.returncode != 0 or "Status: install ok installed" not in text:
            continue
        if re.search(r"^Architecture: (arm64|all)$", text, re.M):
            return text.rstrip("\n")
        # Multi-Arch: foreign (fontconfig-config and the like): the host's
        # amd64 copy serves arm64 here; a board has its arm64 build.
        if re.search(r"^Multi-Arch: foreign$", text, re.M):
            return re.sub(r"^Architecture: .*$", "Architecture: arm64", text, flags=re.M).rstrip("\n")
    return None


def depends(text):
    """The first installed alternative of each Depends / Pre-Depends entry."""
    out = []
    for field in re.findall(r"^(?:Pre-)?Depends: (.*)$", text, re.M):
        for entry in field.split(","):
            for alt in entry.split("|"):
                out.append(alt.split()[0].split(":")[0])
                break
    return out


# Virtual packages (lsb-base is provided by sysvinit-utils): who provides them.
providers = {}
for line in subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Provides}\n"],
                           stdout=subprocess.PIPE).stdout.decode().splitlines():
    pkg, _, prov = line.partition("\t")
    for v in prov.split(","):
        if v.strip():
            providers.setdefault(v.split()[0], pkg)
records, todo = {}, []
if os.path.exists(deb):
    todo = depends("Depends: " + subprocess.run(["dpkg-deb", "-f", deb, "Depends"],
                                               stdout=subprocess.PIPE).stdout.decode().strip())
while todo:
    n = todo.pop()
    if n in records:
        continue
    records[n] = stanza(n)
    if not records[n] and n in providers and providers[n] not in records:
        todo.append(providers[n])
    if records[n]:
        todo += depends(records[n])
status = os.path.join(tmp, "status")
with open(status, "w") as f:
    f.write("\n\n".join(r for r in records.values() if r) + "\n")

GUEST = f"""#!/bin/sh
uname -m > /out/uname.txt
mkdir -p /var/lib/dpkg/info /var/lib/dpkg/updates /var/lib/dpkg/triggers /etc/dpkg
cp /kmsvm-dpkg/status /var/lib/dpkg/status; touch /var/lib/dpkg/available
printf '#!/bin/sh\\nexit 0\\n' > /usr/sbin/ldconfig; chmod +x /usr/sbin/ldconfig
dpkg -i /kmsvm-dpkg/qv.deb > /out/dpkg.log 2>&1; echo $? > /out/dpkg.rc
ls /usr/bin/qv /usr/share/man/man1/qv.1.gz /usr/share/bash-completion/completions/qv > /out/files.txt 2>&1
Q=/usr/bin/qv
[ -x $Q ] || Q={qv}
$Q --version > /out/version.txt 2>&1
$Q --display=blocks --size=80x24 --frames=5 --no-audio > /out/blocks.out 2>/out/blocks.err; echo $? > /out/blocks.rc
$Q {bars} --display=kms --pause --no-audio --frame-log=/tmp/f1 -v 2>/out/kms.err < /dev/tty1 & P=$!
i=0
while [ $i -lt 600 ] && kill -0 $P 2>/dev/null && ! grep -q presented /tmp/f1 2>/dev/null; do sleep 0.1; i=$((i+1)); done
sleep 0.5
kmsvm-snap kms-paused
kill -TERM $P; wait $P; echo $? > /out/kms.rc
exit 0
"""
guest = os.path.join(tmp, "guest.sh")
with open(guest, "w") as f:
    f.write(GUEST)
os.chmod(guest, 0o755)

out = os.path.join(tmp, "vm")
files = ["-f", bars, "-f", qv, "-f", f"{status}:/kmsvm-dpkg/status"]
if os.path.exists(deb):
    files += ["-f", f"{deb}:/kmsvm-dpkg/qv.deb"]
for b in ("dpkg", "dpkg-deb", "dpkg-split"):
    files += ["-f", f"{cache}/root/usr/bin/{b}:/usr/bin/{b}"]
t0 = time.monotonic()
p = subprocess.run(["bash", KMSVM, "--arch", "arm64", "-k", os.path.join(cache, "vmlinuz"),
                    "--modules", os.path.realpath(os.path.join(cache, "modules")),
                    "-g", "virtio", "-r", f"{SW}x{SH}", "--mem", "1024", "--guest-out", "-q", "--vt",
                    "--timeout", "420", "-o", out, *files, guest],
                   env=dict(os.environ, KMSVM_BUSYBOX=os.path.join(cache, "root", "bin", "busybox")),
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=480)
secs = time.monotonic() - t0
timing = open(os.path.join(out, "timing.txt")).read().split() if os.path.exists(os.path.join(out, "timing.txt")) else []
print(f"arm64 VM (TCG): {secs:.1f} s in all; {' '.join(timing)}")
if p.returncode != 0:
    print(p.stderr.decode(errors="replace")[-2000:])
    if os.path.exists(os.path.join(out, "console.log")):
        print(open(os.path.join(out, "console.log"), errors="replace").read()[-2000:])
check(p.returncode == 0, f"the arm64 VM ran the checks (exit {p.returncode})")


def read(name):
    path = os.path.join(out, "guest", name)
    return open(path, errors="replace").read().strip() if os.path.exists(path) else ""


check(read("uname.txt") == "aarch64", f"the guest is aarch64 ({read('uname.txt')!r})")
check(read("dpkg.rc") == "0", f"dpkg -i installs the arm64 package ({read('dpkg.log').splitlines()[-3:]})")
check(len(read("files.txt").splitlines()) == 3 and "No such" not in read("files.txt"),
      f"qv, its man page and its bash completion are in place ({read('files.txt').splitlines()})")
check(read("version.txt").startswith("qv "), f"/usr/bin/qv --version: {read('version.txt')!r}")
blocks = open(os.path.join(out, "guest", "blocks.out"), "rb").read() if os.path.exists(
    os.path.join(out, "guest", "blocks.out")) else b""
check(read("blocks.rc") == "0" and "\u2580".encode() in blocks,
      f"the installed qv plays the demo in blocks (exit {read('blocks.rc')}, {len(blocks)} bytes)")
img = rgb(os.path.join(out, "kms-paused.png"))
score = matches(img, expected(FFMPEG, bars, PIC[2], PIC[3]), PIC, SW) if img else 0
check(score >= 0.95, f"arm64 kms on virtio-gpu: {score:.0%} of the paused frame matches ffmpeg's decode "
      f"({[l for l in read('kms.err').splitlines() if 'CRTC' in l or 'modesetting' in l][:2]})")
check(read("kms.rc") == "143", f"kms: SIGTERM exit {read('kms.rc')}")
finish()
