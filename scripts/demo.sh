#!/usr/bin/env bash
# The README's first command: installs what is needed, builds, and runs galaos-updater on
# its embedded defaults against a throw-away state directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release
bin=$root/build/galaos-updater
state=$(mktemp -d /tmp/galaos-demo-XXXXXX)
trap 'rm -rf "$state"' EXIT
export GALAOS_UPDATER_STATE_DIR=$state GALAOS_UPDATER_APP_ROOT=$root

step() { printf '\n\033[1m$ galaos-updater %s\033[0m\n' "$*"; "$bin" "$@"; }
step --help
step config check
step config show
step history
step audit verify
