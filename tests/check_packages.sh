#!/usr/bin/env bash
# Builds the Debian packages of a build directory with CPack and checks them:
# the files each installs, the server's conffiles and maintainer scripts, the
# architecture, Depends worked out by dpkg-shlibdeps, and lintian with no errors.
#   tests/check_packages.sh BUILD_DIR
set -euo pipefail
build=$1
cd "$build"
rm -f pistream-*.deb
cpack -G DEB >/dev/null
arch=$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "\(.*\)")/\1/p' CPackConfig.cmake)
fail() { echo "FAIL: $*" >&2; exit 1; }
checked=0
for deb in pistream-*.deb; do
    name=$(dpkg-deb -f "$deb" Package)
    echo "== $deb"
    [[ "$(dpkg-deb -f "$deb" Architecture)" == "$arch" ]] || fail "$deb: architecture is not $arch"
    [[ "$deb" == "${name}_$(dpkg-deb -f "$deb" Version)_${arch}.deb" ]] || fail "$deb: unexpected file name"
    depends=$(dpkg-deb -f "$deb" Depends)
    [[ "$depends" == *libturbojpeg0* && "$depends" == *libc6* ]] || fail "$name: Depends lacks its libraries: $depends"
    files=$(dpkg-deb -c "$deb" | awk '{print $6}')
    need=("./usr/bin/$name" "./usr/share/doc/$name/copyright" "./usr/share/doc/$name/changelog.gz"
          "./usr/share/man/man1/$name.1.gz")
    if [[ "$name" == pistream-server ]]; then
        need+=(./lib/systemd/system/pistream-server.service ./etc/pistream/server.toml
               ./lib/udev/rules.d/60-pistream-dma-heap.rules)
        control=$(mktemp -d)
        dpkg-deb -e "$deb" "$control"
        grep -qx /etc/pistream/server.toml "$control/conffiles" || fail "server.toml is not a conffile"
        ! grep -q avahi "$control/conffiles" || fail "a static Avahi file is shipped: the server announces itself"
        ! grep -q '/etc/avahi' <<<"$files" || fail "a static Avahi file is shipped: the server announces itself"
        grep -q 'deb-systemd-helper enable pistream-server.service' "$control/postinst" || fail "postinst does not enable the service"
        grep -q 'deb-systemd-invoke stop' "$control/prerm" || fail "prerm does not stop the service"
        grep -q 'rm -rf /etc/pistream' "$control/postrm" || fail "purge does not remove the config"
        rm -rf "$control"
    else
        [[ "$depends" == *libsdl2* && "$depends" == *libavformat* ]] || fail "viewer Depends lacks SDL or libavformat"
    fi
    for file in "${need[@]}"; do
        grep -qx -- "$file" <<<"$files" || fail "$name does not install $file"
    done
    dpkg-deb -f "$deb" Depends
    checked=$((checked + 1))
done
[[ $checked -gt 0 ]] || fail "cpack made no package"
lintian --fail-on error pistream-*.deb 2>&1 | grep -v 'root privileges' || true
lintian --fail-on error pistream-*.deb >/dev/null 2>&1 || fail "lintian reports errors"
echo "packages: $checked checked, lintian clean of errors"
