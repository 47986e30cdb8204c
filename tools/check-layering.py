#!/usr/bin/env python3
"""Each C library is wrapped once, at its edge (docs/ARCHITECTURE.md):
only src/media calls FFmpeg (av*, sws_*, swr_*), only the kms back-end calls
libdrm (drm*), only the sdl back-end calls SDL (SDL_*). Comments and string
literals do not count. usage: check-layering.py SRCROOT [STAMP]
Prints each call out of place and exits 1; writes STAMP when all is well
(the build runs it, so a call out of place fails the build)."""
import os
import re
import sys

RULES = [
    ("FFmpeg", re.compile(r"\b(?:av|avcodec|avformat|avio|avdevice|avfilter|sws|swr)_[a-z0-9_]+\s*\("),
     ("src/media/", "include/qv/media/ffcompat.h", "include/qv/media/ts_math.h")),
    ("libdrm", re.compile(r"\bdrm[A-Z][A-Za-z0-9]*\s*\("), ("src/display/kms/",)),
    ("SDL", re.compile(r"\bSDL_[A-Za-z0-9_]+\s*\("), ("src/display/sdl/",)),
]
STRIP = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def violations(root):
    out = []
    for top in ("src", "include"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith((".cpp", ".h", ".hpp", ".cc")):
                    continue
                path = os.path.join(d, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                text = open(path, encoding="utf-8", errors="replace").read()
                code = STRIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
                for lib, pat, allowed in RULES:
                    if rel.startswith(allowed):
                        continue
                    for m in pat.finditer(code):
                        line = code.count("\n", 0, m.start()) + 1
                        out.append(f"{rel}:{line}: {lib} called outside its wrapper: {m.group(0).strip()}")
    return out


if __name__ == "__main__":
    bad = violations(sys.argv[1])
    for b in bad:
        print(b, file=sys.stderr)
    if bad:
        sys.exit(1)
    if len(sys.argv) > 2:
        open(sys.argv[2], "w").write("ok\n")
