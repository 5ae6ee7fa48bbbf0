#!/usr/bin/env bash
# Installs the Debian packages pistream needs that are not installed yet.
#   scripts/setup.sh                 what building and running needs
#   scripts/setup.sh --test          that, plus what the tests need
#   scripts/setup.sh --test --cross  that, plus the arm64 and armhf cross
#                                    compilers, the server's libraries for both
#                                    (Debian multiarch) and qemu-user
# Works on Debian 12 and Raspberry Pi OS (bookworm); uses sudo when not root.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    libturbojpeg0-dev zlib1g-dev libyuv-dev libasio-dev libcli11-dev libtomlplusplus-dev
    libspdlog-dev nlohmann-json3-dev libsystemd-dev libcamera-dev libhttp-parser-dev libssl-dev
    libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core libavformat-dev libavcodec-dev libavutil-dev
    libmosquitto-dev libhiredis-dev librdkafka-dev libcurl4-openssl-dev libsqlite3-dev
    libavahi-client-dev
)
cross=no
for arg in "$@"; do
    case "$arg" in
        # Window tests: a virtual X server, screenshots, key presses, ffprobe;
        # HTTP tests: curl and a headless browser.
        --test) packages+=(doctest-dev xvfb xauth imagemagick xdotool ffmpeg systemd lintian dpkg-dev
                           curl chromium help2man openssl
                           clang libclang-rt-dev llvm # the sanitized build, libFuzzer
                           # --publish against real brokers, read by their own clients
                           mosquitto mosquitto-clients redis-server
                           python3-paho-mqtt python3-redis python3-pil
                           # Kafka: librdkafka's mock cluster stands in for a broker
                           python3-confluent-kafka kcat

                           # discovery against a real avahi-daemon on a private D-Bus
                           avahi-daemon avahi-utils dbus iproute2 util-linux) ;;
        --cross) cross=yes ;;
        *) echo "setup: unknown option $arg" >&2; exit 2 ;;
    esac
done
# The server's libraries for 64-bit (arm64) and 32-bit (armhf) Raspberry Pi
# OS; header-only ones are arch-independent.
cross_packages=(crossbuild-essential-arm64 crossbuild-essential-armhf qemu-user rsync)
for arch in arm64 armhf; do
    cross_packages+=(
        libturbojpeg0-dev:$arch libjpeg62-turbo-dev:$arch zlib1g-dev:$arch libyuv-dev:$arch
        libspdlog-dev:$arch libfmt-dev:$arch libtomlplusplus-dev:$arch libsystemd-dev:$arch
        libcamera-dev:$arch libhttp-parser2.9:$arch libssl-dev:$arch
        libmosquitto-dev:$arch libhiredis-dev:$arch librdkafka-dev:$arch libcurl4-openssl-dev:$arch
        libavahi-client-dev:$arch
        # event recording: Matroska clips (ffmpeg's libraries) and the SQLite index
        libavformat-dev:$arch libavcodec-dev:$arch libavutil-dev:$arch libsqlite3-dev:$arch
    )
done

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi
if [[ $cross == yes ]]; then
    if [[ "$(dpkg --print-architecture)" == arm64 ]]; then
        cross=no # already on the Pi's architecture: the native build is the arm64 build
    else
        for arch in arm64 armhf; do
            if ! dpkg --print-foreign-architectures | grep -qx $arch; then
                echo "setup: enabling the $arch architecture for cross-compiling (dpkg multiarch)" >&2
                "${sudo[@]}" dpkg --add-architecture $arch
            fi
        done
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
