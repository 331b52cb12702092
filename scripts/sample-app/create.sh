#!/usr/bin/env bash
# Creates the demo's sample app in DIR (a new or empty directory):
#   DIR/remote.git  a bare repository with tags v1.0.0, v1.1.0 (a SQLite migration),
#                   v1.2.0 (its build fails) and v2.0.0 (a `feat!:` breaking change)
#   DIR/app         a clone checked out at v1.0.0, migrated and built (not started)
#   DIR/updater.toml the galaos-updater configuration for it (state in DIR/state)
# Usage: create.sh DIR PORT
set -euo pipefail
dir=$(realpath "$1")
port=$2
here=$(cd "$(dirname "$0")" && pwd)
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.invalid
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.invalid
git() { command git -c init.defaultBranch=main -c advice.detachedHead=false "$@"; }

mkdir -p "$dir"
git init -q --bare "$dir/remote.git"
work=$dir/work
git init -q "$work"
cp -r "$here/files/." "$work/"
cd "$work"

version() {  # sets package.json's version and regenerates the lockfile with real npm
  node -e 'const f="package.json",p=require("./"+f);p.version=process.argv[1];
require("fs").writeFileSync(f,JSON.stringify(p,null,2)+"\n")' "$1"
  npm install --package-lock-only --no-audit --no-fund --silent
}
release() {  # release VERSION MESSAGE
  version "$1"
  git add -A
  git commit -q -m "$2"
  git tag -a "v$1" -m "v$1"
}

release 1.0.0 "feat: first release"

cat >> migrations/schema.sql <<'SQL'
CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
SQL
cat > CHANGELOG.md <<'MD'
# Changelog

## 1.1.0
- feat: notes are stored in the new `notes` table (SQLite migration)
MD
release 1.1.0 "feat: notes table"

sed -i 's/^const ok = true;/const ok = false;  \/\/ v1.2.0 ships a broken build/' build.js
printf '\n## 1.2.0\n- fix: faster startup (its build is broken)\n' >> CHANGELOG.md
release 1.2.0 "fix: faster startup"

sed -i 's/^const ok = false;.*/const ok = true;/' build.js
sed -i 's|"/version"|"/api/version"|' server.js
printf '\n## 2.0.0\n- feat!: /version moved to /api/version\n' >> CHANGELOG.md
release 2.0.0 "feat!: move /version to /api/version

BREAKING CHANGE: clients must call /api/version."

git push -q "$dir/remote.git" main --tags
cd "$dir"
rm -rf "$work"

git clone -q "$dir/remote.git" app
git -C app checkout -q v1.0.0
cd app
printf 'PORT=%s\n' "$port" > .env
mkdir -p data
sqlite3 data/app.db ".read migrations/schema.sql"
npm ci --no-audit --no-fund --silent
npm run --silent build

sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" "$here/updater.toml.in" > "$dir/updater.toml"
