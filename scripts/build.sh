#!/usr/bin/env bash
# Configures and builds pistream in build/ (tests included when asked).
#   scripts/build.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
testing=OFF
[[ "${1:-}" == "--test" ]] && testing=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING="$testing" >/dev/null
cmake --build build --parallel
