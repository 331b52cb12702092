#!/usr/bin/env bash
# The baseline of the code-update benchmark: a plain shell script doing only what the update
# has to do, with the very commands galaos-updater runs for the sample app: fetch + checkout
# + npm ci + migrate + build + restart, then wait until the new version is served.
# With STEP_LOG=FILE it appends "step milliseconds" lines (bash's clock, no extra process).
# Usage: baseline.sh APP_DIR PORT TAG   (TAG like v1.1.0)
set -euo pipefail
app=$1
port=$2
tag=$3
here=$(cd "$(dirname "$0")" && pwd)
step() {  # step NAME COMMAND...
  local started=${EPOCHREALTIME/./}
  "${@:2}"
  if [[ -n ${STEP_LOG:-} ]]; then echo "$1 $(((${EPOCHREALTIME/./} - started) / 1000))" >>"$STEP_LOG"; fi
}
cd "$app"
step fetch git fetch -q --tags origin
step checkout git -c advice.detachedHead=false checkout -q --detach "$tag"
step install npm ci
step migrate sqlite3 data/app.db ".read migrations/schema.sql"
step build npm run build
step restart node scripts/restart.js
step serving "$here/serving.sh" "$port" "${tag#v}"
