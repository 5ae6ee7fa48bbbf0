#!/usr/bin/env bash
# Everything, from a fresh machine: installs what is missing, builds with the
# tests and runs them all; cross-builds the server and its tests for 64-bit
# Raspberry Pi OS and runs those under qemu-user; then runs the main job for a
# few seconds.
#   scripts/test.sh
#   PISTREAM_SKIP_CROSS=1 scripts/test.sh    (skip the aarch64 part)
set -euo pipefail
cd "$(dirname "$0")/.."

cross=(--cross)
[[ "${PISTREAM_SKIP_CROSS:-0}" == 1 ]] && cross=()
scripts/setup.sh --test "${cross[@]}"
scripts/build.sh --test
(cd build && ctest --output-on-failure --parallel 2 --timeout 300)

if [[ ${#cross[@]} -gt 0 && "$(dpkg --print-architecture)" != arm64 ]]; then
    echo "test: pistream-server and its tests for aarch64, run under qemu-user" >&2
    cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPISTREAM_BUILD_VIEWER=OFF -DBUILD_TESTING=ON >/dev/null
    cmake --build build-aarch64 --parallel
    (cd build-aarch64 && ctest --output-on-failure --parallel 2 --timeout 600)
fi

echo "test: the main job (scripts/run.sh) for 3 seconds" >&2
PISTREAM_LISTEN=127.0.0.1:0 PISTREAM_RUN_SECONDS=3 scripts/run.sh --stats-interval 1 --size 640x480
