#!/usr/bin/env bash
# Configures and builds into a build directory; further arguments go to cmake.
# Usage: scripts/build.sh [release|asan] [CMAKE_ARG...]   (release -> build/, asan -> build-asan/)
# GALAOS_BUILD_TARGETS="t1 t2" builds only those targets (default: everything).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-release}
shift $(($# > 0))
case "$mode" in
  release) dir=$root/build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGALAOS_SANITIZE=OFF) ;;
  asan) dir=$root/build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DGALAOS_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|asan] [CMAKE_ARG...]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" "$@" >/dev/null
# shellcheck disable=SC2086  # a list of target names
ninja -C "$dir" ${GALAOS_BUILD_TARGETS:-}
