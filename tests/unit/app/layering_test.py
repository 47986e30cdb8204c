#!/usr/bin/env python3
"""tools/check-layering.py passes this tree and fails a tree with a call out
of place (FFmpeg from the pipeline, SDL from the kms back-end, libdrm from
the app), while comments and strings that name such calls do not count."""
import importlib.util
import os
import sys
import tempfile

root = os.environ.get("QV_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
spec = importlib.util.spec_from_file_location("layering", os.path.join(root, "tools", "check-layering.py"))
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


check(mod.violations(root) == [], f"this tree keeps every library at its edge ({mod.violations(root)[:3]})")
tmp = tempfile.mkdtemp(prefix="qv-layer-")
files = {
    "src/pipeline/bad.cpp": "void f() { av_frame_unref(x); }\n",
    "src/display/kms/bad.cpp": "void g() { SDL_Delay(1); }\n",
    "src/app/bad.cpp": "int h() { return drmModeGetResources(fd) != 0; }\n",
    "src/media/fine.cpp": "void k() { av_frame_unref(x); sws_scale(a); }\n",
    "src/pipeline/comment.cpp": "// av_frame_ref(x) in a comment\nconst char *s = \"SDL_Init(0)\";\n",
}
for rel, text in files.items():
    path = os.path.join(tmp, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(text)
found = mod.violations(tmp)
check(len(found) == 3, f"three calls out of place found ({found})")
check(any("src/pipeline/bad.cpp:1: FFmpeg" in f for f in found), "FFmpeg from the pipeline")
check(any("src/display/kms/bad.cpp:1: SDL" in f for f in found), "SDL from the kms back-end")
check(any("src/app/bad.cpp:1: libdrm" in f for f in found), "libdrm from the app")
print(f"{5 + 0 - len(fails)} of 5 checks passed")
sys.exit(1 if fails else 0)
