#!/usr/bin/env bash
# The README's first command: installs what is needed, builds, creates a real sample app (a
# Node.js server in a local git repository, scripts/sample-app/create.sh), starts it, and
# runs galaos-updater against it: health -> check -> update to v1.1.0 -> attempt v1.2.0, whose
# build fails and is rolled back -> history, backups, a rollback to 1.0.0, audit. Everything
# printed is real output.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
GALAOS_BUILD_TARGETS=galaos-updater "$root/scripts/build.sh" release  # the tests are not needed
bin=$root/build/galaos-updater
demo=$(mktemp -d /tmp/galaos-demo-XXXXXX)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
stop_app() {
  if [[ -f $demo/app/scripts/restart.js ]]; then (cd "$demo/app" && node scripts/restart.js stop); fi
  rm -rf "$demo"
}
trap stop_app EXIT

# Every command runs on the sample app's configuration, with its own state directory.
step() {
  printf '\n\033[1m$ galaos-updater %s\033[0m\n' "$*"
  "$bin" --config "$demo/updater.toml" "$@"
}
# A step that is expected to fail: its exit code is shown, and the demo goes on.
failing_step() {
  step "$@" || printf '(exit code %d)\n' "$?"
}
show() {
  printf '\n\033[1m$ %s\033[0m\n' "$*"
  "$@"
}

printf '\n\033[1mCreating the sample app in %s (port %s)\033[0m\n' "$demo" "$port"
"$root/scripts/sample-app/create.sh" "$demo" "$port"
(cd "$demo/app" && node scripts/restart.js)
step --help
step config check
step health
show curl -fsS "http://127.0.0.1:$port/version"
step check
step apply code --target v1.1.0
show curl -fsS "http://127.0.0.1:$port/version"
show sqlite3 "$demo/app/data/app.db" .tables
failing_step apply code
show curl -fsS "http://127.0.0.1:$port/version"
step history
step backups list
# Back to the backup taken before the first update (the oldest; the list is newest first):
# code, files, database (the notes table goes), dependencies, build and restart return to
# 1.0.0 in one journaled transaction, undone if any of it fails.
oldest=$("$bin" --config "$demo/updater.toml" backups list --json |
  node -e 'const b = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(b[b.length - 1].id)')
step rollback "$oldest"
show curl -fsS "http://127.0.0.1:$port/version"
show sqlite3 "$demo/app/data/app.db" .tables
step audit list
step audit verify
