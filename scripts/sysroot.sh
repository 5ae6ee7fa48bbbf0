#!/usr/bin/env bash
# Makes a sysroot for cross-compiling pistream-server: the Pi's headers and
# libraries in one directory, for -DCMAKE_SYSROOT=DIR (or PISTREAM_SYSROOT=DIR).
#   scripts/sysroot.sh debian ARCH DIR     from Debian 12 packages for ARCH
#                                          (arm64 or armhf); no Pi needed
#   scripts/sysroot.sh pi [USER@]HOST DIR  copied from a running Pi over ssh,
#                                          for its exact library versions
# Either way, absolute symbolic links such as libz.so -> /lib/.../libz.so.1
# are rewritten as relative ones, so they point into DIR and not at this
# machine's own libraries.
set -euo pipefail

usage()
{
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
[[ $# -eq 3 ]] || usage
mode=$1 from=$2 dir=$3

# What pistream-server and its tests build against; the arch-independent
# header-only libraries are listed apart because they carry no architecture.
dev_packages=(libstdc++-12-dev libturbojpeg0-dev libjpeg62-turbo-dev zlib1g-dev libyuv-dev libspdlog-dev
              libtomlplusplus-dev libsystemd-dev libcamera-dev libhttp-parser-dev libssl-dev
              libavahi-client-dev)
header_packages=(libasio-dev libcli11-dev nlohmann-json3-dev doctest-dev)

sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)

from_debian()
{
    local arch=$1
    if [[ "$arch" != "$(dpkg --print-architecture)" ]] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
        echo "sysroot: enabling the $arch architecture so apt can download its packages" >&2
        "${sudo[@]}" dpkg --add-architecture "$arch"
        "${sudo[@]}" apt-get update -qq || echo "sysroot: apt-get update reported errors; going on" >&2
    fi
    # Every library those packages need, for this architecture only; the
    # build tools among the dependencies (compilers, rpcgen) are not wanted.
    local wanted=() package
    for package in "${dev_packages[@]}"; do
        wanted+=("$package:$arch")
    done
    mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances "${wanted[@]}" 2>/dev/null |
        grep -E "^[a-z0-9.+-]+:$arch\$" | grep -vE '^(libc-dev-bin|rpcsvc-proto|catch2):' | sort -u)
    [[ ${#closure[@]} -gt 0 ]] || { echo "sysroot: apt knows no $arch packages" >&2; exit 1; }

    local debs
    debs=$(mktemp -d)
    trap 'rm -rf "$debs"' RETURN
    echo "sysroot: downloading ${#closure[@]} $arch packages and ${#header_packages[@]} header packages" >&2
    (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "${closure[@]}" "${header_packages[@]}")
    mkdir -p "$dir"
    for package in "$debs"/*.deb; do
        dpkg-deb -x "$package" "$dir"
    done
}

from_pi()
{
    local host=$1
    mkdir -p "$dir"
    # Headers, libraries and pkg-config files; -l keeps links as links.
    rsync -a --relative --delete --exclude=/usr/lib/modules/ --exclude=/usr/lib/firmware/ \
        "$host":/usr/include :/usr/lib :/usr/share/pkgconfig "$dir"/
    # Raspberry Pi OS has merged /usr: /lib is a link to usr/lib.
    [[ -e "$dir/lib" ]] || ln -s usr/lib "$dir/lib"
}

case "$mode" in
    debian) from_debian "$from" ;;
    pi) from_pi "$from" ;;
    *) usage ;;
esac

# Absolute links, resolved inside the sysroot.
find "$dir" -type l -lname '/*' -print0 | while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dir$target")" "$link"
done
echo "sysroot: $dir is ready: cmake -DCMAKE_SYSROOT=$(realpath "$dir") ..." >&2
