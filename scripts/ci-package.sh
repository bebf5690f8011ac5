#!/usr/bin/env bash
# Builds the Debian package and proves it on this machine (fresh Debian 12, as root):
#   bash scripts/ci-package.sh         build, inspect, install, run, verify the unit, purge
#   bash scripts/ci-package.sh build   only build build-package/hindsight_<version>_<arch>.deb
# Options (env): BUILD_DIR (default build-package). Pointing it at an existing
# Release build (CI uses ./build, which the test step just built) packages that
# binary instead of compiling the product a second time.
# Installs what the build needs (apt). Stops at the first failure, saying where.
set -euo pipefail
trap 'echo "ci-package: FAILED (line $LINENO: $BASH_COMMAND)" >&2' ERR

cd "$(dirname "$0")/.."

build_dir="${BUILD_DIR:-build-package}"
packages=(cmake ninja-build g++ pkg-config tzdata ca-certificates
          libboost1.81-dev libssl-dev nlohmann-json3-dev libsqlitecpp-dev libspdlog-dev
          libhowardhinnant-date-dev libstemmer-dev libpqxx-dev
          libcmark-gfm-dev libcmark-gfm-extensions-dev
          dpkg-dev file)  # CPack: dpkg-shlibdeps for Depends, file to find the ELF binaries

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

step() { echo; echo "== $*"; }
fail() { echo "ci-package: FAILED: $*" >&2; exit 1; }

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing: ${missing[*]}"
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

build_package() {
    step "build the package (Release, $build_dir)"
    rm -f "$build_dir"/hindsight_*.deb
    if [ -f "$build_dir/CMakeCache.txt" ]; then
        # An existing build: keep its options (tests on or off), only insist on Release.
        grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$build_dir/CMakeCache.txt" \
            || fail "$build_dir is not a Release build"
        cmake -S . -B "$build_dir" >/dev/null
    else
        cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHINDSIGHT_TESTS=OFF >/dev/null
    fi
    cmake --build "$build_dir" --target package
    local debs=("$build_dir"/hindsight_*.deb)
    [ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one $build_dir/hindsight_*.deb, found: ${debs[*]}"
    DEB="${debs[0]}"
    echo "built $DEB"
}

inspect_package() {
    step "inspect $DEB"
    dpkg-deb --info "$DEB"
    local contents
    contents="$(dpkg-deb --contents "$DEB")"
    echo "$contents"
    for path in ./usr/bin/hindsight ./etc/hindsight/config.json ./etc/hindsight/env \
                ./lib/systemd/system/hindsight.service ./usr/share/doc/hindsight/README.md \
                ./usr/share/doc/hindsight/config-reference.md ./usr/share/doc/hindsight/operations.md; do
        grep -q " $path\$" <<<"$contents" || fail "$path missing from the package"
    done
    grep -q '^-rw-r----- root/root .* ./etc/hindsight/env$' <<<"$contents" \
        || fail "/etc/hindsight/env must be 0640 root:root"
    local depends conffiles
    depends="$(dpkg-deb --field "$DEB" Depends)"
    for dep in libc6 libstdc++6 libssl3 libsqlite3-0 libcmark-gfm0 libcmark-gfm-extensions0 tzdata ca-certificates; do
        grep -q "\\b$dep\\b" <<<"$depends" || fail "Depends lacks $dep: $depends"
    done
    conffiles="$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles)"
    for f in /etc/hindsight/config.json /etc/hindsight/env; do
        grep -qx "$f" <<<"$conffiles" || fail "$f is not a conffile"
    done
}

install_and_check() {
    step "install"
    local log
    log="$(mktemp)"
    $sudo apt-get install -y -q "./$DEB" </dev/null 2>&1 | tee "$log"
    grep -q "hindsight is installed but not started" "$log" || fail "postinst did not print the next steps"
    rm -f "$log"
    dpkg-query -W -f='${Status}\n' hindsight | grep -q "install ok installed" || fail "hindsight is not installed"

    step "run the installed binary"
    local version expected
    version="$(/usr/bin/hindsight --version)"
    echo "$version"
    expected="$(dpkg-deb --field "$DEB" Version)"
    [[ "$version" == "hindsight $expected "* ]] || fail "--version says '$version', the package is $expected"
    /usr/bin/hindsight check-config --config /etc/hindsight/config.json >/dev/null
    [ "$(stat -c '%a %U %G' /etc/hindsight/env)" = "640 root root" ] || fail "/etc/hindsight/env is not 0640 root:root"

    step "verify the systemd unit"
    if command -v systemd-analyze >/dev/null; then
        # Only the unit's own diagnostics count (the host may have broken units of its own).
        local out
        out="$(systemd-analyze verify /lib/systemd/system/hindsight.service 2>&1)" || { echo "$out"; fail "systemd-analyze verify failed"; }
        if grep -i "hindsight.service" <<<"$out"; then fail "systemd-analyze verify complains about hindsight.service"; fi
        echo "systemd-analyze verify: ok"
    else
        echo "systemd-analyze not available: skipped"
    fi
}

purge_and_check() {
    step "remove --purge"
    $sudo apt-get remove -y -q --purge hindsight </dev/null
    if dpkg-query -W -f='${Status}' hindsight 2>/dev/null | grep -q "installed"; then fail "hindsight still installed"; fi
    for path in /usr/bin/hindsight /etc/hindsight /lib/systemd/system/hindsight.service /var/lib/hindsight; do
        [ ! -e "$path" ] || fail "$path left behind after purge"
    done
}

case "${1:-}" in
    "" | build) ;;
    *) echo "usage: bash scripts/ci-package.sh [build]" >&2; exit 2 ;;
esac
install_missing
build_package
[ "${1:-}" = "build" ] && exit 0
inspect_package
install_and_check
purge_and_check
echo
echo "ci-package: OK ($DEB)"
