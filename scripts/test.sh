#!/usr/bin/env bash
# The README's test command: installs what is needed, builds under AddressSanitizer and
# UndefinedBehaviorSanitizer, starts the services the tests need, runs every test, stops them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$root/build-asan" -j2 --output-on-failure --timeout 900
