#!/usr/bin/env bash
# Everything, from a fresh machine: installs what is missing, builds with the
# tests and runs them all; cross-builds the server, its tests and its Debian
# package for 64-bit (arm64) and 32-bit (armhf) Raspberry Pi OS with Debian's
# multiarch libraries and runs those under qemu-user; then runs the main job
# for a few seconds.
#   scripts/test.sh
#   PISTREAM_SKIP_CROSS=1 scripts/test.sh    (skip the Pi architectures)
#   PISTREAM_SKIP_SANITIZE=1 scripts/test.sh (skip the ASan+UBSan build and the fuzzers)
set -euo pipefail
cd "$(dirname "$0")/.."

cross=(--cross)
[[ "${PISTREAM_SKIP_CROSS:-0}" == 1 ]] && cross=()
scripts/setup.sh --test "${cross[@]}"
scripts/build.sh --test
(cd build && ctest --output-on-failure --parallel 2 --timeout 300)

# The builds after the native one compile as unity builds (several sources per
# compiler run, so Asio's and spdlog's templates are compiled once per batch,
# not once per file): about half the CPU time, which keeps this script within
# CI's time. The native build keeps one source per run, so a missing #include
# still fails there.
quick_build=(-DCMAKE_UNITY_BUILD=ON)

# Everything again with AddressSanitizer and UndefinedBehaviorSanitizer (clang),
# plus the libFuzzer harnesses for a fixed number of inputs each. Any report
# fails the test it happens in.
if [[ "${PISTREAM_SKIP_SANITIZE:-0}" != 1 ]]; then
    echo "test: the whole suite under ASan+UBSan, and the fuzzers (build-sanitize)" >&2
    cmake -S . -B build-sanitize -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON -DPISTREAM_SANITIZE=ON \
        -DPISTREAM_FUZZ=ON "${quick_build[@]}" \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" >/dev/null
    cmake --build build-sanitize --parallel
    (cd build-sanitize &&
        ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:quarantine_size_mb=32 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure --parallel 2 --timeout 600)
fi

# The server for the Pi: warnings are errors here, as 32-bit size_t finds
# conversions the native build cannot.
cross_build()
{
    local dir=$1
    shift
    # -g1: line tables for backtraces; the package is stripped either way.
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPISTREAM_BUILD_VIEWER=OFF \
        -DBUILD_TESTING=ON -DPISTREAM_WERROR=ON "${quick_build[@]}" \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "$@" >/dev/null
    cmake --build "$dir" --parallel
    (cd "$dir" && ctest --output-on-failure --parallel 2 --timeout 600)
}
if [[ ${#cross[@]} -gt 0 && "$(dpkg --print-architecture)" != arm64 ]]; then
    echo "test: pistream-server and its tests for aarch64 (multiarch), run under qemu-user" >&2
    cross_build build-aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
    echo "test: pistream-server, its tests and package for armhf (multiarch), run under qemu-user" >&2
    cross_build build-armhf -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
fi

echo "test: the main job (scripts/run.sh) for 3 seconds" >&2
PISTREAM_LISTEN=127.0.0.1:0 PISTREAM_HTTP=127.0.0.1:0 PISTREAM_RUN_SECONDS=3 scripts/run.sh --stats-interval 1 --size 640x480
