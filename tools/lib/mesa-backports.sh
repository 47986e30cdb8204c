#!/usr/bin/env bash
# tools/lib/mesa-backports.sh DIR: Mesa's lavapipe from bookworm-backports
# (Mesa 25: sampler YCbCr conversion and NV12, Vulkan 1.4) unpacked into DIR,
# beside Debian 12's own Mesa 22.3 (nothing installed, the system's apt
# sources untouched: a private apt configuration under DIR that adds
# bookworm-backports from Debian's mirror). Prints DIR's ICD file; the
# tests run with VK_ICD_FILENAMES=that and LD_LIBRARY_PATH=DIR/lib (its own
# libdrm). Cached: a second run downloads nothing.
set -euo pipefail
dir=$1
mirror=${QV_DEBIAN_MIRROR:-http://deb.debian.org/debian}
icd=$dir/lvp_icd.json
if [[ -f $icd && -f $dir/lib/libvulkan_lvp.so ]]; then echo "$icd"; exit 0; fi
arch=$(dpkg --print-architecture)
triplet=$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
mkdir -p "$dir/apt/lists/partial" "$dir/apt/archives/partial" "$dir/debs" "$dir/root"
echo "deb $mirror bookworm-backports main" > "$dir/apt/sources.list"
apt=(-o Dir::State="$dir/apt" -o Dir::State::Lists="$dir/apt/lists" -o Dir::Cache="$dir/apt"
     -o Dir::Cache::Archives="$dir/apt/archives" -o Dir::Etc::SourceList="$dir/apt/sources.list"
     -o Dir::Etc::SourceParts=/dev/null -o Dir::State::status=/var/lib/dpkg/status -o Debug::NoLocking=1
     -o APT::Sandbox::User=root -o APT::Architectures="$arch" -o Acquire::Retries=3)
apt-get "${apt[@]}" update -q >&2
bpo() { apt-cache "${apt[@]}" show "$1" 2>/dev/null | awk '/^Version:/ && /bpo12/ {print $2; exit}'; }
ver=$(bpo mesa-vulkan-drivers)
[[ -n $ver ]] || { echo "mesa-backports: bookworm-backports has no mesa-vulkan-drivers" >&2; exit 1; }
# The driver and the newer libdrm it needs (everything else: bookworm's).
drm=$(bpo libdrm2)
(cd "$dir/debs" && apt-get "${apt[@]}" download "mesa-vulkan-drivers:$arch=$ver" \
   ${drm:+"libdrm2:$arch=$drm"} >&2)
for d in "$dir"/debs/*.deb; do dpkg -x "$d" "$dir/root"; done
ln -sfn "$dir/root/usr/lib/$triplet" "$dir/lib"
cat > "$icd" <<JSON
{ "file_format_version": "1.0.0",
  "ICD": { "library_path": "$dir/lib/libvulkan_lvp.so", "api_version": "1.3.0" } }
JSON
echo "mesa-backports: lavapipe $ver in $dir" >&2
echo "$icd"
