#!/usr/bin/env bash
# Installs the Debian packages pistream needs that are not installed yet.
#   scripts/setup.sh                 what building and running needs
#   scripts/setup.sh --test          that, plus what the tests need
#   scripts/setup.sh --test --cross  that, plus the arm64 cross compiler, arm64
#                                    libraries (Debian multiarch), qemu-user and
#                                    the armhf cross compiler (whose libraries
#                                    come in a sysroot: scripts/sysroot.sh)
# Works on Debian 12 and Raspberry Pi OS (bookworm); uses sudo when not root.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    libturbojpeg0-dev zlib1g-dev libyuv-dev libasio-dev libcli11-dev libtomlplusplus-dev
    libspdlog-dev nlohmann-json3-dev libsystemd-dev libcamera-dev libhttp-parser-dev libssl-dev
    libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core libavformat-dev libavcodec-dev libavutil-dev
)
cross=no
for arg in "$@"; do
    case "$arg" in
        # Window tests: a virtual X server, screenshots, key presses, ffprobe;
        # HTTP tests: curl and a headless browser.
        --test) packages+=(doctest-dev xvfb xauth imagemagick xdotool ffmpeg systemd lintian dpkg-dev
                           curl chromium help2man openssl
                           clang libclang-rt-dev llvm) ;; # the sanitized build, libFuzzer
        --cross) cross=yes ;;
        *) echo "setup: unknown option $arg" >&2; exit 2 ;;
    esac
done
# The server's libraries for 64-bit Raspberry Pi OS; header-only ones are arch-independent.
cross_packages=(
    crossbuild-essential-arm64 qemu-user g++-arm-linux-gnueabihf rsync
    libturbojpeg0-dev:arm64 libjpeg62-turbo-dev:arm64 zlib1g-dev:arm64 libyuv-dev:arm64
    libspdlog-dev:arm64 libfmt-dev:arm64 libtomlplusplus-dev:arm64 libsystemd-dev:arm64
    libcamera-dev:arm64 libhttp-parser2.9:arm64 libssl-dev:arm64
)

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
if [[ $cross == yes ]]; then
    if [[ "$(dpkg --print-architecture)" == arm64 ]]; then
        cross=no # already on the Pi's architecture: the native build is the arm64 build
    elif ! dpkg --print-foreign-architectures | grep -qx arm64; then
        echo "setup: enabling the arm64 architecture for cross-compiling (dpkg multiarch)" >&2
        "${sudo[@]}" dpkg --add-architecture arm64
    fi
fi
[[ $cross == yes ]] && packages+=("${cross_packages[@]}")

missing=()
native=$(dpkg --print-architecture)
for package in "${packages[@]}"; do
    # The native one of a package installed for two architectures; the bare
    # name for architecture-independent ones.
    status=$(dpkg-query -W -f='${Status}' "$package:$native" 2>/dev/null ||
             dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if [[ ${#sudo[@]} -gt 0 ]] && ! command -v sudo >/dev/null; then
    echo "setup: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A mirror caught mid-sync fails one index; the install below still fails
# loudly if a package is really unavailable.
"${sudo[@]}" apt-get update -qq || echo "setup: apt-get update reported errors; installing anyway" >&2
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
