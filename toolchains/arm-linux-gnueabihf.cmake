# 32-bit Raspberry Pi OS on ARMv7 and later boards (Pi 2, 3, 4 in 32-bit mode).
# Same use as aarch64-linux-gnu.cmake, with armhf packages
# (crossbuild-essential-armhf, libturbojpeg0-dev:armhf, ...).
set(PISTREAM_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR arm)
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
# GCC notes on every std::vector of 64-bit elements that their argument passing
# changed in GCC 7.1: true, and irrelevant to code built by one compiler.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
