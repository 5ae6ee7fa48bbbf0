#!/usr/bin/env bash
# Everything, from a fresh machine: installs what is missing, builds with the
# tests, runs every test with ctest, then runs the main job for a few seconds.
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
scripts/build.sh --test
(cd build && ctest --output-on-failure --parallel 2 --timeout 300)

echo "test: the main job (scripts/run.sh) for 3 seconds" >&2
PISTREAM_LISTEN=127.0.0.1:0 PISTREAM_RUN_SECONDS=3 scripts/run.sh --stats-interval 1 --size 640x480
