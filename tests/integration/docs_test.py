#!/usr/bin/env python3
"""The installed documentation: the man page and the bash completion that
qv-docgen writes from the option table agree with `qv --help` (every option
in both directions), the man page renders, and the completion completes
options, display names (asked of qv itself) and files in a real bash."""
import os
import re
import shutil
import subprocess
import tempfile

from common import QV, check, finish, run

MAN = os.environ["QV_MAN"]
COMPLETION = os.environ["QV_COMPLETION"]
qv = os.path.abspath(QV)

rc, helptext, _ = run([qv, "--help"])
check(rc == 0, "qv --help exits 0")
help_opts = set(re.findall(r"^\s+(?:-\w, )?--([a-z][a-z0-9-]*)", helptext, re.M))
man = open(MAN).read()
man_opts = set(re.findall(r"^(?:\\fB\\-\w\\fR, )?\\fB\\-\\-([a-z0-9\\-]+)\\fR", man, re.M))
man_opts = {o.replace("\\-", "-") for o in man_opts}
check(len(help_opts) > 20 and help_opts == man_opts,
      f"the man page lists the options of --help ({len(help_opts)}; "
      f"only in --help: {sorted(help_opts - man_opts)}, only in the man page: {sorted(man_opts - help_opts)})")
check(man.startswith(".\\\"") and "\n.TH QV 1 " in man and "\n.SH EXIT STATUS\n" in man,
      "the man page has a title, and the exit codes from exit_code.h")
if shutil.which("man"):
    p = subprocess.run(["man", "-l", MAN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
    text = re.sub(".\b", "", p.stdout.decode(errors="replace"))   # man's overstrike bold
    check(p.returncode == 0 and "--display" in text and "warning" not in p.stderr.decode(),
          f"man renders it ({p.stderr.decode()[:200]!r})")

comp = open(COMPLETION).read()
comp_opts = set(re.findall(r"--([a-z][a-z0-9-]*)", comp.split("--*) COMPREPLY")[1].split(";;")[0]))
check(comp_opts == help_opts, f"the completion offers the options of --help (missing: {sorted(help_opts - comp_opts)})")

tmp = tempfile.mkdtemp(prefix="qv-docs-")
open(os.path.join(tmp, "clip-one.mkv"), "w").close()


def complete(*words):
    """COMPREPLY of the completion for the words typed so far (the last one
    is the word being completed), in a real bash."""
    script = (f"source {COMPLETION!r}\nCOMP_WORDS=({' '.join(repr(w) for w in (qv,) + words)})\n"
              f"COMP_CWORD={len(words)}\n_qv\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    p = subprocess.run(["bash", "--norc", "-c", script], stdout=subprocess.PIPE, cwd=tmp)
    return sorted(p.stdout.decode().split())


r = complete("--disp")
check(r == ["--display"], f"--disp<TAB> -> {r}")
r = complete("--display", "=", "bl")
check(r == ["blocks"], f"--display=bl<TAB> (asked of qv --display=help) -> {r}")
r = complete("--display", "")
check("kms" in r and "null" in r and "auto" in r, f"--display <TAB> -> {r}")
r = complete("--frame-log", "cl")
check(r == ["clip-one.mkv"], f"--frame-log cl<TAB> -> files {r}")
r = complete("in")
check("info" in r, f"first word in<TAB> -> commands {r}")
r = complete("sh")
check(r == ["sheet"], f"first word sh<TAB> -> commands {r}")
check("qv sheet FILE" in helptext and "qv sheet FILE" in man.replace("\\-", "-"), "--help and the man page show qv sheet")
r = complete("hw")
check(r == ["hwdec-probe"], f"first word hw<TAB> -> the hwdec-probe command {r}")
check("\nqv hwdec\\-probe [FILE...]" in man, "the man page's synopsis has hwdec-probe")
r = complete("--hwdec", "=", "va")
check(r == ["vaapi"], f"--hwdec=va<TAB> -> {r}")
r = complete("ex")
check("export" in r, f"first word ex<TAB> -> commands {r}")
check("\\-\\-reencode\\fR[=\\fIENCODER\\fR]" in man, "the man page shows --reencode[=ENCODER] as optional")
r = complete("-")
check("-v" in r and "--help" in r, f"-<TAB> -> short and long options ({len(r)})")
shutil.rmtree(tmp)
finish()
