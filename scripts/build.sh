#!/usr/bin/env bash
# Configures and builds into a build directory.
# Usage: scripts/build.sh [release|asan]   (release -> build/, asan -> build-asan/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-release}" in
  release) dir=$root/build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGALAOS_SANITIZE=OFF) ;;
  asan) dir=$root/build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DGALAOS_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" >/dev/null
ninja -C "$dir"
