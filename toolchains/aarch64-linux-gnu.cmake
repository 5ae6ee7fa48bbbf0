# 64-bit Raspberry Pi OS (Pi 3, 4, 5, Zero 2 W).
#
# With Debian's cross compiler and multiarch libraries:
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install crossbuild-essential-arm64 qemu-user libturbojpeg0-dev:arm64 ...
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
#
# With a sysroot copied from a Pi (exact library versions), also pass
# -DCMAKE_SYSROOT=/path/to/sysroot or set PISTREAM_SYSROOT.
set(PISTREAM_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
