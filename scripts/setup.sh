#!/usr/bin/env bash
# Installs the Debian packages pistream needs that are not installed yet.
#   scripts/setup.sh          what building and running needs
#   scripts/setup.sh --test   that, plus what the tests need
# Works on Debian 12 and Raspberry Pi OS (bookworm); uses sudo when not root.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    libturbojpeg0-dev zlib1g-dev libasio-dev libcli11-dev libtomlplusplus-dev
    libspdlog-dev nlohmann-json3-dev
)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(doctest-dev)
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
