#!/usr/bin/env bash
# The benchmark command: installs what it needs, builds pistream in Release,
# makes natural-video inputs (a pan across a photograph from Debian's
# plasma-workspace-wallpapers), runs every benchmark and prints a table;
# the numbers also go to bench/results.json.
#   bash bench/run.sh [--quick]       (--quick: shorter runs, no 60 s weak-link test or broker outage)
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
python3 bench/bench.py --build build-bench "$@"

# Brokers (issue 16): MQTT 3.1.1 and 5 and Redis at 1280x720 @ 30 fps, and
# mosquitto stopped for 60 s (--quick: 5 s runs, a 10 s outage), when
# scripts/setup.sh --test has installed mosquitto, redis-server and their
# Python clients; bench/brokers.json gets the numbers.
broker_args=(--seconds 10 --outage 60)
[[ " $* " == *" --quick "* ]] && broker_args=(--seconds 5 --outage 10)
if command -v mosquitto >/dev/null && command -v redis-server >/dev/null &&
    /usr/bin/python3 -c "import paho.mqtt.client, redis" 2>/dev/null; then
    /usr/bin/python3 bench/brokers.py --build build-bench "${broker_args[@]}" | tee bench/brokers.json
else
    echo "bench: brokers skipped (scripts/setup.sh --test installs mosquitto, redis-server, paho, redis-py)" >&2
fi
