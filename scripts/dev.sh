#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   bash scripts/dev.sh demo    install what's missing, build, run `hindsight demo`
#   bash scripts/dev.sh test    install what's missing, build, run the whole test suite
#   bash scripts/dev.sh build   install what's missing, build (Release) into ./build
# Options (env): BUILD_DIR (default build), SANITIZE=1 (ASan+UBSan build in build-asan).
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ pkg-config tzdata
          ca-certificates                               # TLS to Slack (socket mode, the Web API)
          libboost1.81-dev libssl-dev nlohmann-json3-dev libsqlitecpp-dev libspdlog-dev
          doctest-dev libhowardhinnant-date-dev libstemmer-dev
          libpqxx-dev postgresql
          libcmark-gfm-dev libcmark-gfm-extensions-dev  # Markdown on the web pages
          chromium                                      # the browser tests (headless)
          python3)                                      # the draft's scorer, the crash test

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# build [target]: the whole project, or only `target` (and what it needs).
build() {
    local dir="${BUILD_DIR:-build}" extra=() targets=()
    [ -n "${1:-}" ] && targets=(--target "$1")
    if [ "${SANITIZE:-0}" = 1 ]; then
        dir="${BUILD_DIR:-build-asan}"
        extra+=(-DHINDSIGHT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
    else
        extra+=(-DCMAKE_BUILD_TYPE=Release)
    fi
    cmake -S . -B "$dir" -G Ninja "${extra[@]}" >/dev/null
    cmake --build "$dir" "${targets[@]}"
    BUILT="$dir"
}

case "${1:-}" in
    demo)
        install_missing
        build hindsight  # the demo needs the binary, not the test suite
        "./$BUILT/hindsight" demo
        ;;
    test)
        install_missing
        build
        ctest --test-dir "$BUILT" -j2 --output-on-failure --timeout 120
        ;;
    build)
        install_missing
        build
        ;;
    *)
        echo "usage: bash scripts/dev.sh demo|test|build" >&2
        exit 2
        ;;
esac
