#!/usr/bin/env bash
# The benchmark command: installs what it needs, builds pistream in Release,
# makes natural-video inputs (a pan across a photograph from Debian's
# plasma-workspace-wallpapers), runs every benchmark and prints a table;
# the numbers also go to bench/results.json.
#   bash bench/run.sh [--quick]       (--quick: shorter runs, no 60 s weak-link test)
# The weak-link test needs root (network namespaces and tc); it is skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
packages=(ffmpeg python3 iproute2 gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
          gstreamer1.0-plugins-bad plasma-workspace-wallpapers)
missing=()
for package in "${packages[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    sudo=(); [[ $(id -u) -ne 0 ]] && sudo=(sudo)
    echo "bench: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-bench --parallel
exec python3 bench/bench.py --build build-bench "$@"
