#!/usr/bin/env bash
# Runs ON the NVIDIA machine (../shared/device/README.md) what
# tools/device/prepare-hwdec.sh built here: qv hwdec-probe with cuda and the
# cuvid wrappers on each clip, the hash display with --hwdec=cuda against
# software (and ffmpeg's framemd5 made here), and throughput of
# --display=null --no-sync, software against cuda, and CUDA frames into the
# vulkan display (headless, FFmpeg's Vulkan hwcontext over qv's device): the
# paused frame read back against software's. Prints a summary; sized
# for well under 10 minutes (one run of the `run` tool).
# Usage: tools/device/hwdec-nvidia.sh OUT   (OUT: what prepare-hwdec.sh made)
set -uo pipefail
out=$(realpath "${1:?usage: hwdec-nvidia.sh OUT}")
qv=$out/qv
clips=$out/clips
res=${OUT:-$out/results}
mkdir -p "$res"
export XDG_CACHE_HOME=$res/cache
export LD_LIBRARY_PATH=$out/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}   # the Vulkan loader prepare-hwdec.sh took along
echo "== machine"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | head -2
head -1 /proc/driver/nvidia/version 2>&1
"$qv" --version
fail=0
summary=()
for c in "$clips"/*.{mp4,mkv,webm}; do
  [[ -f $c ]] || continue
  name=$(basename "$c")
  case $name in
    hevc*) wrap=hevc_cuvid ;; vp9*) wrap=vp9_cuvid ;; *) wrap=h264_cuvid ;;
  esac
  echo "== $name"
  timeout 240 "$qv" hwdec-probe "$c" --hwdec=cuda,$wrap --json > "$res/$name.probe.json" 2> "$res/$name.probe.err"
  python3 - "$res/$name.probe.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["files"]:
    for x in f["decoders"]:
        print(f"  probe {x['name']:<12} {x['verdict']:<12} {x['detail']} ({x['fps']} fps, software {f['software']['fps']} fps)")
PY
  sw=$(timeout 120 "$qv" play "$c" --display=hash --no-sync --no-audio --hwdec=no 2>/dev/null | grep -v '^#')
  hw=$(timeout 120 "$qv" play "$c" --display=hash --no-sync --no-audio --hwdec=cuda --stats 2> "$res/$name.cuda.err" | grep -v '^#')
  ref=$(grep -v '^#' "$c.md5" | awk -F, '{print $NF}')
  dec=$(grep -o 'decoder: [^ ]*' "$res/$name.cuda.err" | head -1)
  if [[ -n $sw && $sw == "$hw" ]]; then same=same; else same=DIFFERENT; fi
  if [[ $(echo "$sw" | awk -F, '{print $NF}') == "$ref" ]]; then ffm=same; else ffm=DIFFERENT; fi
  line="$name: --hwdec=cuda hash display $same as software ($dec), software $ffm as ffmpeg framemd5 made here"
  echo "  $line"
  summary+=("$line")
  [[ $same == same && $ffm == same ]] || fail=1
done
echo "== throughput (--display=null --no-sync, wall time)"
for c in "$clips"/h264-1080p.mkv "$clips"/hevc-1080p.mkv; do
  [[ -f $c ]] || continue
  for hw in no cuda; do
    t0=$(date +%s.%N)
    n=$(timeout 200 "$qv" play "$c" --display=null --no-sync --no-audio --hwdec=$hw --stats 2>&1 | sed -n 's/.*frames: decoded \([0-9]*\).*/\1/p')
    t1=$(date +%s.%N)
    line="$(basename "$c") --hwdec=$hw: $n frames in $(python3 -c "print(f'{$t1-$t0:.2f} s, {${n:-0}/($t1-$t0):.0f} fps')")"
    echo "  $line"
    summary+=("$line")
  done
done
echo "== cuda into the vulkan display (headless; frame 5 paused, a step back, read back through IPC)"
shot() {  # shot CLIP HWDEC NAME: frames 5 and 4 as PNGs (qv's IPC screenshot), qv's stderr kept
  local sock=$res/ipc-$3 dir=$res/shots-$3
  mkdir -p "$dir"
  timeout 120 "$qv" play "$1" --display=vulkan --vk-surface=headless --pause --start-frame=5 --no-audio -v \
    --hwdec="$2" --input-ipc="$sock" --screenshot-dir="$dir" 2> "$res/$3.err" &
  local pid=$!
  python3 - "$sock" "$dir" <<'PY'
import json, os, socket, sys, time
sock, d = sys.argv[1], sys.argv[2]
for _ in range(1500):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sock); break
    except OSError:
        time.sleep(0.02)
f = s.makefile("rw")
def cmd(*a):
    f.write(json.dumps({"command": list(a)}) + "\n"); f.flush(); return json.loads(f.readline())
for _ in range(1500):
    if cmd("get", "presented").get("data"): break
    time.sleep(0.02)
for n, step in (("5", None), ("4", "frame-back-step")):
    if step: cmd(step)
    r = cmd("screenshot")
    if r.get("error") == "success": os.replace(r["data"], os.path.join(d, n + ".png"))
cmd("quit")
PY
  wait $pid
}
for c in "$clips"/h264-bframes.mp4 "$clips"/hevc-10bit.mkv "$clips"/h264-1080p.mkv; do
  [[ -f $c ]] || continue
  name=$(basename "$c")
  shot "$c" no "$name-sw"; shot "$c" cuda "$name-cuda"
  path=$(grep -o "cuda frames .* through FFmpeg's Vulkan hwcontext[^,]*" "$res/$name-cuda.err" | head -1)
  same=DIFFERENT
  [[ -s $res/shots-$name-sw/5.png ]] && cmp -s "$res/shots-$name-sw/5.png" "$res/shots-$name-cuda/5.png" &&
    cmp -s "$res/shots-$name-sw/4.png" "$res/shots-$name-cuda/4.png" && same=identical
  line="$name: vulkan display, --hwdec=cuda frames 5 and 4 $same to software's (${path:-NOT through the bridge: $(grep -m1 -E 'cannot stay|warning' "$res/$name-cuda.err")})"
  echo "  $line"
  summary+=("$line")
  [[ $same == identical && -n $path ]] || fail=1
done
echo "== summary"
printf '  %s\n' "${summary[@]}"
echo "verdict cache:"; cat "$XDG_CACHE_HOME/qv/hwdec-verdicts" 2>/dev/null | cut -f1,2,5,6 | sed 's/^/  /'
[[ $fail == 0 ]] && echo "hwdec-nvidia: all hash checks passed" || echo "hwdec-nvidia: FAILED checks above"
exit $fail
