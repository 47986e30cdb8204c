#!/usr/bin/env python3
"""The vulkan display against the sdl display (issue 11): CPU time of the
display thread (qv-display, from /proc) per presented 1080p frame, and of
the whole process, both under Xvfb with Mesa's software drivers (vulkan on
lavapipe, sdl's OpenGL renderer on llvmpipe), and vulkan headless; lavapipe's
GPU time per frame from qv -v. Frames are presented as fast as they come
(--no-sync), counted between two samples taken after a warm-up, so start-up
(instance, window, shader compilation) is left out.

Run by tools/bench.py; alone: bench_vulkan.py QV CLIP1080P [--quick]."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid, name):
    """utime + stime of the thread called name, and of the process (s).
    Threads a driver starts from it inherit its name: the first one is it."""
    t = None
    for tid in sorted(os.listdir(f"/proc/{pid}/task"), key=int, reverse=True):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() != name:
                    continue
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            t = (int(fields[11]) + int(fields[12])) / TICK
        except OSError:
            pass
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return t, (int(fields[11]) + int(fields[12])) / TICK


def measure(qv, clip, args, env, warm, count, timeout=300):
    work = tempfile.mkdtemp(prefix="qv-benchvk-")
    sock = os.path.join(work, "ipc")
    p = subprocess.Popen([qv, clip, *args, "--no-sync", "--loop", "--no-audio", "-v", "--input-ipc=" + sock],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    f = None
    for _ in range(3000):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            f = s.makefile("rw")
            break
        except OSError:
            if p.poll() is not None:
                break
            time.sleep(0.01)
    if f is None:
        p.kill()
        return None

    def cmd(*a):
        f.write(json.dumps({"command": list(a)}) + "\n")
        f.flush()
        return json.loads(f.readline()).get("data")

    def presented_at_least(n):
        end = time.time() + timeout
        while time.time() < end:
            v = cmd("get", "presented") or 0
            if v >= n:
                return v
            time.sleep(0.05)
        return None

    try:
        n0 = presented_at_least(warm)
        c0 = thread_cpu(p.pid, "qv-display")
        n0 = cmd("get", "presented")
        n1 = presented_at_least(n0 + count)
        c1 = thread_cpu(p.pid, "qv-display")
        n1 = cmd("get", "presented")
        cmd("quit")
    except (OSError, ValueError):
        p.kill()
        return None
    err = p.communicate(timeout=60)[1].decode(errors="replace")
    if None in (n0, n1) or c0[0] is None or c1[0] is None:
        return None
    frames = n1 - n0
    gpu = re.search(r"GPU ([0-9.]+) ms per frame", err)
    return {"frames": frames, "display_ms": (c1[0] - c0[0]) * 1000 / frames,
            "process_ms": (c1[1] - c0[1]) * 1000 / frames, "gpu_ms": float(gpu.group(1)) if gpu else None,
            "err": err}


def run(qv, clip, quick=False):
    count = 60 if quick else 150
    print(f"\n## vulkan display (issue 11): CPU per presented 1080p frame, {count} frames after 20, --no-sync")
    disp = ":88"
    xv = subprocess.Popen(["Xvfb", disp, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    env = dict(os.environ, DISPLAY=disp, SDL_AUDIODRIVER="dummy")
    env.pop("QV_VK_VALIDATION", None)
    runs = [
        ("sdl window (OpenGL on llvmpipe)", ["--display=sdl", "--geometry=1920x1080+0+0"]),
        ("vulkan window (lavapipe)", ["--display=vulkan", "--geometry=1920x1080+0+0"]),
        ("vulkan headless (lavapipe)", ["--display=vulkan", "--vk-surface=headless"]),
    ]
    # bookworm-backports' lavapipe (Mesa 25) too, where tools/test fetched it.
    icd = os.environ.get("QV_MESA_BPO_ICD") or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                             "build-mesa-bpo", "lvp_icd.json")
    if os.path.exists(icd):
        runs.append(("vulkan window (lavapipe, Mesa 25)", ["--display=vulkan", "--geometry=1920x1080+0+0"],
                     {"VK_ICD_FILENAMES": icd, "LD_LIBRARY_PATH": os.path.join(os.path.dirname(icd), "lib")}))
    res = {}
    try:
        for label, args, *more in runs:
            r = measure(qv, clip, args, dict(env, **(more[0] if more else {})), 20, count)
            if r is None:
                print(f"{label:35s}: no measurement")
                continue
            res[label] = r
            gpu = f", lavapipe GPU time {r['gpu_ms']:.1f} ms/frame" if r["gpu_ms"] is not None else ""
            print(f"{label:35s}: display thread {r['display_ms']:5.2f} ms/frame, whole process "
                  f"{r['process_ms']:6.1f} ms/frame over {r['frames']} frames{gpu}")
    finally:
        xv.terminate()
    return res


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], "--quick" in sys.argv)
