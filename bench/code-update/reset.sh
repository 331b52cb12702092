#!/usr/bin/env bash
# hyperfine's --prepare: puts the sample app and the updater's state back to a saved
# snapshot (made by run.sh), restarts the app and waits until it serves that version, then
# syncs, so that no run inherits another's dirty pages or state.
# Usage: reset.sh WORK SNAPSHOT PORT VERSION   (WORK/SNAPSHOT/{app,state} -> WORK/{app,state})
set -euo pipefail
work=$1
snapshot=$work/$2
port=$3
version=$4
here=$(cd "$(dirname "$0")" && pwd)
if [[ -f $work/app/run/server.pid ]]; then (cd "$work/app" && node scripts/restart.js stop); fi
rm -rf "$work/app" "$work/state"
cp -a "$snapshot/app" "$work/app"
cp -a "$snapshot/state" "$work/state"
(cd "$work/app" && node scripts/restart.js >/dev/null)
"$here/serving.sh" "$port" "$version"
sync
