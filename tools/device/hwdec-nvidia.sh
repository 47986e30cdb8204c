#!/usr/bin/env bash
# Runs ON the NVIDIA machine (../shared/device/README.md) what
# tools/device/prepare-hwdec.sh built here: qv hwdec-probe with cuda and the
# cuvid wrappers on each clip, the hash display with --hwdec=cuda against
# software (and ffmpeg's framemd5 made here), and throughput of
# --display=null --no-sync, software against cuda. Prints a summary; sized
# for well under 10 minutes (one run of the `run` tool).
# Usage: tools/device/hwdec-nvidia.sh OUT   (OUT: what prepare-hwdec.sh made)
set -uo pipefail
out=$(realpath "${1:?usage: hwdec-nvidia.sh OUT}")
qv=$out/qv
clips=$out/clips
res=${OUT:-$out/results}
mkdir -p "$res"
export XDG_CACHE_HOME=$res/cache
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
echo "== summary"
printf '  %s\n' "${summary[@]}"
echo "verdict cache:"; cat "$XDG_CACHE_HOME/qv/hwdec-verdicts" 2>/dev/null | cut -f1,2,5,6 | sed 's/^/  /'
[[ $fail == 0 ]] && echo "hwdec-nvidia: all hash checks passed" || echo "hwdec-nvidia: FAILED checks above"
exit $fail
