#!/usr/bin/env python3
"""Golden test: `qv play --display=hash` must print exactly what
`ffmpeg -noautorotate -i F -map 0:v:0 -f framemd5 -` prints, for every frame.

-noautorotate: the hash display hashes the decoded picture in its source
orientation and pixel format (what the decoder produced); ffmpeg would
otherwise rotate rotated files before hashing.

usage: framemd5_test.py QV FFMPEG FILE...   |   QV FFMPEG --dir DIR
Files ffmpeg itself cannot decode (broken-*) are checked to fail in qv too.
"""
import os
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=280)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def check(qv, ffmpeg, path):
    if not os.path.isfile(path):   # else "refused by both" below would pass it
        print(f"FAIL {os.path.basename(path)}: no such file (the clip was not made)")
        return False
    frc, ref, ferr = run([ffmpeg, "-nostdin", "-v", "error", "-threads", "0", "-noautorotate", "-i", path,
                          "-map", "0:v:0", "-f", "framemd5", "-"])
    qrc, out, qerr = run([qv, "play", path, "--display=hash", "--no-sync", "--no-audio"])
    name = os.path.basename(path)
    ref_frames = [l for l in ref.splitlines() if l and not l.startswith("#")]
    if frc != 0 or not ref_frames:
        # ffmpeg cannot decode it: qv must refuse it with one line and an error code.
        lines = [l for l in qerr.splitlines() if l.strip()]
        if qrc == 0 or len(lines) != 1 or name not in lines[0]:
            print(f"FAIL {name}: ffmpeg refuses it, qv rc={qrc} stderr={qerr!r}")
            return False
        print(f"ok   {name}: refused by both ({lines[0]})")
        return True
    if qrc != 0:
        print(f"FAIL {name}: qv exit {qrc}: {qerr.strip()}")
        return False
    got_frames = [l for l in out.splitlines() if l and not l.startswith("#")]
    md5 = lambda rows: [r.split(",")[-1].strip() for r in rows]
    if len(got_frames) != len(ref_frames):
        print(f"FAIL {name}: {len(got_frames)} frames, ffmpeg {len(ref_frames)}")
        return False
    bad = [i for i, (a, b) in enumerate(zip(md5(got_frames), md5(ref_frames))) if a != b]
    if bad:
        print(f"FAIL {name}: md5 differs at frames {bad[:10]} ({len(bad)} in all)")
        return False
    if out != ref:
        # Allowed: the whole stream shifted by one constant (ffmpeg's CLI
        # rebases MPEG-TS timestamps on its own start; see README).
        ts = lambda rows: [(int(r.split(",")[1]), int(r.split(",")[2])) for r in rows]
        shifts = {(a[0] - b[0], a[1] - b[1]) for a, b in zip(ts(got_frames), ts(ref_frames))}
        rest = lambda rows: [r.split(",")[3:] for r in rows]
        headers_same = [l for l in out.splitlines() if l.startswith("#")] == \
                       [l for l in ref.splitlines() if l.startswith("#")]
        if len(shifts) != 1 or rest(got_frames) != rest(ref_frames) or not headers_same:
            diff = [(a, b) for a, b in zip(out.splitlines(), ref.splitlines()) if a != b]
            print(f"FAIL {name}: md5 match, other columns differ, first: {diff[:2]}")
            return False
        print(f"ok   {name}: {len(ref_frames)} frames identical but for a constant timestamp shift {shifts}")
        return True
    print(f"ok   {name}: {len(ref_frames)} frames identical")
    return True


def main():
    qv, ffmpeg = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    if rest and rest[0] == "--dir":
        d = rest[1]
        files = sorted(os.path.join(d, f) for f in os.listdir(d)
                       if not f.endswith((".md", ".tsv", ".txt")))
    else:
        files = rest
    if not files:
        print("no files to check")
        return 1
    ok = all([check(qv, ffmpeg, f) for f in files])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
