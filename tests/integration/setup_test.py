#!/usr/bin/env python3
"""tools/qv and tools/test share build/: whatever one left behind, the other
gets what it needs. The configure half of each, run for real on a scratch
build directory (no compiling: the target is build.ninja)."""
import json
import os
import subprocess
import tempfile

from common import check, finish

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
tmp = tempfile.mkdtemp(prefix="qv-setup-")


def sh(script, build):
    return subprocess.run(["bash", "-c", f"source '{root}/tools/lib/setup.sh'; {script}"],
                          env=dict(os.environ, QV_BUILD=build, QV_TARGET="build.ninja"),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def option(build, name):
    out = subprocess.run(["meson", "introspect", "--buildoptions", build], stdout=subprocess.PIPE, check=True).stdout
    return {o["name"]: o["value"] for o in json.loads(out)}.get(name)


def tests_of(build):
    out = subprocess.run(["meson", "introspect", "--tests", build], stdout=subprocess.PIPE, check=True).stdout
    return [t["name"] for t in json.loads(out)]


# tools/qv first (a new build/ without tests), then tools/test.
b1 = os.path.join(tmp, "b1")
r = sh(f"qv_build '{b1}' -Dtests=disabled", b1)
check(r.returncode == 0 and option(b1, "tests") == "disabled", f"tools/qv's set-up: tests off ({r.returncode})")
r = sh(f"qv_build '{b1}' -Dtests=enabled", b1)
names = tests_of(b1)
check(r.returncode == 0 and option(b1, "tests") == "enabled" and "ring" in names and "navigate_test" in names,
      f"then tools/test's: the suites are configured ({len(names)} tests)")

# tools/test first, then tools/qv (which asks for nothing on an existing
# build/): the suites stay.
b2 = os.path.join(tmp, "b2")
r = sh(f"qv_build '{b2}' -Dtests=enabled", b2)
check(r.returncode == 0 and option(b2, "tests") == "enabled", "tools/test's set-up: tests on")
r = sh(f"if [[ -f '{b2}/build.ninja' ]]; then qv_build '{b2}'; else qv_build '{b2}' -Dtests=disabled; fi", b2)
check(r.returncode == 0 and option(b2, "tests") == "enabled" and "ring" in tests_of(b2),
      "then tools/qv's: the suites are still there")
subprocess.run(["rm", "-rf", tmp])
finish()
